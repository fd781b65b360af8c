package core

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// railLine is one rail's contact line: a ball touches the cushion when
// gap(p) = p.n + off is zero, and gap is how far its centre is from that.
type railLine struct {
	name string
	n    model.Vec2 // unit, into the table
	off  float64
}

func (r *railLine) gap(p model.Vec2) float64 { return p.X*r.n.X + p.Y*r.n.Y + r.off }

func railLines(g model.TableGeometry) [4]railLine {
	R := model.BallRadius
	return [4]railLine{
		{model.RailBottom, model.Vec2{X: 0, Y: 1}, -R},
		{model.RailRight, model.Vec2{X: -1, Y: 0}, g.Length - R},
		{model.RailTop, model.Vec2{X: 0, Y: -1}, g.Width - R},
		{model.RailLeft, model.Vec2{X: 1, Y: 0}, -R},
	}
}

// Cushion detection. A reflection off a rail shows in a ball's measured
// positions as two straight legs, one closing on the rail's contact line
// and one leaving it, that both meet the line at the same moment. The legs
// are the ball's last measurements: two or three before the contact and two
// or three after it (three when the ball is slow, so its steps stand out
// of the noise), so a contact is reported two or three frames after it
// happened, stamped with the moment the legs meet the line. What tells a
// rail from a ball lying near it: a ball turned by another ball turns a
// diameter short of the line, and its legs, extended, reach the line at
// moments a few hundredths of a second apart. A ball at rest near a rail
// that is knocked into it has no closing leg: its leaving leg, extended
// back, meets the line on the mirror side of where it rested (see
// fromRest). Near a pocket the reflection is a jaw's and is not reported
// (the contact must be on a rail's straight part, or within railReach of
// its end).
const (
	// bounceMinSpeed (m/s) is the least speed towards and away from the
	// rail that a reflection must show on both legs.
	bounceMinSpeed = 0.06
	// bounceSpan (s): the measurements used must lie within this time (a
	// few missed frames are allowed).
	bounceSpan = 0.25
	// sameContact (s): a reflection off the same rail this close in time
	// to one reported is that one, seen again from other legs.
	sameContact = 0.1
	// railReach (m): the contact point may lie this far beyond a rail's
	// straight part (a ball meeting the rail at a jaw point).
	railReach = 0.03
	// legRatio: the slower leg must be at least this share of the faster
	// (a cushion returns 0.5-0.9 of the normal speed; a leg with one end
	// in the cushion's give is slower and is left for the next frame).
	legRatio = 0.3
)

// legs are the ways the last measurements split into a closing and a
// leaving leg: {points in, points out}, the earliest report first.
var legs = [...][2]int{{3, 2}, {2, 2}, {3, 3}, {2, 3}}

// cushions reports the reflections of this frame during a shot.
func (t *Tracker) cushions() {
	if t.phase != PhaseShot {
		return
	}
	for _, tr := range t.tracks {
		if !tr.confirmed || !tr.seen || !tr.moving || tr.zn < 3 {
			continue
		}
		for k := range t.rails {
			rl := &t.rails[k]
			tc, c, speed, ok := t.reflection(tr, rl)
			if !ok {
				continue
			}
			if tr.cushionAt[k] != 0 && math.Abs(tc-tr.cushionAt[k]) < sameContact {
				continue
			}
			tr.cushionAt[k] = tc
			p := c // only a reported contact's point goes to the heap
			t.emit(model.Event{Type: model.EventBallCushion, Time: t.at(tc), Balls: []string{tr.id}, Rail: rl.name, Pos: &p, Speed: speed})
		}
	}
}

// reflection looks for a reflection of tr off rail rl in its last
// measurements: when it met the line, where, and how fast it came in.
func (t *Tracker) reflection(tr *track, rl *railLine) (float64, model.Vec2, float64, bool) {
	n := min(tr.zn, zRing)
	for _, lg := range legs {
		in, out := lg[0], lg[1]
		if in+out > n {
			continue
		}
		b1, b0 := tr.z(0), tr.z(out-1)
		a1, a0 := tr.z(out), tr.z(out+in-1)
		if b1.t-a0.t > bounceSpan || !(a0.t < a1.t && a1.t < b0.t && b0.t < b1.t) {
			continue
		}
		if (in == 3 && !t.straight(a0, tr.z(out+1), a1)) || (out == 3 && !t.straight(b0, tr.z(1), b1)) {
			continue
		}
		if tc, c, u, ok := t.bounce(rl, a0, a1, b0, b1); ok {
			return tc, c, u, true
		}
	}
	if tc, c, u, ok := t.fromRest(tr, rl); ok {
		return tc, c, u, true
	}
	return 0, model.Vec2{}, 0, false
}

// straight says whether m lies on the line from a to b within noise.
func (t *Tracker) straight(a, m, b zStamp) bool {
	p := along(a, b, m.t)
	return math.Hypot(p.X-m.p.X, p.Y-m.p.Y) <= 4*t.o.NoiseM+0.002
}

// bounce tests the closing leg a0->a1 and the leaving leg b0->b1 for a
// reflection off rl between a1 and b0.
func (t *Tracker) bounce(rl *railLine, a0, a1, b0, b1 zStamp) (float64, model.Vec2, float64, bool) {
	d0, d1, d2, d3 := rl.gap(a0.p), rl.gap(a1.p), rl.gap(b0.p), rl.gap(b1.p)
	uin := (d0 - d1) / (a1.t - a0.t)  // closing speed
	uout := (d3 - d2) / (b1.t - b0.t) // leaving speed
	if uin < bounceMinSpeed || uout < bounceMinSpeed || uout < legRatio*uin || uin < legRatio*uout {
		return 0, model.Vec2{}, 0, false
	}
	// Each leg's speed is good to about noise/length: a slow leg must be
	// long enough for its steps to stand out of the noise.
	sin, sout := 1.5*t.o.NoiseM/(a1.t-a0.t), 1.5*t.o.NoiseM/(b1.t-b0.t)
	if uin < 2*sin || uout < 2*sout {
		return 0, model.Vec2{}, 0, false
	}
	tin := a1.t + d1/uin   // the closing leg meets the line
	tout := b0.t - d2/uout // the leaving leg left it
	// How far apart the two may be: noise in the gaps over the legs'
	// speeds, and a little for the cushion's own give.
	tol := 0.25*(b0.t-a1.t) + 4*t.o.NoiseM*(1/uin+1/uout)
	if tin < a1.t-tol || tout > b0.t+tol || math.Abs(tin-tout) > tol {
		return 0, model.Vec2{}, 0, false
	}
	tc := (tin + tout) / 2
	cin, cout := along(a0, a1, tin), along(b0, b1, tout)
	c := model.Vec2{X: (cin.X + cout.X) / 2, Y: (cin.Y + cout.Y) / 2}
	return t.onRail(rl, c, tc, uin)
}

// onRail puts a contact point on rl's line (the legs' noise moves it along
// only) and accepts it on the rail's straight part.
func (t *Tracker) onRail(rl *railLine, c model.Vec2, tc, speed float64) (float64, model.Vec2, float64, bool) {
	g := rl.gap(c)
	c.X, c.Y = c.X-g*rl.n.X, c.Y-g*rl.n.Y
	if t.o.Table.RailTouching(c, railReach) != rl.name {
		return 0, model.Vec2{}, 0, false
	}
	return tc, c, speed, true
}

// fromRest finds a ball knocked from rest into a rail close by: its first
// leg leaving the rail, extended back, meets the line at a point and moment
// from which the ball could not have come straight from its rest spot (the
// leg passes clear of it) but could have reached it since it started. A
// ball frozen to the rail is not driven to it by being pushed into it.
func (t *Tracker) fromRest(tr *track, rl *railLine) (float64, model.Vec2, float64, bool) {
	const (
		near  = 0.15  // m: rest spots further from the rail than this come in on legs of their own
		clear = 0.025 // m: the leaving leg passes this far from the rest spot at least
	)
	if tr.launchPoints(tr.from, t.o.StartDistance) != 2 || tr.zn < 3 {
		return 0, model.Vec2{}, 0, false
	}
	rest, b0, b1 := tr.z(2), tr.z(1), tr.z(0)
	df := rl.gap(tr.from)
	d2, d3 := rl.gap(b0.p), rl.gap(b1.p)
	uout := (d3 - d2) / (b1.t - b0.t)
	if df > near || df < t.o.FrozenTol || uout < bounceMinSpeed || uout < 3*t.o.NoiseM/(b1.t-b0.t) {
		return 0, model.Vec2{}, 0, false
	}
	tout := b0.t - d2/uout
	if tout < rest.t-0.01 || tout > b0.t {
		return 0, model.Vec2{}, 0, false
	}
	if segDist(tr.from, b0.p, along(b0, b1, rest.t)) < clear {
		return 0, model.Vec2{}, 0, false // straight out from where it rested
	}
	c := along(b0, b1, tout)
	// It came in from its rest spot between its last rest measurement and
	// the contact: its speed in is that distance over that time at most.
	uin := df / math.Max(tout-rest.t, t.o.FrameInterval.Seconds()/4)
	return t.onRail(rl, c, tout, math.Min(uin, uout/legRatio))
}

// cameToRail reports a ball that rolled up to a rail and stopped against
// it: too slow to reflect, it still reached the rail (the rules count it).
// It must have come from further than comeFrom and have no reflection
// off that rail reported in the last second.
func (t *Tracker) cameToRail(tr *track) {
	const comeFrom = 0.01
	for k := range t.rails {
		rl := &t.rails[k]
		if g := rl.gap(tr.pos); g > t.o.FrozenTol || rl.gap(tr.from) < comeFrom {
			continue
		}
		if tr.cushionAt[k] != 0 && t.clock-tr.cushionAt[k] < 1 {
			continue
		}
		c := tr.pos
		if _, c, _, ok := t.onRail(rl, c, t.clock, 0); ok {
			tr.cushionAt[k] = t.clock
			t.emit(model.Event{Type: model.EventBallCushion, Time: t.last, Balls: []string{tr.id}, Rail: rl.name, Pos: &c})
		}
	}
}

// along is where the line through measurements a and b is at time tm.
func along(a, b zStamp, tm float64) model.Vec2 {
	s := (tm - a.t) / (b.t - a.t)
	return model.Vec2{X: a.p.X + (b.p.X-a.p.X)*s, Y: a.p.Y + (b.p.Y-a.p.Y)*s}
}

// Off the table. A ball that leaves the cloth over a rail is lost at that
// rail at speed, heading into it, away from any pocket. Such a loss is held
// as pending (the ball may only be hidden or missed for a few frames:
// seeing it again cancels, and a ball found again nearby adopts it) and
// confirmed as ball_off_table once it has stayed unseen for OffTableConfirm.
const (
	// offMinSpeed (m/s): slower than this towards the rail, a ball cannot
	// jump it.
	offMinSpeed = 0.5
	// offReachRest (m): a ball at rest this close to a rail that vanishes
	// the moment it is hit went over that rail.
	offReachRest = 0.03
)

// offRail finds the rail a lost ball was heading over: the one its last
// seen motion reaches within the time it has been unseen plus a frame or
// two, on the rail's straight part. It returns the rail and the point on
// its contact line, or "".
func (t *Tracker) offRail(tr *track, dt float64) (string, model.Vec2) {
	p, v := tr.seenPos, tr.seenVel
	if math.Hypot(v.X, v.Y) < offMinSpeed && t.struck(tr) {
		// Knocked off from rest against a rail (jumped the moment it was
		// hit, never seen moving): lost where it lay.
		for k := range t.rails {
			rl := &t.rails[k]
			if rl.gap(p) <= offReachRest && t.o.Table.RailTouching(p, offReachRest) == rl.name {
				c := model.Vec2{X: p.X - rl.gap(p)*rl.n.X, Y: p.Y - rl.gap(p)*rl.n.Y}
				return rl.name, c
			}
		}
		return "", model.Vec2{}
	}
	for k := range t.rails {
		rl := &t.rails[k]
		closing := -(v.X*rl.n.X + v.Y*rl.n.Y)
		if closing < offMinSpeed {
			continue
		}
		tau := rl.gap(p) / closing
		if tau < -dt || tau > 3*dt+0.05 {
			continue
		}
		c := model.Vec2{X: p.X + v.X*tau, Y: p.Y + v.Y*tau}
		g := rl.gap(c)
		c.X, c.Y = c.X-g*rl.n.X, c.Y-g*rl.n.Y
		if t.o.Table.RailTouching(c, railReach) != rl.name {
			continue
		}
		if t.hand.ok && t.last.Sub(t.hand.at) <= handHold && t.hand.covers(c) {
			continue // under the stick or the bridge hand: hidden, not gone
		}
		return rl.name, c
	}
	return "", model.Vec2{}
}

// frozenRail names the rail a ball resting at p is frozen to, or "".
func (t *Tracker) frozenRail(p model.Vec2) string {
	return t.o.Table.RailTouching(p, t.o.FrozenTol)
}
