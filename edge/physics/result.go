package physics

import (
	"math"
	"sort"

	"github.com/cuecast/cuecast/edge/model"
)

// Result is a simulated shot: the events in time order and every ball's
// motion as a chain of closed-form segments, so the state of any ball at any
// time is exact (StateAt), not interpolated.
type Result struct {
	// IDs are the balls' ids; index i is ball i of the events.
	IDs []string
	// Events in time order (ties keep the order they were resolved in).
	Events []Event
	// End is the time (s) at which the last ball came to rest or fell.
	End float64

	segs    [][]seg // per ball, ascending t0
	radius  float64
	pockets []string // pocket names, by index
}

// BallState is one ball at one time.
type BallState struct {
	ID     string     `json:"id"`
	Pos    model.Vec2 `json:"pos"`
	Vel    model.Vec2 `json:"vel"`
	Spin   Vec3       `json:"spin"` // rad/s, table frame
	Motion Motion     `json:"-"`
	Pocket string     `json:"pocket,omitempty"` // pocket name once pocketed
}

// reset prepares r for a run with the given balls, keeping its storage.
func (r *Result) reset(balls []ballSlot, radius float64, pockets []string) {
	r.IDs = r.IDs[:0]
	for i := range balls {
		r.IDs = append(r.IDs, balls[i].id)
	}
	r.Events = r.Events[:0]
	r.End = 0
	if cap(r.segs) < len(balls) {
		segs := make([][]seg, len(balls))
		copy(segs, r.segs[:cap(r.segs)])
		r.segs = segs
	}
	r.segs = r.segs[:len(balls)]
	for i := range r.segs {
		r.segs[i] = r.segs[i][:0]
	}
	r.radius = radius
	r.pockets = pockets
}

// StateAt returns every ball's state at time t (seconds since the strike),
// appended to dst[:0] in ball index order. Times before 0 give the starting
// state, times after End the final one. It allocates only when dst is too
// small.
func (r *Result) StateAt(t float64, dst []BallState) []BallState {
	dst = dst[:0]
	for i, ss := range r.segs {
		dst = append(dst, r.ballAt(i, ss, t))
	}
	return dst
}

// BallAt returns ball i's state at time t.
func (r *Result) BallAt(i int, t float64) BallState {
	return r.ballAt(i, r.segs[i], t)
}

func (r *Result) ballAt(i int, ss []seg, t float64) BallState {
	// The last segment starting at or before t.
	k := sort.Search(len(ss), func(k int) bool { return ss[k].t0 > t }) - 1
	if k < 0 {
		k = 0
	}
	s := &ss[k]
	st := BallState{ID: r.IDs[i], Motion: s.motion}
	pos, vel, w := s.at(math.Max(t, s.t0), r.radius)
	st.Pos, st.Vel, st.Spin = model.Vec2{X: pos.x, Y: pos.y}, model.Vec2{X: vel.x, Y: vel.y}, w
	if s.motion == Pocketed && s.pocket >= 0 {
		st.Pocket = r.pockets[s.pocket]
	}
	return st
}

// Final returns every ball's state at rest (StateAt(End)).
func (r *Result) Final(dst []BallState) []BallState { return r.StateAt(r.End, dst) }

// Segments returns how many closed-form pieces ball i's motion has.
func (r *Result) Segments(i int) int { return len(r.segs[i]) }

// SegmentStart returns the start time of ball i's k-th piece: the vertices
// of its path (a path is a straight line or a parabola between them).
func (r *Result) SegmentStart(i, k int) float64 { return r.segs[i][k].t0 }

// Curved reports whether ball i's k-th piece bends (a sliding ball whose
// slip is not along its velocity: swerve or a spinning ball drifting).
func (r *Result) Curved(i, k int) bool {
	s := &r.segs[i][k]
	if s.motion != Sliding {
		return false
	}
	vn, an := s.v.norm(), s.acc.norm()
	if vn == 0 || an == 0 {
		return false
	}
	cross := math.Abs(s.v.x*s.acc.y-s.v.y*s.acc.x) / (vn * an)
	return cross > 1e-3
}
