package core

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// cushionScore matches the tracker's ball_cushion events with the truth's:
// same ball and rail, within cushionDT of each other and cushionDist apart.
type cushionScore struct {
	truth, found, missed, invented, optional, jawsFound int
	notes                                               []string
}

const (
	cushionDT   = 0.05 // s
	cushionDist = 0.05 // m
	// grazeSpeed (m/s): a contact slower than this into the rail is a
	// graze, not required (it moves the ball less than the noise does).
	grazeSpeed = 0.15
)

func (c cushionScore) String() string {
	return fmt.Sprintf("cushion contacts %d: found %d (recall %.3f), missed %d, invented %d (precision %.3f); jaw contacts and grazes not required %d (found %d)",
		c.truth, c.found, float64(c.found)/math.Max(1, float64(c.truth)), c.missed, c.invented,
		float64(c.found)/math.Max(1, float64(c.found+c.invented)), c.optional, c.jawsFound)
}

func scoreCushions(name string, truth, got []stamped) cushionScore {
	var cs cushionScore
	var w, h []stamped
	for _, e := range truth {
		if e.Type == model.EventBallCushion {
			w = append(w, e)
		}
	}
	for _, e := range got {
		if e.Type == model.EventBallCushion {
			h = append(h, e)
		}
	}
	used := make([]bool, len(h))
	for _, a := range w {
		found := false
		for j, b := range h {
			if !used[j] && a.Balls[0] == b.Balls[0] && a.Rail == b.Rail && math.Abs(a.Time.Sub(b.Time).Seconds()) <= cushionDT &&
				math.Hypot(a.Pos.X-b.Pos.X, a.Pos.Y-b.Pos.Y) <= cushionDist {
				used[j], found = true, true
				break
			}
		}
		switch {
		case a.Pocket != "" || a.Speed < grazeSpeed:
			cs.optional++
			if found {
				cs.jawsFound++
			}
		case found:
			cs.truth++
			cs.found++
		default:
			cs.truth++
			cs.missed++
			cs.notes = append(cs.notes, fmt.Sprintf("%s frame %d: missed %s on %s at (%.3f, %.3f)", name, a.seq, a.Balls[0], a.Rail, a.Pos.X, a.Pos.Y))
		}
	}
	for j, b := range h {
		if !used[j] {
			cs.invented++
			cs.notes = append(cs.notes, fmt.Sprintf("%s frame %d: invented %s on %s at (%.3f, %.3f)", name, b.seq, b.Balls[0], b.Rail, b.Pos.X, b.Pos.Y))
		}
	}
	return cs
}

// TestCushionsOnTruth plays bank shots, pots and breaks through the noisy
// detection feed and scores the tracker's cushion contacts against the
// simulator's.
func TestCushionsOnTruth(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CORE_CUSHION_SEEDS"))
	if n == 0 {
		n = 2
	}
	var total cushionScore
	for _, sc := range []string{"banks", "shots", "break"} {
		for seed := 1; seed <= n; seed++ {
			truth, got, _ := run(t, sim.Options{Scenario: sc, Seed: int64(seed)}, uint64(seed), 90*30)
			cs := scoreCushions(fmt.Sprintf("%s/%d", sc, seed), truth, got)
			t.Logf("%s/%d: %v", sc, seed, cs)
			total.truth += cs.truth
			total.found += cs.found
			total.missed += cs.missed
			total.invented += cs.invented
			total.optional += cs.optional
			total.jawsFound += cs.jawsFound
			total.notes = append(total.notes, cs.notes...)
		}
	}
	t.Logf("total: %v", total)
	for _, s := range total.notes {
		t.Log(s)
	}
	// Today's figures with a little margin (docs/game.md has them).
	if total.truth < 200 {
		t.Fatalf("only %d cushion contacts: the test proves little", total.truth)
	}
	if r := float64(total.found) / float64(total.truth); r < 0.93 {
		t.Errorf("cushion recall %.3f, want >= 0.93", r)
	}
	if p := float64(total.found) / float64(total.found+total.invented); p < 0.99 {
		t.Errorf("cushion precision %.3f, want >= 0.99", p)
	}
}
