package core

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// track is one ball followed across frames.
type track struct {
	uid    uint64 // never reused: keys the contact set
	id     string // "cue", "1".."15", or "?N"
	class  model.Class
	number int // -1 until known
	votes  [16]float64
	hits   int // frames seen
	// seenBits has bit k set when the ball was seen k frames ago (bit 0:
	// this frame); confirmed once enough of the last ConfirmWindow frames
	// saw it. Only confirmed tracks are published or produce events.
	seenBits  uint64
	confirmed bool
	// justConfirmed: confirmed this frame (a ball that started moving
	// while still tentative starts the shot now).
	justConfirmed bool
	retire        bool // dropped at the end of this frame's lose, without an event
	// Birth: where the track started, how long ago (s), and whether a
	// shot was on (a ball lost and found again in a shot is adopted).
	born       model.Vec2
	ageS       float64
	bornInShot bool

	pos, vel model.Vec2 // filtered, table metres and m/s
	prevPos  model.Vec2 // position after the previous update (for closest approach)
	pixel    model.Pixel
	radiusPx float64
	conf     float64

	missed  int     // consecutive frames unseen
	unseenS float64 // seconds unseen
	seen    bool    // matched in the current frame
	// seenClass is the class of the detection last matched.
	seenClass model.Class
	occluded  bool

	moving    bool
	leaveRun  int        // consecutive measurements moving away from the rest position
	displaced int        // consecutive measurements displaced but not moving
	slowSteps int        // steps of the current leave run that were small
	lastSpeed float64    // speed of the previous step away from rest (step/gap)
	slowRun   int        // consecutive frames below the stop speed
	lastZ     model.Vec2 // last measurement
	haveZ     bool
	lastZS    float64 // seconds since lastZ

	from model.Vec2    // where it rested before it last started moving
	hist [8]model.Vec2 // positions at the end of the last frames, newest at hist[(hn-1)%8]
	hn   int

	seenPos, seenVel model.Vec2 // state when last seen, for pocketing
	justStarted      bool       // started moving this frame

	pendingPocket string // pocket name while a pocketing is being confirmed
	// pendingOff is the rail a ball lost at speed heading over it left the
	// table by, while that is being confirmed; offPos where it crossed.
	pendingOff string
	offPos     model.Vec2
	seenT      float64 // when last seen, tracker seconds

	zs        [zRing]zStamp // the last measurements, for reflections and the launch
	zn        int           // measurements ever added (since the last reset)
	cushionAt [4]float64    // per rail (railLines order): when a reflection off it was last reported, 0 none
	path      pathRec       // the measured path in the current shot
}

// predict moves a moving ball's state dt seconds ahead at constant
// velocity, with the cloth's rolling deceleration so a lost ball does not
// coast on. A ball at rest stays put: it moves only when measured to move.
func (t *track) predict(dt float64) {
	t.prevPos = t.pos
	if !t.moving {
		return
	}
	sp := math.Hypot(t.vel.X, t.vel.Y)
	if sp > 0 {
		ns := math.Max(0, sp-rollDecel*dt)
		t.vel.X *= ns / sp
		t.vel.Y *= ns / sp
	}
	t.pos.X += t.vel.X * dt
	t.pos.Y += t.vel.Y * dt
}

// correct applies measurement z; gap is the time since the previous
// measurement of this ball (longer than a frame after misses). It reports
// whether the ball just started moving.
//
// At rest the filter is position only: the estimate is smoothed with Alpha
// while measurements scatter within a few sigma, and the ball starts moving
// only when StartFrames consecutive measurements lie more than
// StartDistance from it. Detection noise of a few millimetres can never do
// that, and a single outlier (a mis-centred ball under a hand) cannot
// either. mayStart is false for a ball nothing can have hit (an object
// ball outside a shot): shots start with the cue ball, so such a ball that
// moves was moved by hand and is re-anchored. Moving, it is an alpha-beta filter whose gains stiffen when the
// residual is large (a collision turned the ball).
func (t *track) correct(z model.Vec2, gap float64, o *Options, mayStart bool) (started bool) {
	rx, ry := z.X-t.pos.X, z.Y-t.pos.Y
	r := math.Hypot(rx, ry)
	defer func() { t.lastZ, t.haveZ = z, true }()
	if !t.moving {
		// How far the previous measurement was from the rest estimate:
		// a start must keep moving away, not just appear displaced.
		lastR := 0.0
		if t.haveZ {
			lastR = math.Hypot(t.lastZ.X-t.pos.X, t.lastZ.Y-t.pos.Y)
		}
		switch {
		case r > o.StartDistance:
			// Leaving means stepping on since the last measurement by more
			// than noise can (5 sigma, and StartSpeed), in the direction it
			// had already left in: a ball that was put down elsewhere
			// jumps once and then sits.
			sx, sy := z.X-t.lastZ.X, z.Y-t.lastZ.Y
			step := math.Hypot(sx, sy)
			// A rolling ball's second step is in line with its first
			// (within 25 degrees) and not much shorter.
			ahead := lastR < o.StartDistance ||
				sx*(t.lastZ.X-t.pos.X)+sy*(t.lastZ.Y-t.pos.Y) > 0.9*step*lastR && step/gap > 0.5*t.lastSpeed
			// A clear step (5 sigma, and StartSpeed) counts at once; a
			// slow ball's smaller steps (2 sigma) need one frame more.
			fast := step > math.Max(5*o.NoiseM, o.StartSpeed*gap)
			if mayStart && t.haveZ && ahead && r > lastR && step > 2*o.NoiseM {
				t.leaveRun++
				if !fast {
					t.slowSteps++
				}
			} else {
				t.leaveRun, t.slowSteps = 0, 0
			}
			if gap > 0 {
				t.lastSpeed = step / gap
			}
			// Displaced but not going anywhere: put there by hand (or a
			// re-placed layout). Re-anchor silently after a few frames.
			if t.displaced++; t.displaced >= 3 && t.leaveRun == 0 {
				t.pos, t.displaced = z, 0
			}
		case r <= 3*o.NoiseM:
			t.leaveRun, t.displaced = 0, 0
			t.pos.X += o.Alpha * rx
			t.pos.Y += o.Alpha * ry
		default:
			// Between noise and a start: creep, so a slow drift of the
			// estimate (lighting, a nudged ball) is absorbed.
			t.leaveRun, t.displaced = 0, 0
			t.pos.X += 0.1 * rx
			t.pos.Y += 0.1 * ry
		}
		if t.leaveRun < o.StartFrames || t.slowSteps > 0 && t.leaveRun < o.StartFrames+1 {
			return false
		}
		t.moving, t.leaveRun, t.slowRun, t.slowSteps = true, 0, 0, 0
		t.from = t.pos
		if t.haveZ && gap > 0 {
			t.vel = model.Vec2{X: (z.X - t.lastZ.X) / gap, Y: (z.Y - t.lastZ.Y) / gap}
		}
		t.pos = z
		return true
	}
	a, b := o.Alpha, o.Beta
	if r > 6*o.NoiseM {
		a, b = 0.9, 0.6
	}
	t.pos.X += a * rx
	t.pos.Y += a * ry
	if gap > 0 {
		t.vel.X += b / gap * rx
		t.vel.Y += b / gap * ry
	}
	return false
}

// reset puts the track at z at rest: a new ball or one moved by hand.
func (t *track) reset(z model.Vec2) {
	t.zn = 0
	t.pos, t.prevPos, t.vel = z, z, model.Vec2{}
	t.moving, t.leaveRun, t.slowRun, t.displaced, t.haveZ = false, 0, 0, 0, false
}

func (t *track) speed() float64 { return math.Hypot(t.vel.X, t.vel.Y) }

// gate returns where to look for this ball in the current frame and how far
// from there (metres) a detection may be. A ball at rest may have been hit
// since the last frame: its gate takes a ball leaving at startSpeed, and
// once it has started leaving, the next measurement is looked for further
// along the same line. sameNumber widens the gate: a detection that carries
// this ball's number is far less likely to be another ball.
func (t *track) gate(o *Options, dt float64, sameNumber, inShot, cueHidden, breakGate bool) (model.Vec2, float64) {
	const (
		startSpeed = 4.0  // m/s: anything but a break shot
		breakSpeed = 10.0 // m/s: a hard break
	)
	c, g := t.pos, o.GateM+0.02*float64(min(t.missed, 10))
	switch {
	case !t.moving && t.leaveRun > 0:
		// Continue from the last measurement along the line it left on,
		// at the speed of its last step (which may have spanned misses).
		dx, dy := t.lastZ.X-t.pos.X, t.lastZ.Y-t.pos.Y
		if n := math.Hypot(dx, dy); n > 0 {
			d := t.lastSpeed * dt
			c = model.Vec2{X: t.lastZ.X + dx/n*d, Y: t.lastZ.Y + dy/n*d}
			g += 0.3 * d
		}
	case !t.moving && t.class == model.ClassCue && breakGate:
		// The cue ball is struck at any speed, a break's included: lost
		// from its gate, it would be put down where vision next read it,
		// at rest, and the break's start and first contact lost with it.
		// (Not while a new layout appears: see associate.)
		g += 0.8 * breakSpeed * dt
	case !t.moving && (inShot || cueHidden || t.class == model.ClassCue):
		g += 0.8 * startSpeed * dt
	case !t.moving:
		// An object ball outside a shot cannot start moving: keep its gate
		// tight so it never claims a neighbour's detection.
	default:
		g += 0.8 * t.speed() * dt
	}
	// A detection with this ball's number is this ball wherever it is
	// within what a break shot covers in the frames it went unseen (a fast
	// ball is the one most likely to be missed: it is blurred).
	limit := maxGate
	if sameNumber {
		limit = maxGate * float64(min(t.missed, 3)+1)
		g = math.Max(g*2, limit)
	}
	return c, math.Min(g, limit)
}

// settle stops a moving ball once its net displacement over the last
// len(hist) frames is what a ball slower than StopSpeed, or noise, would
// give. Judging displacement over a window rather than the instantaneous
// velocity keeps detection noise from holding a still ball "moving".
func (t *track) settle(o *Options, dt float64) (stopped bool) {
	n := len(t.hist)
	if !t.moving || t.hn < n {
		return false
	}
	old := t.hist[t.hn%n] // n frames ago
	disp := math.Hypot(t.pos.X-old.X, t.pos.Y-old.Y)
	if disp < math.Max(o.StopSpeed*float64(n)*dt, 4*o.NoiseM) {
		t.moving, t.vel, t.slowRun = false, model.Vec2{}, 0
		return true
	}
	return false
}

// remember appends the frame's final position to the history.
func (t *track) remember() {
	t.hist[t.hn%len(t.hist)] = t.pos
	t.hn++
}

// passedNear is the least distance from p to the track's path over the
// frames in its history (straight segments between positions).
func (t *track) passedNear(p model.Vec2) float64 {
	d, _ := t.passedNearAge(p)
	return d
}

// passedNearAge is passedNear and how many frames ago (fractional) the path
// came closest, to order impacts that are found in the same frame.
func (t *track) passedNearAge(p model.Vec2) (dist, age float64) {
	n := min(t.hn, len(t.hist))
	dist = math.Hypot(t.pos.X-p.X, t.pos.Y-p.Y)
	prev := t.pos
	for k := 1; k <= n; k++ {
		q := t.hist[(t.hn-k)%len(t.hist)]
		if d, s := segDistAt(p, q, prev); d < dist {
			dist, age = d, float64(k)-s
		}
		prev = q
	}
	return dist, age
}

func segDist(p, a, b model.Vec2) float64 {
	d, _ := segDistAt(p, a, b)
	return d
}

// segDistAt is the distance from p to segment a-b and where along it
// (0 at a, 1 at b) the nearest point is.
func segDistAt(p, a, b model.Vec2) (float64, float64) {
	abx, aby := b.X-a.X, b.Y-a.Y
	l2 := abx*abx + aby*aby
	s := 0.0
	if l2 > 0 {
		s = math.Max(0, math.Min(1, ((p.X-a.X)*abx+(p.Y-a.Y)*aby)/l2))
	}
	return math.Hypot(a.X+abx*s-p.X, a.Y+aby*s-p.Y), s
}

// identify folds a detection's class and number into the track's votes and
// returns the number it now believes (-1 unknown).
func (t *track) identify(d *model.BallDetection) int {
	// A moving ball is motion-blurred: vision reads a blurred white ball
	// as a stripe and colours run together. Its readings weigh a quarter
	// of a still ball's, so a ball keeps the identity it showed at rest.
	w := 1.0
	if t.moving || t.leaveRun > 0 {
		w = 0.25
	}
	switch d.Class {
	case model.ClassCue:
		t.votes[0] += w * (d.Confidence + 0.5)
	case model.ClassEight:
		t.votes[8] += w * (d.Confidence + 0.5)
	}
	if d.Number != nil && *d.Number >= 0 && *d.Number <= 15 {
		t.votes[*d.Number] += w * (0.5 + d.Confidence)
	}
	return t.identifyVotes()
}

// identifyVotes is the number the votes name with a clear majority, or -1.
func (t *track) identifyVotes() int {
	best, bv, total := -1, 0.0, 0.0
	for n, v := range t.votes {
		total += v
		if v > bv {
			best, bv = n, v
		}
	}
	// A clear majority of at least two confident sightings.
	if best >= 0 && bv >= 2 && bv >= 0.6*total {
		return best
	}
	return -1
}
