package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/hw/led"
	"github.com/cuecast/cuecast/hw/pins"
	"github.com/cuecast/cuecast/hw/pjlink"
)

// foreignFaultHold is how long an unacknowledged error alert from another
// component keeps the status LED on the fault pattern.
const foreignFaultHold = 5 * time.Minute

// maxForeign bounds the alerts remembered for the status LED.
const maxForeign = 64

// stripRefresh rewrites an unchanged frame this often, so a strip that lost
// its state (a glitch, a reconnected cable) recovers within a second.
const stripRefresh = time.Second

// Controller runs the table's hardware. See the package comment.
type Controller struct {
	cfg   config.HW
	deps  Deps
	log   *slog.Logger
	clock clockwork.Clock
	h     *health

	// Set by Start before the goroutines start; after Shutdown's wait they
	// belong to Shutdown.
	dev    *Devices
	status *pins.StatusLED
	relay  *pins.Output

	// Owned by the animation loop.
	scene     *scene
	px, prev  []led.RGB
	lastWrite time.Time
	stripOK   bool // the last write worked
	ready     bool
	foreign   map[string]time.Time // unacked error alerts of others: id -> raised

	inbox   chan input
	projReq chan projRequest

	mu      sync.Mutex // guards started, stopped
	started bool
	stopped bool
	ctx     context.Context // the loops' lifetime, set in Start
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	lastErst [6]pjlink.Health // projector loop: the previous ERST
}

type input struct {
	ev    *model.Event
	alert *hub.AlertState
	ready bool
}

type projRequest struct {
	on    bool
	input string
}

// New returns a controller for cfg. Nothing is touched until Start.
func New(cfg config.HW, deps Deps) *Controller {
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	if deps.Clock == nil {
		deps.Clock = clockwork.NewRealClock()
	}
	log := deps.Log.With("component", "hw")
	return &Controller{
		cfg:     cfg,
		deps:    deps,
		log:     log,
		clock:   deps.Clock,
		h:       newHealth(log, deps.Reporter, deps.Alerts, deps.Clock),
		foreign: map[string]time.Time{},
		inbox:   make(chan input, 64),
		projReq: make(chan projRequest, 4),
	}
}

// Start opens the devices, puts them in the safe starting state (LEDs off,
// status LED blinking "starting", relay as hw.gpio.relay_at_start; the
// projector is left as it is, so a restart does not cycle its lamp) and
// starts the loops. A part that fails is disabled and reported; Start itself
// fails only when called twice or after Shutdown.
func (c *Controller) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started || c.stopped {
		return errors.New("hw: Start: already started or shut down")
	}
	c.started = true

	var errs []error
	if c.deps.Open != nil {
		c.dev, errs = c.deps.Open(c.log)
	} else {
		c.dev, errs = OpenDevices(c.cfg, c.log)
	}
	if c.dev == nil {
		c.dev = &Devices{}
	}
	for _, err := range errs {
		part := PartHost
		var pe *PartError
		if errors.As(err, &pe) {
			part = pe.Part
		}
		c.h.fail(part, err)
	}

	if c.dev.Strip != nil {
		n := c.dev.Strip.Len()
		c.px, c.prev = make([]led.RGB, n), make([]led.RGB, n)
		c.scene = newScene(n, c.cfg.LED.Pockets)
		if err := c.dev.Strip.Write(c.px); err != nil {
			c.h.fail(PartLED, fmt.Errorf("hw: LED strip: %w", err))
		} else {
			c.stripOK = true
			c.h.ok(PartLED, fmt.Sprintf("%d LEDs %s", n, c.cfg.LED.Driver))
		}
		c.lastWrite = c.clock.Now()
	}
	if c.dev.StatusLED != nil {
		c.status = pins.NewStatusLED(pins.NewOutput(c.dev.StatusLED, c.cfg.GPIO.StatusLEDActiveLow))
		c.status.Set(pins.PatternStarting, c.clock.Now())
		if err := c.status.Update(c.clock.Now()); err != nil {
			c.h.fail(PartStatusLED, err)
		} else {
			c.h.ok(PartStatusLED, c.cfg.GPIO.StatusLED)
		}
	}
	if c.dev.Relay != nil {
		c.relay = pins.NewOutput(c.dev.Relay, c.cfg.GPIO.RelayActiveLow)
		c.setRelay(c.cfg.GPIO.RelayAtStart)
	}
	if c.dev.Projector != nil {
		c.h.ok(PartProjector, c.dev.Projector.Addr()+" (not polled yet)")
	}
	c.h.report()

	ctx, cancel := context.WithCancel(context.Background())
	c.ctx, c.cancel = ctx, cancel
	c.wg.Add(1)
	go c.animate(ctx)
	if c.deps.Subscribe != nil {
		c.wg.Add(1)
		go c.feed(ctx)
	}
	if c.dev.Projector != nil {
		c.wg.Add(1)
		go c.projectorLoop(ctx)
	}
	return nil
}

func (c *Controller) setRelay(action string) {
	if c.relay == nil || action == config.ActionLeave {
		return
	}
	if err := c.relay.Set(action == config.ActionOn); err != nil {
		c.h.fail(PartRelay, err)
		return
	}
	c.h.ok(PartRelay, c.cfg.GPIO.Relay+" "+action)
}

// Ready tells the controller the daemon is READY: the LEDs go to the idle
// pattern, the status LED to "ready", and the projector is powered on (and
// its input selected) when hw.projector.power_on_ready is set.
func (c *Controller) Ready() {
	c.mu.Lock()
	ok := c.started && !c.stopped
	c.mu.Unlock()
	if !ok {
		return
	}
	select {
	case c.inbox <- input{ready: true}:
	case <-c.ctx.Done():
		return
	}
	if c.dev.Projector != nil && c.cfg.Projector.PowerOnReady {
		select {
		case c.projReq <- projRequest{on: true, input: c.cfg.Projector.Input}:
		default:
			c.log.Warn("hw: projector request queue full, power-on at READY dropped")
		}
	}
}

// Shutdown stops the loops and leaves the safe state: LEDs off, status LED
// off, the projector as hw.projector.at_stop, the relay as
// hw.gpio.relay_at_stop (never cutting the projector's mains while it is on
// or cooling). ctx bounds the projector commands. Safe to call twice.
func (c *Controller) Shutdown(ctx context.Context) error {
	c.mu.Lock()
	if c.stopped || !c.started {
		c.stopped = true
		c.mu.Unlock()
		return nil
	}
	c.stopped = true
	c.mu.Unlock()
	c.cancel()
	c.wg.Wait()

	var errs []error
	if c.dev.Strip != nil {
		clear(c.px)
		if err := c.dev.Strip.Write(c.px); err != nil {
			errs = append(errs, fmt.Errorf("hw: LEDs off: %w", err))
		}
	}
	if c.status != nil {
		c.status.Set(pins.PatternOff, c.clock.Now())
		if err := c.status.Update(c.clock.Now()); err != nil {
			errs = append(errs, err)
		}
	}
	projectorOff := c.stopProjector(ctx, &errs)
	if c.relay != nil {
		switch a := c.cfg.GPIO.RelayAtStop; {
		case a == config.ActionOff && !projectorOff:
			c.log.Warn("hw: relay left on: the projector is not confirmed off and cool; cutting its mains now could kill the lamp")
		case a != config.ActionLeave:
			if err := c.relay.Set(a == config.ActionOn); err != nil {
				errs = append(errs, err)
			}
		}
	}
	c.dev.Close()
	err := errors.Join(errs...)
	if err != nil {
		c.log.Warn("hw: safe state incomplete", "err", err)
	} else {
		c.log.Info("hw: safe state reached")
	}
	return err
}

// stopProjector applies at_stop and reports whether the projector is known
// to be off and cool (or there is none), so its mains may be cut.
func (c *Controller) stopProjector(ctx context.Context, errs *[]error) bool {
	p := c.dev.Projector
	if p == nil {
		return true
	}
	wantCut := c.relay != nil && c.cfg.GPIO.RelayAtStop == config.ActionOff
	switch c.cfg.Projector.AtStop {
	case config.ActionOn:
		if err := p.SetPower(ctx, true); err != nil {
			*errs = append(*errs, err)
		}
		return false
	case config.ActionOff:
		if err := p.SetPower(ctx, false); err != nil {
			*errs = append(*errs, err)
			return false
		}
		if !wantCut {
			return false
		}
		// Cutting the relay is wanted: wait out the cool-down, within ctx.
		if err := p.WaitPower(ctx, pjlink.PowerOff); err != nil {
			*errs = append(*errs, fmt.Errorf("hw: projector not off before the stop deadline, relay left on: %w", err))
			return false
		}
		return true
	}
	// "leave": the mains may be cut only under a projector that is off now.
	if !wantCut {
		return false
	}
	st, err := p.Status(ctx)
	return err == nil && st.Power == pjlink.PowerOff
}

// animate is the animation loop: events in, frames out, on the clock.
func (c *Controller) animate(ctx context.Context) {
	defer c.wg.Done()
	// The strip runs at its configured rate; a status LED alone needs 20 Hz
	// for its 100 ms wink; with neither the loop only waits for Shutdown.
	period := time.Second
	switch {
	case c.dev.Strip != nil:
		period = time.Second / time.Duration(max(c.cfg.LED.FPS, 1))
	case c.status != nil:
		period = 50 * time.Millisecond
	}
	t := c.clock.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case in := <-c.inbox:
			c.handle(in)
			c.frame(c.clock.Now())
		case <-t.Chan():
			c.frame(c.clock.Now())
		}
	}
}

func (c *Controller) handle(in input) {
	now := c.clock.Now()
	switch {
	case in.ready:
		c.ready = true
		if c.scene != nil {
			c.scene.ready = true
		}
	case in.ev != nil:
		if c.scene != nil {
			c.scene.apply(in.ev, now)
		}
	case in.alert != nil:
		a := in.alert
		serious := a.Level == model.AlertError || a.Level == model.AlertCritical
		switch {
		case a.Source == alertSource:
			// Our own: health already drives the status LED.
		case a.Acked:
			delete(c.foreign, a.ID)
		case serious && now.Sub(a.Time) < foreignFaultHold:
			if len(c.foreign) >= maxForeign {
				c.pruneForeign(now, true)
			}
			c.foreign[a.ID] = a.Time
		}
	}
}

// pruneForeign drops expired alerts, and the oldest one if full is set.
func (c *Controller) pruneForeign(now time.Time, full bool) {
	var oldestID string
	var oldest time.Time
	for id, t := range c.foreign {
		if now.Sub(t) >= foreignFaultHold {
			delete(c.foreign, id)
			continue
		}
		if oldestID == "" || t.Before(oldest) {
			oldestID, oldest = id, t
		}
	}
	if full && len(c.foreign) >= maxForeign {
		delete(c.foreign, oldestID)
	}
}

// frame renders and writes the strip and the status LED for now. It
// allocates nothing on the steady path (checked by a test).
func (c *Controller) frame(now time.Time) {
	if c.status != nil {
		p := pins.PatternReady
		switch {
		case !c.ready:
			p = pins.PatternStarting
		case c.h.faulty() || c.foreignFault(now):
			p = pins.PatternFault
		}
		c.status.Set(p, now)
		if err := c.status.Update(now); err != nil {
			c.h.fail(PartStatusLED, err)
		}
	}
	if c.dev.Strip == nil {
		return
	}
	c.scene.render(now, c.px)
	recent := now.Sub(c.lastWrite) < stripRefresh
	if recent && (!c.stripOK || equal(c.px, c.prev)) {
		// Unchanged, or broken: a failing strip is retried once per
		// refresh period, not at the frame rate.
		return
	}
	if err := c.dev.Strip.Write(c.px); err != nil {
		c.stripOK = false
		c.lastWrite = now // retry at the refresh rate, not every frame
		c.h.fail(PartLED, fmt.Errorf("hw: LED strip: %w", err))
		return
	}
	copy(c.prev, c.px)
	c.lastWrite = now
	if !c.stripOK {
		c.stripOK = true
		c.h.ok(PartLED, fmt.Sprintf("%d LEDs %s", len(c.px), c.cfg.LED.Driver))
	}
}

func (c *Controller) foreignFault(now time.Time) bool {
	if len(c.foreign) == 0 {
		return false
	}
	c.pruneForeign(now, false)
	return len(c.foreign) > 0
}

func equal(a, b []led.RGB) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// feed reads the hub and hands events and alerts to the animation loop,
// resubscribing after the feed ends (a slow-consumer cut).
func (c *Controller) feed(ctx context.Context) {
	defer c.wg.Done()
	for ctx.Err() == nil {
		f, err := c.deps.Subscribe()
		if err != nil {
			c.log.Warn("hw: subscribe to hub", "err", err)
		} else {
			c.drain(ctx, f)
			f.Close()
		}
		select {
		case <-ctx.Done():
		case <-c.clock.After(time.Second):
		}
	}
}

func (c *Controller) drain(ctx context.Context, f Feed) {
	buf := make([]*hub.Publication, 0, 64)
	for {
		pubs, err := f.Next(ctx, buf[:0])
		if err != nil {
			if ctx.Err() == nil {
				c.log.Warn("hw: hub feed ended, resubscribing", "err", err)
			}
			return
		}
		for _, p := range pubs {
			in, ok := c.decode(p)
			if !ok {
				continue
			}
			select {
			case c.inbox <- in:
			case <-ctx.Done():
				return
			}
		}
		buf = pubs
	}
}

func (c *Controller) decode(p *hub.Publication) (input, bool) {
	switch p.Stream {
	case hub.StreamEvent:
		ev := new(model.Event)
		if err := json.Unmarshal(p.Data, ev); err != nil {
			c.log.Warn("hw: bad event publication", "offset", p.Offset, "err", err)
			return input{}, false
		}
		return input{ev: ev}, true
	case hub.StreamAlert:
		a := new(hub.AlertState)
		if err := json.Unmarshal(p.Data, a); err != nil {
			c.log.Warn("hw: bad alert publication", "offset", p.Offset, "err", err)
			return input{}, false
		}
		return input{alert: a}, true
	}
	return input{}, false
}
