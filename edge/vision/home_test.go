package vision

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// homeNavy is the probe's cloth: a navy pool cloth as a camera sees it
// under a lamp, dark (value about 0.29) and only moderately saturated
// (about 0.64), blue leaning a little to purple (hue about 220 degrees).
// Navy cloths sold for home tables sit around there; the simulator's
// "blue" (1d5a9e) is a tournament blue about twice as bright, so it
// does not test a dark cloth.
const homeNavy = "#1b2a4a"

// homeLevel is one of the probe's light levels: the same room with the
// lamp dimmed or brightened, the webcam's exposure following only in
// part (a cheap camera's auto exposure tops out, so dim stays dark and
// noisy, bright burns out).
type homeLevel struct {
	name     string
	exposure float64
	noise    float64
}

var homeLevels = []homeLevel{{"dim", 0.6, 4}, {"normal", 1.1, 2.5}, {"bright", 1.7, 2}}

// homeCases are the probe's scenes at one light level: a hand over a ball
// then the cue lying over another, people's arms at the rails, and the
// same table with no balls (bare, then the cue across it). The look is a
// 1080p USB webcam left on auto with its white balance off under a warm
// home lamp (3200 K).
func homeCases(lv homeLevel) []realCase {
	look := sim.Look{Preset: "webcam", Exposure: lv.exposure, WhiteBalanceK: 3200, Vignette: 0.8, Hands: 2}
	return []realCase{
		{"home " + lv.name, "occlusion", "lamps", 1920, 1080, model.Table8ft, look, 15},
		{"home empty " + lv.name, "empty", "lamps", 1920, 1080, model.Table8ft, look, 12},
	}
}

// homeOptions draws c on the navy cloth with lv's sensor noise.
func homeOptions(c realCase, lv homeLevel) sim.Options {
	o := c.simOptions(c.look)
	o.Felt, o.NoiseSigma = homeNavy, lv.noise
	return o
}

// homeFigures are one light level's probe results.
type homeFigures struct {
	balls      accStats
	cornerPct  float64 // worst corner error, % of the frame's diagonal
	emptyFalse int     // balls reported on the empty table, all frames
	emptyMax   int     // the most in one frame
	noTable    int
}

func runHomeLevel(t *testing.T, lv homeLevel) homeFigures {
	var h homeFigures
	for _, c := range homeCases(lv) {
		diag := math.Hypot(float64(c.w), float64(c.h))
		if c.scenario == "empty" {
			perFrame := emptyFalseBalls(t, homeOptions(c, lv), c.frames)
			for _, n := range perFrame {
				h.emptyFalse += n
				h.emptyMax = max(h.emptyMax, n)
			}
			continue
		}
		cs, noTable := scoreFrames(t, homeOptions(c, lv), c.frames)
		h.balls.add(cs)
		h.noTable += noTable
		h.cornerPct = max(h.cornerPct, 100*cs.cornerErr/diag)
	}
	return h
}

// emptyFalseBalls counts the balls reported in each frame of an empty
// table: all are false.
func emptyFalseBalls(t *testing.T, o sim.Options, frames int) []int {
	s, det := simDetector(t, o)
	defer s.Close()
	defer det.Close()
	var f model.Frame
	var d model.Detection
	out := make([]int, frames)
	for i := range out {
		at := time.Unix(0, 0).Add(time.Duration(i) * time.Second / 3)
		s.Render(&f, at)
		f.Captured = at
		if err := det.Detect(&f, &d); err != nil {
			t.Fatal(err)
		}
		out[i] = len(d.Balls)
	}
	return out
}

// TestAccuracySimHome is a probe for a real home table we cannot see
// (navy cloth, 1080p webcam, three light levels, a hand and the cue in
// view, the same table empty; docs/vision-real.md "A home table in the
// simulator"). It logs recall, precision, median error, class, number,
// the worst corner as % of the diagonal and the false balls on the empty
// table per light level, and holds floors: the figures recorded less a
// small margin (the run is deterministic).
func TestAccuracySimHome(t *testing.T) {
	if testing.Short() {
		t.Skip("renders ~80 frames at 1920x1080")
	}
	for _, lv := range homeLevels {
		h := runHomeLevel(t, lv)
		t.Logf("%-7s no table %d: %s corner<=%.2f%% of diagonal; empty table: %d false balls (max %d in a frame)",
			lv.name, h.noTable, &h.balls, h.cornerPct, h.emptyFalse, h.emptyMax)
		for k, v := range h.balls.confusions {
			t.Logf("  %s: %d", k, v)
		}
		checkHomeFloors(t, lv.name, h)
	}
}

// homeFloor is what one light level must reach.
type homeFloor struct {
	recall, precision, class, number, cornerPct float64
	emptyFalse                                  int
}

// homeFloors are the figures recorded (see TestAccuracySimHome) less about
// 0.03, the corners at 0.2 % of the diagonal (recorded 0.01-0.03 %) and
// one false ball on the empty table more than recorded.
var homeFloors = map[string]homeFloor{
	// Recorded 2026-12-08 (vision-home, white on the lamps' locus):
	// dim recall 0.942 precision 0.991 class 0.983 number 0.851;
	// normal 1.000 0.931 0.942 0.860; bright 1.000 0.924 0.835 0.620;
	// empty-table false 0, 0, 1. Before it: class 0.614, 0.579, 0.702,
	// number 0.140, 0.190, 0.455 (docs/vision-real.md).
	"dim":    {0.91, 0.96, 0.95, 0.82, 0.2, 1},
	"normal": {0.97, 0.90, 0.91, 0.83, 0.2, 1},
	"bright": {0.97, 0.89, 0.80, 0.59, 0.2, 2},
}

func checkHomeFloors(t *testing.T, level string, h homeFigures) {
	f := homeFloors[level]
	got := fmt.Sprintf("recall %.3f precision %.3f class %.3f number %.3f corner %.2f%% empty-table false %d",
		h.balls.recall(), h.balls.precision(), h.balls.classAcc(), h.balls.numberAcc(), h.cornerPct, h.emptyFalse)
	if h.balls.recall() < f.recall || h.balls.precision() < f.precision || h.balls.classAcc() < f.class ||
		h.balls.numberAcc() < f.number || h.cornerPct > f.cornerPct || h.emptyFalse > f.emptyFalse || h.noTable > 0 {
		t.Errorf("home %s: %s, no table %d; want recall >= %.2f, precision >= %.2f, class >= %.2f, number >= %.2f, corner <= %.1f%%, empty-table false <= %d, a table every frame",
			level, got, h.noTable, f.recall, f.precision, f.class, f.number, f.cornerPct, f.emptyFalse)
	}
}
