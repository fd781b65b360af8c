package evaluate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
	"github.com/cuecast/cuecast/edge/vision"
)

// TestGoldenDump writes every detection the accuracy tests and the
// benchmarks rest on to the JSON file named by CUECAST_GOLDEN (timings
// zeroed), so that a change meant not to move the output (a speed cut) can
// be proved not to by diffing two dumps: every labelled real frame as
// `cuecast detect` sees it (a fresh stills detector) at full size and
// shrunk smallShrink times, the real 1080p frames in the daemon's steady
// state (one detector, the frame three times), and simulator frames at
// 720p and 1080p through one detector each. Skips without the variable.
func TestGoldenDump(t *testing.T) {
	out := os.Getenv("CUECAST_GOLDEN")
	if out == "" {
		t.Skip("CUECAST_GOLDEN not set: no dump wanted")
	}
	sets := loadSets(t)
	dump := map[string]model.Detection{}
	keep := func(key string, det *model.Detection) {
		d := *det
		d.Timings, d.Captured = model.StageTimings{}, time.Time{} // a video frame is stamped when read
		d.Balls = append([]model.BallDetection(nil), det.Balls...)
		dump[key] = d
	}
	o := DefaultOptions()
	for _, shrink := range []int{1, smallShrink} {
		var small model.Frame
		for _, s := range sets {
			err := Frames(dataRoot, s, func(lf *labels.Frame, f *model.Frame) error {
				if shrink > 1 {
					if err := labels.ShrinkFrame(&small, f, shrink); err != nil {
						return err
					}
					f = &small
				}
				var det model.Detection
				if err := Detect(o, f, &det); err != nil {
					return err
				}
				keep(fmt.Sprintf("stills/x%d/%s", shrink, lf.Key()), &det)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	steadyReal(t, o, keep)
	steadySim(t, o, keep)
	b, err := json.MarshalIndent(dump, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d detections written to %s", len(dump), out)
}

// goldenSteady are the real 1080p frames vision's BenchmarkDetectReal times.
var goldenSteady = []string{
	"gravitygravity_billard-ball-recognition/ImageExamples/02.png",
	"gravitygravity_billard-ball-recognition/ImageExamples/03.png",
	"gravitygravity_billard-ball-recognition/ImageExamples/04.png",
	"noshi96_billiardar-backend/table.jpg",
	"yoavstrugo_perfectswish/detect_objects_test_images/triangle_without_triangle.jpg",
	"yoavstrugo_perfectswish/detect_objects_test_images/balls_near_the_cue_1.jpg",
	"yoavstrugo_perfectswish/detect_objects_test_images/seven1.jpg",
}

func steadyReal(t *testing.T, o Options, keep func(string, *model.Detection)) {
	for _, name := range goldenSteady {
		var f model.Frame
		if err := vision.ReadImage(filepath.Join(dataRoot, "overhead", name), &f); err != nil {
			t.Fatal(err)
		}
		f.Captured = time.Unix(0, 0)
		d, err := vision.NewDetector(o.Vision, vision.DetectorOptions{Table: o.Table})
		if err != nil {
			t.Fatal(err)
		}
		var det model.Detection
		for i := 0; i < 3; i++ {
			if err := d.Detect(&f, &det); err != nil {
				t.Fatal(err)
			}
			keep(fmt.Sprintf("steady/%s/%d", name, i), &det)
		}
		d.Close()
	}
}

func steadySim(t *testing.T, o Options, keep func(string, *model.Detection)) {
	for _, sz := range [][2]int{{1280, 720}, {1920, 1080}} {
		s := sim.New(sim.Options{Width: sz[0], Height: sz[1], FPS: 3, Scenario: "demo", Seed: 3, NoiseSigma: 2, Unpaced: true})
		d, err := vision.NewDetector(o.Vision, vision.DetectorOptions{Table: s.Geometry()})
		if err != nil {
			t.Fatal(err)
		}
		var f model.Frame
		var det model.Detection
		for i := 0; i < 15; i++ {
			s.Render(&f, time.Unix(int64(i), 0))
			if err := d.Detect(&f, &det); err != nil {
				t.Fatal(err)
			}
			keep(fmt.Sprintf("sim/%dx%d/%02d", sz[0], sz[1], i), &det)
		}
		d.Close()
		s.Close()
	}
}
