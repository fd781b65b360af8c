package e2e

import (
	"os"
	"testing"
	"time"
)

// shotGames are the games of TestShotsThroughVision: every scenario with
// shots, every lighting rig, several cloths, a turned and a tilted camera.
func shotGames() []game {
	sec := func(s float64) int { return int(s * fps) }
	return []game{
		{scenario: "shots", lighting: "lamps", seed: 1, frames: sec(40)},
		{scenario: "break", lighting: "even", seed: 2, frames: sec(20), rotation: 2},
		{scenario: "demo", lighting: "spot", felt: "blue", seed: 3, frames: sec(40)},
		{scenario: "shots", lighting: "dim", felt: "green", seed: 4, frames: sec(40), tilt: 0.05},
		{scenario: "break", lighting: "dim", felt: "grey", seed: 5, frames: sec(30)},
		{scenario: "demo", lighting: "even", felt: "tan", seed: 6, frames: sec(30), rotation: -1},
	}
}

// longShotGames are more: every scenario with shots under every rig and
// cloth, more seeds (CUECAST_E2E_LONG=1).
func longShotGames() []game {
	sec := func(s float64) int { return int(s * fps) }
	var gs []game
	rigs := []string{"lamps", "even", "dim", "spot"}
	felts := []string{"", "green", "blue", "red", "grey", "tan"}
	for i := range 24 {
		sc := []string{"shots", "break", "demo"}[i%3]
		g := game{scenario: sc, lighting: rigs[i%4], felt: felts[i%6], seed: int64(100 + i), frames: sec(60)}
		if i%5 == 1 {
			g.rotation = float64(i%7) - 3
		}
		if i%4 == 2 {
			g.tilt = 0.02 * float64(i%5)
		}
		gs = append(gs, g)
	}
	return gs
}

// TestShotsThroughVision plays shots, breaks and the demo loop through the
// simulator, the real vision stage and the tracker, and scores the
// tracker's pocketings, shots, summaries, racks, ball counts and ids
// against the simulator's truth (score_test.go says how). The default run
// is six games (6,000 frames); CUECAST_E2E_LONG=1 adds 24 minutes more.
func TestShotsThroughVision(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and detects minutes of 720p frames")
	}
	games := shotGames()
	if os.Getenv("CUECAST_E2E_LONG") != "" {
		games = append(games, longShotGames()...)
	}
	var ps pocketScore
	var ss shotScore
	var cs countScore
	start := time.Now()
	for _, g := range games {
		sc := newScorer(g.String())
		t0 := time.Now()
		play(t, g, sc.add)
		p, s := sc.pockets(), sc.shots()
		t.Logf("%v (%.1f ms/frame): %v; %v", g, float64(time.Since(t0).Milliseconds())/float64(g.frames), p, s)
		ps.add(p)
		ss.add(s)
		cs.add(sc)
	}
	t.Logf("total %v: %v", time.Since(start).Round(time.Second), ps)
	t.Logf("%v", ss)
	t.Logf("%v", cs)
	for _, n := range append(append(ps.notes, ss.notes...), cs.notes...) {
		t.Log(n)
	}
	if ps.truth < 12 {
		t.Fatalf("only %d balls pocketed over all games: the test proves little", ps.truth)
	}
	// The bars hold what the tracker achieves on vision's output today
	// (docs/vision.md, "Tracker on the vision stage's output", has the
	// figures and the gap to the goal of every ball once with its id):
	// raise them as vision and the tracker improve, never lower them to
	// make a change pass.
	frac := func(a, b int) float64 { return float64(a) / float64(max(1, b)) }
	checks := []struct {
		name      string
		got, want float64
		higher    bool
	}{
		// Every pocketing is reported, in its pocket.
		{"pocketings reported in the right pocket", frac(ps.correct+ps.wrongBall, ps.truth), 0.9, true},
		{"pocketings reported with the right ball and pocket", frac(ps.correct, ps.truth), 0.6, true},
		{"pocketings in the wrong pocket", float64(ps.wrongPocket), 0, false},
		{"balls reported pocketed twice", float64(ps.duplicate), 0, false},
		{"phantom pocketings per truth pocketing", frac(ps.phantom, ps.truth), 0.1, false},
		// Shots pair up and are found.
		{"shot_started without shot_ended or the reverse", float64(ss.unpaired), 0, false},
		{"truth shots found", frac(ss.matched, ss.truth), 0.75, true},
		{"shot summaries with the right scratch", frac(ss.scratchOK, ss.summaries), 0.9, true},
		{"shot summaries with the right pocketed balls", frac(ss.pocketedOK, ss.summaries), 0.6, true},
		// Racks: found, and never invented.
		{"racks found", frac(ss.racksGot, ss.racksTruth), 0.8, true},
		{"racks reported beyond the truth's", float64(ss.racksGot - ss.racksTruth), 0, false},
		// Seen balls never outnumber the balls on the table by much.
		{"frames with more seen balls than on the table", frac(cs.seenExcessFrames, cs.frames), 0.1, false},
		{"ids right (ball-frames)", frac(cs.idRight, cs.idChecked), 0.93, true},
	}
	for _, c := range checks {
		if c.higher && c.got < c.want || !c.higher && c.got > c.want {
			t.Errorf("%s = %.3f, want %s %.3f", c.name, c.got, map[bool]string{true: ">=", false: "<="}[c.higher], c.want)
		}
	}
	checkCounts(t, cs)
}

// checkCounts holds the per-frame ball-count and identity figures to
// their bars (see docs/vision.md for what they are today).
func checkCounts(t *testing.T, cs countScore) {
	t.Helper()
	if cs.over16 > 0 || cs.maxBalls > 16 {
		t.Errorf("state showed more than 16 balls in %d frames (most %d)", cs.over16, cs.maxBalls)
	}
}
