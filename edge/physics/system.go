package physics

import (
	"errors"
	"fmt"
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// System is a table with balls on it, ready to simulate. It is not safe for
// concurrent use; one goroutine owns it. After the first few shots on a
// System nothing in it allocates: AddBall, Strike and SimulateInto reuse
// their storage (which is what the predictor's aim loop relies on).
type System struct {
	p     Params
	geom  model.TableGeometry
	tab   *table
	balls []ballSlot

	// Event search caches, all absolute times. pair[i*n+j] (i<j) is the next
	// impact of i and j given their current segments; wall[i] the next
	// cushion, jaw, corner or pocket event of i. An event touching ball i
	// recomputes the entries of i only: the others' segments did not change.
	cur      []seg // each ball's current segment during SimulateInto
	res      *Result
	pair     []float64
	wall     []float64
	wallKind []uint8
	wallIdx  []int32
	strikes  []int32 // balls struck, in order, for the cue_strike events
	n        int
	names    []string
	jam      []uint16 // impacts per ball at instant jamT (see jammed)
	jamT     float64
	// Scratch for restCluster.
	rest      []restState
	inCluster []bool
	cluster   []int
}

// ballSlot is a ball as placed: its starting state at time 0.
type ballSlot struct {
	id   string
	r, v v2
	w    Vec3
}

// Event kinds of Result.Events.
type EventType uint8

const (
	EvCueStrike EventType = iota
	EvBallBall
	EvBallCushion // a rail or a pocket jaw (Cushion says which)
	EvBallPocket
	EvTransition // motion-state change: From -> To
)

// Event is one thing that happened in a simulation. A and B are ball
// indices (B = -1 when only one ball is involved). For a transition, From
// and To are the motion states; the JSON name is "<from>_to_<to>".
type Event struct {
	T       float64
	Type    EventType
	A, B    int
	Cushion int // EvBallCushion: index into the table's cushions; jaws have Jaw >= 0
	Jaw     int // pocket index when the cushion hit was a jaw or jaw point, else -1
	Pocket  int // EvBallPocket: index into TableGeometry.Pockets
	// Rail is EvBallCushion's rail by its contract name (model.RailBottom,
	// RailRight, RailTop, RailLeft); a jaw hit names the rail whose
	// pocket mouth the jaw cuts (a corner jaw the rail its jaw point is on).
	Rail string
	From Motion
	To   Motion
	// Pos and VelAfter are the positions of A and B at T and their
	// velocities just after the event.
	Pos      [2]model.Vec2
	VelAfter [2]model.Vec2
	// KEBefore and KEAfter are the kinetic energies (translational and
	// rotational, J) of the balls involved just before and just after.
	KEBefore, KEAfter float64
}

// Name is the event's type as the predict CLI and docs spell it.
func (e *Event) Name() string {
	switch e.Type {
	case EvCueStrike:
		return "cue_strike"
	case EvBallBall:
		return "ball_ball"
	case EvBallCushion:
		return "ball_cushion"
	case EvBallPocket:
		return "ball_pocket"
	}
	return transitionNames[e.From][e.To]
}

var transitionNames = func() (t [5][5]string) {
	for i := range t {
		for j := range t[i] {
			t[i][j] = Motion(i).String() + "_to_" + Motion(j).String()
		}
	}
	return t
}()

// ErrTooManyEvents means a simulation did not come to rest within
// Params.MaxEvents events.
var ErrTooManyEvents = errors.New("physics: simulation exceeded the event budget")

// NewSystem returns an empty table with geometry g (see Table and
// StandardTable; model.Standard works too) and parameters p.
func NewSystem(p Params, g model.TableGeometry) (*System, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	t, err := newTable(g, &p)
	if err != nil {
		return nil, err
	}
	return &System{p: p, geom: g, tab: t}, nil
}

// Params returns the system's parameters.
func (s *System) Params() Params { return s.p }

// Table returns the system's geometry.
func (s *System) Table() model.TableGeometry { return s.geom }

// Reset removes every ball.
func (s *System) Reset() {
	s.balls = s.balls[:0]
	s.strikes = s.strikes[:0]
}

// Len returns the number of balls.
func (s *System) Len() int { return len(s.balls) }

// Index returns the index of the ball with the given id, or -1.
func (s *System) Index(id string) int {
	for i := range s.balls {
		if s.balls[i].id == id {
			return i
		}
	}
	return -1
}

// AddBall puts a ball on the table at pos with velocity vel (m/s) and
// angular velocity spin (rad/s, table frame: a ball rolling towards +x at
// speed v has spin (0, v/R, 0)) and returns its index. It refuses a
// duplicate or empty id, a non-finite value, a position off the playing
// surface (closer than a radius to a cushion nose or jaw, or over a pocket)
// or overlapping a ball already placed.
func (s *System) AddBall(id string, pos, vel model.Vec2, spin Vec3) (int, error) {
	if id == "" {
		return -1, fmt.Errorf("physics: AddBall: empty ball id")
	}
	if s.Index(id) >= 0 {
		return -1, fmt.Errorf("physics: AddBall: ball %q placed twice", id)
	}
	for _, x := range [...]float64{pos.X, pos.Y, vel.X, vel.Y, spin.X, spin.Y, spin.Z} {
		if !finite(x) {
			return -1, fmt.Errorf("physics: AddBall: ball %q has a value that is not a finite number", id)
		}
	}
	R := s.p.BallRadius
	r := v2{pos.X, pos.Y}
	if !s.tab.onTable(r, R) {
		return -1, fmt.Errorf("physics: AddBall: ball %q at (%.4f, %.4f) is off the playing surface (centre must be a radius %.4f m inside the %.4fx%.4f m cushion noses and clear of the pockets)", id, pos.X, pos.Y, R, s.tab.l, s.tab.w)
	}
	const overlapTol = 1e-9
	for i := range s.balls {
		if d := s.balls[i].r.sub(r).norm(); d < 2*R-overlapTol {
			return -1, fmt.Errorf("physics: AddBall: ball %q at (%.4f, %.4f) overlaps ball %q (centres %.4f m apart, minimum %.4f)", id, pos.X, pos.Y, s.balls[i].id, d, 2*R)
		}
	}
	if sp := math.Hypot(vel.X, vel.Y); sp > 20 || spin.norm()*R > 30 {
		return -1, fmt.Errorf("physics: AddBall: ball %q moves at %.1f m/s or spins faster than any cue can make it (limits 20 m/s, 30 m/s at the surface)", id, sp)
	}
	s.balls = append(s.balls, ballSlot{id: id, r: r, v: v2{vel.X, vel.Y}, w: spin})
	return len(s.balls) - 1, nil
}

// Strike hits ball id with the cue (see Shot), replacing its velocity and
// spin.
func (s *System) Strike(id string, sh Shot) error {
	i := s.Index(id)
	if i < 0 {
		return fmt.Errorf("physics: Strike: no ball %q on the table", id)
	}
	for _, x := range [...]float64{sh.HeadingDeg, sh.Speed, sh.TipSide, sh.TipVertical, sh.ElevationDeg} {
		if !finite(x) {
			return fmt.Errorf("physics: Strike: shot has a value that is not a finite number")
		}
	}
	if !(sh.Speed > 0 && sh.Speed <= 15) {
		return fmt.Errorf("physics: Strike: speed %v m/s is outside (0, 15] (a hard break is about 11 m/s)", sh.Speed)
	}
	if sh.TipSide*sh.TipSide+sh.TipVertical*sh.TipVertical > 0.8*0.8 {
		return fmt.Errorf("physics: Strike: tip offset (%v, %v) is a miscue: keep side^2+vertical^2 <= 0.64 (the miscue limit is about 0.5-0.6 R)", sh.TipSide, sh.TipVertical)
	}
	if !(sh.ElevationDeg >= 0 && sh.ElevationDeg < 89) {
		return fmt.Errorf("physics: Strike: elevation %v deg is outside [0, 89)", sh.ElevationDeg)
	}
	v, w := strike(sh, &s.p)
	if !finite(v.x) || !finite(v.y) || !finite(w.X) || !finite(w.Y) || !finite(w.Z) {
		// Finite inputs can still overflow (a heading of 1e308 degrees is
		// infinite in radians): refuse rather than simulate NaN.
		return fmt.Errorf("physics: Strike: heading %v deg, speed %v m/s give a velocity that is not a finite number", sh.HeadingDeg, sh.Speed)
	}
	s.balls[i].v, s.balls[i].w = v, w
	for _, k := range s.strikes {
		if int(k) == i {
			return nil // struck again: the new strike replaces the old
		}
	}
	s.strikes = append(s.strikes, int32(i))
	return nil
}

// Simulate runs the shot from time 0 until every ball is at rest or
// pocketed and returns a new Result. The balls' starting states stay in the
// System, so Simulate can run again (with other strikes) after Reset and
// AddBall, or after Strike alone.
func (s *System) Simulate() (*Result, error) {
	res := &Result{}
	err := s.SimulateInto(res)
	return res, err
}
