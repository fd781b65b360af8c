package physics

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// Tolerances of the event search (see crossDown). Contact is declared when
// a gap has closed to touchTol inside touching, so balls frozen together or
// resting on a cushion are decided by their motion, not by rounding; an
// impact must close faster than approachMin (or go on past 2 touchTol),
// anything slower is a tangency with no impulse to resolve.
const (
	approachMin = 1e-9 // m/s
	touchTol    = 1e-9 // m
)

const (
	wallNone uint8 = iota
	wallLine
	wallCorner
	wallPocket
)

// SimulateInto is Simulate writing into res, reusing its storage: with res
// from a previous run of as many balls, it allocates nothing.
func (s *System) SimulateInto(res *Result) error {
	n := len(s.balls)
	R := s.p.BallRadius
	res.reset(s.balls, R, s.pocketNames())
	s.res = res
	s.grow(n)
	for _, i := range s.strikes {
		b := &s.balls[i]
		res.Events = append(res.Events, Event{Type: EvCueStrike, A: int(i), B: -1, Cushion: -1, Jaw: -1, Pocket: -1,
			Pos:      [2]model.Vec2{{X: b.r.x, Y: b.r.y}},
			VelAfter: [2]model.Vec2{{X: b.v.x, Y: b.v.y}},
			KEAfter:  energy(b.v, b.w, &s.p)})
	}
	for i := range s.balls {
		b := &s.balls[i]
		s.start(i, 0, b.r, b.v, b.w)
	}
	now := 0.0
	for i := 0; i < n; i++ {
		s.updateWall(i, now)
		for j := i + 1; j < n; j++ {
			s.pair[i*n+j] = s.pairTime(i, j, now)
		}
	}
	for count := 0; ; count++ {
		best, kind, a, b := math.Inf(1), 0, -1, -1
		for i := 0; i < n; i++ {
			if t := s.cur[i].tEnd; t < best {
				best, kind, a = t, 1, i
			}
			if t := s.wall[i]; t < best {
				best, kind, a = t, 2, i
			}
			row := s.pair[i*n : i*n+n]
			for j := i + 1; j < n; j++ {
				if row[j] < best {
					best, kind, a, b = row[j], 3, i, j
				}
			}
		}
		if kind == 0 {
			break
		}
		if count >= s.p.MaxEvents {
			res.End = now
			return ErrTooManyEvents
		}
		now = best
		switch kind {
		case 1:
			s.transition(a, now)
		case 2:
			s.hitWall(a, now)
		case 3:
			s.collide(a, b, now)
		}
	}
	res.End = now
	return nil
}

func (s *System) pocketNames() []string {
	if len(s.names) != len(s.tab.pockets) {
		s.names = s.names[:0]
		for i := range s.tab.pockets {
			s.names = append(s.names, s.tab.pockets[i].name)
		}
	}
	return s.names
}

func (s *System) grow(n int) {
	if cap(s.cur) < n {
		s.cur = make([]seg, n)
		s.wall = make([]float64, n)
		s.wallKind = make([]uint8, n)
		s.wallIdx = make([]int32, n)
		s.jam = make([]uint16, n)
		s.rest = make([]restState, n)
		s.inCluster = make([]bool, n)
		s.cluster = make([]int, 0, n)
	}
	s.rest, s.inCluster = s.rest[:n], s.inCluster[:n]
	s.jam = s.jam[:n]
	clear(s.jam)
	s.jamT = 0
	s.cur, s.wall, s.wallKind, s.wallIdx = s.cur[:n], s.wall[:n], s.wallKind[:n], s.wallIdx[:n]
	if cap(s.pair) < n*n {
		s.pair = make([]float64, n*n)
	}
	s.pair = s.pair[:n*n]
	s.n = n
}

// start begins a new segment of ball i at time t from the given state,
// classifying its motion, and records it.
func (s *System) start(i int, t float64, r, v v2, w Vec3) Motion {
	R := s.p.BallRadius
	m := classify(&v, &w, R)
	if m == Stationary || m == Spinning {
		v = v2{}
	}
	sg := seg{t0: t, r: r, v: v, w: w, motion: m, pocket: -1}
	sg.setup(&s.p)
	s.cur[i] = sg
	s.res.segs[i] = append(s.res.segs[i], sg)
	return m
}

// refresh recomputes every cached event time involving ball i.
func (s *System) refresh(i int, now float64) {
	s.updateWall(i, now)
	n := s.n
	for j := 0; j < n; j++ {
		switch {
		case j < i:
			s.pair[j*n+i] = s.pairTime(j, i, now)
		case j > i:
			s.pair[i*n+j] = s.pairTime(i, j, now)
		}
	}
}

func moving(m Motion) bool { return m == Sliding || m == Rolling }

func vec(p v2) model.Vec2 { return model.Vec2{X: p.x, Y: p.y} }

// transition ends ball i's segment at its natural end.
func (s *System) transition(i int, now float64) {
	R := s.p.BallRadius
	c := &s.cur[i]
	from := c.motion
	r, v, w := c.at(now, R)
	keBefore := energy(v, w, &s.p)
	switch from {
	case Sliding:
		// The slip is zero here by construction; snap away the rounding.
		w.X, w.Y = -v.y/R, v.x/R
	case Rolling:
		v, w.X, w.Y = v2{}, 0, 0
	case Spinning:
		w = Vec3{}
	}
	to := s.start(i, now, r, v, w)
	nc := &s.cur[i]
	s.res.Events = append(s.res.Events, Event{T: now, Type: EvTransition, A: i, B: -1, Cushion: -1, Jaw: -1, Pocket: -1,
		From: from, To: to, Pos: [2]model.Vec2{vec(r)}, VelAfter: [2]model.Vec2{vec(nc.v)},
		KEBefore: keBefore, KEAfter: energy(nc.v, nc.w, &s.p)})
	s.refresh(i, now)
}

// collide resolves the impact of balls i and j.
func (s *System) collide(i, j int, now float64) {
	R := s.p.BallRadius
	ri, vi, wi := s.cur[i].at(now, R)
	rj, vj, wj := s.cur[j].at(now, R)
	ke := energy(vi, wi, &s.p) + energy(vj, wj, &s.p)
	d := rj.sub(ri)
	n := d.scale(1 / d.norm())
	rel := vi.sub(vj)
	if s.jammed(i, now) || s.jammed(j, now) {
		vi, vj, wi, wj = v2{}, v2{}, Vec3{}, Vec3{}
	} else if vn := rel.dot(n); vn < elasticBelow && rel.norm() < 10*elasticBelow {
		// Resting contact: balls pressing together at under 1 mm/s with
		// under 1 cm/s between them. The whole cluster of balls touching
		// them at such speeds moves on as one (see restCluster).
		ke += s.restCluster(i, j, now)
		vi, wi, vj, wj = s.rest[i].v, s.rest[i].w, s.rest[j].v, s.rest[j].w
	} else if vn < elasticBelow {
		// Pressed together (one ball's friction drives it into the other,
		// or into a ball against a cushion) while sliding past each other:
		// part them at elasticBelow, paying the energy from their relative
		// tangential motion (which ball-ball friction would spend anyway).
		// Momentum and kinetic energy are kept; the chatter is bounded by
		// a separation of at least 1 mm/s per contact.
		tv := rel.sub(n.scale(vn))
		vt := tv.norm()
		vt2 := math.Sqrt(math.Max(0, vt*vt+vn*vn-elasticBelow*elasticBelow))
		nrel := n.scale(-elasticBelow).add(tv.scale(vt2 / vt))
		vc := vi.add(vj).scale(0.5)
		vi, vj = vc.add(nrel.scale(0.5)), vc.sub(nrel.scale(0.5))
	} else {
		vi, vj, wi, wj = ballBall(vi, vj, wi, wj, n, &s.p)
	}
	s.start(i, now, ri, vi, wi)
	s.start(j, now, rj, vj, wj)
	// Other members of a resting cluster got new velocities too; the
	// event's energies cover them.
	ci, cj := &s.cur[i], &s.cur[j]
	keAfter := energy(ci.v, ci.w, &s.p) + energy(cj.v, cj.w, &s.p)
	for _, k := range s.cluster {
		if k != i && k != j {
			s.start(k, now, s.rest[k].r, s.rest[k].v, s.rest[k].w)
			keAfter += energy(s.cur[k].v, s.cur[k].w, &s.p)
		}
	}
	s.res.Events = append(s.res.Events, Event{T: now, Type: EvBallBall, A: i, B: j, Cushion: -1, Jaw: -1, Pocket: -1,
		Pos: [2]model.Vec2{vec(ri), vec(rj)}, VelAfter: [2]model.Vec2{vec(ci.v), vec(cj.v)},
		KEBefore: ke, KEAfter: keAfter})
	s.refresh(i, now)
	s.refresh(j, now)
	for _, k := range s.cluster {
		if k != i && k != j {
			s.refresh(k, now)
		}
	}
	s.cluster = s.cluster[:0]
}

// restState is a ball's state at the instant of a resting contact.
type restState struct {
	r, v v2
	w    Vec3
}

// restCluster resolves a resting contact between balls i and j: it gathers
// every ball touching the cluster (within a few touch tolerances) with
// under 1 cm/s relative to it, lets each sliding member's slip run out
// (rollNow: friction would get there anyway), and gives all members their
// mean velocity, rolling. Momentum is kept and energy only falls (the sum
// of |v|^2 is at least n |v_mean|^2). Merging pairwise instead would let a
// slowly rolling pack of balls converge through endless cascades of
// zero-time impacts. Results are in s.rest, members in s.cluster; it
// returns the kinetic energy the members other than i and j had.
func (s *System) restCluster(i, j int, now float64) (others float64) {
	R := s.p.BallRadius
	for k := range s.cur {
		s.inCluster[k] = false
	}
	s.cluster = append(s.cluster[:0], i, j)
	s.inCluster[i], s.inCluster[j] = true, true
	for _, k := range s.cluster[:2] {
		r, v, w := s.cur[k].at(now, R)
		s.rest[k] = restState{r, v, w}
	}
	for q := 0; q < len(s.cluster); q++ {
		m := s.cluster[q]
		for k := range s.cur {
			if s.inCluster[k] || s.cur[k].motion == Pocketed {
				continue
			}
			r, v, w := s.cur[k].at(now, R)
			if r.sub(s.rest[m].r).norm() > 2*R+4*touchTol || v.sub(s.rest[m].v).norm() > 10*elasticBelow {
				continue
			}
			s.rest[k] = restState{r, v, w}
			s.inCluster[k] = true
			s.cluster = append(s.cluster, k)
			others += energy(v, w, &s.p)
		}
	}
	var sum v2
	for _, k := range s.cluster {
		st := &s.rest[k]
		if s.cur[k].motion == Sliding {
			st.v, st.w = rollNow(st.v, st.w, R)
		}
		sum = sum.add(st.v)
	}
	vc := sum.scale(1 / float64(len(s.cluster)))
	for _, k := range s.cluster {
		st := &s.rest[k]
		st.v, st.w = vc, Vec3{-vc.y / R, vc.x / R, st.w.Z}
	}
	return others
}

// hitWall resolves ball i's cached cushion, jaw or pocket event.
func (s *System) hitWall(i int, now float64) {
	R := s.p.BallRadius
	r, v, w := s.cur[i].at(now, R)
	ke := energy(v, w, &s.p)
	idx := int(s.wallIdx[i])
	ev := Event{T: now, A: i, B: -1, Cushion: -1, Jaw: -1, Pocket: -1, Pos: [2]model.Vec2{vec(r)}, KEBefore: ke}
	switch s.wallKind[i] {
	case wallPocket:
		sg := seg{t0: now, r: r, motion: Pocketed, pocket: idx, tEnd: math.Inf(1)}
		s.cur[i] = sg
		s.res.segs[i] = append(s.res.segs[i], sg)
		ev.Type, ev.Pocket = EvBallPocket, idx
	case wallLine, wallCorner:
		if s.jammed(i, now) {
			s.start(i, now, r, v2{}, Vec3{})
			ev.Type, ev.Jaw, ev.Rail = EvBallCushion, s.wallJaw(i), s.wallRail(i)
			if s.wallKind[i] == wallLine {
				ev.Cushion = idx
			}
			break
		}
		if s.wallKind[i] == wallCorner {
			c := &s.tab.corners[idx]
			d := c.p.sub(r)
			v, w = s.cushionImpact(i, v, w, d.scale(1/d.norm()))
			s.start(i, now, r, v, w)
			ev.Type, ev.Jaw, ev.Rail = EvBallCushion, c.jaw, c.rail
			break
		}
		c := &s.tab.cushions[idx]
		v, w = s.cushionImpact(i, v, w, c.n.scale(-1))
		s.start(i, now, r, v, w)
		ev.Type, ev.Cushion, ev.Jaw, ev.Rail = EvBallCushion, idx, c.jaw, c.rail
	}
	nc := &s.cur[i]
	ev.VelAfter[0] = vec(nc.v)
	ev.KEAfter = energy(nc.v, nc.w, &s.p)
	s.res.Events = append(s.res.Events, ev)
	s.refresh(i, now)
}

// jamLimit is how many impacts one ball may take at one instant. Balls
// wedged together in a pocket mouth (or between a ball and a cushion) and
// still driven into the wedge would otherwise bounce between the two
// contacts forever in zero time; a real wedged ball stops, and so does ours.
const jamLimit = 64

// jammed counts an impact of ball i at time now and reports whether the
// ball has exceeded jamLimit impacts within a nanosecond.
func (s *System) jammed(i int, now float64) bool {
	if now > s.jamT+1e-9 {
		s.jamT = now
		clear(s.jam)
	}
	s.jam[i]++
	return s.jam[i] > jamLimit
}

func (s *System) wallRail(i int) string {
	idx := s.wallIdx[i]
	if s.wallKind[i] == wallCorner {
		return s.tab.corners[idx].rail
	}
	return s.tab.cushions[idx].rail
}

func (s *System) wallJaw(i int) int {
	idx := s.wallIdx[i]
	if s.wallKind[i] == wallCorner {
		return s.tab.corners[idx].jaw
	}
	return s.tab.cushions[idx].jaw
}

// cushionImpact resolves ball i meeting a cushion in direction n (unit,
// from the ball towards the cushion).
func (s *System) cushionImpact(i int, v v2, w Vec3, n v2) (v2, Vec3) {
	c := &s.cur[i]
	if c.motion == Sliding && v.dot(n) < elasticBelow && c.acc.dot(n) > 0 {
		// Resting contact: a sliding ball that its own friction presses
		// into the cushion at under 1 mm/s. Let the slip run out now
		// (rollNow) and drop any velocity into the cushion; both only
		// remove energy.
		v, w = rollNow(v, w, s.p.BallRadius)
		if d := v.dot(n); d > 0 {
			v = v.sub(n.scale(d))
			w.X, w.Y = -v.y/s.p.BallRadius, v.x/s.p.BallRadius
		}
		return v, w
	}
	return ballCushion(v, w, n, &s.p)
}

// pairTime returns the absolute time of the next impact of balls i and j
// on their current segments, or +Inf.
func (s *System) pairTime(i, j int, now float64) float64 {
	a, b := &s.cur[i], &s.cur[j]
	if !moving(a.motion) && !moving(b.motion) || a.motion == Pocketed || b.motion == Pocketed {
		return math.Inf(1)
	}
	R := s.p.BallRadius
	h := math.Min(a.tEnd, b.tEnd) - now
	ra, va, _ := a.at(now, R)
	rb, vb, _ := b.at(now, R)
	D, V, A := ra.sub(rb), va.sub(vb), a.acc.sub(b.acc)
	// The gap can change by at most the relative travel |V|h + |A|h^2/2.
	bend := 0.5 * A.norm() * h * h
	if D.norm()-2*R > V.norm()*h+bend+touchTol {
		return math.Inf(1)
	}
	// |d(t)| >= |D + V t| - |A| t^2 / 2: the closest approach of the
	// straight relative motion, less the bend, bounds the gap from below.
	tau := 0.0
	if vv := V.dot(V); vv > 0 {
		tau = math.Min(math.Max(-D.dot(V)/vv, 0), h)
	}
	if D.add(V.scale(tau)).norm()-bend > 2*R+touchTol {
		return math.Inf(1)
	}
	p := poly{D.dot(D) - 4*R*R, 2 * D.dot(V), V.dot(V) + D.dot(A), V.dot(A), 0.25 * A.dot(A)}
	// f = |d|^2 - 4R^2: f' = 2 |d| d|d|/dt, and f ~ 4R (|d| - 2R) near contact.
	if t, ok := crossDown(&p, h, 4*R*approachMin, 4*R*touchTol); ok {
		return now + t
	}
	return math.Inf(1)
}

// updateWall caches ball i's next cushion, jaw, corner or pocket event.
func (s *System) updateWall(i int, now float64) {
	s.wall[i], s.wallKind[i], s.wallIdx[i] = math.Inf(1), wallNone, -1
	c := &s.cur[i]
	if !moving(c.motion) {
		return
	}
	R := s.p.BallRadius
	h := c.tEnd - now
	r, v, _ := c.at(now, R)
	reach := c.travel(now, h, R) + touchTol
	// The path is a straight line when rolling (acceleration along v) and
	// bends from it by at most |a| h^2 / 2 when sliding: a point farther
	// than that (plus its contact distance) from the swept segment cannot
	// be met. This prunes most jaw points and pockets at once.
	sp := v.norm()
	var dir v2
	if sp > 0 {
		dir = v.scale(1 / sp)
	}
	bend := touchTol
	if c.motion == Sliding {
		bend += 0.5 * c.acc.norm() * h * h
	}
	length := math.Min(reach, sp*h)
	far := func(q v2, contact float64) bool {
		d := q.sub(r)
		along := math.Min(math.Max(d.dot(dir), 0), length)
		return d.sub(dir.scale(along)).norm() > contact+bend
	}
	best := h
	for k := range s.tab.cushions {
		cu := &s.tab.cushions[k]
		dist := r.sub(cu.a).dot(cu.n) - R
		if math.Abs(dist) > reach {
			continue
		}
		p := poly{dist, v.dot(cu.n), 0.5 * c.acc.dot(cu.n)}
		t, ok := crossDown(&p, best, approachMin, touchTol)
		if !ok {
			continue
		}
		at := r.add(v.scale(t)).add(c.acc.scale(0.5 * t * t))
		if along := at.sub(cu.a).dot(cu.dir); along < 0 || along > cu.len {
			continue
		}
		best, s.wallKind[i], s.wallIdx[i] = t, wallLine, int32(k)
	}
	for k := range s.tab.corners {
		q := s.tab.corners[k].p
		D := r.sub(q)
		if D.norm()-R > reach || far(q, R) {
			continue
		}
		A := c.acc
		p := poly{D.dot(D) - R*R, 2 * D.dot(v), v.dot(v) + D.dot(A), v.dot(A), 0.25 * A.dot(A)}
		if t, ok := crossDown(&p, best, 2*R*approachMin, 2*R*touchTol); ok && t < best {
			best, s.wallKind[i], s.wallIdx[i] = t, wallCorner, int32(k)
		}
	}
	for k := range s.tab.pockets {
		q := &s.tab.pockets[k]
		D := r.sub(q.hole)
		if D.norm()-q.r > reach || far(q.hole, q.r) {
			continue
		}
		A := c.acc
		p := poly{D.dot(D) - q.r*q.r, 2 * D.dot(v), v.dot(v) + D.dot(A), v.dot(A), 0.25 * A.dot(A)}
		// A centre already over the hole and moving in falls at once.
		if t, ok := crossDown(&p, best, 0, 0); ok && t < best {
			best, s.wallKind[i], s.wallIdx[i] = t, wallPocket, int32(k)
		}
	}
	if s.wallKind[i] != wallNone {
		s.wall[i] = now + best
	}
}
