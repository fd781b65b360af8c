package core

import (
	"cmp"
	"math"
	"slices"

	"github.com/cuecast/cuecast/edge/model"
)

// pair is a candidate track-detection match.
type pair struct {
	cost   float64
	ti, di int
}

// Association costs, metres: a class disagreement costs as much as 3 cm of
// distance; a number disagreement 10 cm, and is refused outright when the
// track's number is established and vision is confident in its reading.
const (
	classPenalty  = 0.03
	numberPenalty = 0.10
	maxGate       = 0.45 // a 9 m/s break ball moves 0.3 m per frame at 30 fps
	// staleAfter is how long (s) the holder of an id must have been unseen,
	// at rest, before a ball elsewhere that keeps showing that number
	// takes the id over: a misread number in a few frames never moves an
	// identity, and a ball in play (rolling, dropping into a pocket) never
	// loses its own.
	staleAfter = 0.5
)

// associate matches detections to tracks, moves tracks whose ball was put
// somewhere else, and starts tracks for new balls.
func (t *Tracker) associate(dt float64) {
	t.pairs = t.pairs[:0]
	cb := t.owner("cue")
	cueHidden := cb != nil && (cb.missed > 0 || cb.leaveRun > 0)
	// A struck cue ball may have gone far (a break); but when many balls
	// appear at once where none was, the layout changed by hand (a
	// re-rack) and the cue ball's wide gate would catch one of them.
	fresh := 0
	for di := range t.dets {
		if t.alone(nil, t.dets[di].pos, 2*model.BallRadius) {
			fresh++
		}
	}
	t.breakGate = fresh <= maxBlurPieces
	t.cueGone = cb != nil && !cb.moving && t.breakGate
	for di := 0; t.cueGone && di < len(t.dets); di++ {
		if p := t.dets[di].pos; math.Hypot(p.X-cb.pos.X, p.Y-cb.pos.Y) < model.BallRadius {
			t.cueGone = false // still there
		}
	}
	for ti, tr := range t.tracks {
		for di := range t.dets {
			d := &t.dets[di]
			same := tr.number >= 0 && d.num == tr.number
			c, gate := tr.gate(&t.o, dt, same, t.phase == PhaseShot, cueHidden, t.cueGone)
			dist := math.Hypot(d.pos.X-c.X, d.pos.Y-c.Y)
			if dist > gate {
				continue
			}
			cost, ok := t.cost(tr, d, dist, false)
			if ok {
				t.pairs = append(t.pairs, pair{cost, ti, di})
			}
		}
	}
	// Greedy by cost: with at most 16 balls and gates smaller than the
	// spacing of moving balls, this equals the optimal assignment except in
	// contrived ties, at a fraction of Hungarian's cost.
	slices.SortFunc(t.pairs, byCost)
	for _, p := range t.pairs {
		tr, d := t.tracks[p.ti], &t.dets[p.di]
		if tr.seen || d.tr != nil {
			continue
		}
		t.measure(tr, d, dt, false)
	}
	// During a shot a ball can change course at a collision by more than
	// its gate: pair what is left within maxGate, but only where class and
	// number agree.
	if t.phase == PhaseShot {
		t.pairs = t.pairs[:0]
		for ti, tr := range t.tracks {
			if tr.seen {
				continue
			}
			for di := range t.dets {
				d := &t.dets[di]
				if d.tr != nil {
					continue
				}
				dist := math.Hypot(d.pos.X-tr.pos.X, d.pos.Y-tr.pos.Y)
				if dist > maxGate {
					continue
				}
				if cost, ok := t.cost(tr, d, dist, true); ok {
					t.pairs = append(t.pairs, pair{cost, ti, di})
				}
			}
		}
		slices.SortFunc(t.pairs, byCost)
		for _, p := range t.pairs {
			tr, d := t.tracks[p.ti], &t.dets[p.di]
			if !tr.seen && d.tr == nil {
				t.measure(tr, d, dt, false)
			}
		}
	}
	// A detection that names a ball whose track found nothing: the ball was
	// moved (re-rack, ball in hand). Move the track instead of starting a
	// second one with the same id.
	for di := range t.dets {
		d := &t.dets[di]
		if d.tr != nil || d.num < 0 {
			continue
		}
		if tr := t.owner(model.BallID(d.num)); tr != nil && !tr.seen && tr.pendingPocket == "" {
			t.measure(tr, d, dt, true)
		}
	}
	for di := range t.dets {
		d := &t.dets[di]
		if d.tr != nil || t.blurGhost(d) {
			continue
		}
		t.uids++
		tr := &track{number: -1, uid: t.uids, born: d.pos, bornInShot: t.phase == PhaseShot}
		tr.reset(d.pos)
		t.tracks = append(t.tracks, tr)
		t.measure(tr, d, dt, true)
	}
}

// blurGhost says whether an unclaimed detection is the far end of a fast
// ball's blur that vision read as a ball of its own: within ghostReach of
// where a ball moving faster than ghostSpeed was measured this frame, in
// line with its motion. Such a detection starts no track (it would follow
// its ball as a twin, unidentified, colliding with it).
func (t *Tracker) blurGhost(d *det) bool {
	const (
		ghostSpeed = 1.5                    // m/s: the blur is over a radius long
		ghostReach = 2.3 * model.BallRadius // the streak's ends are a blur length apart
	)
	for _, tr := range t.tracks {
		if !tr.seen || tr.zn == 0 {
			continue
		}
		v := tr.vel
		if !tr.moving {
			if tr.leaveRun == 0 || tr.zn < 2 {
				continue
			}
			a, b := tr.z(1), tr.z(0)
			if b.t <= a.t {
				continue
			}
			v = model.Vec2{X: (b.p.X - a.p.X) / (b.t - a.t), Y: (b.p.Y - a.p.Y) / (b.t - a.t)}
		}
		sp := math.Hypot(v.X, v.Y)
		z := tr.z(0).p
		dx, dy := d.pos.X-z.X, d.pos.Y-z.Y
		dist := math.Hypot(dx, dy)
		// A shutter open up to half a frame smears the ball that far:
		// vision may read the streak as several balls along it.
		reach := ghostReach + 0.5*t.o.FrameInterval.Seconds()*sp
		if sp > ghostSpeed && dist < reach && math.Abs(dx*v.X+dy*v.Y) > 0.8*dist*sp {
			return true
		}
	}
	return false
}

// maxBlurPieces: vision reads a fast ball's blur as up to three balls.
const maxBlurPieces = 3

// alone says whether p is clear of every confirmed ball but skip by more
// than dist: a reading there is no other ball's.
func (t *Tracker) alone(skip *track, p model.Vec2, dist float64) bool {
	for _, o := range t.tracks {
		if o != skip && o.confirmed && math.Hypot(o.pos.X-p.X, o.pos.Y-p.Y) < dist {
			return false
		}
	}
	return true
}

// mayStart says whether tr may be starting to move. Shots start with the
// cue ball, so an object ball can only be set moving during a shot; but the
// cue ball is often hidden under the cue and the bridge hand when it is
// struck, or is itself just leaving, and then the shot is not known yet.
func (t *Tracker) mayStart(tr *track) bool {
	if t.phase == PhaseShot || tr.class == model.ClassCue {
		return true
	}
	cb := t.owner("cue")
	if cb == nil || !cb.confirmed {
		// No ball is known as the cue ball (vision lost or misread it):
		// any ball may be it.
		return true
	}
	if cb.missed > 0 || cb.leaveRun > 0 {
		return true
	}
	// A ball first seen in the last second right by the cue ball while
	// the stick is down, when what the cue ball's track saw this frame did
	// not look like a cue ball, is most likely the cue ball itself, struck
	// and misread through its blur, while the old track is held in place
	// by a false detection on the tip.
	return t.phase == PhaseAiming && !tr.confirmed && tr.ageS < 1 && cb.seenClass != model.ClassCue &&
		math.Hypot(tr.born.X-cb.pos.X, tr.born.Y-cb.pos.Y) < nearCueBall
}

// nearCueBall is how close (m) to the cue ball's rest a new track must be
// born to count as the cue ball leaving (see mayStart).
const nearCueBall = 0.15

// cost scores a track-detection pair at distance dist; strict refuses any
// class or number disagreement.
func (t *Tracker) cost(tr *track, d *det, dist float64, strict bool) (float64, bool) {
	cost := dist
	// A ball in motion, or a cue ball (any ball in a shot) that may just
	// have been struck, hidden or leaving, is blurred in the frame: vision misreads such balls (a
	// white ball smeared over the cloth reads as a stripe), so a
	// disagreement only costs; it refuses the pair for a ball at rest.
	fluid := !strict && (tr.moving || (tr.missed > 0 || tr.leaveRun > 0) && (tr.class == model.ClassCue || t.phase == PhaseShot))
	// Nor, while the stick is down or a shot is on, is a reading on the
	// very spot where the ball rests (within half a radius: no other ball
	// fits there) grounds to refuse it: that is the ball, misread (read
	// through the ball striking it). Between shots a different ball can be
	// put down on the spot by hand (a new layout): then the number wins.
	fluid = fluid || !strict && dist < model.BallRadius/2 && (t.phase == PhaseShot || t.phase == PhaseAiming)
	// Nor for the cue ball gone from its spot this frame, for a reading
	// where no other ball lies: struck hard (a break), it is a blur that
	// vision reads as other balls.
	fluid = fluid || !strict && tr.class == model.ClassCue && !tr.moving && t.cueGone && t.alone(tr, d.pos, 3*model.BallRadius)
	if d.blur {
		return cost, true // no reading to agree or disagree with
	}
	if tr.number >= 0 && d.num >= 0 && tr.number != d.num {
		if !fluid && (strict || d.d.Confidence >= 0.5 || d.d.Class == model.ClassCue || d.d.Class == model.ClassEight) {
			return 0, false
		}
		cost += numberPenalty
	}
	if d.d.Class != "" && tr.class != "" && d.d.Class != tr.class {
		if strict {
			return 0, false
		}
		cost += classPenalty
	}
	return cost, true
}

// measure applies detection d to track tr; moved means the track starts over
// at the detection (new ball or a ball placed by hand).
func (t *Tracker) measure(tr *track, d *det, dt float64, moved bool) {
	d.tr = tr
	// A ball at rest is measured within millimetres; vision's false balls
	// (texture in a dark corner under a single lamp, a highlight) wander
	// by centimetres. A tentative track whose measurement jumps starts its
	// confirmation over (in a shot, where new tracks are balls that were
	// lost and move, it is judged by its motion instead).
	if !tr.confirmed && !moved && !tr.moving && tr.leaveRun == 0 && (t.phase == PhaseIdle || t.phase == PhaseRacked) &&
		math.Hypot(d.pos.X-tr.pos.X, d.pos.Y-tr.pos.Y) > tentativeJitter {
		tr.seenBits = 0
	}
	if moved {
		tr.reset(d.pos)
		t.dropContacts(tr)
	} else if tr.correct(d.pos, tr.lastZS+dt, &t.o, t.mayStart(tr)) {
		tr.justStarted = true
	}
	tr.lastZS = 0
	tr.seen = true
	tr.hits++
	tr.missed, tr.unseenS, tr.occluded = 0, 0, false
	tr.pendingPocket, tr.pendingOff = "", ""
	tr.seenPos, tr.seenVel, tr.seenT = tr.pos, tr.vel, t.clock
	tr.addZ(d.pos, t.clock)
	tr.pixel, tr.radiusPx, tr.seenClass = d.d.Pixel, d.d.RadiusPx, d.d.Class
	tr.conf = tr.conf*0.8 + 0.2*d.d.Confidence
	if tr.hits == 1 {
		tr.conf = d.d.Confidence
	}
	n := tr.number
	if !d.blur {
		n = tr.identify(d.d)
	}
	if n < 0 && tr.id == "" && d.num >= 0 {
		n = d.num // a new ball takes the number vision read, until votes say otherwise
	}
	if n >= 0 && n != tr.number {
		o := t.owner(model.BallID(n))
		if o != nil && o != tr && tr.confirmed && o.unseenS >= staleAfter && !o.moving && o.pendingPocket == "" && tr.votes[n] >= 2 {
			// The id's holder has not been seen since before this frame
			// while this ball keeps showing its number: the holder is a
			// stale track (the ball was picked up and put here). Take the
			// id over; the stale track keeps its position, unidentified.
			o.id, o.number, o.votes = t.newID(), -1, [16]float64{}
			o = nil
		}
		if o == nil || o == tr {
			tr.number, tr.id = n, model.BallID(n)
		}
	}
	if tr.id == "" {
		tr.id = t.newID()
	}
	if tr.number >= 0 {
		tr.class = model.ClassOf(tr.number)
	} else if d.d.Class != "" && !d.blur {
		tr.class = d.d.Class
	}
}

func byCost(a, b pair) int { return cmp.Compare(a.cost, b.cost) }
