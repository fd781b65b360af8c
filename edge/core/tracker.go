package core

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// rollDecel is the cloth's rolling deceleration (mu_r g), used when a lost
// ball is predicted forward.
const rollDecel = 0.1

// Options tune the tracker. DefaultOptions documents every default.
type Options struct {
	// Table is the playing surface; zero means a standard 9 ft table.
	Table model.TableGeometry
	// Alpha and Beta are the position and velocity gains of the filter for
	// a ball that measures where it was predicted (larger residuals use
	// stiffer gains).
	Alpha, Beta float64
	// NoiseM is the expected detection noise (standard deviation, metres).
	NoiseM float64
	// GateM is the association gate for a ball at rest, metres; it widens
	// with speed and with frames unseen.
	GateM float64
	// A ball starts moving after StartFrames frames above StartSpeed (m/s)
	// and once StartDistance (m) from where it rested; it stops after
	// StopFrames frames below StopSpeed.
	StartSpeed    float64
	StartFrames   int
	StartDistance float64
	StopSpeed     float64
	StopFrames    int
	// HoldStill is how long an unseen ball that was at rest is kept
	// (occluded, e.g. under a hand) before it is dropped without an event.
	HoldStill time.Duration
	// PocketConfirm is how long a moving ball lost at a pocket must stay
	// unseen before ball_pocketed.
	PocketConfirm time.Duration
	// PocketReach is how far beyond a pocket's mouth radius (m) a lost ball's
	// path may pass and still count as going into it.
	PocketReach float64
	// ShotEndQuiet is how long every ball must be still before shot_ended.
	ShotEndQuiet time.Duration
	// MaxShot ends a shot that never settles (a ball rocking in a jaw).
	MaxShot time.Duration
	// ConfirmFrames is how many of the last ConfirmWindow frames must
	// have seen a new ball before it appears in the state or takes part in
	// any event: vision's passing false detections (a ball read twice for
	// a frame, a knuckle of the bridge hand, a highlight) never become
	// balls, while a ball vision misses now and then is still confirmed.
	// A new ball is never confirmed along the stick or by its tip while a
	// cue is seen (and for 0.5 s after), and beyond MaxBalls only by
	// retiring the ball unseen the longest at rest.
	ConfirmFrames int
	ConfirmWindow int
	// MaxBalls is the most balls the state ever holds (a full rack and
	// the cue ball).
	MaxBalls int
	// FrameInterval is assumed when detections carry no capture time.
	FrameInterval time.Duration
	// FrozenTol (m): a ball at rest whose centre is this close to touching
	// a rail when a shot starts is frozen to it (ShotSummary.Frozen).
	FrozenTol float64
	// OffTableConfirm is how long a ball lost over a rail at speed must
	// stay unseen before ball_off_table.
	OffTableConfirm time.Duration
}

// DefaultOptions suit 30-60 fps detections with about 1 mm of noise.
func DefaultOptions() Options {
	return Options{
		Table:           model.Standard(model.Table9ft),
		Alpha:           0.35,
		Beta:            0.08,
		NoiseM:          0.0015,
		GateM:           0.05,
		StartSpeed:      0.12,
		StartFrames:     2,
		StartDistance:   0.01,
		StopSpeed:       0.02,
		StopFrames:      10,
		HoldStill:       3 * time.Second,
		PocketConfirm:   200 * time.Millisecond,
		PocketReach:     0.06,
		ShotEndQuiet:    500 * time.Millisecond,
		MaxShot:         60 * time.Second,
		ConfirmFrames:   6,
		ConfirmWindow:   8,
		MaxBalls:        16,
		FrameInterval:   time.Second / 30,
		FrozenTol:       0.003,
		OffTableConfirm: time.Second,
	}
}

// Tracker is the per-table tracker. See the package comment.
type Tracker struct {
	o      Options
	tracks []*track
	nextID int

	last    time.Time
	epoch   time.Time   // the first frame's time: measurements are stamped in seconds since
	clock   float64     // this frame's time, seconds since epoch
	rails   [4]railLine // the contact lines of the rails
	hInv    *[9]float64 // table metres -> pixels, when vision gave a table
	corners *[4]model.Pixel

	phase     string
	hand      handZone // where the stick and bridge hand were last seen
	shot      *shotLog
	quietS    float64
	racked    bool               // a rack was reported and not yet broken
	rackGoneS float64            // seconds the reported rack has not been seen
	contacts  map[[2]uint64]bool // track uid pairs in contact (touching at rest or just collided)
	uids      uint64

	st     model.State
	events []model.Event

	// cueGone: no detection this frame where the cue ball rests (struck,
	// hidden or picked up); breakGate: few balls appeared where none was
	// (no new layout), so the resting cue ball may have left at break
	// speed. Both set by associate.
	cueGone, breakGate bool
	// scratch for association, reused every frame
	pairs []pair
	dets  []det
	near  []*track
	// raw: this frame's detections before mergeSplit; prevRaw: the
	// previous frame's (see mergeSplit).
	raw, prevRaw []model.Vec2
}

// NewTracker returns a tracker; zero fields of o take DefaultOptions.
func NewTracker(o Options) *Tracker {
	d := DefaultOptions()
	if len(o.Table.Pockets) == 0 {
		o.Table = d.Table
	}
	fill := func(x *float64, v float64) {
		if *x <= 0 {
			*x = v
		}
	}
	fill(&o.Alpha, d.Alpha)
	fill(&o.Beta, d.Beta)
	fill(&o.NoiseM, d.NoiseM)
	fill(&o.GateM, d.GateM)
	fill(&o.StartSpeed, d.StartSpeed)
	fill(&o.StartDistance, d.StartDistance)
	fill(&o.StopSpeed, d.StopSpeed)
	fill(&o.PocketReach, d.PocketReach)
	fill(&o.FrozenTol, d.FrozenTol)
	filld := func(x *time.Duration, v time.Duration) {
		if *x <= 0 {
			*x = v
		}
	}
	filld(&o.HoldStill, d.HoldStill)
	filld(&o.PocketConfirm, d.PocketConfirm)
	filld(&o.ShotEndQuiet, d.ShotEndQuiet)
	filld(&o.MaxShot, d.MaxShot)
	filld(&o.FrameInterval, d.FrameInterval)
	filld(&o.OffTableConfirm, d.OffTableConfirm)
	filli := func(x *int, v int) {
		if *x <= 0 {
			*x = v
		}
	}
	filli(&o.StartFrames, d.StartFrames)
	filli(&o.StopFrames, d.StopFrames)
	filli(&o.ConfirmFrames, d.ConfirmFrames)
	filli(&o.ConfirmWindow, d.ConfirmWindow)
	filli(&o.MaxBalls, d.MaxBalls)
	o.ConfirmWindow = min(max(o.ConfirmWindow, o.ConfirmFrames), 64)
	return &Tracker{o: o, phase: PhaseIdle, contacts: map[[2]uint64]bool{}, rails: railLines(o.Table)}
}

// Phases of model.State.Phase.
const (
	PhaseIdle   = "idle"
	PhaseAiming = "aiming"
	PhaseShot   = "shot"
	PhaseRacked = "racked"
)

// Update folds one frame's detections into the tracks and returns the state
// and the events of this frame. Both are valid until the next Update.
func (t *Tracker) Update(d *model.Detection) (*model.State, []model.Event) {
	t.events = t.events[:0]
	now := d.Captured
	dt := t.o.FrameInterval.Seconds()
	if !now.IsZero() && !t.last.IsZero() {
		if s := now.Sub(t.last).Seconds(); s > 0 {
			dt = math.Min(s, 1)
		}
	}
	if now.IsZero() {
		now = t.last.Add(t.o.FrameInterval)
	}
	t.last = now
	if t.epoch.IsZero() {
		t.epoch = now
	}
	t.clock = now.Sub(t.epoch).Seconds()
	if d.Table != nil {
		t.setTable(d.Table)
	}
	t.collect(d)
	for _, tr := range t.tracks {
		tr.predict(dt)
		tr.ageS += dt
		tr.seen, tr.justStarted = false, false
	}
	t.associate(dt)
	t.dedupe()
	t.confirm(d.Cue, now)
	t.lose(now, dt)
	t.motion(now, dt)
	t.record()
	t.cushions()
	t.collisions(now, dt)
	t.endShot(now, dt)
	t.rack(now, dt)
	if t.phase == PhaseIdle && d.Cue != nil {
		t.phase = PhaseAiming
	} else if t.phase == PhaseAiming && d.Cue == nil {
		t.phase = PhaseIdle
	}
	t.fillState(d)
	return &t.st, t.events
}

// det is one usable detection in table metres.
type det struct {
	d   *model.BallDetection
	pos model.Vec2
	num int // -1 unknown
	tr  *track
	// blur: two readings merged (see mergeSplit): a blurred ball, whose
	// class and number say nothing, and are neither weighed nor voted.
	blur bool
}

func (t *Tracker) collect(d *model.Detection) {
	t.dets = t.dets[:0]
	for i := range d.Balls {
		b := &d.Balls[i]
		var p model.Vec2
		switch {
		case b.Pos != nil:
			p = *b.Pos
		case d.Table != nil:
			p = d.Table.ToTable(b.Pixel)
		default:
			continue // no way to place it on the table
		}
		if !finite(p.X) || !finite(p.Y) {
			continue
		}
		n := -1
		switch {
		case b.Number != nil && *b.Number >= 0 && *b.Number <= 15:
			n = *b.Number
		case b.Class == model.ClassCue:
			n = 0
		case b.Class == model.ClassEight:
			n = 8
		}
		t.dets = append(t.dets, det{d: b, pos: p, num: n})
	}
	t.mergeSplit()
	t.prevRaw, t.raw = t.raw, t.prevRaw
}

// splitDist (m): two detections closer than this cannot be two balls
// (touching balls' centres are two radii apart, and vision places them
// within millimetres): they are one ball read twice, most often a fast
// ball whose motion blur vision split into its two ends.
const splitDist = 1.8 * model.BallRadius

// mergeSplit merges detections closer than splitDist into one at their
// midpoint (the middle of a blurred ball's streak is where it was at mid
// exposure), without a class or number: the readings of a streak's ends
// are the blur's, not the ball's.
//
// A streak needs motion, and moves on from frame to frame: two detections
// that each sit where a different detection sat in the frame before
// (within tentativeJitter) are two balls at rest, touching, however close
// vision put them. In a rack under a dim lamp vision places the black
// eight up to a centimetre towards a neighbour; merged, the eight and its
// neighbours vanished into one unreadable reading for seconds and the
// rack was lost and reported again.
func (t *Tracker) mergeSplit() {
	t.raw = t.raw[:0]
	for i := range t.dets {
		t.raw = append(t.raw, t.dets[i].pos)
	}
	for i := 0; i < len(t.dets); i++ {
		for j := i + 1; j < len(t.dets); j++ {
			a, b := &t.dets[i], &t.dets[j]
			if math.Hypot(a.pos.X-b.pos.X, a.pos.Y-b.pos.Y) >= splitDist {
				continue
			}
			if !a.blur && !b.blur {
				if pa, pb := t.stillAt(a.pos), t.stillAt(b.pos); pa >= 0 && pb >= 0 && pa != pb {
					continue
				}
			}
			a.pos = model.Vec2{X: (a.pos.X + b.pos.X) / 2, Y: (a.pos.Y + b.pos.Y) / 2}
			a.num, a.blur = -1, true
			t.dets = slices.Delete(t.dets, j, j+1)
			j--
		}
	}
}

// stillAt returns the index of the previous frame's detection nearest p
// within tentativeJitter (where a ball at rest is measured again), or -1.
func (t *Tracker) stillAt(p model.Vec2) int {
	best, bd := -1, tentativeJitter
	for i, q := range t.prevRaw {
		if d := math.Hypot(p.X-q.X, p.Y-q.Y); d < bd {
			best, bd = i, d
		}
	}
	return best
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func (t *Tracker) setTable(td *model.TableDetection) {
	inv, ok := invert3(td.H)
	if !ok {
		return
	}
	t.hInv = &inv
	c := td.Corners
	t.corners = &c
}

// emit adds an event of this frame and keeps the shot's event list. The
// cue strike goes first: a game event of a shot reports it if it is due.
func (t *Tracker) emit(e model.Event) {
	if t.shot != nil {
		switch e.Type {
		case model.EventBallCollision, model.EventBallCushion, model.EventBallPocketed, model.EventBallOffTable:
			t.reportStrike(e.Time.Sub(t.epoch).Seconds())
			fallthrough
		case model.EventCueStrike:
			t.shot.events = append(t.shot.events, e)
		}
	}
	t.events = append(t.events, e)
}

func (t *Tracker) newID() string {
	t.nextID++
	return fmt.Sprintf("?%d", t.nextID)
}

// owner returns the live track holding id, if any.
func (t *Tracker) owner(id string) *track {
	for _, tr := range t.tracks {
		if tr.id == id {
			return tr
		}
	}
	return nil
}

// fillState writes the published state.
func (t *Tracker) fillState(d *model.Detection) {
	st := &t.st
	st.Seq, st.Captured, st.Width, st.Height = d.Seq, t.last, d.Width, d.Height
	st.Table = t.o.Table
	st.Corners = t.corners
	st.Cue = d.Cue
	st.Phase = t.phase
	st.Balls = st.Balls[:0]
	for _, tr := range t.tracks {
		if !tr.confirmed {
			continue
		}
		b := model.Ball{
			ID: tr.id, Class: tr.class, Pos: tr.pos, Vel: tr.vel,
			Pixel: tr.pixel, RadiusPx: tr.radiusPx, Confidence: tr.conf,
			Moving: tr.moving, Occluded: tr.occluded,
		}
		if !tr.moving {
			b.Vel = model.Vec2{}
		}
		if tr.number >= 0 {
			b.Number = &numbers[tr.number]
		}
		if t.hInv != nil && !tr.seen {
			b.Pixel = project(t.hInv, tr.pos)
		}
		st.Balls = append(st.Balls, b)
	}
	slices.SortFunc(st.Balls, func(a, b model.Ball) int { return cmpID(a.ID, b.ID) })
}

// numbers backs Ball.Number pointers without allocating per frame.
var numbers = func() (n [16]int) {
	for i := range n {
		n[i] = i
	}
	return
}()

// cmpID orders ids like idLess, as a comparison function.
func cmpID(a, b string) int {
	switch {
	case idLess(a, b):
		return -1
	case idLess(b, a):
		return 1
	}
	return 0
}

// idLess orders "cue", "1".."15", then "?N" by N.
func idLess(a, b string) bool {
	ka, kb := idKey(a), idKey(b)
	if ka != kb {
		return ka < kb
	}
	return a < b
}

func idKey(id string) int {
	switch {
	case id == "cue":
		return 0
	case len(id) > 0 && id[0] == '?':
		n := 0
		for _, c := range id[1:] {
			n = n*10 + int(c-'0')
		}
		return 100 + n
	default:
		n := 0
		for _, c := range id {
			n = n*10 + int(c-'0')
		}
		return n
	}
}

// invert3 inverts a row-major 3x3 matrix.
func invert3(a [9]float64) ([9]float64, bool) {
	d := a[0]*(a[4]*a[8]-a[5]*a[7]) - a[1]*(a[3]*a[8]-a[5]*a[6]) + a[2]*(a[3]*a[7]-a[4]*a[6])
	if d == 0 || !finite(d) {
		return [9]float64{}, false
	}
	return [9]float64{
		(a[4]*a[8] - a[5]*a[7]) / d, (a[2]*a[7] - a[1]*a[8]) / d, (a[1]*a[5] - a[2]*a[4]) / d,
		(a[5]*a[6] - a[3]*a[8]) / d, (a[0]*a[8] - a[2]*a[6]) / d, (a[2]*a[3] - a[0]*a[5]) / d,
		(a[3]*a[7] - a[4]*a[6]) / d, (a[1]*a[6] - a[0]*a[7]) / d, (a[0]*a[4] - a[1]*a[3]) / d,
	}, true
}

func project(h *[9]float64, p model.Vec2) model.Pixel {
	w := h[6]*p.X + h[7]*p.Y + h[8]
	return model.Pixel{X: (h[0]*p.X + h[1]*p.Y + h[2]) / w, Y: (h[3]*p.X + h[4]*p.Y + h[5]) / w}
}
