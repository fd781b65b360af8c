package e2e

import (
	"os"
	"testing"
	"time"
)

// stillGames are tables where nothing is ever struck: a still layout,
// clusters of touching balls, balls frozen on cushions and in jaws, a hand
// or the cue lying over a ball, layouts under changing light. Balls are
// put down and taken away by hand between layouts, but none rolls.
func stillGames(long bool) []game {
	sec := func(s float64) int { return int(s * fps) }
	if long {
		// The ten minutes of a still table, and more of the rest.
		return []game{
			{scenario: "still", lighting: "lamps", seed: 21, frames: sec(600)},
			{scenario: "clusters", lighting: "dim", seed: 22, frames: sec(120)},
			{scenario: "cushion", lighting: "spot", seed: 23, frames: sec(120)},
			{scenario: "occlusion", lighting: "even", seed: 24, frames: sec(120)},
			{scenario: "lighting", seed: 25, frames: sec(120)},
		}
	}
	return []game{
		{scenario: "still", lighting: "spot", felt: "tan", seed: 21, frames: sec(40)},
		{scenario: "clusters", lighting: "lamps", seed: 22, frames: sec(20)},
		{scenario: "cushion", lighting: "dim", seed: 23, frames: sec(20), tilt: 0.05},
		{scenario: "occlusion", lighting: "lamps", seed: 24, frames: sec(20)},
	}
}

// TestStillTableThroughVision: a table where no ball is struck gives no
// event at all through the real vision stage, never more balls than are on
// the table, and stable ids. The default run is bounded (100 s of
// frames); CUECAST_E2E_LONG=1 runs the ten minutes of a still
// table plus eight more of the other still scenarios.
func TestStillTableThroughVision(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and detects minutes of 720p frames")
	}
	long := os.Getenv("CUECAST_E2E_LONG") != ""
	var cs countScore
	events := 0
	start := time.Now()
	for _, g := range stillGames(long) {
		sc := newScorer(g.String())
		play(t, g, sc.add)
		for _, e := range sc.truth {
			t.Fatalf("%v: the simulator produced %s at frame %d: not a still table", g, e.Type, e.seq)
		}
		for _, e := range sc.got {
			events++
			t.Errorf("%v frame %d: phantom %s %v %s", g, e.seq, e.Type, e.Balls, e.Pocket)
		}
		c := countOf(sc)
		t.Logf("%v: %d events; balls: %v", g, len(sc.got), c)
		// Nothing moves: every ball shown was seen, or is held under a
		// hand or after it was taken away (HoldStill). Vision sees a few
		// false balls that stay put for seconds, which the tracker cannot
		// tell from balls (docs/vision.md lists them): under the single
		// spot lamp in the dark far corner (the lighting scenario), and in
		// a side pocket's mouth beside a ball in its jaw (once in the long
		// run's two minutes of jaws). The bars are shares of frames.
		bar := 0.01
		if g.scenario == "lighting" {
			bar = 0.1
		}
		if r := float64(c.seenExcessFrames) / float64(max(1, c.frames)); r > bar {
			t.Errorf("%v: %.2f%% of frames showed more seen balls than are on the table (max +%d), want <= %g%%",
				g, 100*r, c.maxSeenExcess, 100*bar)
		}
		cs.add(sc)
	}
	t.Logf("total %v: %d phantom events; %v", time.Since(start).Round(time.Second), events, cs)
	for _, n := range cs.notes {
		t.Log(n)
	}
	checkCounts(t, cs)
	if r := float64(cs.idRight) / float64(max(1, cs.idChecked)); r < 0.97 {
		t.Errorf("ids right on %.3f of ball-frames, want >= 0.97", r)
	}
}

func countOf(s *scorer) countScore {
	var c countScore
	c.add(s)
	c.notes = nil
	return c
}
