package vision

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// benchFrames renders n frames of the demo scenario at w x h.
func benchFrames(b *testing.B, w, h, n int) ([]model.Frame, model.TableGeometry) {
	s := sim.New(sim.Options{Width: w, Height: h, FPS: 3, Scenario: "demo", Seed: 3, NoiseSigma: 2, Unpaced: true})
	defer s.Close()
	fs := make([]model.Frame, n)
	for i := range fs {
		s.Render(&fs[i], time.Unix(0, 0))
		fs[i].Captured = time.Unix(0, 0) // same instant: the table is found once, as in steady state
	}
	return fs, s.Geometry()
}

// BenchmarkDetect is the per-frame cost on one OpenCV thread in steady
// state (table cached): go test ./edge/vision -run ^$ -bench Detect -benchtime 300x
func BenchmarkDetect(b *testing.B) {
	for _, sz := range [][2]int{{1280, 720}, {1920, 1080}} {
		b.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(b *testing.B) {
			frames, geo := benchFrames(b, sz[0], sz[1], 8)
			cfg := config.Default().Vision
			cfg.Threads = 1
			d, err := NewDetector(cfg, DetectorOptions{Table: geo})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			var det model.Detection
			if err := d.Detect(&frames[0], &det); err != nil || det.Table == nil {
				b.Fatalf("warm-up: table %v, err %v", det.Table != nil, err)
			}
			detectLoop(b, d, frames, &det)
		})
	}
}

// detectLoop times b.N detections over frames on a locked OS thread and
// reports the thread's CPU per frame and the detector's median stage times.
func detectLoop(b *testing.B, d *Detector, frames []model.Frame, det *model.Detection) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := threadCPU()
	for i := 0; i < b.N; i++ {
		if err := d.Detect(&frames[i%len(frames)], det); err != nil {
			b.Fatal(err)
		}
	}
	cpu := threadCPU() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	p := d.Performance()
	b.ReportMetric(p.Stages["total"].Median, "median-ms")
	b.ReportMetric(p.Stages["balls"].Median, "balls-ms")
}

// TestDetectAllocs bounds the Go garbage per frame in steady state: the
// Mats are reused, so what remains is small bookkeeping (the table
// detection, contour point lists). A regression that allocates per pixel
// or per ray shows up here.
func TestDetectAllocs(t *testing.T) {
	f := simFrame(t, 1280, 720)
	d, err := NewDetector(config.Default().Vision, DetectorOptions{Table: f.Truth.Table})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var det model.Detection
	d.Detect(f, &det)
	allocs := testing.AllocsPerRun(20, func() { d.Detect(f, &det) })
	if allocs > 100 {
		t.Errorf("Detect allocates %.0f times per frame, want <= 100", allocs)
	}
}

// TestDetectAllocsReal is TestDetectAllocs on the busy real 1080p frames
// (BenchmarkDetectReal's): 62-168 allocations per frame, mostly per
// candidate (a named ball's number). Reading the contour hierarchy one
// GetVeciAt per contour cost 100-360 more; this catches such a per-contour
// or per-pixel allocation coming back. Skips without the shared footage.
func TestDetectAllocsReal(t *testing.T) {
	root := filepath.Join(sharedData, "overhead")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("no shared real footage at %s (not in the repository): %v", root, err)
	}
	cfg := config.Default().Vision
	cfg.Threads = 1
	for _, name := range realBenchFrames {
		var f model.Frame
		if err := ReadImage(filepath.Join(root, name), &f); err != nil {
			t.Fatal(err)
		}
		f.Captured = time.Unix(0, 0)
		d, err := NewDetector(cfg, DetectorOptions{Table: model.Standard(model.Table9ft)})
		if err != nil {
			t.Fatal(err)
		}
		var det model.Detection
		d.Detect(&f, &det)
		allocs := testing.AllocsPerRun(3, func() { d.Detect(&f, &det) })
		d.Close()
		if allocs > 220 {
			t.Errorf("%s: Detect allocates %.0f times per frame, want <= 220", name, allocs)
		}
	}
}

// sharedData is the real footage shared with developers (never in the
// repository).
const sharedData = "../../../shared/data"

// realBenchFrames are 1080p overhead frames of the labelled real set
// (edge/labels/testdata/real), under ../shared/data/overhead.
var realBenchFrames = []string{
	"gravitygravity_billard-ball-recognition/ImageExamples/02.png",
	"gravitygravity_billard-ball-recognition/ImageExamples/03.png",
	"gravitygravity_billard-ball-recognition/ImageExamples/04.png",
	"noshi96_billiardar-backend/table.jpg",
	"yoavstrugo_perfectswish/detect_objects_test_images/triangle_without_triangle.jpg",
	"yoavstrugo_perfectswish/detect_objects_test_images/balls_near_the_cue_1.jpg",
	"yoavstrugo_perfectswish/detect_objects_test_images/seven1.jpg",
}

// BenchmarkDetectReal is BenchmarkDetect on real 1080p frames (the table
// found once, then every frame detected as the daemon's loop does), one
// sub-benchmark per frame; it skips without the shared footage:
// go test ./edge/vision -run ^$ -bench DetectReal -benchtime 100x
func BenchmarkDetectReal(b *testing.B) {
	root := filepath.Join(sharedData, "overhead")
	if _, err := os.Stat(root); err != nil {
		b.Skipf("no shared real footage at %s (not in the repository): %v", root, err)
	}
	for _, name := range realBenchFrames {
		b.Run(strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)), func(b *testing.B) {
			var f model.Frame
			if err := ReadImage(filepath.Join(root, name), &f); err != nil {
				b.Fatal(err)
			}
			f.Captured = time.Unix(0, 0)
			cfg := config.Default().Vision
			cfg.Threads = 1
			d, err := NewDetector(cfg, DetectorOptions{Table: model.Standard(model.Table9ft)})
			if err != nil {
				b.Fatal(err)
			}
			defer d.Close()
			var det model.Detection
			if err := d.Detect(&f, &det); err != nil || det.Table == nil {
				b.Fatalf("warm-up: table %v, err %v", det.Table != nil, err)
			}
			detectLoop(b, d, []model.Frame{f}, &det)
			b.ReportMetric(float64(len(det.Balls)), "balls")
		})
	}
}

// BenchmarkDetectStill is `cuecast detect` on one real 1080p frame: a fresh
// stills detector per image, so each op finds the table and the balls'
// scale (scaleFinder.estimate) before the balls; skips without the shared
// footage: go test ./edge/vision -run ^$ -bench DetectStill -benchtime 10x
func BenchmarkDetectStill(b *testing.B) {
	root := filepath.Join(sharedData, "overhead")
	if _, err := os.Stat(root); err != nil {
		b.Skipf("no shared real footage at %s (not in the repository): %v", root, err)
	}
	for _, name := range realBenchFrames[:1] {
		b.Run(strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)), func(b *testing.B) {
			var f model.Frame
			if err := ReadImage(filepath.Join(root, name), &f); err != nil {
				b.Fatal(err)
			}
			cfg := config.Default().Vision
			cfg.Threads = 1
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := threadCPU()
			var det model.Detection
			for i := 0; i < b.N; i++ {
				d, err := NewDetector(cfg, DetectorOptions{Table: model.Standard(model.Table9ft), Stills: true})
				if err != nil {
					b.Fatal(err)
				}
				err = d.Detect(&f, &det)
				d.Close()
				if err != nil || det.Table == nil {
					b.Fatalf("table %v, err %v", det.Table != nil, err)
				}
			}
			b.ReportMetric(float64((threadCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			b.ReportMetric(float64(len(det.Balls)), "balls")
		})
	}
}
