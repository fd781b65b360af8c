package sim

import (
	"github.com/cuecast/cuecast/edge/model"
)

// frozenTol (m): a ball whose centre is this close to touching a rail
// at the strike is frozen to it.
const frozenTol = 0.001

// beginShot opens the shot's log at a strike: where every ball is and which
// are frozen to a rail.
func (d *director) beginShot(t float64) {
	s := &shotLog{start: t, pocketed: map[string]string{}}
	for i := range d.balls {
		b := &d.balls[i]
		if b.pocketed {
			continue
		}
		id := model.BallID(b.n)
		s.startSpots = append(s.startSpots, model.BallSpot{ID: id, Pos: b.pos})
		if d.geo.RailTouching(b.pos, frozenTol) != "" {
			s.frozen = append(s.frozen, id)
		}
	}
	d.shot = s
}

// summary closes shot s, t seconds after it started: what the truth's
// shot_ended carries.
func (d *director) summary(s *shotLog, t float64) *model.ShotSummary {
	sum := &model.ShotSummary{
		FirstContact: s.firstContact, Pocketed: s.pocketed, Scratch: s.scratch, DurationS: t,
		Start: s.startSpots, Frozen: s.frozen, Events: s.events, Paths: d.mv.shotPaths(),
	}
	for i := range d.balls {
		if b := &d.balls[i]; !b.pocketed {
			sum.End = append(sum.End, model.BallSpot{ID: model.BallID(b.n), Pos: b.pos})
		}
	}
	return sum
}
