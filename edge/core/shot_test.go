package core

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/cuecast/cuecast/edge/core/coretest"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

func stampedAll(evs []stamped) []coretest.Stamped {
	out := make([]coretest.Stamped, len(evs))
	for i, e := range evs {
		out[i] = coretest.Stamped{Event: e.Event, Frame: int(e.seq)}
	}
	return out
}

// TestCushionsOnTruth plays bank shots, pots and breaks through the noisy
// detection feed and scores the tracker's cushion contacts against the
// simulator's (CORE_CUSHION_SEEDS=N plays N seeds of each; 2 by default).
func TestCushionsOnTruth(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CORE_CUSHION_SEEDS"))
	if n == 0 {
		n = 2
	}
	var total coretest.Cushions
	for _, sc := range []string{"banks", "shots", "break"} {
		for seed := 1; seed <= n; seed++ {
			truth, got, _ := run(t, sim.Options{Scenario: sc, Seed: int64(seed)}, uint64(seed), 90*30)
			cs := coretest.ScoreCushions(fmt.Sprintf("%s/%d", sc, seed), stampedAll(truth), stampedAll(got))
			t.Logf("%s/%d: %v", sc, seed, cs)
			total.Add(cs)
		}
	}
	t.Logf("total: %v", total)
	for _, s := range total.Notes {
		t.Log(s)
	}
	// Today's figures with a little margin (docs/game.md has them).
	if total.Truth < 200 {
		t.Fatalf("only %d cushion contacts: the test proves little", total.Truth)
	}
	if r := total.Recall(); r < 0.93 {
		t.Errorf("cushion recall %.3f, want >= 0.93", r)
	}
	if p := total.Precision(); p < 0.99 {
		t.Errorf("cushion precision %.3f, want >= 0.99", p)
	}
}

// TestShotsOnTruth scores the cue strikes, frozen balls, balls off the
// table and the summaries' shape on the noisy detection feed.
func TestShotsOnTruth(t *testing.T) {
	var all coretest.Shots
	for _, c := range []struct {
		sc   string
		seed int64
	}{{"banks", 1}, {"banks", 2}, {"banks", 3}, {"shots", 1}, {"break", 1}} {
		truth, got, _ := run(t, sim.Options{Scenario: c.sc, Seed: c.seed}, uint64(c.seed), 120*30)
		all.Add(coretest.ScoreShots(fmt.Sprintf("%s/%d", c.sc, c.seed), stampedAll(truth), stampedAll(got)))
		for _, e := range got {
			if e.Type == model.EventShotEnded {
				checkSummary(t, e.Shot)
			}
		}
	}
	t.Logf("%v", all)
	for _, n := range all.Notes {
		t.Log(n)
	}
	switch {
	case all.Shots < 50 || all.FrozenTruth < 30 || all.OffTruth < 3:
		t.Errorf("too little to judge: %d shots, %d frozen balls, %d off the table", all.Shots, all.FrozenTruth, all.OffTruth)
	case all.Found < all.Shots:
		t.Errorf("strikes found in %d of %d shots", all.Found, all.Shots)
	case float64(all.Within()) < 0.95*float64(len(all.SpeedErr)):
		t.Errorf("strikes within tolerance: %d of %d, want 95%%", all.Within(), len(all.SpeedErr))
	case float64(all.Frozen) < 0.95*float64(all.FrozenTruth) || float64(all.FrozenWrong) > 0.05*float64(all.FrozenTruth):
		t.Errorf("frozen balls marked %d of %d, wrongly %d", all.Frozen, all.FrozenTruth, all.FrozenWrong)
	case all.OffFound < all.OffTruth || all.OffInvented > 0:
		t.Errorf("balls off the table found %d of %d, invented %d", all.OffFound, all.OffTruth, all.OffInvented)
	}
}

// checkSummary: the strike first, events in time order after it, paths
// bounded.
func checkSummary(t *testing.T, s *model.ShotSummary) {
	t.Helper()
	if len(s.Events) > 0 && s.Events[0].Type == model.EventCueStrike {
		if !slices.IsSortedFunc(s.Events[1:], func(a, b model.Event) int { return a.Time.Compare(b.Time) }) {
			t.Errorf("summary events out of order: %v", s.Events)
		}
	}
	for _, p := range s.Paths {
		if len(p.Points) < 2 || len(p.Points) > maxPath {
			t.Errorf("path of %s has %d points", p.Ball, len(p.Points))
		}
	}
}
