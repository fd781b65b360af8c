package core

import (
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

func TestDbgCushion(t *testing.T) {
	if os.Getenv("DBG") == "" {
		t.Skip()
	}
	for _, sc := range []string{"banks", "shots", "break"} {
		for seed := 1; seed <= 2; seed++ {
			fd := newFeed(t, sim.Options{Scenario: sc, Seed: int64(seed)}, uint64(seed))
			tr := NewTracker(Options{Table: fd.s.Geometry()})
			var truth, got []stamped
			pos := map[string][]model.Vec2{}
			var seen = map[string][]bool{}
			for i := 0; i < 90*30; i++ {
				det, tru := fd.next(t)
				_, evs := tr.Update(det)
				for _, e := range tru.Events {
					truth = append(truth, stamped{e, det.Seq})
				}
				for _, e := range evs {
					got = append(got, stamped{e, det.Seq})
				}
				for _, b := range tru.Balls {
					pos[b.ID] = append(pos[b.ID], b.Pos)
					_ = seen
				}
			}
			cs := scoreCushions(fmt.Sprintf("%s/%d", sc, seed), truth, got)
			for _, n := range cs.notes {
				var f int
				var what, id string
				fmt.Sscanf(n[len(fmt.Sprintf("%s/%d frame ", sc, seed)):], "%d: %s %s", &f, &what, &id)
				// speeds around
				p := pos[id]
				v := func(k int) float64 {
					if k < 1 || k >= len(p) {
						return -1
					}
					return math.Hypot(p[k].X-p[k-1].X, p[k].Y-p[k-1].Y) * 30
				}
				// next truth event of the ball
				next := ""
				for _, e := range truth {
					if e.seq >= uint64(f) && e.seq <= uint64(f)+6 && e.Type != model.EventBallCushion {
						for _, b := range e.Balls {
							if b == id {
								next += fmt.Sprintf(" %d:%s%v", e.seq, e.Type, e.Balls)
							}
						}
					}
				}
				t.Logf("%s | speeds %.2f %.2f %.2f %.2f | %s", n, v(f-1), v(f), v(f+1), v(f+2), next)
			}
		}
	}
}
