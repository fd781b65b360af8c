package core

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// TestSweep runs the pocket and shot checks over many seeds and reports the
// rates (development aid; CORE_SWEEP=N seeds per scenario).
func TestSweep(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CORE_SWEEP"))
	if n == 0 {
		t.Skip("set CORE_SWEEP=N")
	}
	for _, sc := range []string{"break", "shots", "demo"} {
		var want, missed, phantom, wrongShots, shots, rackW, rackG, fcOK, fc int
		for seed := 100; seed < 100+n; seed++ {
			truth, got, _ := run(t, sim.Options{Scenario: sc, Seed: int64(seed)}, uint64(seed), 2*60*30)
			var w, h []stamped
			for _, e := range truth {
				if e.Type == model.EventBallPocketed {
					w = append(w, e)
				}
			}
			for _, e := range got {
				if e.Type == model.EventBallPocketed {
					h = append(h, e)
				}
			}
			used := make([]bool, len(h))
			for _, x := range w {
				found := false
				for i, y := range h {
					if !used[i] && y.Balls[0] == x.Balls[0] && y.Pocket == x.Pocket && y.seq >= x.seq && y.seq <= x.seq+30 {
						used[i], found = true, true
						break
					}
				}
				if !found && x.seq+30 < uint64(2*60*30) { // else the run ended first
					missed++
					t.Logf("%s/%d frame %d: missed %s %s", sc, seed, x.seq, x.Balls[0], x.Pocket)
				}
			}
			for i := range h {
				if !used[i] {
					phantom++
					t.Logf("%s/%d frame %d: phantom %s %s", sc, seed, h[i].seq, h[i].Balls[0], h[i].Pocket)
				}
			}
			want += len(w)
			ws, gs := count(truth, model.EventShotStarted), count(got, model.EventShotStarted)
			shots += ws
			if ws != gs {
				wrongShots++
				t.Logf("%s/%d: shots truth %d tracker %d", sc, seed, ws, gs)
			}
			if a, b := count(truth, model.EventRackDetected), count(got, model.EventRackDetected); a != b {
				t.Logf("%s/%d: racks truth %d tracker %d", sc, seed, a, b)
			}
			rackW += count(truth, model.EventRackDetected)
			rackG += count(got, model.EventRackDetected)
			var a, b []*model.ShotSummary
			for _, e := range truth {
				if e.Type == model.EventShotEnded {
					a = append(a, e.Shot)
				}
			}
			for _, e := range got {
				if e.Type == model.EventShotEnded {
					b = append(b, e.Shot)
				}
			}
			for i := 0; i < len(a) && i < len(b); i++ {
				fc++
				if a[i].FirstContact == b[i].FirstContact {
					fcOK++
				}
			}
		}
		fmt.Printf("%s: pocketed %d missed %d phantom %d; runs with shot count off %d/%d (shots %d); racks truth %d tracker %d; first contact %d/%d\n",
			sc, want, missed, phantom, wrongShots, n, shots, rackW, rackG, fcOK, fc)
	}
}
