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
}
