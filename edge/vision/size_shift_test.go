package vision

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// TestSizeSteadyUnderCornerShift: the balls' size a table's first frame
// decides, and so the balls found, must not hang on a sub-pixel move of
// the table's corners. A real frame (22 snooker balls, larger than the
// configured table's, so the configured size sits at the edge of the
// outline's reach) is detected with its corners as found and then held
// fixed at them moved by a few tenths of a pixel. Before the size was
// decided on both sides of the reach (detector.go, sweepSize) three
// outlines of shadows at the configured size could decide it: 22 balls
// became 11 on two of these moves and 19 on a third (main c557317). A ball
// or two may still come and go at the pockets' lips (the ball finder's own
// sensitivity to a resampled view, not a size decision). Skips without the
// shared footage.
func TestSizeSteadyUnderCornerShift(t *testing.T) {
	name := filepath.Join(sharedData, "overhead", "lukasseglias_billiard-ai/with_projector_on/without_halo/23.png")
	if _, err := os.Stat(name); err != nil {
		t.Skipf("no shared real footage at %s (not in the repository): %v", name, err)
	}
	var f model.Frame
	if err := ReadImage(name, &f); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default().Vision
	cfg.Threads = 1
	detect := func(c *Calibration) model.Detection {
		t.Helper()
		d, err := NewDetector(cfg, DetectorOptions{Table: model.Standard(model.Table9ft), Stills: true, Calibration: c})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var det model.Detection
		if err := d.Detect(&f, &det); err != nil || det.Table == nil {
			t.Fatalf("table %v, err %v", det.Table != nil, err)
		}
		return det
	}
	found := detect(nil)
	n0 := len(found.Balls)
	if n0 < 20 {
		t.Fatalf("corners as found: %d balls, want the frame's 22 (at least 20)", n0)
	}
	for _, s := range [][2]float64{{0, 0}, {0.4, -0.3}, {-0.4, 0.3}, {0.3, 0.3}, {-0.3, -0.3}, {0, -0.2}} {
		c := found.Table.Corners
		for i := range c {
			c[i].X += s[0]
			c[i].Y += s[1]
		}
		det := detect(&Calibration{Corners: &c, Width: f.Width, Height: f.Height})
		t.Logf("corners moved by %v: %d balls (as found: %d)", s, len(det.Balls), n0)
		if d := len(det.Balls) - n0; d < -3 || d > 3 {
			t.Errorf("corners moved by %v px: %d balls, %d with the corners as found", s, len(det.Balls), n0)
		}
	}
}
