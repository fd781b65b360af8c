package physics

import "math"

// Motion is a ball's motion state. Between events every ball stays in one
// state, and in each the equations of motion have a closed-form solution
// (Leckie & Greenspan's model as used by Alciatore TP 4.1 and pooltool):
//
//	sliding:  the contact point slips on the cloth with relative velocity u;
//	          friction mu_s m g opposes u, whose direction stays constant, so
//	          r(t) is a parabola and u reaches 0 at t = 2|u0| / (7 mu_s g).
//	rolling:  no slip; rolling resistance mu_r m g decelerates v along its
//	          own direction: a straight line, stopping at |v0| / (mu_r g).
//	spinning: at rest, turning about the vertical only.
//	stationary, pocketed.
//
// Spin about the vertical decays at 5 mu_sp g / (2R) in every state; it does
// not move the ball, so it is clamped at zero rather than made an event.
type Motion uint8

const (
	Stationary Motion = iota
	Spinning
	Sliding
	Rolling
	Pocketed
)

var motionNames = [...]string{"stationary", "spinning", "sliding", "rolling", "pocketed"}

func (m Motion) String() string {
	if int(m) < len(motionNames) {
		return motionNames[m]
	}
	return "unknown"
}

// Thresholds below which a speed is zero. They sit far below anything a
// camera or a player can see (a rolling ball loses 1e-6 m/s in 10 us) and
// far above rounding noise.
const (
	epsV = 1e-6 // m/s, linear and slip speed
	epsW = 1e-4 // rad/s, vertical spin
)

// seg is one ball's motion from t0 until its next event: the state at t0
// and the constant accelerations of its motion state.
type seg struct {
	t0     float64
	r, v   v2
	w      Vec3
	motion Motion
	acc    v2      // linear acceleration
	alpha  v2      // angular acceleration of w.x, w.y (sliding)
	wzDec  float64 // |dw_z/dt|
	tEnd   float64 // absolute time of the motion-state transition (+Inf if none)
	pocket int     // pocket index when Pocketed, else -1
}

// setup fills the accelerations and the transition time of s from its
// state at t0, per the motion state, using p.
func (s *seg) setup(p *Params) {
	g, R := p.Gravity, p.BallRadius
	s.acc, s.alpha = v2{}, v2{}
	s.wzDec = 5 * p.SpinFriction * g / (2 * R)
	s.tEnd = math.Inf(1)
	switch s.motion {
	case Sliding:
		u := slip(s.v, s.w, R)
		un := u.norm()
		uh := u.scale(1 / un)
		s.acc = uh.scale(-p.SlideFriction * g)
		// Friction at the contact point (-R z) torques the ball about
		// z x u: dw/dt = 5 mu_s g / (2R) (z x u_hat).
		s.alpha = uh.perp().scale(5 * p.SlideFriction * g / (2 * R))
		s.tEnd = s.t0 + 2*un/(7*p.SlideFriction*g)
	case Rolling:
		sp := s.v.norm()
		s.acc = s.v.scale(-p.RollFriction * g / sp)
		s.tEnd = s.t0 + sp/(p.RollFriction*g)
	case Spinning:
		s.tEnd = s.t0 + math.Abs(s.w.Z)/s.wzDec
	}
}

// slip is the velocity of the contact point with the cloth, v + w x (-R z).
func slip(v v2, w Vec3, R float64) v2 {
	return v2{v.x - R*w.Y, v.y + R*w.X}
}

// at evaluates the segment at absolute time t (t0 <= t <= tEnd).
func (s *seg) at(t, R float64) (r, v v2, w Vec3) {
	if s.motion == Stationary || s.motion == Pocketed {
		return s.r, s.v, s.w
	}
	dt := t - s.t0
	if dt < 0 {
		dt = 0
	}
	if dt > s.tEnd-s.t0 {
		dt = s.tEnd - s.t0
	}
	r = s.r.add(s.v.scale(dt)).add(s.acc.scale(0.5 * dt * dt))
	v = s.v.add(s.acc.scale(dt))
	switch s.motion {
	case Sliding:
		w.X, w.Y = s.w.X+s.alpha.x*dt, s.w.Y+s.alpha.y*dt
	case Rolling:
		w.X, w.Y = -v.y/R, v.x/R
	}
	wz := math.Abs(s.w.Z) - s.wzDec*dt
	if wz > 0 {
		w.Z = math.Copysign(wz, s.w.Z)
	}
	return r, v, w
}

// travel bounds how far the ball can move from t to t+h along this segment.
func (s *seg) travel(t, h, R float64) float64 {
	switch s.motion {
	case Sliding, Rolling:
		_, v, _ := s.at(t, R)
		return v.norm()*h + 0.5*s.acc.norm()*h*h
	}
	return 0
}

// classify returns the motion state of a ball with velocity v and spin w,
// snapping v and w to exact rolling when the slip is below epsV.
func classify(v *v2, w *Vec3, R float64) Motion {
	u := slip(*v, *w, R)
	if u.norm() > epsV {
		return Sliding
	}
	if v.norm() > epsV {
		// Snap to exact rolling the way friction would get there (rollNow),
		// which never adds energy; resetting w alone could.
		*v, *w = rollNow(*v, *w, R)
		return Rolling
	}
	w.X, w.Y = 0, 0
	if math.Abs(w.Z) > epsW {
		return Spinning
	}
	w.Z = 0
	return Stationary
}

// energy is the kinetic energy (translational and rotational) of one ball.
func energy(v v2, w Vec3, p *Params) float64 {
	m, R := p.BallMass, p.BallRadius
	return 0.5*m*v.dot(v) + 0.5*(0.4*m*R*R)*w.dot(w)
}

// rollNow returns the velocity and spin a sliding ball reaches when its slip
// has gone, v - 2/7 u (the end of the sliding parabola, TP 4.1), rolling.
// Friction only removes energy on the way, so the jump does too. It is used
// for resting contacts, where a cushion or another ball holds a sliding
// ball and the slip would otherwise be spent in a chatter of micro-impacts.
func rollNow(v v2, w Vec3, R float64) (v2, Vec3) {
	u := slip(v, w, R)
	vf := v.sub(u.scale(2.0 / 7))
	return vf, Vec3{-vf.y / R, vf.x / R, w.Z}
}
