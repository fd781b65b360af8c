package sim

import (
	"math"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
)

// mover advances the balls by dt seconds and reports collisions and pockets
// through emit. It is an interface so the kinematics here can give way to
// edge/physics without touching the scenarios or the renderer.
type mover interface {
	// strike hits ball n with the cue at time at and returns the velocity
	// it leaves with.
	strike(balls []ball, n int, sh physics.Shot, at time.Time) model.Vec2
	// step advances dt seconds, to time now; events carry the time they
	// happened.
	step(balls []ball, now time.Time, dt float64, emit func(model.Event))
	// moving reports whether a shot is still in progress.
	moving(balls []ball) bool
	// shotPaths are the balls' paths over the shot that ended last (nil
	// when the mover keeps none).
	shotPaths() []model.BallPath
}

// kinematics is a small event-free integrator: rolling resistance plus a
// speed-proportional drag (so shots end in seconds, as on a real table where
// sliding friction and cushions eat energy fast), elastic ball-ball impacts
// with restitution, cushion reflection outside the pocket openings, and
// capture when a ball's centre is over a pocket hole.
type kinematics struct {
	look *tableLook
	geo  model.TableGeometry
	at   time.Time // the current substep's time: its events' stamp
}

const (
	subStep      = 0.0005 // seconds; a 9 m/s break moves 4.5 mm per step, a sixth of a radius
	rollDecel    = 0.18   // m/s^2
	dragPerS     = 0.22   // 1/s
	ballRestit   = 0.94
	cushRestit   = 0.72
	stopSpeed    = 0.004 // m/s
	cornerJaw    = 0.085 // cushion starts this far from a corner
	sideJaw      = 0.068 // half the side pocket opening
	captureInset = 0.012 // a ball drops when its centre is this far inside the hole edge
)

func (k *kinematics) step(balls []ball, now time.Time, dt float64, emit func(model.Event)) {
	for dt > 1e-9 {
		h := math.Min(dt, subStep)
		dt -= h
		// Events of this substep happen dt before the step's end.
		k.at = now.Add(-time.Duration(dt * float64(time.Second)))
		if !k.substep(balls, h, emit) {
			return // all at rest: nothing changes until the next strike
		}
	}
}

func (k *kinematics) substep(balls []ball, h float64, emit func(model.Event)) bool {
	L, W := k.geo.Length, k.geo.Width
	R := model.BallRadius
	moving := false
	for i := range balls {
		b := &balls[i]
		if b.pocketed {
			continue
		}
		sp := len2(b.vel)
		if sp == 0 {
			continue
		}
		ns := sp - (rollDecel+dragPerS*sp)*h
		if ns < stopSpeed {
			b.vel = model.Vec2{}
			continue
		}
		moving = true
		b.vel.X *= ns / sp
		b.vel.Y *= ns / sp
		b.pos.X += b.vel.X * h
		b.pos.Y += b.vel.Y * h
		b.roll(h)
		// Cushions, except where the cushion is cut away for a pocket.
		inCornerX := b.pos.Y < cornerJaw || b.pos.Y > W-cornerJaw
		inCornerY := b.pos.X < cornerJaw || b.pos.X > L-cornerJaw
		inSide := math.Abs(b.pos.X-L/2) < sideJaw
		rail, into := "", 0.0
		if !inCornerX {
			if b.pos.X < R && b.vel.X < 0 {
				b.pos.X, into, b.vel.X, rail = R, -b.vel.X, -b.vel.X*cushRestit, model.RailLeft
			} else if b.pos.X > L-R && b.vel.X > 0 {
				b.pos.X, into, b.vel.X, rail = L-R, b.vel.X, -b.vel.X*cushRestit, model.RailRight
			}
		}
		if !inCornerY && !inSide {
			if b.pos.Y < R && b.vel.Y < 0 {
				b.pos.Y, into, b.vel.Y, rail = R, -b.vel.Y, -b.vel.Y*cushRestit, model.RailBottom
			} else if b.pos.Y > W-R && b.vel.Y > 0 {
				b.pos.Y, into, b.vel.Y, rail = W-R, b.vel.Y, -b.vel.Y*cushRestit, model.RailTop
			}
		}
		if rail != "" {
			p := b.pos
			emit(model.Event{Type: model.EventBallCushion, Time: k.at, Balls: []string{model.BallID(b.n)}, Rail: rail, Pos: &p, Speed: into})
		}
		// Pockets: over a hole, or escaped past the cushion line through an
		// opening (only possible at a pocket), the ball drops.
		pi, d := k.nearestHole(b.pos)
		out := b.pos.X < -cushionWidth || b.pos.X > L+cushionWidth || b.pos.Y < -cushionWidth || b.pos.Y > W+cushionWidth
		if d < -captureInset || out {
			b.pocketed = true
			b.pocket = k.geo.Pockets[pi].Name
			b.vel = model.Vec2{}
			p := b.pos
			emit(model.Event{Type: model.EventBallPocketed, Time: k.at, Balls: []string{model.BallID(b.n)}, Pocket: b.pocket, Pos: &p})
		}
	}
	if !moving {
		return false
	}
	for i := range balls {
		a := &balls[i]
		if a.pocketed {
			continue
		}
		for j := i + 1; j < len(balls); j++ {
			b := &balls[j]
			if b.pocketed {
				continue
			}
			dx, dy := b.pos.X-a.pos.X, b.pos.Y-a.pos.Y
			d2 := dx*dx + dy*dy
			if d2 >= 4*R*R || d2 == 0 {
				continue
			}
			d := math.Sqrt(d2)
			nx, ny := dx/d, dy/d
			vrel := (a.vel.X-b.vel.X)*nx + (a.vel.Y-b.vel.Y)*ny
			if vrel <= 0 {
				continue // touching but separating or at rest together
			}
			// Equal masses: exchange the normal component, less restitution.
			j := (1 + ballRestit) / 2 * vrel
			a.vel.X -= j * nx
			a.vel.Y -= j * ny
			b.vel.X += j * nx
			b.vel.Y += j * ny
			// Separate overlap so the pair does not collide twice.
			o := (2*R - d) / 2
			a.pos.X -= nx * o
			a.pos.Y -= ny * o
			b.pos.X += nx * o
			b.pos.Y += ny * o
			mid := v2((a.pos.X+b.pos.X)/2, (a.pos.Y+b.pos.Y)/2)
			emit(model.Event{Type: model.EventBallCollision, Time: k.at, Balls: []string{model.BallID(a.n), model.BallID(b.n)}, Pos: &mid})
		}
	}
	return true
}

func (k *kinematics) nearestHole(p model.Vec2) (int, float64) {
	bi, bd := 0, math.Inf(1)
	for i, h := range k.look.holes {
		if d := math.Hypot(p.X-h.x, p.Y-h.y) - h.r; d < bd {
			bi, bd = i, d
		}
	}
	return bi, bd
}

func anyMoving(balls []ball) bool {
	for i := range balls {
		if !balls[i].pocketed && (balls[i].vel.X != 0 || balls[i].vel.Y != 0) {
			return true
		}
	}
	return false
}
