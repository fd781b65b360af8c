package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
	"github.com/cuecast/cuecast/edge/vision"
)

func TestCalibrateTable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cal.json")
	noCfg := filepath.Join(dir, "none.toml")
	run := func(args ...string) int {
		var code int
		captureStdout(t, func() { code = runCalibrate(append(args, "--config", noCfg, "--file", file)) })
		return code
	}
	if code := run("table", "--corners", "100,600 1180,600 1180,90 100,90"); code != 0 {
		t.Fatalf("--corners: exit %d", code)
	}
	c, err := vision.LoadCalibration(file)
	if err != nil || c.Corners == nil || c.Corners[2].Y != 90 {
		t.Fatalf("saved %+v, %v", c, err)
	}
	before, _ := os.ReadFile(file)
	for _, bad := range [][]string{
		{"table", "--corners", "1,2 3,4"},
		{"table", "--corners", "0,0 1,0 2,0 3,0"}, // collinear
		{"table"},
		{"camera", "--fisheye", "x.png"},
		{"camera", "--pattern", "nine", "x.png"},
		{"nothing"},
	} {
		if code := run(bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Error("a refused calibration changed the file")
	}
	// From an image: the simulator's table, found to a pixel.
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 30, Scenario: "still", Seed: 2, NoiseSigma: 2, Unpaced: true})
	var f model.Frame
	s.Render(&f, time.Unix(0, 0))
	s.Close()
	img := filepath.Join(dir, "t.png")
	vision.WriteAnnotated(img, &f, &model.Detection{})
	if code := run("table", "--image", img); code != 0 {
		t.Fatalf("--image: exit %d", code)
	}
	c, _ = vision.LoadCalibration(file)
	for i := range c.Corners {
		if d := c.Corners[i].X - f.Truth.Corners[i].X; d > 1 || d < -1 {
			t.Errorf("corner %d = %v, want %v", i, c.Corners[i], f.Truth.Corners[i])
		}
	}
	if code := run("table", "--auto"); code != 0 {
		t.Fatal("--auto failed")
	}
	if c, _ = vision.LoadCalibration(file); c.Corners != nil {
		t.Error("--auto kept the corners")
	}
}
