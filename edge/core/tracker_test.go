package core

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

type stamped struct {
	model.Event
	seq uint64
}

// run feeds n frames of a scenario through a tracker and returns the truth
// events and the tracker's events, and the fraction of visible ball-frames
// whose tracked id is the truth ball nearest to it.
func run(t *testing.T, o sim.Options, seed uint64, n int) (truth, got []stamped, idOK float64) {
	t.Helper()
	fd := newFeed(t, o, seed)
	tr := NewTracker(Options{Table: fd.s.Geometry()})
	checked, ok := 0, 0
	for i := 0; i < n; i++ {
		det, tru := fd.next(t)
		st, evs := tr.Update(det)
		for _, e := range tru.Events {
			truth = append(truth, stamped{e, det.Seq})
		}
		for _, e := range evs {
			got = append(got, stamped{e, det.Seq})
		}
		for _, b := range st.Balls {
			if b.Occluded || b.ID[0] == '?' {
				continue
			}
			best, bd := "", math.Inf(1)
			for _, tb := range tru.Balls {
				if !tb.Pocketed {
					if d := math.Hypot(tb.Pos.X-b.Pos.X, tb.Pos.Y-b.Pos.Y); d < bd {
						best, bd = tb.ID, d
					}
				}
			}
			checked++
			if best == b.ID {
				ok++
			}
		}
	}
	return truth, got, float64(ok) / math.Max(1, float64(checked))
}

func count(evs []stamped, typ string) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// TestPocketedOnceRightPocket plays breaks and shots and checks every ball
// the simulator pocketed is reported exactly once, in the right pocket,
// within a second, and nothing else is reported pocketed.
func TestPocketedOnceRightPocket(t *testing.T) {
	cases := []struct {
		scenario string
		seed     int64
		minutes  float64
	}{
		{"break", 1, 1.5}, {"break", 2, 1.5}, {"shots", 3, 2}, {"shots", 4, 2}, {"demo", 5, 2},
	}
	total := 0
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%d", c.scenario, c.seed), func(t *testing.T) {
			truth, got, idOK := run(t, sim.Options{Scenario: c.scenario, Seed: c.seed}, uint64(c.seed), int(c.minutes*60*30))
			var want, have []stamped
			for _, e := range truth {
				if e.Type == model.EventBallPocketed {
					want = append(want, e)
				}
			}
			for _, e := range got {
				if e.Type == model.EventBallPocketed {
					have = append(have, e)
				}
			}
			used := make([]bool, len(have))
			frames := uint64(c.minutes * 60 * 30)
			for _, w := range want {
				found := false
				for i, h := range have {
					if !used[i] && h.Balls[0] == w.Balls[0] && h.Pocket == w.Pocket && h.seq >= w.seq && h.seq <= w.seq+30 {
						used[i], found = true, true
						break
					}
				}
				if !found && w.seq+30 < frames { // else the run ended before the tracker could confirm it
					t.Errorf("frame %d: ball %s into %s not reported (tracker said %v)", w.seq, w.Balls[0], w.Pocket, describe(have, w.seq))
				}
			}
			for i, h := range have {
				if !used[i] {
					t.Errorf("frame %d: phantom ball_pocketed %s into %s", h.seq, h.Balls[0], h.Pocket)
				}
			}
			total += len(want)
			if idOK < 0.99 {
				t.Errorf("ids right on %.2f%% of ball-frames, want >= 99%%", idOK*100)
			}
			t.Logf("%d pocketed, ids right %.3f%%, truth shots %d, tracker shots %d/%d", len(want), idOK*100,
				count(truth, model.EventShotStarted), count(got, model.EventShotStarted), count(got, model.EventShotEnded))
		})
	}
	if total < 10 {
		t.Errorf("only %d balls pocketed over all runs: the test proves little", total)
	}
}

func describe(evs []stamped, near uint64) []string {
	var s []string
	for _, e := range evs {
		if e.seq+60 >= near && e.seq <= near+60 {
			s = append(s, fmt.Sprintf("%d:%s->%s", e.seq, e.Balls[0], e.Pocket))
		}
	}
	return s
}

// TestShotsAndRacks checks the shot bookkeeping against the simulator: a
// shot_started and a shot_ended per truth shot, the same balls pocketed in
// each summary, scratches, and a rack_detected per rack.
func TestShotsAndRacks(t *testing.T) {
	for _, c := range []struct {
		scenario string
		seed     int64
	}{{"break", 11}, {"demo", 12}, {"shots", 13}} {
		t.Run(c.scenario, func(t *testing.T) {
			truth, got, _ := run(t, sim.Options{Scenario: c.scenario, Seed: c.seed}, uint64(c.seed), 2*60*30)
			for _, typ := range []string{model.EventShotStarted, model.EventShotEnded, model.EventRackDetected} {
				if w, g := count(truth, typ), count(got, typ); w != g {
					t.Errorf("%s: tracker %d, truth %d", typ, g, w)
				}
			}
			var ws, gs []*model.ShotSummary
			for _, e := range truth {
				if e.Type == model.EventShotEnded {
					ws = append(ws, e.Shot)
				}
			}
			for _, e := range got {
				if e.Type == model.EventShotEnded {
					gs = append(gs, e.Shot)
				}
			}
			first := 0
			for i := 0; i < len(ws) && i < len(gs); i++ {
				if fmt.Sprint(ws[i].Pocketed) != fmt.Sprint(gs[i].Pocketed) || ws[i].Scratch != gs[i].Scratch {
					t.Errorf("shot %d: pocketed %v scratch %v, truth %v scratch %v", i, gs[i].Pocketed, gs[i].Scratch, ws[i].Pocketed, ws[i].Scratch)
				}
				if ws[i].FirstContact == gs[i].FirstContact {
					first++
				} else {
					t.Logf("shot %d: first contact %q, truth %q", i, gs[i].FirstContact, ws[i].FirstContact)
				}
			}
			// A break's first contact can be two rack balls hit in the same
			// frame; judge the rate, not every shot.
			if len(ws) > 0 && float64(first) < 0.8*float64(len(ws)) {
				t.Errorf("first contact right in %d of %d shots, want >= 80%%", first, len(ws))
			}
		})
	}
}

// TestStillTableNoPhantoms runs ten minutes at 30 fps of a still table
// (noise, misses, unread numbers) and expects no event at all; then shorter
// runs of changing still layouts (clusters, balls in jaws, a hand over a
// ball), where balls appear and vanish by hand but never move.
func TestStillTableNoPhantoms(t *testing.T) {
	cases := []struct {
		scenario string
		frames   int
	}{{"still", 18000}, {"clusters", 3000}, {"cushion", 3000}, {"occlusion", 3000}, {"lighting", 3000}}
	for _, c := range cases {
		t.Run(c.scenario, func(t *testing.T) {
			truth, got, idOK := run(t, sim.Options{Scenario: c.scenario, Seed: 21}, 21, c.frames)
			for _, e := range truth {
				t.Fatalf("the %s scenario produced a truth event %s: not a still table", c.scenario, e.Type)
			}
			for _, e := range got {
				t.Errorf("frame %d: phantom %s %v", e.seq, e.Type, e.Balls)
			}
			if idOK < 0.99 {
				t.Errorf("ids right on %.2f%% of ball-frames, want >= 99%%", idOK*100)
			}
		})
	}
}

// TestStalledSource stalls the simulated camera for ten seconds of its
// clock mid-game: the tracker sees one long gap between frames and must
// neither invent events nor lose the balls.
func TestStalledSource(t *testing.T) {
	clk := &stepClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	fd := newFeed(t, sim.Options{Scenario: "still", Seed: 8, Clock: clk}, 8)
	s, err := sim.Open(sim.Options{Width: 160, Height: 90, Scenario: "still", Seed: 8, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	fd.s = s
	tr := NewTracker(Options{Table: s.Geometry()})
	var before []string
	for i := 0; i < 300; i++ {
		if i == 150 {
			s.Stall(10 * time.Second)
		}
		det, _ := fd.next(t)
		st, evs := tr.Update(det)
		for _, e := range evs {
			t.Errorf("frame %d: phantom %s", i, e.Type)
		}
		if i == 149 {
			before = ids(st)
		}
		if i == 151 {
			if got := ids(st); fmt.Sprint(got) != fmt.Sprint(before) {
				t.Errorf("after the stall ids are %v, before %v", got, before)
			}
			if gap := det.Captured.Sub(clk.start); gap < 10*time.Second {
				t.Fatalf("stall did not advance the source clock (%v)", gap)
			}
		}
	}
}

func ids(st *model.State) []string {
	var s []string
	for _, b := range st.Balls {
		s = append(s, b.ID)
	}
	return s
}
