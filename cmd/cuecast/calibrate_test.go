package main

import (
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
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
		{"camera", "--balance", "0.5", "x.png"}, // balance without fisheye
		{"camera", "--fisheye", "--balance", "2", "x.png"}, // out of 0..1
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

// fisheyeBoard renders, in pure Go, a 9x6-inner-corner chessboard (25 mm
// squares) seen through an equidistant-type fisheye lens (fx 300, centre
// (322, 238), k1..k4 below) from a board centred theta rad off the axis at
// azimuth phi, turned face*theta towards the camera, 0.35 m away; 2x2
// samples a pixel.
func fisheyeBoard(theta, phi, face float64) *image.Gray {
	const (
		w, h           = 640, 480
		fx, cx, cy     = 300.0, 322.0, 238.0
		sq             = 0.025
		k1, k2, k3, k4 = -0.02, 0.01, -0.005, 0.001
	)
	distort := func(t float64) (float64, float64) { // θd and dθd/dθ
		t2 := t * t
		return t * (1 + t2*(k1+t2*(k2+t2*(k3+t2*k4)))), 1 + t2*(3*k1+t2*(5*k2+t2*(7*k3+t2*9*k4)))
	}
	// Board axes: tilted about (-sin phi, cos phi, 0) by face*theta, and a
	// little about x so no view is symmetric.
	rot := func(a [3]float64, th float64, v [3]float64) [3]float64 {
		c, s := math.Cos(th), math.Sin(th)
		d := a[0]*v[0] + a[1]*v[1] + a[2]*v[2]
		x := [3]float64{a[1]*v[2] - a[2]*v[1], a[2]*v[0] - a[0]*v[2], a[0]*v[1] - a[1]*v[0]}
		var o [3]float64
		for i := range o {
			o[i] = v[i]*c + x[i]*s + a[i]*d*(1-c)
		}
		return o
	}
	axis := [3]float64{-math.Sin(phi), math.Cos(phi), 0}
	e1 := rot(axis, face*theta, rot([3]float64{1, 0, 0}, 0.15, [3]float64{1, 0, 0}))
	e2 := rot(axis, face*theta, rot([3]float64{1, 0, 0}, 0.15, [3]float64{0, 1, 0}))
	n := [3]float64{e1[1]*e2[2] - e1[2]*e2[1], e1[2]*e2[0] - e1[0]*e2[2], e1[0]*e2[1] - e1[1]*e2[0]}
	centre := [3]float64{0.35 * math.Sin(theta) * math.Cos(phi), 0.35 * math.Sin(theta) * math.Sin(phi), 0.35 * math.Cos(theta)}
	dot := func(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
	img := image.NewGray(image.Rect(0, 0, w, h))
	for v := 0; v < h; v++ {
		for u := 0; u < w; u++ {
			sum := 0.0
			for sy := 0; sy < 2; sy++ {
				for sx := 0; sx < 2; sx++ {
					x := (float64(u) + (float64(sx)-0.5)/2 - cx) / fx
					y := (float64(v) + (float64(sy)-0.5)/2 - cy) / fx
					td := math.Hypot(x, y)
					th := td
					for i := 0; i < 4; i++ {
						f, df := distort(th)
						th -= (f - td) / df
					}
					val := 150.0 // background
					if th > 0 && th < 1.5 {
						s := math.Sin(th) / td
						d := [3]float64{x * s, y * s, math.Cos(th)}
						if t := dot(n, centre) / dot(n, d); t > 0 {
							p := [3]float64{t*d[0] - centre[0], t*d[1] - centre[1], t*d[2] - centre[2]}
							// Board coordinates in squares from its centre: 10x7
							// squares inside a one-square white margin.
							bx, by := dot(p, e1)/sq+5, dot(p, e2)/sq+3.5
							if bx > -1 && bx < 11 && by > -1 && by < 8 {
								val = 255
								if bx >= 0 && bx < 10 && by >= 0 && by < 7 && (int(bx)+int(by))%2 == 0 {
									val = 0
								}
							}
						}
					}
					sum += val
				}
			}
			img.Pix[v*w+u] = uint8(sum / 4)
		}
	}
	return img
}

func TestCalibrateCameraFisheye(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "cal.json")
	noCfg := filepath.Join(dir, "none.toml")
	var paths []string
	views := [][2]float64{{0, 0}, {0.45, 0.3}, {0.45, 1.9}, {0.45, 3.5}, {0.45, 5.1}, {0.75, 0.1}, {0.75, 3.3}, {0.75, 0.62}}
	for i, v := range views {
		p := filepath.Join(dir, fmt.Sprintf("b%d.png", i))
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, fisheyeBoard(v[0], v[1], 0.6)); err != nil {
			t.Fatal(err)
		}
		f.Close()
		paths = append(paths, p)
	}
	run := func(args ...string) (int, string) {
		var code int
		out := captureStdout(t, func() { code = runCalibrate(append(append(args, "--config", noCfg, "--file", file), paths...)) })
		return code, string(out)
	}
	// Above the limit: refused, nothing saved.
	if code, out := run("camera", "--fisheye", "--max-rms", "0.001"); code != 1 || !strings.Contains(out, "fisheye model") {
		t.Errorf("--max-rms 0.001: exit %d, want 1 (refused) after printing the result\n%s", code, out)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("a refused calibration was saved (%v)", err)
	}
	code, out := run("camera", "--fisheye", "--balance", "0.5")
	if code != 0 {
		t.Fatalf("--fisheye: exit %d\n%s", code, out)
	}
	t.Logf("%s", out)
	c, err := vision.LoadCalibration(file)
	if err != nil || c.Camera == nil {
		t.Fatalf("saved %+v, %v", c, err)
	}
	in := c.Camera
	if in.Model != vision.ModelFisheye || len(in.Dist) != 4 || in.Balance == nil || *in.Balance != 0.5 || !strings.Contains(out, "fisheye model") {
		t.Errorf("saved %+v: want the fisheye model with balance 0.5", in)
	}
	if math.Abs(in.K[0]-300) > 3 || math.Abs(in.K[4]-300) > 3 || math.Abs(in.K[2]-322) > 2 || math.Abs(in.K[5]-238) > 2 || in.RMS > 0.3 {
		t.Errorf("K %v RMS %.3f: want f 300, centre (322, 238), RMS <= 0.3 px", in.K, in.RMS)
	}
}
