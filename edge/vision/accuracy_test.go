package vision

import (
	"fmt"
	"math"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// accCase is one simulator configuration of the accuracy set.
type accCase struct {
	scenario, lighting, felt string
	rotation, tilt           float64
	frames                   int
}

// accuracyCases covers every scenario, every lighting rig, every cloth
// colour, and cameras turned and tilted.
func accuracyCases() []accCase {
	return []accCase{
		{"demo", "lamps", "", 0, 0, 12},
		{"break", "even", "", 2, 0.05, 10},
		{"shots", "spot", "", -3, 0, 10},
		{"clusters", "lamps", "", 0, 0.08, 6},
		{"cushion", "dim", "", 1, 0, 6},
		{"occlusion", "lamps", "", 0, 0, 8},
		{"still", "spot", "tan", 0, 0.1, 4},
		{"shots", "lamps", "green", 0, 0, 10},
		{"clusters", "even", "red", -2, 0, 6},
		{"break", "dim", "grey", 0, 0.04, 10},
		{"still", "lamps", "blue", 4, 0, 4},
		{"cushion", "spot", "red", 0, 0.06, 4},
	}
}

// accStats accumulates detection quality against ground truth.
type accStats struct {
	truth, found, detections, falsePos int
	classOK, numberOK, named           int
	errs                               []float64
	cornerErr                          float64   // worst table corner error, px
	cueFrames, cueFound, cueFalse      int       // frames with a cue in truth; found; cue reported without one
	cueTipErr, cueHeadErr              []float64 // px, degrees
	confusions                         map[string]int
}

func (s *accStats) add(o accStats) {
	s.truth += o.truth
	s.found += o.found
	s.detections += o.detections
	s.falsePos += o.falsePos
	s.classOK += o.classOK
	s.numberOK += o.numberOK
	s.named += o.named
	s.errs = append(s.errs, o.errs...)
	s.cornerErr = max(s.cornerErr, o.cornerErr)
	s.cueFrames += o.cueFrames
	s.cueFound += o.cueFound
	s.cueFalse += o.cueFalse
	s.cueTipErr = append(s.cueTipErr, o.cueTipErr...)
	s.cueHeadErr = append(s.cueHeadErr, o.cueHeadErr...)
	for k, v := range o.confusions {
		if s.confusions == nil {
			s.confusions = map[string]int{}
		}
		s.confusions[k] += v
	}
}

func (s *accStats) recall() float64    { return float64(s.found) / float64(max(1, s.truth)) }
func (s *accStats) precision() float64 { return 1 - float64(s.falsePos)/float64(max(1, s.detections)) }
func (s *accStats) classAcc() float64  { return float64(s.classOK) / float64(max(1, s.found)) }
func (s *accStats) numberAcc() float64 { return float64(s.numberOK) / float64(max(1, s.found)) }
func (s *accStats) medianErr() float64 {
	if len(s.errs) == 0 {
		return math.Inf(1)
	}
	e := slices.Clone(s.errs)
	slices.Sort(e)
	return e[len(e)/2]
}
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

func (s *accStats) p90Err() float64 {
	if len(s.errs) == 0 {
		return math.Inf(1)
	}
	e := slices.Clone(s.errs)
	slices.Sort(e)
	return e[len(e)*9/10]
}

func (s *accStats) String() string {
	return fmt.Sprintf("balls=%d recall=%.4f precision=%.4f median_err=%.3fpx p90_err=%.2fpx class=%.4f number=%.4f corner_err<=%.2fpx",
		s.truth, s.recall(), s.precision(), s.medianErr(), s.p90Err(), s.classAcc(), s.numberAcc(), s.cornerErr)
}

// score matches one detection against the frame's truth. A truth ball that
// is pocketed is not expected; one marked occluded is not required, but a
// detection on it is not a false positive either.
func score(tr *model.Truth, det *model.Detection) accStats {
	var s accStats
	used := make([]bool, len(det.Balls))
	s.detections = len(det.Balls)
	for _, tb := range tr.Balls {
		if tb.Pocketed {
			continue
		}
		best, bestD := -1, 0.6*tb.RadiusPx
		for i, b := range det.Balls {
			if d := math.Hypot(b.Pixel.X-tb.Pixel.X, b.Pixel.Y-tb.Pixel.Y); !used[i] && d < bestD {
				best, bestD = i, d
			}
		}
		if best < 0 {
			if !tb.Occluded {
				s.truth++
				if s.confusions == nil {
					s.confusions = map[string]int{}
				}
				s.confusions[fmt.Sprintf("missed %d (%s)", tb.Number, tr.Scene)]++
			}
			continue
		}
		used[best] = true
		if tb.Occluded {
			s.detections--
			continue
		}
		s.truth++
		s.found++
		s.errs = append(s.errs, bestD)
		b := det.Balls[best]
		if b.Class == model.ClassOf(tb.Number) {
			s.classOK++
		}
		if b.Number != nil && *b.Number == tb.Number {
			s.numberOK++
		} else {
			if s.confusions == nil {
				s.confusions = map[string]int{}
			}
			got := "nil"
			if b.Number != nil {
				got = fmt.Sprint(*b.Number)
			}
			s.confusions[fmt.Sprintf("%d as %s", tb.Number, got)]++
		}
	}
	for i := range det.Balls {
		if !used[i] {
			s.falsePos++
			if s.confusions == nil {
				s.confusions = map[string]int{}
			}
			s.confusions[fmt.Sprintf("false positive (%s)", tr.Scene)]++
		}
	}
	return s
}

// simDetector opens a simulator and a default detector for its table; the
// caller closes both.
func simDetector(t testing.TB, o sim.Options) (*sim.Sim, *Detector) {
	s, err := sim.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	det, err := NewDetector(config.Default().Vision, DetectorOptions{Table: s.Geometry()})
	if err != nil {
		s.Close()
		t.Fatal(err)
	}
	return s, det
}

// runAccuracy detects on every case's frames and returns the totals.
func runAccuracy(t testing.TB, w, h int, cases []accCase) accStats {
	var total accStats
	for _, c := range cases {
		s, det := simDetector(t, sim.Options{Width: w, Height: h, FPS: 3, Scenario: c.scenario, Seed: accSeed,
			Felt: c.felt, Lighting: c.lighting, RotationDeg: c.rotation, Tilt: c.tilt, NoiseSigma: 2, Unpaced: true})
		var f model.Frame
		var d model.Detection
		var cs accStats
		base := time.Unix(0, 0)
		for i := 0; i < c.frames; i++ {
			s.Render(&f, base.Add(time.Duration(i)*time.Second/3))
			f.Captured = base.Add(time.Duration(i) * time.Second / 3)
			if err := det.Detect(&f, &d); err != nil {
				t.Fatal(err)
			}
			if d.Table == nil {
				t.Errorf("%s/%s/%s frame %d: no table", c.scenario, c.lighting, c.felt, i)
				continue
			}
			for k := 0; k < 4; k++ {
				e := math.Hypot(d.Table.Corners[k].X-f.Truth.Corners[k].X, d.Table.Corners[k].Y-f.Truth.Corners[k].Y)
				cs.cornerErr = max(cs.cornerErr, e)
			}
			cs.add(score(f.Truth, &d))
			switch tc := f.Truth.Cue; {
			case tc != nil:
				cs.cueFrames++
				if d.Cue != nil {
					cs.cueFound++
					cs.cueTipErr = append(cs.cueTipErr, math.Hypot(d.Cue.Tip.X-tc.Tip.X, d.Cue.Tip.Y-tc.Tip.Y))
					cs.cueHeadErr = append(cs.cueHeadErr, math.Abs(math.Remainder(d.Cue.HeadingDeg-tc.HeadingDeg, 360)))
				}
			case d.Cue != nil:
				cs.cueFalse++
			}
		}
		t.Logf("%-9s %-5s %-5s rot=%v tilt=%v: %s", c.scenario, c.lighting, c.felt, c.rotation, c.tilt, &cs)
		total.add(cs)
		det.Close()
		s.Close()
	}
	return total
}

// accSeed is the simulator seed of the accuracy set; the held-out test
// runs the same configurations with other seeds.
var accSeed int64 = 7

func TestAccuracySim720p(t *testing.T) {
	if testing.Short() {
		t.Skip("renders ~100 frames")
	}
	total := runAccuracy(t, 1280, 720, accuracyCases())
	t.Logf("total: %s", &total)
	t.Logf("cue: %d/%d frames found, %d false, median tip error %.1f px, median heading error %.2f deg",
		total.cueFound, total.cueFrames, total.cueFalse, median(total.cueTipErr), median(total.cueHeadErr))
	for k, v := range total.confusions {
		t.Logf("  %s: %d", k, v)
	}
	// The bars are what the detector achieves today (docs/vision.md has
	// the figures and the gap to the goals); raise them as it
	// improves, never lower them to make a change pass.
	checks := []struct {
		name      string
		got, want float64
		higher    bool
	}{
		{"recall", total.recall(), 0.995, true},
		{"precision", total.precision(), 0.995, true},
		{"median centre error px", total.medianErr(), 0.2, false},
		{"class accuracy", total.classAcc(), 0.99, true},
		{"number accuracy", total.numberAcc(), 0.99, true},
		{"worst corner error px", total.cornerErr, 1.0, false},
		{"cue found fraction", float64(total.cueFound) / float64(max(1, total.cueFrames)), 0.95, true},
		{"cue median tip error px", median(total.cueTipErr), 6, false},
		{"cue median heading error deg", median(total.cueHeadErr), 1.5, false},
		// An arm reaching over the table reads as a stick today.
		{"cue reported without one (frames)", float64(total.cueFalse), 8, false},
		{"p90 centre error px", total.p90Err(), 1.5, false},
	}
	for _, c := range checks {
		if c.higher && c.got < c.want || !c.higher && c.got > c.want {
			t.Errorf("%s = %.4f, want %s %.4f", c.name, c.got, map[bool]string{true: ">=", false: "<="}[c.higher], c.want)
		}
	}
}

// TestAccuracySim720pHeldOut runs the set's configurations with seeds the
// detector was not tuned on (other racks, shots and noise): the goals must
// hold there too, or the figures above are overfitted.
func TestAccuracySim720pHeldOut(t *testing.T) {
	if testing.Short() {
		t.Skip("renders ~270 frames")
	}
	defer func(s int64) { accSeed = s }(accSeed)
	for _, seed := range []int64{11, 23, 42} {
		accSeed = seed
		total := runAccuracy(t, 1280, 720, accuracyCases())
		t.Logf("seed %d: %s", seed, &total)
		if total.recall() < 0.995 || total.precision() < 0.995 || total.medianErr() > 0.2 || total.classAcc() < 0.985 || total.numberAcc() < 0.985 {
			t.Errorf("seed %d: %s; want recall and precision >= 0.995, median <= 0.2 px, class and number >= 0.985", seed, &total)
		}
	}
}

// TestDumpSim writes annotated simulator frames for eyeballing:
// CUECAST_VISION_DUMP=/tmp/dump go test ./edge/vision -run TestDumpSim
func TestDumpSim(t *testing.T) {
	dir := os.Getenv("CUECAST_VISION_DUMP")
	if dir == "" {
		t.Skip("set CUECAST_VISION_DUMP=DIR to write annotated frames")
	}
	for ci, c := range accuracyCases() {
		s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 3, Scenario: c.scenario, Seed: accSeed,
			Felt: c.felt, Lighting: c.lighting, RotationDeg: c.rotation, Tilt: c.tilt, NoiseSigma: 2, Unpaced: true})
		det, _ := NewDetector(config.Default().Vision, DetectorOptions{Table: s.Geometry()})
		var f model.Frame
		var d model.Detection
		for i := 0; i < c.frames; i += 3 {
			for k := 0; k < 3; k++ {
				s.Render(&f, time.Unix(0, 0))
			}
			det.Detect(&f, &d)
			WriteAnnotated(fmt.Sprintf("%s/%02d_%s_%02d.png", dir, ci, c.scenario, i), &f, &d)
		}
		det.Close()
		s.Close()
	}
}

// TestAccuracySim1080p runs the same set at 1920x1080: the search runs in
// a table-sized view, so the figures should hold at a higher resolution.
func TestAccuracySim1080p(t *testing.T) {
	if testing.Short() {
		t.Skip("renders ~100 frames at 1080p")
	}
	total := runAccuracy(t, 1920, 1080, accuracyCases())
	t.Logf("total: %s", &total)
	if total.recall() < 0.995 || total.precision() < 0.995 || total.medianErr() > 0.2 || total.classAcc() < 0.98 || total.numberAcc() < 0.98 || total.cornerErr > 1 {
		t.Errorf("1080p: %s; want recall and precision >= 0.995, median <= 0.2 px, class and number >= 0.98, corners <= 1 px", &total)
	}
}

// TestMovingBallsKeepTheirNames: a ball in motion is smeared over the
// cloth for the 1/60 s shutter, and those blends must not name it: a
// moving cue ball on red or under the dim rig read as a stripe (15, 13),
// a red 3 rolling over blue cloth as the maroon 7. Frames at 30 fps from
// the games where the end-to-end tracker test (edge/e2e) met them; the
// simulator plays its game frame by frame, so every frame before a window
// is rendered and detected too (only the windows are scored).
func TestMovingBallsKeepTheirNames(t *testing.T) {
	if testing.Short() {
		t.Skip("renders ~1500 frames")
	}
	type window struct{ from, to int }
	for _, g := range []struct {
		scenario, lighting string
		seed               int64
		rotation, tilt     float64
		ball               int
		windows            []window
	}{
		{"shots", "lamps", 1, 0, 0, 0, []window{{90, 100}, {325, 345}}},
		{"shots", "dim", 106, 3, 0.02, 0, []window{{85, 98}, {629, 648}}},
		{"break", "even", 2, 2, 0, 3, []window{{452, 486}}},
	} {
		s, det := simDetector(t, sim.Options{Width: 1280, Height: 720, FPS: 30, Scenario: g.scenario, Seed: g.seed,
			Lighting: g.lighting, RotationDeg: g.rotation, Tilt: g.tilt, NoiseSigma: 2, Unpaced: true})
		var f model.Frame
		var d model.Detection
		next := 0 // the next frame of the game
		for _, w := range g.windows {
			right, seen := 0, 0
			var wrong []string
			for ; next <= w.to; next++ {
				i := next
				at := time.Unix(0, 0).Add(time.Duration(i) * time.Second / 30)
				s.Render(&f, at)
				f.Captured = at
				// Every frame is detected, as in the running loop: the
				// cloth's light field is learned from the stream.
				if err := det.Detect(&f, &d); err != nil {
					t.Fatal(err)
				}
				if i < w.from {
					continue
				}
				for _, tb := range f.Truth.Balls {
					if tb.Number != g.ball || tb.Pocketed || tb.Occluded {
						continue
					}
					for _, b := range d.Balls {
						if math.Hypot(b.Pixel.X-tb.Pixel.X, b.Pixel.Y-tb.Pixel.Y) < 0.6*tb.RadiusPx {
							seen++
							if b.Number != nil && *b.Number == g.ball {
								right++
							} else {
								n := -1
								if b.Number != nil {
									n = *b.Number
								}
								wrong = append(wrong, fmt.Sprintf("frame %d: %s %d", i, b.Class, n))
							}
						}
					}
				}
			}
			t.Logf("%s/%s/%d frames %d-%d, ball %d: named right in %d of %d sightings", g.scenario, g.lighting, g.seed, w.from, w.to, g.ball, right, seen)
			if seen < (w.to-w.from)/2 || right < seen {
				t.Errorf("%s/%s/%d frames %d-%d: ball %d seen %d times, named right %d; wrong: %v", g.scenario, g.lighting, g.seed, w.from, w.to, g.ball, seen, right, wrong)
			}
		}
		det.Close()
		s.Close()
	}
}
