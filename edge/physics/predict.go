package physics

import (
	"fmt"
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// Predictor turns the tracked table and the detected cue aim into a
// predicted shot for the trajectory stream, running the full engine. It
// keeps its System and Result between calls, so after the first calls the
// aim loop allocates nothing as long as dst's slices have room (Predict
// grows them once). A Predictor belongs to one goroutine.
type Predictor struct {
	sys   *System
	res   Result
	spare *model.Vec2 // a ghost pointer kept while the aim misses
	// CurveSamples is how many points a curved (swerving) piece of a path
	// gets between its ends; straight pieces need none.
	CurveSamples int
}

// NewPredictor returns a predictor for table g with parameters p.
func NewPredictor(p Params, g model.TableGeometry) (*Predictor, error) {
	s, err := NewSystem(p, g)
	if err != nil {
		return nil, err
	}
	return &Predictor{sys: s, CurveSamples: 8}, nil
}

// System returns the predictor's engine (its balls are those of the last
// Predict call).
func (p *Predictor) System() *System { return p.sys }

// Result returns the last prediction's full simulation, valid until the
// next Predict.
func (p *Predictor) Result() *Result { return &p.res }

// load places balls on the predictor's table, at rest. Tracking noise must
// not cost the player the overlay: an object ball measured a hair inside a
// cushion is moved onto the table, and one overlapping a ball already placed
// is left out. The cue ball must be there.
func (p *Predictor) load(balls []model.Ball) (cue int, err error) {
	s := p.sys
	s.Reset()
	R := s.p.BallRadius
	cue = -1
	// The cue ball first, so that noise never drops it.
	for k := range balls {
		if balls[k].ID == "cue" {
			pos := p.clamp(balls[k].Pos)
			if cue, err = s.AddBall("cue", pos, model.Vec2{}, Vec3{}); err != nil {
				return -1, fmt.Errorf("physics: Predict: cue ball: %w", err)
			}
			break
		}
	}
	if cue < 0 {
		return -1, fmt.Errorf("physics: Predict: no ball with id \"cue\" on the table (is the cue ball tracked?)")
	}
	for k := range balls {
		b := &balls[k]
		if b.ID == "cue" || b.ID == "" {
			continue
		}
		pos := p.clamp(b.Pos)
		if !s.tab.onTable(v2{pos.X, pos.Y}, R) {
			continue // over a pocket or on a jaw: not in play
		}
		// AddBall also checks overlaps, but its error message costs an
		// allocation; check here so the aim loop stays allocation-free.
		if p.overlaps(pos) || s.Index(b.ID) >= 0 {
			continue
		}
		if _, err := s.AddBall(b.ID, pos, model.Vec2{}, Vec3{}); err != nil {
			continue
		}
	}
	return cue, nil
}

func (p *Predictor) clamp(pos model.Vec2) model.Vec2 {
	R := p.sys.p.BallRadius
	l, w := p.sys.tab.l, p.sys.tab.w
	pos.X = math.Min(math.Max(pos.X, R), l-R)
	pos.Y = math.Min(math.Max(pos.Y, R), w-R)
	return pos
}

func (p *Predictor) overlaps(pos model.Vec2) bool {
	R := p.sys.p.BallRadius
	for i := range p.sys.balls {
		b := &p.sys.balls[i]
		if math.Hypot(b.r.x-pos.X, b.r.y-pos.Y) < 2*R-1e-9 {
			return true
		}
	}
	return false
}

// Predict simulates the shot the cue is aiming: the cue ball ("cue" in
// balls) struck along aim.HeadingDeg at speed (m/s) with the tip offsets
// (fractions of the radius; see Shot), all other balls at rest where they
// are. It fills dst: Aiming, HeadingDeg, Speed, Ghost (the cue ball's centre
// at its first contact with an object ball), Target, one path per ball that
// moves (a vertex at every event, curved pieces sampled) and the Outcome.
// dst.Seq is left to the caller. dst's slices, map and Ghost pointer are
// reused, so dst must not be read elsewhere while Predict runs.
func (p *Predictor) Predict(balls []model.Ball, aim model.CueAim, speed, tipSide, tipVertical float64, dst *model.Trajectory) error {
	cue, err := p.load(balls)
	if err != nil {
		return err
	}
	if err := p.sys.Strike("cue", Shot{HeadingDeg: aim.HeadingDeg, Speed: speed, TipSide: tipSide, TipVertical: tipVertical}); err != nil {
		return err
	}
	if err := p.sys.SimulateInto(&p.res); err != nil && err != ErrTooManyEvents {
		return err
	}
	// A shot that hits the event budget is still drawn up to where the
	// simulation stopped.
	p.fill(cue, aim.HeadingDeg, speed, dst)
	return nil
}

func (p *Predictor) fill(cue int, heading, speed float64, dst *model.Trajectory) {
	res := &p.res
	dst.Aiming, dst.HeadingDeg, dst.Speed, dst.Target = true, heading, speed, ""
	if dst.Ghost != nil {
		p.spare, dst.Ghost = dst.Ghost, nil
	}
	for k := range res.Events {
		e := &res.Events[k]
		if e.Type != EvBallBall || (e.A != cue && e.B != cue) {
			continue
		}
		g, other := e.Pos[0], e.B
		if e.B == cue {
			g, other = e.Pos[1], e.A
		}
		if p.spare == nil {
			p.spare = new(model.Vec2)
		}
		*p.spare = g
		dst.Ghost, p.spare = p.spare, nil
		dst.Target = res.IDs[other]
		break
	}
	// Paths: every ball that moved.
	// Reslicing within capacity keeps each old element's Points array.
	n := 0
	dst.Paths = dst.Paths[:0]
	for i := range res.IDs {
		if len(res.segs[i]) == 1 && res.segs[i][0].motion == Stationary {
			continue
		}
		if n < cap(dst.Paths) {
			dst.Paths = dst.Paths[:n+1]
		} else {
			dst.Paths = append(dst.Paths, model.BallPath{})
		}
		path := &dst.Paths[n]
		path.Ball = res.IDs[i]
		path.Points = p.path(i, path.Points[:0])
		n++
	}
	dst.Paths = dst.Paths[:n]
	// Outcome.
	if dst.Outcome.Pocketed == nil {
		dst.Outcome.Pocketed = make(map[string]string, 4)
	} else {
		clear(dst.Outcome.Pocketed)
	}
	dst.Outcome.Scratch = false
	for i := range res.IDs {
		ss := res.segs[i]
		if last := &ss[len(ss)-1]; last.motion == Pocketed {
			dst.Outcome.Pocketed[res.IDs[i]] = res.pockets[last.pocket]
			if i == cue {
				dst.Outcome.Scratch = true
			}
		}
	}
	dst.Outcome.Miss = dst.Target == ""
}

// path appends ball i's polyline: its position at every segment start and
// at the end, with CurveSamples points inside each curved segment.
func (p *Predictor) path(i int, pts []model.Vec2) []model.Vec2 {
	res := &p.res
	ss := res.segs[i]
	R := res.radius
	for k := range ss {
		s := &ss[k]
		pts = append(pts, vec(s.r))
		if res.Curved(i, k) && p.CurveSamples > 0 {
			end := s.tEnd
			if k+1 < len(ss) {
				end = ss[k+1].t0
			}
			for j := 1; j <= p.CurveSamples; j++ {
				t := s.t0 + (end-s.t0)*float64(j)/float64(p.CurveSamples+1)
				r, _, _ := s.at(t, R)
				pts = append(pts, vec(r))
			}
		}
	}
	last := &ss[len(ss)-1]
	if last.motion != Pocketed && last.motion != Stationary {
		r, _, _ := last.at(last.tEnd, R)
		pts = append(pts, vec(r))
	}
	return pts
}
