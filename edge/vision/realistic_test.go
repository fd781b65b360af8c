package vision

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// realCase is one simulator configuration with a realistic look.
type realCase struct {
	name               string
	scenario, lighting string
	w, h               int
	table              model.Size
	look               sim.Look
	frames             int
}

// realisticCases are scenes in the simulator's realistic looks (edge/sim
// Look; docs/sim.md): the three camera presets under the "hall" and
// harsher rigs, ball radii from 8 to 40 px (a low-resolution camera, a
// 7 ft table with the camera hung lower, a 6 ft bar table at 1440p), and
// one realism option at a time over the clean picture, to show which one
// costs what.
func realisticCases() []realCase {
	cam := sim.Look{Exposure: 1.55, Contrast: 0.3, Saturation: 0.85, WhiteBalanceK: 6300, Vignette: 0.95, Blur: 0.7, Sharpen: 0.3, Codec: "jpeg", Quality: 92}
	table := sim.Look{HotSpots: 0.1, Wear: 0.6, Chalk: 0.5, Spots: "tournament", Rail: "oak"}
	sixFt := model.Size{Length: 1.68, Width: 0.84}
	return []realCase{
		{"webcam", "demo", "hall", 1280, 720, model.Table9ft, sim.Look{Preset: "webcam"}, 12},
		{"webcam", "shots", "lamps", 1920, 1080, model.Table9ft, sim.Look{Preset: "webcam"}, 8},
		{"webcam", "occlusion", "hall", 1280, 720, model.Table9ft, sim.Look{Preset: "webcam"}, 8},
		{"broadcast", "break", "hall", 1920, 1080, model.Table9ft, sim.Look{Preset: "broadcast"}, 10},
		{"broadcast", "clusters", "even", 1280, 720, model.Table9ft, sim.Look{Preset: "broadcast"}, 6},
		{"kinect", "still", "hall", 1920, 1080, model.Table9ft, sim.Look{Preset: "kinect"}, 4},
		{"kinect", "cushion", "dim", 1280, 720, model.Table9ft, sim.Look{Preset: "kinect"}, 6},
		{"webcam r=8", "shots", "hall", 848, 480, model.Table9ft, sim.Look{Preset: "webcam"}, 8},
		{"broadcast r=26", "demo", "hall", 1920, 1080, model.Table7ft, sim.Look{Preset: "broadcast", BallRadiusPx: 26}, 8},
		{"kinect r=40", "still", "hall", 2560, 1440, sixFt, sim.Look{Preset: "kinect", BallRadiusPx: 40}, 3},
		// One option at a time over the clean picture.
		{"camera only", "shots", "lamps", 1280, 720, model.Table9ft, cam, 8},
		{"table only", "shots", "lamps", 1280, 720, model.Table9ft, table, 8},
		{"cheap balls", "shots", "lamps", 1280, 720, model.Table9ft, sim.Look{Balls: "cheap"}, 8},
		{"gloss", "shots", "lamps", 1280, 720, model.Table9ft, sim.Look{Gloss: 0.7, Exposure: 1.3}, 8},
		{"hands", "shots", "lamps", 1280, 720, model.Table9ft, sim.Look{Hands: 3}, 8},
	}
}

// scoreCase runs the detector on c's frames drawn with look l and scores
// it against the simulator's truth; without a table every ball counts as
// missed.
func scoreCase(t *testing.T, c realCase, l sim.Look) (cs accStats, noTable int) {
	return scoreFrames(t, c.simOptions(l), c.frames)
}

// simOptions are the simulator's options for c drawn with look l.
func (c realCase) simOptions(l sim.Look) sim.Options {
	return sim.Options{Width: c.w, Height: c.h, FPS: 3, Scenario: c.scenario, Seed: accSeed,
		Lighting: c.lighting, Table: c.table, NoiseSigma: 2, Unpaced: true, Look: l}
}

// scoreFrames scores the detector on the first frames of the simulator
// opened with o, a third of a second apart.
func scoreFrames(t *testing.T, o sim.Options, frames int) (cs accStats, noTable int) {
	s, det := simDetector(t, o)
	defer s.Close()
	defer det.Close()
	var f model.Frame
	var d model.Detection
	base := time.Unix(0, 0)
	for i := 0; i < frames; i++ {
		at := base.Add(time.Duration(i) * time.Second / 3)
		s.Render(&f, at)
		f.Captured = at
		if err := det.Detect(&f, &d); err != nil {
			t.Fatal(err)
		}
		if d.Table == nil {
			noTable++
		} else {
			for k := 0; k < 4; k++ {
				cs.cornerErr = max(cs.cornerErr, math.Hypot(d.Table.Corners[k].X-f.Truth.Corners[k].X, d.Table.Corners[k].Y-f.Truth.Corners[k].Y))
			}
		}
		cs.add(score(f.Truth, &d))
	}
	return cs, noTable
}

// TestAccuracySimRealistic scores the detector on the realistic scenes
// and, for comparison, on the same scenes drawn clean (the zero Look but
// the same camera height). The detector was tuned on the clean simulator,
// so the figures are lower in the looks; docs/sim.md has them per case.
// The floors are the realistic totals it achieved when recorded, less
// about 0.05 (the run is deterministic; the margin leaves room to trade a
// little here for real frames): a detector change that makes it clearly
// worse on realistic frames fails, one that makes it better should raise
// them. Only the realistic total is held; the clean one is logged.
func TestAccuracySimRealistic(t *testing.T) {
	if testing.Short() {
		t.Skip("renders ~240 frames up to 2560x1440")
	}
	var total, clean accStats
	for _, c := range realisticCases() {
		cs, noTable := scoreCase(t, c, c.look)
		ccs, cNoTable := scoreCase(t, c, sim.Look{BallRadiusPx: c.look.BallRadiusPx})
		key := fmt.Sprintf("%s %s/%s %dx%d", c.name, c.scenario, c.lighting, c.w, c.h)
		t.Logf("%-40s no table %d/%d: %s", key, noTable, c.frames, &cs)
		t.Logf("%-40s no table %d/%d: %s", "  (clean)", cNoTable, c.frames, &ccs)
		total.add(cs)
		clean.add(ccs)
	}
	t.Logf("total: %s", &total)
	t.Logf("total, the same scenes clean: %s", &clean)
	for k, v := range total.confusions {
		t.Logf("  %s: %d", k, v)
	}
	// Recorded 2026-12-07 (main 49b4b41's detector): recall 0.987,
	// precision 0.801, number 0.811.
	if total.recall() < 0.93 || total.precision() < 0.75 || total.numberAcc() < 0.76 {
		t.Errorf("realistic scenes: %s; want recall >= 0.93, precision >= 0.75, number >= 0.76 (the recorded figures less about 0.05)", &total)
	}
}
