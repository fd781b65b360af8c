package vision

import (
	"math"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

func render(t *testing.T, rot float64, at time.Time) *model.Frame {
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 30, Scenario: "still", Seed: 4, RotationDeg: rot, NoiseSigma: 2, Unpaced: true})
	defer s.Close()
	var f model.Frame
	s.Render(&f, at)
	f.Captured = at
	return &f
}

func cornerErr(a, b [4]model.Pixel) float64 {
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Hypot(a[i].X-b[i].X, a[i].Y-b[i].Y))
	}
	return m
}

// TestTableCachedAndRechecked: the outline is found once, kept between
// re-checks (a moved camera is not followed at once), and re-fitted at the
// next re-check (vision.table_recheck, 2 s by default).
func TestTableCachedAndRechecked(t *testing.T) {
	t0 := time.Unix(1000, 0)
	a := render(t, 0, t0)
	d, err := NewDetector(defaultVision(), DetectorOptions{Table: a.Truth.Table})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var det model.Detection
	steps := []struct {
		rot   float64
		after time.Duration
		want  float64 // rotation whose truth the corners must match
	}{
		{0, 0, 0},
		{3, 500 * time.Millisecond, 0}, // moved, but not re-checked yet
		{3, 2500 * time.Millisecond, 3},
		{3, 3 * time.Second, 3},
	}
	for _, s := range steps {
		f := render(t, s.rot, t0.Add(s.after))
		if err := d.Detect(f, &det); err != nil || det.Table == nil {
			t.Fatalf("t+%s: table %v err %v", s.after, det.Table, err)
		}
		want := render(t, s.want, t0).Truth.Corners
		if e := cornerErr(det.Table.Corners, want); e > 1 {
			t.Errorf("t+%s (camera at %v deg): corners %.1f px from the %v deg table's", s.after, s.rot, e, s.want)
		}
	}
}

// TestNoTable: a frame without a table gives an empty detection, not an
// error and not invented balls.
func TestNoTable(t *testing.T) {
	f := &model.Frame{Width: 320, Height: 240, Pix: make([]byte, 320*240*3)}
	for i := range f.Pix {
		f.Pix[i] = byte(i * 31 % 251) // noise, no dominant colour
	}
	d, _ := NewDetector(defaultVision(), DetectorOptions{})
	defer d.Close()
	var det model.Detection
	if err := d.Detect(f, &det); err != nil {
		t.Fatalf("Detect = %v", err)
	}
	if det.Table != nil || len(det.Balls) != 0 {
		t.Errorf("table %v, %d balls from noise", det.Table, len(det.Balls))
	}
	if err := d.Detect(&model.Frame{Width: 10, Height: 10, Pix: make([]byte, 10)}, &det); err == nil {
		t.Error("a short frame was accepted")
	}
}
