package sim

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// TestShotTruth plays the banks and shots scenarios and checks the truth of
// the game layer's events: every cushion contact names the rail the ball
// is touching, a jumped ball leaves the table where it met a rail and is
// never drawn again, every shot opens with a cue strike, and each summary's
// events are the shot's own, in time order, with paths from the start
// spots to the end spots (or a pocket).
func TestShotTruth(t *testing.T) {
	var cushions, jaws, offs, shots, frozen int
	perScenario := map[string]int{}
	for _, o := range []Options{{Scenario: "banks", Seed: 1}, {Scenario: "banks", Seed: 2}, {Scenario: "banks", Seed: 5}, {Scenario: "shots", Seed: 3}, {Scenario: "break", Seed: 4}} {
		o.Width, o.Height, o.Unpaced = 160, 90, true
		s := New(o)
		g := s.Geometry()
		R := model.BallRadius
		var f model.Frame
		var live []model.Event // events since the last shot_started
		gone := map[string]bool{}
		for i := 0; i < 60*30; i++ {
			if err := s.Read(context.Background(), &f); err != nil {
				t.Fatal(err)
			}
			for _, b := range f.Truth.Balls {
				if gone[b.ID] && !b.Pocketed {
					delete(gone, b.ID) // a new layout or the cue ball respotted
				}
				if gone[b.ID] && !b.OffTable {
					t.Errorf("%s frame %d: ball %s jumped off but truth shows it %+v", o.Scenario, i, b.ID, b)
				}
			}
			for _, e := range f.Truth.Events {
				switch e.Type {
				case model.EventShotStarted:
					live = live[:0]
				case model.EventCueStrike:
					if e.Speed <= 0 || e.HeadingDeg == nil || len(live) != 0 {
						t.Errorf("%s frame %d: cue strike %+v after %d shot events", o.Scenario, i, e, len(live))
					}
					live = append(live, e)
				case model.EventBallCushion:
					cushions++
					if e.Pocket != "" {
						jaws++
					} else if got := g.RailTouching(*e.Pos, 0.002); got != e.Rail {
						t.Errorf("%s frame %d: ball %s on rail %q at %+v, but it touches %q there", o.Scenario, i, e.Balls[0], e.Rail, *e.Pos, got)
					}
					live = append(live, e)
				case model.EventBallOffTable:
					offs++
					p := *e.Pos
					if d := min(p.X-R, g.Length-R-p.X, p.Y-R, g.Width-R-p.Y); d > 0.002 {
						t.Errorf("%s frame %d: ball %s left the table %.3f m from a rail", o.Scenario, i, e.Balls[0], d)
					}
					gone[e.Balls[0]] = true
					live = append(live, e)
				case model.EventBallCollision, model.EventBallPocketed:
					live = append(live, e)
				case model.EventShotEnded:
					shots++
					sum := e.Shot
					frozen += len(sum.Frozen)
					if len(sum.Events) != len(live) {
						t.Errorf("%s frame %d: summary has %d events, the shot emitted %d", o.Scenario, i, len(sum.Events), len(live))
					}
					if !slices.IsSortedFunc(sum.Events, func(a, b model.Event) int { return a.Time.Compare(b.Time) }) {
						t.Errorf("%s frame %d: summary events out of order", o.Scenario, i)
					}
					if len(sum.Events) == 0 || sum.Events[0].Type != model.EventCueStrike {
						t.Errorf("%s frame %d: summary does not open with the cue strike", o.Scenario, i)
					}
					checkPaths(t, sum, R)
					perScenario[o.Scenario]++
				}
			}
		}
	}
	t.Logf("shots per scenario %v", perScenario)
	t.Logf("%d shots, %d cushion contacts (%d on jaws), %d balls off the table, %d frozen at a strike", shots, cushions, jaws, offs, frozen)
	if shots < 20 || cushions < 50 || offs < 2 || frozen < 3 {
		t.Errorf("too little happened to prove anything: %d shots, %d cushions, %d off the table, %d frozen", shots, cushions, offs, frozen)
	}
}

// checkPaths: each path starts at its ball's start spot and ends at its end
// spot, or where it fell or left the table.
func checkPaths(t *testing.T, sum *model.ShotSummary, R float64) {
	t.Helper()
	spot := func(spots []model.BallSpot, id string) (model.Vec2, bool) {
		for _, s := range spots {
			if s.ID == id {
				return s.Pos, true
			}
		}
		return model.Vec2{}, false
	}
	for _, p := range sum.Paths {
		if len(p.Points) < 2 || len(p.Points) > maxPathPoints {
			t.Errorf("path of %s has %d points", p.Ball, len(p.Points))
			continue
		}
		a, ok := spot(sum.Start, p.Ball)
		if !ok || math.Hypot(a.X-p.Points[0].X, a.Y-p.Points[0].Y) > 1e-6 {
			t.Errorf("path of %s starts at %+v, start spot %+v", p.Ball, p.Points[0], a)
		}
		last := p.Points[len(p.Points)-1]
		if b, ok := spot(sum.End, p.Ball); ok && math.Hypot(b.X-last.X, b.Y-last.Y) > 1e-3 {
			t.Errorf("path of %s ends at %+v, end spot %+v", p.Ball, last, b)
		}
	}
}
