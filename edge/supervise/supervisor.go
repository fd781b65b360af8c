package supervise

import (
	"context"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Notifier sends one sd_notify state string. The default uses go-systemd's
// daemon.SdNotify on $NOTIFY_SOCKET.
type Notifier func(state string) error

func sdNotify(state string) error {
	_, err := daemon.SdNotify(false, state)
	return err
}

// Supervisor tracks components and talks to systemd.
type Supervisor struct {
	log    *slog.Logger
	notify Notifier
	status func() string

	watchdog time.Duration // WATCHDOG_USEC; 0 when not enabled
	started  time.Time

	mu       sync.Mutex // guards the fields below
	comps    map[string]*Component
	gate     *Component // the Loop: its progress (and its children's) feeds the watchdog
	ready    bool
	stopping bool
	lastErr  string
	lastErrT time.Time
}

// Options configure a Supervisor.
type Options struct {
	Log *slog.Logger
	// Notify overrides sd_notify (tests).
	Notify Notifier
	// Status composes the STATUS= line; called about once a second.
	Status func() string
}

// New reads WATCHDOG_USEC (through go-systemd, which also checks
// WATCHDOG_PID) and returns a Supervisor.
func New(o Options) *Supervisor {
	s := &Supervisor{
		log:     o.Log,
		notify:  o.Notify,
		status:  o.Status,
		comps:   map[string]*Component{},
		started: time.Now(),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.notify == nil {
		s.notify = sdNotify
	}
	if d, err := daemon.SdWatchdogEnabled(false); err == nil {
		s.watchdog = d
	} else {
		s.log.Warn("watchdog settings unreadable; watchdog disabled", "err", err)
	}
	return s
}

// Started is when the Supervisor was created (process start, near enough).
func (s *Supervisor) Started() time.Time { return s.started }

// WatchdogInterval is WATCHDOG_USEC, or 0 when systemd does not watch us.
func (s *Supervisor) WatchdogInterval() time.Duration { return s.watchdog }

// Component registers a component and returns its handle, the only way to
// report for it: the part that owns the handle keeps it across restarts and
// reloads. A name registered twice panics: two parts reporting under one
// name would overwrite each other, a wiring bug found at the first start.
func (s *Supervisor) Component(name string) *Component {
	return s.register(name, nil)
}

// Loop registers the component whose progress gates the watchdog: WATCHDOG=1
// is sent only while it, or one of its children, made progress since the
// last ping. There is one; a second Loop panics.
func (s *Supervisor) Loop(name string) *Component {
	c := s.register(name, nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gate != nil {
		panic("supervise: Loop " + name + ": the watchdog already follows " + s.gate.name)
	}
	s.gate = c
	return c
}

// Child registers a component that runs on c's goroutine (the frame source
// inside the frame loop): it has its own health, and its Progress is c's
// progress too, so a loop waiting inside a child (retrying a lost camera)
// keeps the watchdog fed while a child wedged in a call starves it.
func (c *Component) Child(name string) *Component {
	return c.sup.register(name, c)
}

func (s *Supervisor) register(name string, parent *Component) *Component {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.comps[name]; dup {
		panic("supervise: component " + name + " registered twice (keep the handle and reuse it across restarts)")
	}
	c := &Component{name: name, sup: s, parent: parent, state: StateStarting, settled: make(chan struct{})}
	s.comps[name] = c
	return c
}

func (s *Supervisor) send(state string) {
	if err := s.notify(state); err != nil {
		s.log.Warn("sd_notify failed", "state", firstLine(state), "err", err)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Ready sends READY=1 (once) with a first STATUS line.
func (s *Supervisor) Ready() {
	s.mu.Lock()
	if s.ready {
		s.mu.Unlock()
		return
	}
	s.ready = true
	s.mu.Unlock()
	s.send("READY=1\nSTATUS=" + s.statusLine())
	s.log.Info("ready", "startup", time.Since(s.started).Round(time.Millisecond).String())
}

// IsReady reports whether READY=1 was sent and the daemon is not stopping.
func (s *Supervisor) IsReady() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ready && !s.stopping
}

// Reloading sends RELOADING=1 with the monotonic timestamp systemd 253+
// expects (older systemd ignores the extra field).
func (s *Supervisor) Reloading() {
	s.send("RELOADING=1\n" + daemon.SdNotifyMonotonicUsec() + "\nSTATUS=reloading configuration")
}

// Reloaded sends READY=1 after a reload, whether it was applied or refused.
func (s *Supervisor) Reloaded() { s.send("READY=1\nSTATUS=" + s.statusLine()) }

// Stopping sends STOPPING=1; the housekeeping loop stops sending STATUS.
func (s *Supervisor) Stopping() {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	s.send("STOPPING=1\nSTATUS=stopping")
}

// Trigger asks systemd to act on the watchdog now (WATCHDOG=trigger): for a
// fault the daemon detects itself and cannot recover from in-process.
func (s *Supervisor) Trigger(reason string) {
	s.log.Error("watchdog triggered", "reason", reason)
	s.noteError("watchdog trigger: " + reason)
	s.send("WATCHDOG=trigger\nSTATUS=fault: " + reason)
}

func (s *Supervisor) noteError(msg string) {
	s.mu.Lock()
	s.lastErr, s.lastErrT = msg, time.Now()
	s.mu.Unlock()
}

// LastError returns the most recent component failure and when it happened.
func (s *Supervisor) LastError() (string, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr, s.lastErrT
}

func (s *Supervisor) statusLine() string {
	if s.status == nil {
		return "running"
	}
	// STATUS is one line; a newline would start another assignment.
	return strings.ReplaceAll(s.status(), "\n", " ")
}

// Run refreshes STATUS about once a second and pings the watchdog at half
// its interval while the Loop progresses. It returns when ctx ends. With
// WATCHDOG_USEC set and no Loop registered, pings are withheld (nothing
// proves the daemon is alive) and that is logged.
func (s *Supervisor) Run(ctx context.Context) {
	status := time.NewTicker(time.Second)
	defer status.Stop()
	var wd <-chan time.Time
	if s.watchdog > 0 {
		t := time.NewTicker(s.watchdog / 2)
		defer t.Stop()
		wd = t.C
	}
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if gate == nil && s.watchdog > 0 {
		s.log.Error("watchdog enabled but no loop registered; pings withheld")
		wd = nil
	}
	var lastSeen uint64
	starving := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-status.C:
			s.mu.Lock()
			live := s.ready && !s.stopping
			s.mu.Unlock()
			if live {
				s.send("STATUS=" + s.statusLine())
			}
		case <-wd:
			n := gate.progressCount()
			s.mu.Lock()
			stopping, ready := s.stopping, s.ready
			s.mu.Unlock()
			if !ready {
				// Start-up is bounded by TimeoutStartSec, not the watchdog;
				// judging progress starts with READY=1.
				lastSeen = n
				continue
			}
			if stopping {
				// Shutdown is bounded by TimeoutStopSec; keep pinging so a
				// slow but orderly stop is not mistaken for a hang.
				s.send("WATCHDOG=1")
				continue
			}
			if n != lastSeen {
				lastSeen = n
				if starving {
					starving = false
					s.log.Info("watchdog pings resumed", "component", gate.name)
				}
				s.send("WATCHDOG=1")
				continue
			}
			if !starving {
				starving = true
				s.log.Error("watchdog pings withheld: no progress", "component", gate.name,
					"last_progress", gate.lastProgress().Format(time.RFC3339Nano), "hint", "the frame loop is stuck; systemd will restart cuecastd")
				s.noteError(gate.name + " made no progress")
			}
		}
	}
}

// Component state values.
const (
	StateStarting = "starting"
	StateOK       = "ok"
	StateFailed   = "failed"
	StateDisabled = "disabled"
)

// Component is the handle of one part of the daemon as the supervisor sees
// it. It implements Reporter.
type Component struct {
	name    string
	sup     *Supervisor
	parent  *Component    // progress propagates up (Child)
	settled chan struct{} // closed at the first OK, Fail or Disable

	mu          sync.Mutex // guards the fields below
	state       string
	detail      string
	since       time.Time
	progress    uint64
	lastProg    time.Time
	settledOnce bool
}

// Name is the name the component was registered under.
func (c *Component) Name() string { return c.name }

// Progress records that the component's loop made progress (and its
// parent's, for a Child).
func (c *Component) Progress() {
	now := time.Now()
	for p := c; p != nil; p = p.parent {
		p.mu.Lock()
		p.progress++
		p.lastProg = now
		p.mu.Unlock()
	}
}

// Settled is closed once the component first reported OK, Fail or Disable:
// the daemon waits on the frame source's to say READY whether or not a
// camera answered.
func (c *Component) Settled() <-chan struct{} { return c.settled }

// settleLocked closes settled once; c.mu is held.
func (c *Component) settleLocked() {
	if !c.settledOnce {
		c.settledOnce = true
		close(c.settled)
	}
}

// Health is the component's last report.
func (c *Component) Health() ComponentHealth {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ComponentHealth{Name: c.name, State: c.state, Detail: c.detail, Since: c.since, LastProgress: c.lastProg}
}

// OK marks the component healthy with a short detail.
func (c *Component) OK(detail string) {
	c.mu.Lock()
	changed := c.state != StateOK
	c.state, c.detail = StateOK, detail
	if changed {
		c.since = time.Now()
	}
	c.settleLocked()
	c.mu.Unlock()
	if changed {
		c.sup.log.Info("component ok", "component", c.name, "detail", detail)
	}
}

// Fail marks the component degraded. Repeated identical failures log once.
func (c *Component) Fail(err error) {
	msg := err.Error()
	c.mu.Lock()
	changed := c.state != StateFailed || c.detail != msg
	c.state, c.detail = StateFailed, msg
	if changed {
		c.since = time.Now()
	}
	c.settleLocked()
	c.mu.Unlock()
	if changed {
		c.sup.log.Error("component failed", "component", c.name, "err", msg)
		c.sup.noteError(c.name + ": " + msg)
	}
}

// Disable marks a component turned off by configuration or absent hardware.
func (c *Component) Disable(why string) {
	c.mu.Lock()
	c.state, c.detail, c.since = StateDisabled, why, time.Now()
	c.settleLocked()
	c.mu.Unlock()
}

func (c *Component) progressCount() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.progress
}

func (c *Component) lastProgress() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastProg
}

// ComponentHealth is one component in a health report.
type ComponentHealth struct {
	Name         string    `json:"name"`
	State        string    `json:"state"`
	Detail       string    `json:"detail,omitempty"`
	Since        time.Time `json:"since"`
	LastProgress time.Time `json:"last_progress,omitempty"`
}

// Health is the whole daemon's health.
type Health struct {
	Status     string            `json:"status"` // ok, degraded, starting, stopping
	Ready      bool              `json:"ready"`
	UptimeS    float64           `json:"uptime_s"`
	PID        int               `json:"pid"`
	LastError  string            `json:"last_error,omitempty"`
	Components []ComponentHealth `json:"components"`
}

// Health returns a snapshot of every component.
func (s *Supervisor) Health() Health {
	s.mu.Lock()
	h := Health{Ready: s.ready && !s.stopping, UptimeS: time.Since(s.started).Seconds(), PID: os.Getpid(), LastError: s.lastErr}
	stopping := s.stopping
	comps := make([]*Component, 0, len(s.comps))
	for _, c := range s.comps {
		comps = append(comps, c)
	}
	s.mu.Unlock()
	sort.Slice(comps, func(i, j int) bool { return comps[i].name < comps[j].name })
	h.Status = StateOK
	for _, c := range comps {
		ch := c.Health()
		if ch.State == StateFailed {
			h.Status = "degraded"
		}
		h.Components = append(h.Components, ch)
	}
	switch {
	case stopping:
		h.Status = "stopping"
	case !h.Ready && h.Status == StateOK:
		h.Status = StateStarting
	}
	return h
}

// Live reports whether the Loop progressed within max: the basis of
// /api/v1/health/live. Without a Loop nothing is known to be alive.
func (s *Supervisor) Live(max time.Duration) bool {
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if gate == nil {
		return false
	}
	last := gate.lastProgress()
	return !last.IsZero() && time.Since(last) < max
}
