package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
	"github.com/cuecast/cuecast/edge/vision"
)

// writeSimImage renders a still simulated table (seed) into a PNG at path,
// creating its folder, and returns the frame with its ground truth.
func writeSimImage(t *testing.T, path string, seed int64) model.Frame {
	t.Helper()
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 30, Scenario: "still", Seed: seed, NoiseSigma: 2, Unpaced: true})
	var f model.Frame
	s.Render(&f, time.Unix(0, 0))
	s.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := vision.WriteAnnotated(path, &f, &model.Detection{}); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestDetectScore labels a simulated frame from its ground truth, one ball
// given a wrong number, and scores it with `cuecast detect --score`.
func TestDetectScore(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "data", "sim", "table.png")
	f := writeSimImage(t, img, 5)
	sum, err := labels.FileSHA256(img)
	if err != nil {
		t.Fatal(err)
	}
	lf := labels.Frame{Image: "sim/table.png", SHA256: sum, Width: f.Width, Height: f.Height,
		Table: &labels.Table{Corners: f.Truth.Corners}, Balls: []labels.Ball{}}
	for _, b := range f.Truth.Balls {
		if b.Pocketed {
			continue
		}
		n := b.Number
		lf.Balls = append(lf.Balls, labels.Ball{X: b.Pixel.X, Y: b.Pixel.Y, R: b.RadiusPx, Class: model.ClassOf(n), Number: &n, Occluded: b.Occluded})
	}
	// One wrong label: the detector will "miss" its number.
	wrong := &lf.Balls[0]
	if *wrong.Number == 0 {
		wrong = &lf.Balls[1]
	}
	bad := 8
	if *wrong.Number == 8 {
		bad = 0
	}
	wrong.Number, wrong.Class = &bad, model.ClassOf(bad)
	set := &labels.Set{Source: "sim", BallSet: labels.BallSetUS, Frames: []labels.Frame{lf}}
	path := filepath.Join(dir, "sim.json")
	if err := set.Save(path); err != nil {
		t.Fatal(err)
	}
	var code int
	out := captureStdout(t, func() {
		code = runDetect([]string{"--score", "--details", "--data", filepath.Join(dir, "data"), path})
	})
	if code != 0 {
		t.Fatalf("exit %d, want 0; output:\n%s", code, out)
	}
	var line string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "sim ") && strings.Contains(l, ">=10") {
			line = l
		}
	}
	fields := strings.Fields(line)
	if len(fields) < 15 || fields[3] != "1.000" || fields[5] != "1.000" || fields[11] == "1.00" {
		t.Errorf("want recall and precision 1.000 and the number accuracy below 1 (one wrong label); got line %q in\n%s", line, out)
	}
	if !strings.Contains(string(out), "-> ") {
		t.Errorf("--details does not name the wrong ball:\n%s", out)
	}

	// --shrink 2: the same frame at half size, its balls (14 px at 720p)
	// now all in the small class, scored against labels shrunk alike.
	out = captureStdout(t, func() {
		code = runDetect([]string{"--score", "--shrink", "2", "--data", filepath.Join(dir, "data"), path})
	})
	line = ""
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "sim ") && strings.Contains(l, "<10") {
			line = l
		}
	}
	if fields := strings.Fields(line); code != 0 || len(fields) < 15 || fields[3] < "0.9" || fields[5] < "0.9" {
		t.Errorf("--shrink 2: exit %d; want recall and precision >= 0.9 for balls < 10 px; got line %q in\n%s", code, line, out)
	}

	// A picture changed since it was labelled, a missing label file, an
	// invalid one, a bad --shrink: exit 2, nothing scored.
	os.WriteFile(filepath.Join(dir, "invalid.json"), []byte(`{"source":"x","ball_set":"golf","frames":[]}`), 0o644)
	for name, args := range map[string][]string{
		"missing":          {"--score", "--data", dir, filepath.Join(dir, "nope.json")},
		"invalid":          {"--score", "--data", dir, filepath.Join(dir, "invalid.json")},
		"wrong data dir":   {"--score", "--data", dir, path},
		"shrink 0":         {"--score", "--shrink", "0", "--data", filepath.Join(dir, "data"), path},
		"shrink, no score": {"--shrink", "2", img},
	} {
		var code int
		captureStdout(t, func() { code = runDetect(args) })
		if code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
	}
}

// simLabels writes a labelled simulated frame per seed (truth labels) under
// dir/data/sim and a label file with them; it returns the file.
func simLabels(t *testing.T, dir string, seeds ...int64) string {
	t.Helper()
	set := &labels.Set{Source: "sim", BallSet: labels.BallSetUS}
	for _, seed := range seeds {
		rel := fmt.Sprintf("sim/table%d.png", seed)
		img := filepath.Join(dir, "data", filepath.FromSlash(rel))
		f := writeSimImage(t, img, seed)
		sum, err := labels.FileSHA256(img)
		if err != nil {
			t.Fatal(err)
		}
		lf := labels.Frame{Image: rel, SHA256: sum, Width: f.Width, Height: f.Height, Balls: []labels.Ball{}}
		for _, b := range f.Truth.Balls {
			if !b.Pocketed {
				n := b.Number
				lf.Balls = append(lf.Balls, labels.Ball{X: b.Pixel.X - 0.5, Y: b.Pixel.Y - 0.5, R: b.RadiusPx, Class: model.ClassOf(n), Number: &n, Occluded: b.Occluded})
			}
		}
		set.Frames = append(set.Frames, lf)
	}
	path := filepath.Join(dir, "sim.json")
	if err := set.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDetectScoreTeach: --teach teaches from one labelled frame, scores
// only the others and writes the venue; --venue names by a venue file;
// a bad venue file or --teach without --score is exit 2.
func TestDetectScoreTeach(t *testing.T) {
	dir := t.TempDir()
	path := simLabels(t, dir, 5, 6)
	data := filepath.Join(dir, "data")
	venue := filepath.Join(dir, "venue.json")
	var code int
	out := captureStdout(t, func() {
		code = runDetect([]string{"--score", "--data", data, "--teach", "sim/table5.png", "--venue-out", venue, path})
	})
	if code != 0 {
		t.Fatalf("exit %d; output:\n%s", code, out)
	}
	// One frame scored: the table's frame count for sim is 1.
	found := false
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[0] == "sim" && f[1] == ">=10" {
			found = true
			if f[2] != "1" {
				t.Errorf("scored %s frames, want 1 (the taught frame left out): %q", f[2], l)
			}
		}
	}
	if !found {
		t.Fatalf("no sim row in:\n%s", out)
	}
	b, err := os.ReadFile(venue)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := vision.ParseVenue(b); err != nil || len(v.Balls) < 10 || v.Source != "sim/table5.png" {
		t.Fatalf("venue written: %v %.200s", err, b)
	}
	captureStdout(t, func() { code = runDetect([]string{"--score", "--data", data, "--venue", venue, path}) })
	if code != 0 {
		t.Errorf("--venue: exit %d", code)
	}
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"version":2}`), 0o644)
	for name, args := range map[string][]string{
		"bad venue":           {"--score", "--data", data, "--venue", filepath.Join(dir, "bad.json"), path},
		"teach unknown":       {"--score", "--data", data, "--teach", "sim/none.png", path},
		"teach without score": {"--teach", "sim/table5.png", path},
	} {
		captureStdout(t, func() { code = runDetect(args) })
		if code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
	}
}
