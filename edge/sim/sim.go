package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// Options configure a simulator. DefaultOptions gives working values; New
// fills zero fields from it except where zero is meaningful (noise, angles).
type Options struct {
	Width, Height int
	FPS           float64
	// Scenario names a script (see Scenarios); default "demo".
	Scenario string
	// Seed makes the run repeatable: the same options give the same frames.
	Seed int64
	// Table is the playing-surface size; zero means 9 ft.
	Table model.Size
	// Felt is a name from Felts or "#rrggbb"; empty takes the scenario's.
	Felt string
	// Lighting names a rig from Lightings; empty means "lamps". The
	// "lighting" scenario cycles through every rig instead.
	Lighting string
	// RotationDeg turns the table in the image; Tilt (0..0.3) is keystone
	// perspective from a camera not quite vertical.
	RotationDeg, Tilt float64
	// NoiseSigma is the sensor noise in 8-bit levels; 0 renders clean.
	NoiseSigma float64
	// NoBlur turns motion blur off (exposure zero).
	NoBlur bool
	// Look is how real the picture is (camera, table wear, ball set,
	// people in view); the zero Look draws as the simulator always did.
	Look Look
	// Unpaced makes Read return as fast as it can render (tests,
	// benchmarks); frame times still advance by one period per frame, from
	// Clock.Now() at Open, or from 2026-01-01 UTC when Clock is nil.
	Unpaced bool
	// Clock paces Read; nil means the wall clock.
	Clock Clock
	// Umpire rules on the shots of the 8ball and 9ball scenarios; nil uses
	// the simulator's own small reading of the rules (see Umpire).
	Umpire Umpire
	// StallAfter, when > 0, makes Read block (until Resume or its context
	// ends) once that many frames were delivered: a wedged camera on
	// demand for watchdog tests.
	StallAfter uint64
}

// DefaultOptions are the daemon's: 1280x720 at 30 fps, the demo loop, noise
// like a decent USB camera.
func DefaultOptions() Options {
	return Options{Width: 1280, Height: 720, FPS: 30, Scenario: "demo", Lighting: "lamps", NoiseSigma: 2}
}

// Clock is the time source that paces Read.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends (returning ctx.Err()).
	Sleep(ctx context.Context, d time.Duration) error
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }
func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sim is the simulated camera. See the package comment for concurrency.
type Sim struct {
	opts     Options
	cam      camera
	looks    []*tableLook // per lighting rig; the director picks one
	bgs      [][]byte     // static background per rig
	geo      model.TableGeometry
	nz       *noise
	look     Look        // resolved
	sensor   *sensor     // nil: a clean camera
	people   *bystanders // nil: nobody at the table
	dir      *director
	period   time.Duration
	exposure float64
	name     string

	seq  uint64    // written under mu (Stalled reads it), read freely by the owner
	next time.Time // paced: when the next frame is due
	base time.Time // unpaced: time of frame 0

	mu       sync.Mutex // guards the fields below
	stalled  bool
	until    time.Time     // stall end; zero means until Resume
	resumeCh chan struct{} // closed by Resume
	closed   bool
}

// Open validates opts and builds a simulator; the static background is drawn
// here, so it costs a few hundred milliseconds at 1080p.
func Open(opts Options) (*Sim, error) {
	def := DefaultOptions()
	if opts.Width == 0 && opts.Height == 0 {
		opts.Width, opts.Height = def.Width, def.Height
	}
	if opts.FPS == 0 {
		opts.FPS = def.FPS
	}
	if opts.Scenario == "" {
		opts.Scenario = def.Scenario
	}
	if opts.Lighting == "" {
		opts.Lighting = def.Lighting
	}
	if opts.Table == (model.Size{}) {
		opts.Table = model.Table9ft
	}
	fixedBase := opts.Clock == nil
	if opts.Clock == nil {
		opts.Clock = wallClock{}
	}
	if err := opts.check(); err != nil {
		return nil, err
	}
	sc := scenarios[opts.Scenario]
	feltName := opts.Felt
	if feltName == "" {
		feltName = sc.felt
	}
	felt, err := parseFelt(feltName)
	if err != nil {
		return nil, err
	}
	look, err := opts.Look.resolve()
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(opts.Seed), 0x9e3779b97f4a7c15))
	s := &Sim{
		opts:   opts,
		look:   look,
		cam:    newCamera(opts.Width, opts.Height, opts.Table, opts.RotationDeg, opts.Tilt, look.BallRadiusPx),
		geo:    model.Standard(opts.Table),
		period: time.Duration(float64(time.Second) / opts.FPS),
		name:   fmt.Sprintf("sim:%s", opts.Scenario),
	}
	if !opts.NoBlur {
		// A half-open shutter, but never longer than maxExposure: a camera
		// under venue lights does not hold its shutter open for 1/6 s
		// because frames are taken 3 times a second (tests sample a
		// scenario sparsely; their frames must still look like a camera's).
		s.exposure = min(0.5/opts.FPS, maxExposure)
	}
	n := opts.Width * opts.Height * 3
	s.nz = newNoise(n, opts.NoiseSigma, rand.New(rand.NewPCG(uint64(opts.Seed), 7)))
	// One look and background per lighting rig the scenario uses: a
	// scenario that switches lights must not stall a frame redrawing.
	rigs := sc.rigs
	if len(rigs) == 0 {
		rigs = []string{opts.Lighting}
	}
	for _, name := range rigs {
		light := Lightings[name]
		look := newTableLook(opts.Table, felt, &light, uint32(opts.Seed))
		s.look.dress(look, uint32(opts.Seed))
		bg := make([]byte, n)
		renderBackground(bg, &s.cam, look, s.nz.maxV())
		s.looks, s.bgs = append(s.looks, look), append(s.bgs, bg)
	}
	s.dir = newDirector(sc, s.geo, s.looks[0], rng, opts.Umpire)
	if look.camPost() {
		s.sensor = newSensor(opts.Width, opts.Height, &s.look)
	}
	if look.Hands > 0 {
		s.people = newBystanders(look.Hands, opts.Seed, opts.Table)
	}
	s.base = opts.Clock.Now()
	if fixedBase && opts.Unpaced {
		// Unpaced runs without an injected clock are stamped from a fixed
		// epoch so that equal options give equal frames, timestamps included.
		s.base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return s, nil
}

// New is Open for options known to be valid (tests, tools with fixed
// options); it panics on invalid options.
func New(opts Options) *Sim {
	s, err := Open(opts)
	if err != nil {
		panic(err)
	}
	return s
}

func (o *Options) check() error {
	switch {
	case o.Width < 64 || o.Height < 48 || o.Width > 7680 || o.Height > 4320:
		return fmt.Errorf("sim: size %dx%d out of range (64x48 to 7680x4320)", o.Width, o.Height)
	case !(o.FPS >= 1 && o.FPS <= 240):
		return fmt.Errorf("sim: fps %v out of range [1, 240]", o.FPS)
	case scenarios[o.Scenario] == nil:
		return fmt.Errorf("sim: unknown scenario %q (known: %v)", o.Scenario, scenarioNames())
	case o.Table.Length <= 0 || o.Table.Width <= 0 || o.Table.Length > 4 || o.Table.Width > 2.5:
		return fmt.Errorf("sim: table %vx%v m is not a pool table", o.Table.Length, o.Table.Width)
	case o.RotationDeg < -180 || o.RotationDeg > 180 || o.Tilt < 0 || o.Tilt > 0.3:
		return fmt.Errorf("sim: rotation %v deg (want -180..180) or tilt %v (want 0..0.3) out of range", o.RotationDeg, o.Tilt)
	case !(o.NoiseSigma >= 0 && o.NoiseSigma <= 12):
		return fmt.Errorf("sim: noise sigma %v out of range [0, 12]", o.NoiseSigma)
	}
	if _, err := o.Look.resolve(); err != nil {
		return err
	}
	if _, ok := Lightings[o.Lighting]; !ok {
		return fmt.Errorf("sim: unknown lighting %q (known: dim, even, hall, lamps, spot)", o.Lighting)
	}
	if o.Felt != "" {
		if _, err := parseFelt(o.Felt); err != nil {
			return err
		}
	}
	return nil
}

// Name implements model.Source.
func (s *Sim) Name() string { return s.name }

// Geometry is the table the simulator draws.
func (s *Sim) Geometry() model.TableGeometry { return s.geo }

// Read implements model.Source: it waits for the next frame time (unless
// Unpaced), advances the scenario one period and renders into f.
func (s *Sim) Read(ctx context.Context, f *model.Frame) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if err := s.waitStall(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	closed = s.closed
	s.mu.Unlock()
	if closed {
		return ErrClosed // Close released a stalled Read
	}
	var at time.Time
	if s.opts.Unpaced {
		at = s.base.Add(time.Duration(s.seq) * s.period)
	} else {
		now := s.opts.Clock.Now()
		if s.next.IsZero() || now.Sub(s.next) > s.period {
			// First frame, or we fell a whole frame behind (a stalled
			// consumer): restart the cadence instead of bursting.
			s.next = now
		}
		if err := s.opts.Clock.Sleep(ctx, s.next.Sub(now)); err != nil {
			return err
		}
		at = s.next
		s.next = s.next.Add(s.period)
	}
	s.Render(f, at)
	return nil
}

// Render advances the scenario one frame period (none before the first
// frame) and draws the frame stamped at, without pacing or stalls: Read
// without the waiting, for benchmarks and tools.
func (s *Sim) Render(f *model.Frame, at time.Time) {
	d := s.dir
	d.now = at
	d.events = d.events[:0]
	if s.seq > 0 {
		d.tick(s.period.Seconds())
	} else {
		d.tick(0)
	}
	n := s.opts.Width * s.opts.Height * 3
	if cap(f.Pix) < n {
		f.Pix = make([]byte, n)
	}
	f.Pix = f.Pix[:n]
	f.Width, f.Height = s.opts.Width, s.opts.Height
	f.Seq = s.seq
	f.Captured = at
	s.draw(f.Pix)
	f.Truth = s.truth()
	s.mu.Lock()
	s.seq++
	s.mu.Unlock()
}

// draw composes one frame: background, shadows, balls, hand and cue, noise.
func (s *Sim) draw(pix []byte) {
	look, bg := s.looks[s.dir.light], s.bgs[s.dir.light]
	copy(pix, bg)
	w, h := s.opts.Width, s.opts.Height
	maxV := s.nz.maxV()
	balls := s.dir.balls
	for i := range balls {
		if !balls[i].pocketed {
			drawShadow(pix, w, h, &s.cam, look, &balls[i])
		}
	}
	for i := range balls {
		if !balls[i].pocketed {
			drawBall(pix, w, h, &s.cam, look, &balls[i], s.exposure, maxV)
		}
	}
	drawCueAndHand(pix, w, h, &s.cam, look, s.dir.cue, s.dir.hand, maxV)
	if s.people != nil {
		s.people.at(float64(s.seq) * s.period.Seconds())
		s.people.draw(pix, w, h, &s.cam, look, maxV)
	}
	s.nz.apply(pix)
	if s.sensor != nil {
		s.sensor.apply(pix)
	}
}

// truth describes the frame just drawn. It is freshly allocated: a consumer
// may keep it.
func (s *Sim) truth() *model.Truth {
	d := s.dir
	t := &model.Truth{
		Table:   s.geo,
		Corners: s.cam.corners(s.opts.Table),
		Scene:   s.opts.Scenario,
	}
	if len(d.events) > 0 {
		t.Events = append([]model.Event(nil), d.events...)
	}
	var occluders []rod
	if d.hand.visible {
		occluders = append(occluders, handRods(d.hand)...)
	}
	if s.people != nil {
		occluders = s.people.occluders(occluders)
	}
	if d.cue.visible {
		r := cueRod(d.cue)
		occluders = append(occluders, r)
		tip := r.a
		t.Cue = &model.CueAim{
			Tip: s.cam.px(r.a), Butt: s.cam.px(r.b), TipPos: &tip,
			HeadingDeg: angleDeg(d.cue.dir), Confidence: 1,
			OffsetM: perpDist(r.a, d.cue.dir, d.balls[0].pos),
		}
	}
	for i := range d.balls {
		b := &d.balls[i]
		if b.absent {
			continue
		}
		bt := model.BallTruth{
			ID: model.BallID(b.n), Number: b.n, Pos: b.pos,
			Pixel: s.cam.px(b.pos), RadiusPx: s.cam.radiusPx(b.pos), Pocketed: b.pocketed, OffTable: b.offTable,
		}
		if !b.pocketed {
			for _, r := range occluders {
				if r.covers(b.pos, model.BallRadius) {
					bt.Occluded = true
					break
				}
			}
		}
		t.Balls = append(t.Balls, bt)
	}
	return t
}

// maxExposure is the longest shutter time the simulated camera uses: a
// half-open shutter at 30 fps.
const maxExposure = 1.0 / 60

// ErrClosed is returned by Read after Close.
var ErrClosed = errors.New("sim: source closed")

// Close implements model.Source; it also releases a stalled Read.
func (s *Sim) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.releaseLocked()
	}
	return nil
}

// Stall makes Read block for d of the source's clock (d <= 0: until
// Resume): the camera wedges but the process lives. Safe from any goroutine.
func (s *Sim) Stall(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stalled = true
	s.until = time.Time{}
	if d > 0 {
		s.until = s.opts.Clock.Now().Add(d)
	}
	if s.resumeCh == nil {
		s.resumeCh = make(chan struct{})
	}
}

// Resume ends a stall (from Stall or Options.StallAfter) at once.
func (s *Sim) Resume() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked()
	// StallAfter fires once: after a Resume the source runs on.
	s.opts.StallAfter = 0
}

func (s *Sim) releaseLocked() {
	s.stalled = false
	if s.resumeCh != nil {
		close(s.resumeCh)
		s.resumeCh = nil
	}
}

// Stalled reports whether Read is (or would be) blocked by a stall.
func (s *Sim) Stalled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stalled || s.opts.StallAfter > 0 && s.seq >= s.opts.StallAfter
}

// waitStall blocks while the source is stalled.
func (s *Sim) waitStall(ctx context.Context) error {
	s.mu.Lock()
	if s.opts.StallAfter > 0 && s.seq >= s.opts.StallAfter && !s.stalled {
		s.stalled = true
		s.until = time.Time{}
		if s.resumeCh == nil {
			s.resumeCh = make(chan struct{})
		}
	}
	if !s.stalled || s.closed {
		s.mu.Unlock()
		return nil
	}
	ch, until := s.resumeCh, s.until
	s.mu.Unlock()
	if until.IsZero() {
		select {
		case <-ch:
			return ctx.Err()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// Timed stall: sleep on the clock, cut short by Resume.
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // ends when Resume closes ch or sctx ends (cancel above)
		select {
		case <-ch:
			cancel()
		case <-sctx.Done():
		}
	}()
	err := s.opts.Clock.Sleep(sctx, until.Sub(s.opts.Clock.Now()))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil {
		s.mu.Lock()
		if s.resumeCh == ch {
			s.releaseLocked()
		}
		s.mu.Unlock()
	}
	// Either the time ran out or Resume ran: the next frame is late, so
	// restart the cadence rather than bursting to catch up.
	s.next = time.Time{}
	return nil
}
