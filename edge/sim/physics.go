package sim

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
)

// engineMover moves balls with edge/physics: at a strike it simulates the
// whole shot once (event based, exact), then each frame reads every ball's
// state at the frame's time and replays the events that fell in the frame.
// If the engine refuses a layout (a ball it considers off the surface, say
// one resting deep in a jaw) the shot runs on the simple kinematics instead,
// so the scenario never stops.
type engineMover struct {
	sys   *physics.System
	res   *physics.Result
	t     float64
	next  int   // index of the first event not yet replayed
	num   []int // engine ball index -> ball number
	state []physics.BallState
	kin   *kinematics
}

func newEngineMover(look *tableLook, size model.Size) (*engineMover, error) {
	sys, err := physics.NewSystem(physics.DefaultParams(), physics.StandardTable(size))
	if err != nil {
		return nil, err
	}
	return &engineMover{sys: sys, kin: &kinematics{look: look, geo: model.Standard(size)}}, nil
}

func (m *engineMover) moving(balls []ball) bool {
	return m.res != nil || m.kin.moving(balls)
}

func (m *engineMover) strike(balls []ball, n int, headingDeg, speed float64) {
	m.res = nil
	m.sys.Reset()
	m.num = m.num[:0]
	ok := true
	for i := range balls {
		b := &balls[i]
		if b.pocketed {
			continue
		}
		if _, err := m.sys.AddBall(model.BallID(b.n), b.pos, b.vel, physics.Vec3{}); err != nil {
			ok = false
			break
		}
		m.num = append(m.num, i)
	}
	if ok {
		// A touch of follow: most players hit a little above centre.
		if err := m.sys.Strike(model.BallID(n), physics.Shot{HeadingDeg: headingDeg, Speed: speed, TipVertical: 0.15}); err == nil {
			if res, err := m.sys.Simulate(); err == nil {
				m.res, m.t, m.next = res, 0, 0
				return
			}
		}
	}
	m.kin.strike(balls, n, headingDeg, speed)
}

func (m *engineMover) step(balls []ball, dt float64, emit func(model.Event)) {
	if m.res == nil {
		m.kin.step(balls, dt, emit)
		return
	}
	m.t += dt
	m.state = m.res.StateAt(m.t, m.state)
	for k, st := range m.state {
		b := &balls[m.num[k]]
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
	for ; m.next < len(m.res.Events) && m.res.Events[m.next].T <= m.t; m.next++ {
		e := &m.res.Events[m.next]
		switch e.Type {
		case physics.EvBallBall:
			a, c := model.BallID(balls[m.num[e.A]].n), model.BallID(balls[m.num[e.B]].n)
			mid := v2((e.Pos[0].X+e.Pos[1].X)/2, (e.Pos[0].Y+e.Pos[1].Y)/2)
			emit(model.Event{Type: model.EventBallCollision, Balls: []string{a, c}, Pos: &mid})
		case physics.EvBallPocket:
			p := e.Pos[0]
			emit(model.Event{Type: model.EventBallPocketed, Balls: []string{model.BallID(balls[m.num[e.A]].n)},
				Pocket: m.sys.Table().Pockets[e.Pocket].Name, Pos: &p})
		}
	}
	if m.t >= m.res.End {
		// At rest: the engine's final velocities are zero; make sure.
		for _, i := range m.num {
			balls[i].vel = model.Vec2{}
		}
		m.res = nil
	}
}

// strike for the kinematics: the cue ball leaves at speed along heading.
func (k *kinematics) strike(balls []ball, n int, headingDeg, speed float64) {
	h := headingDeg * math.Pi / 180
	balls[n].vel = v2(speed*math.Cos(h), speed*math.Sin(h))
}

func (k *kinematics) moving(balls []ball) bool { return anyMoving(balls) }
