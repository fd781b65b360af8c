package sim

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
)

// engineMover moves balls with edge/physics: at a strike it simulates the
// whole shot once (event based, exact), then each frame reads every ball's
// state at the frame's time and replays the events that fell in the frame,
// stamped with their exact times. If the engine refuses a layout (a ball it
// considers off the surface, say one resting deep in a jaw) the shot runs
// on the simple kinematics instead, so the scenario never stops.
//
// A scenario may ask for balls to leave the table (offTable: the chance per
// shot): the engine cannot jump a ball, so the script takes the first ball
// that meets a rail hard enough to jump it off there, and the rest of the
// shot is simulated again without it (a second leg).
type engineMover struct {
	sys      *physics.System
	legs     []leg
	t        float64 // seconds since the strike
	end      float64 // when the last ball stops, seconds since the strike
	at       time.Time
	evs      []model.Event // the shot's events, in time order, stamped
	next     int           // index of the first event not yet replayed
	gone     int           // ball number that leaves the table, -1 none
	goneT    float64
	goneRail string
	state    []physics.BallState
	kin      *kinematics
	last     []model.BallPath // paths of the shot that ended last

	// offTable is the chance that a shot jumps a ball off the table; rng
	// draws it (only when offTable > 0, so other scenarios' random
	// sequences are untouched).
	offTable float64
	rng      *rand.Rand
}

// leg is one simulation of the shot from t0 on; num maps the engine's ball
// index to the ball number.
type leg struct {
	res *physics.Result
	t0  float64
	num []int
}

// jumpSpeed is how fast (m/s, normal to the rail) a ball must meet a rail
// for the script to jump it off the table.
const jumpSpeed = 1.2

func newEngineMover(look *tableLook, size model.Size) (*engineMover, error) {
	sys, err := physics.NewSystem(physics.DefaultParams(), physics.StandardTable(size))
	if err != nil {
		return nil, err
	}
	return &engineMover{sys: sys, kin: &kinematics{look: look, geo: model.Standard(size)}, gone: -1}, nil
}

func (m *engineMover) shotPaths() []model.BallPath { return m.last }

func (m *engineMover) moving(balls []ball) bool {
	return m.legs != nil || m.kin.moving(balls)
}

func (m *engineMover) strike(balls []ball, n int, sh physics.Shot, at time.Time) model.Vec2 {
	m.legs, m.evs, m.next, m.t, m.at, m.gone, m.last = m.legs[:0], m.evs[:0], 0, 0, at, -1, nil
	if first, ok := m.simulate(balls, n, sh); ok {
		m.legs = append(m.legs, first)
		m.end = first.res.End
		if m.offTable > 0 && m.rng.Float64() < m.offTable {
			m.jump(balls)
		}
		m.collect(balls)
		for _, e := range first.res.Events {
			if e.Type == physics.EvCueStrike {
				return e.VelAfter[0]
			}
		}
		return model.Vec2{}
	}
	m.legs = nil
	return m.kin.strike(balls, n, sh, at)
}

// simulate runs the shot from the balls' current states (velocities and
// no spin) with ball n struck.
func (m *engineMover) simulate(balls []ball, n int, sh physics.Shot) (leg, bool) {
	m.sys.Reset()
	var num []int
	for i := range balls {
		b := &balls[i]
		if b.pocketed {
			continue
		}
		if _, err := m.sys.AddBall(model.BallID(b.n), b.pos, b.vel, physics.Vec3{}); err != nil {
			return leg{}, false
		}
		num = append(num, i)
	}
	if err := m.sys.Strike(model.BallID(n), sh); err != nil {
		return leg{}, false
	}
	res, err := m.sys.Simulate()
	if err != nil {
		return leg{}, false
	}
	return leg{res: res, num: num}, true
}

// jump makes the first ball that meets a rail (not a jaw) at jumpSpeed or
// more leave the table there, and simulates the rest of the shot again
// from that moment without it. It changes nothing when no ball hits a rail
// that hard or the engine refuses the moment's layout (a ball in a jaw).
func (m *engineMover) jump(balls []ball) {
	first := m.legs[0]
	for _, e := range first.res.Events {
		if e.Type != physics.EvBallCushion || e.Jaw >= 0 {
			continue
		}
		before := first.res.BallAt(e.A, e.T-1e-9).Vel
		dv := math.Hypot(e.VelAfter[0].X-before.X, e.VelAfter[0].Y-before.Y)
		if dv < 2*jumpSpeed*0.8 { // the normal speed reverses (restitution about 0.8)
			continue
		}
		m.sys.Reset()
		var num []int
		ok := true
		for i := range first.num {
			st := first.res.BallAt(i, e.T)
			if i == e.A || st.Pocket != "" {
				continue
			}
			if _, err := m.sys.AddBall(st.ID, st.Pos, st.Vel, st.Spin); err != nil {
				ok = false
				break
			}
			num = append(num, first.num[i])
		}
		if !ok {
			return
		}
		res, err := m.sys.Simulate()
		if err != nil {
			return
		}
		m.legs = append(m.legs, leg{res: res, t0: e.T, num: num})
		m.gone, m.goneT, m.goneRail = first.num[e.A], e.T, e.Rail
		m.end = e.T + res.End
		return
	}
}

// collect turns the legs' events into the shot's model events, in time
// order, with ball ids, rails and pocket names.
func (m *engineMover) collect(balls []ball) {
	geo := m.sys.Table()
	pockets := geo.Pockets
	stamp := func(t float64) time.Time { return m.at.Add(time.Duration(t * float64(time.Second))) }
	var frozen [16]string
	for i, n := range m.legs[0].num {
		frozen[n] = geo.RailTouching(m.legs[0].res.BallAt(i, 0).Pos, frozenTol)
	}
	for k, lg := range m.legs {
		last := math.Inf(1)
		if k+1 < len(m.legs) {
			last = m.legs[k+1].t0
		}
		id := func(i int) string { return model.BallID(balls[lg.num[i]].n) }
		for _, e := range lg.res.Events {
			t := lg.t0 + e.T
			if t > last {
				break
			}
			if t == last && (lg.num[e.A] == m.gone || e.B >= 0 && lg.num[e.B] == m.gone) {
				continue // the jumping ball's rail contact: it leaves instead
			}
			switch e.Type {
			case physics.EvBallBall:
				mid := v2((e.Pos[0].X+e.Pos[1].X)/2, (e.Pos[0].Y+e.Pos[1].Y)/2)
				m.evs = append(m.evs, model.Event{Type: model.EventBallCollision, Time: stamp(t), Balls: []string{id(e.A), id(e.B)}, Pos: &mid})
			case physics.EvBallCushion:
				// A resting contact (a ball rolling along a rail, pressed
				// into it) is no reflection: only an impulse counts. Nor is
				// a ball frozen to a rail pushed into it before it left
				// (the rules: it was not driven to that rail).
				before := lg.res.BallAt(e.A, e.T-1e-9).Vel
				if math.Hypot(e.VelAfter[0].X-before.X, e.VelAfter[0].Y-before.Y) < minCushionImpulse {
					continue
				}
				if n := lg.num[e.A]; frozen[n] == e.Rail && !m.leftRail(n, e.Rail, t) {
					continue
				}
				p := e.Pos[0]
				// Speed: how fast it met the rail (the normal component),
				// or, off a jaw, half the change of velocity.
				into := -dot(before, railNormal(e.Rail))
				if e.Jaw >= 0 {
					into = math.Hypot(e.VelAfter[0].X-before.X, e.VelAfter[0].Y-before.Y) / 2
				}
				ev := model.Event{Type: model.EventBallCushion, Time: stamp(t), Balls: []string{id(e.A)}, Rail: e.Rail, Pos: &p, Speed: into}
				if e.Jaw >= 0 {
					ev.Pocket = pockets[e.Jaw].Name
				}
				m.evs = append(m.evs, ev)
			case physics.EvBallPocket:
				p := e.Pos[0]
				m.evs = append(m.evs, model.Event{Type: model.EventBallPocketed, Time: stamp(t), Balls: []string{id(e.A)},
					Pocket: pockets[e.Pocket].Name, Pos: &p})
			}
		}
	}
	if m.gone >= 0 {
		p := m.legs[0].res.BallAt(m.index0(m.gone), m.goneT).Pos
		m.evs = append(m.evs, model.Event{Type: model.EventBallOffTable, Time: stamp(m.goneT), Balls: []string{model.BallID(balls[m.gone].n)}, Rail: m.goneRail, Pos: &p})
	}
	sort.SliceStable(m.evs, func(i, j int) bool { return m.evs[i].Time.Before(m.evs[j].Time) })
}

// leftRail says whether ball number n was more than leaveTol from rail
// at any vertex of its path before time t (since the strike).
func (m *engineMover) leftRail(n int, rail string, t float64) bool {
	const leaveTol = 0.005
	g := m.sys.Table()
	for _, lg := range m.legs {
		for i, b := range lg.num {
			if b != n {
				continue
			}
			for k := 0; k < lg.res.Segments(i); k++ {
				t0 := lg.res.SegmentStart(i, k)
				if lg.t0+t0 >= t {
					break
				}
				if railGap(g, lg.res.BallAt(i, t0).Pos, rail) > leaveTol {
					return true
				}
			}
		}
	}
	return false
}

// railNormal is the unit normal of a rail pointing into the table.
func railNormal(rail string) model.Vec2 {
	switch rail {
	case model.RailBottom:
		return v2(0, 1)
	case model.RailTop:
		return v2(0, -1)
	case model.RailLeft:
		return v2(1, 0)
	}
	return v2(-1, 0)
}

func dot(a, b model.Vec2) float64 { return a.X*b.X + a.Y*b.Y }

// railGap is how far a ball centred at p is from touching rail.
func railGap(g model.TableGeometry, p model.Vec2, rail string) float64 {
	R := model.BallRadius
	switch rail {
	case model.RailBottom:
		return p.Y - R
	case model.RailTop:
		return g.Width - R - p.Y
	case model.RailLeft:
		return p.X - R
	}
	return g.Length - R - p.X
}

// minCushionImpulse (m/s) is the least change of velocity at a cushion that
// the truth calls a contact.
const minCushionImpulse = 0.02

// index0 is the first leg's engine index of ball number n.
func (m *engineMover) index0(n int) int {
	for i, b := range m.legs[0].num {
		if b == n {
			return i
		}
	}
	return -1
}

func (m *engineMover) step(balls []ball, now time.Time, dt float64, emit func(model.Event)) {
	if m.legs == nil {
		m.kin.step(balls, now, dt, emit)
		return
	}
	m.t += dt
	lg := m.legs[0]
	if len(m.legs) > 1 && m.t >= m.legs[1].t0 {
		lg = m.legs[1]
		if b := &balls[m.gone]; !b.pocketed {
			b.pocketed, b.offTable, b.vel = true, true, model.Vec2{}
		}
	}
	m.state = lg.res.StateAt(m.t-lg.t0, m.state)
	for k, st := range m.state {
		b := &balls[lg.num[k]]
		b.vel = st.Vel
		b.pos = st.Pos
		if st.Pocket != "" && !b.pocketed {
			b.pocketed, b.pocket = true, st.Pocket
			b.vel = model.Vec2{}
		}
		if !b.pocketed {
			b.roll(dt)
		}
	}
	for ; m.next < len(m.evs) && !m.evs[m.next].Time.After(m.at.Add(time.Duration(m.t*float64(time.Second)))); m.next++ {
		emit(m.evs[m.next])
	}
	if m.t >= m.end {
		// At rest: the engine's final velocities are zero; make sure.
		for i := range balls {
			balls[i].vel = model.Vec2{}
		}
		for ; m.next < len(m.evs); m.next++ {
			emit(m.evs[m.next])
		}
		m.last = m.paths(balls)
		m.legs = nil
	}
}

// strike for the kinematics: the cue ball leaves at speed along heading.
func (k *kinematics) strike(balls []ball, n int, sh physics.Shot, at time.Time) model.Vec2 {
	h := sh.HeadingDeg * math.Pi / 180
	balls[n].vel = v2(sh.Speed*math.Cos(h), sh.Speed*math.Sin(h))
	return balls[n].vel
}

func (k *kinematics) moving(balls []ball) bool { return anyMoving(balls) }

// shotPaths: the kinematics keep no paths.
func (k *kinematics) shotPaths() []model.BallPath { return nil }

// maxPathPoints bounds a ball's truth path (the tracker's is bounded too).
const maxPathPoints = 64

// paths returns each ball's exact path over the shot simulated last: a
// vertex wherever its motion changed (impacts, cushions, sliding to
// rolling), a few more along curved (sliding) pieces, and where it came to
// rest or fell. Balls that did not move are left out. Only valid while the
// shot's legs are held (until the step that ends the shot returns).
func (m *engineMover) paths(balls []ball) []model.BallPath {
	var out []model.BallPath
	for n := range balls {
		var pts []model.Vec2
		add := func(p model.Vec2) {
			if k := len(pts); k == 0 || math.Hypot(p.X-pts[k-1].X, p.Y-pts[k-1].Y) > 1e-3 {
				pts = append(pts, p)
			}
		}
		for li, lg := range m.legs {
			i := -1
			for k, b := range lg.num {
				if b == n {
					i = k
				}
			}
			if i < 0 {
				continue
			}
			stop := lg.res.End
			if li+1 < len(m.legs) {
				stop = m.legs[li+1].t0 - lg.t0
			}
			for k := 0; k < lg.res.Segments(i); k++ {
				t0 := lg.res.SegmentStart(i, k)
				if t0 > stop {
					break
				}
				st := lg.res.BallAt(i, t0)
				add(st.Pos)
				if lg.res.Curved(i, k) {
					t1 := stop
					if k+1 < lg.res.Segments(i) {
						t1 = math.Min(t1, lg.res.SegmentStart(i, k+1))
					}
					for j := 1; j < 4; j++ {
						add(lg.res.BallAt(i, t0+(t1-t0)*float64(j)/4).Pos)
					}
				}
				if st.Pocket != "" {
					break
				}
			}
			add(lg.res.BallAt(i, stop).Pos)
		}
		if len(pts) < 2 {
			continue
		}
		for len(pts) > maxPathPoints {
			// Thin evenly, keeping both ends.
			k := 1
			for j := 1; j < len(pts)-1; j += 2 {
				pts[k] = pts[j]
				k++
			}
			pts[k] = pts[len(pts)-1]
			pts = pts[:k+1]
		}
		out = append(out, model.BallPath{Ball: model.BallID(balls[n].n), Points: pts})
	}
	return out
}
