package vision

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// realFrame reads a frame of the shared real footage, skipping the test
// when it is absent (it is not in the repository).
func realFrame(t *testing.T, rel string) *model.Frame {
	t.Helper()
	name := filepath.Join(sharedData, "overhead", rel)
	if _, err := os.Stat(name); err != nil {
		t.Skipf("no shared real footage at %s (not in the repository): %v", name, err)
	}
	var f model.Frame
	if err := ReadImage(name, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

// detectStill runs a fresh stills detector on f; noRefine leaves the
// reported table the finder's.
func detectStill(t *testing.T, f *model.Frame, c *Calibration, noRefine bool) (*Detector, model.Detection) {
	t.Helper()
	cfg := config.Default().Vision
	cfg.Threads = 1
	d, err := NewDetector(cfg, DetectorOptions{Table: model.Standard(model.Table9ft), Stills: true, Calibration: c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	d.tf.noRefine = noRefine
	var det model.Detection
	if err := d.Detect(f, &det); err != nil || det.Table == nil {
		t.Fatalf("table %v, err %v", det.Table != nil, err)
	}
	return d, det
}

// TestReportedTableOwnGeometry: on a frame where the cushion noses differ
// from the finder's outline (perfectswish: 7-8 px), Detect reports the
// refined corners and homography, gives every ball its position through
// that homography from its image centre, and finds exactly the balls
// (centre, radius, name, confidence) it finds with the refinement off.
func TestReportedTableOwnGeometry(t *testing.T) {
	f := realFrame(t, "yoavstrugo_perfectswish/detect_objects_test_images/balls_near_the_cue_1.jpg")
	d, det := detectStill(t, f, nil, false)
	tf := d.table
	if tf.rep == nil {
		t.Fatalf("no reported geometry of its own: %s", tf.repWhy)
	}
	if det.Table.Corners != tf.rep.corners || det.Table.H != tf.rep.h {
		t.Fatalf("reported corners %v, want the refined %v", det.Table.Corners, tf.rep.corners)
	}
	if s := cornerShift(tf.corners, tf.rep.corners); s < 2 {
		t.Fatalf("refined corners %.1f px from the finder's: this frame no longer tells the two apart", s)
	}
	if !strings.HasPrefix(tf.repWhy, "cushion noses") {
		t.Errorf("repWhy %q", tf.repWhy)
	}
	_, plain := detectStill(t, f, nil, true)
	if plain.Table.Corners != tf.corners {
		t.Fatalf("finder's corners %v with the refinement off, %v with it", plain.Table.Corners, tf.corners)
	}
	if len(det.Balls) != len(plain.Balls) || len(det.Balls) < 5 {
		t.Fatalf("%d balls, %d with the refinement off", len(det.Balls), len(plain.Balls))
	}
	moved := 0
	for i := range det.Balls {
		a, b := det.Balls[i], plain.Balls[i]
		if a.Pixel != b.Pixel || a.RadiusPx != b.RadiusPx || a.Class != b.Class || a.Confidence != b.Confidence ||
			(a.Number == nil) != (b.Number == nil) || a.Number != nil && *a.Number != *b.Number {
			t.Errorf("ball %d: %+v, with the refinement off %+v", i, a, b)
		}
		x, y := tf.rep.h.apply(a.Pixel.X, a.Pixel.Y)
		if math.Abs(a.Pos.X-x) > 1e-12 || math.Abs(a.Pos.Y-y) > 1e-12 {
			t.Errorf("ball %d at (%.4f, %.4f) m, the reported homography puts it at (%.4f, %.4f)", i, a.Pos.X, a.Pos.Y, x, y)
		}
		if math.Hypot(a.Pos.X-b.Pos.X, a.Pos.Y-b.Pos.Y) > 1e-4 {
			moved++
		}
	}
	if moved == 0 {
		t.Error("no ball's table position moved with the refined table")
	}
	c := det.Cue
	if c == nil || c.TipPos == nil {
		t.Fatal("no cue found (the frame shows one)")
	}
	x, y := tf.rep.h.apply(c.Tip.X, c.Tip.Y)
	if math.Hypot(c.TipPos.X-x, c.TipPos.Y-y) > 1e-9 {
		t.Errorf("cue tip at %v m, the reported homography puts it at (%.4f, %.4f)", *c.TipPos, x, y)
	}
	if c.Tip != plain.Cue.Tip || c.Butt != plain.Cue.Butt {
		t.Errorf("cue tip %v butt %v, with the refinement off %v %v", c.Tip, c.Butt, plain.Cue.Tip, plain.Cue.Butt)
	}
	// Naming given circles (the labelling page) places them alike.
	given := []model.BallDetection{{Pixel: det.Balls[0].Pixel, RadiusPx: det.Balls[0].RadiusPx}}
	if err := d.nameAt(f, given); err != nil {
		t.Fatal(err)
	}
	if *given[0].Pos != *det.Balls[0].Pos {
		t.Errorf("nameAt puts the ball at %v m, Detect at %v", *given[0].Pos, *det.Balls[0].Pos)
	}
}

// TestReportedTableFallback: where the refinement is not trusted, the
// reported corners are the finder's, and repWhy says why. radar3699's L0
// is cut at the bed (no cushion in view: no step-up nose on any side);
// lukasseglias' with_halo_2/13.png has a row of balls frozen along the
// left cushion whose inner edges line up like a nose 26 px in: the left
// side keeps the finder's outermost step, the other three are refined.
func TestReportedTableFallback(t *testing.T) {
	t.Run("cut at the bed", func(t *testing.T) {
		f := realFrame(t, "radar3699_pool-vision/example_images/L0.jpg")
		d, det := detectStill(t, f, nil, false)
		if d.table.rep != nil || det.Table.Corners != d.table.corners {
			t.Fatalf("reported %v, the finder's %v: want the finder's", det.Table.Corners, d.table.corners)
		}
		if !strings.Contains(d.table.repWhy, "no step-up nose") {
			t.Errorf("repWhy %q does not say why", d.table.repWhy)
		}
	})
	t.Run("balls along a cushion", func(t *testing.T) {
		f := realFrame(t, "lukasseglias_billiard-ai/with_projector_on/with_halo_2/13.png")
		d, det := detectStill(t, f, nil, false)
		tf := d.table
		if tf.rep == nil || !strings.Contains(tf.repWhy, "kept on left") {
			t.Fatalf("repWhy %q: want the left side kept", tf.repWhy)
		}
		// BL and TL end the left side: within a pixel or two of the
		// finder's (the refined bottom and top meet it a little off).
		for _, i := range []int{0, 3} {
			if s := math.Hypot(det.Table.Corners[i].X-tf.corners[i].X, det.Table.Corners[i].Y-tf.corners[i].Y); s > 4 {
				t.Errorf("corner %d reported %v, %.1f px from the finder's %v", i, det.Table.Corners[i], s, tf.corners[i])
			}
		}
	})
	t.Run("calibration wins", func(t *testing.T) {
		f := realFrame(t, "yoavstrugo_perfectswish/detect_objects_test_images/double.jpg")
		_, found := detectStill(t, f, nil, false)
		c := found.Table.Corners
		c[0].X += 3 // a technician's corners, a little off both fits
		d, det := detectStill(t, f, &Calibration{Corners: &c, Width: f.Width, Height: f.Height}, false)
		if det.Table.Corners != c || d.table.rep != nil {
			t.Fatalf("reported %v, want the calibration's %v", det.Table.Corners, c)
		}
		for i, b := range det.Balls {
			x, y := d.table.h.apply(b.Pixel.X, b.Pixel.Y)
			if math.Abs(b.Pos.X-x) > 1e-12 || math.Abs(b.Pos.Y-y) > 1e-12 {
				t.Errorf("ball %d at %v m, the calibration's homography puts it at (%.4f, %.4f)", i, *b.Pos, x, y)
			}
		}
	})
}

// TestReportedTableTanCloth: the shade-aware outline takes in the dark
// wooden rails round the simulator's tan cloth (187 px off); the strict
// outline is table-shaped, so the finder's corners are reported, exact.
func TestReportedTableTanCloth(t *testing.T) {
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 3, Scenario: "still", Seed: 7, Felt: "tan", Lighting: "spot", Tilt: 0.1, NoiseSigma: 2, Unpaced: true})
	defer s.Close()
	var f model.Frame
	s.Render(&f, time.Unix(1000, 0))
	d, det := detectStill(t, &f, nil, false)
	if !strings.Contains(d.table.repWhy, "leaves the table-shaped strict one") {
		t.Errorf("repWhy %q", d.table.repWhy)
	}
	if e := cornerErr(det.Table.Corners, f.Truth.Corners); e > 1 {
		t.Errorf("corners %.1f px from the truth", e)
	}
}

// TestKeepFound checks the side-by-side choice on drawn lines: a 1000 x
// 500 px outline, a ball's radius 12 px, a cushion 20 px.
func TestKeepFound(t *testing.T) {
	outer := [4]model.Pixel{{X: 0, Y: 500}, {X: 1000, Y: 500}, {X: 1000, Y: 0}, {X: 0, Y: 0}}
	// Noses 20 px inside each side (side i runs outer[i] -> outer[i+1]).
	nose := func(depth float64) [4]noseSide {
		return [4]noseSide{
			{l: line{0, 500 - depth, 1, 0}, depth: depth, ok: true},
			{l: line{1000 - depth, 0, 0, 1}, depth: depth, ok: true},
			{l: line{0, depth, 1, 0}, depth: depth, ok: true},
			{l: line{depth, 0, 0, 1}, depth: depth, ok: true},
		}
	}
	found := nose(20)
	step := nose(25) // 5 px further in: the dark band, refined
	out, kept := keepFound(outer, found, outer, step, 12, 20)
	if kept != "" || out != step {
		t.Errorf("noses 5 px apart: kept %q", kept)
	}
	step[3] = noseSide{l: line{46, 0, 0, 1}, depth: 46, ok: true} // a row of balls 26 px in
	step[1].ok = false                                            // and no step up on the right
	out, kept = keepFound(outer, found, outer, step, 12, 20)
	if kept != "right, left" || out[3] != found[3] || out[1] != found[1] || out[0] != step[0] {
		t.Errorf("kept %q, sides %+v", kept, out)
	}
	// The shade-aware outline 60 px further out on the left (the strict
	// one lost the cloth in shade): the step-up nose stands there.
	wide := outer
	wide[0].X, wide[3].X = -60, -60
	_, kept = keepFound(outer, found, wide, step, 12, 20)
	if kept != "right" {
		t.Errorf("outlines 60 px apart on the left: kept %q", kept)
	}
	// The finder found no nose on a side: the step-up rule's stands.
	found[3].ok = false
	_, kept = keepFound(outer, found, outer, step, 12, 20)
	if kept != "right" {
		t.Errorf("no finder nose on the left: kept %q", kept)
	}
}
