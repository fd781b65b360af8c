package vision

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// writeBoards renders a 10x7-square chessboard (9x6 inner corners) seen
// from n viewpoints (perspective warps) into 640x480 PNGs.
func writeBoards(t *testing.T, n int) []string {
	dir := t.TempDir()
	const sq = 40
	board := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(255, 255, 255, 0), 7*sq+2*sq, 10*sq+2*sq, gocv.MatTypeCV8UC3)
	defer board.Close()
	for r := 0; r < 7; r++ {
		for c := 0; c < 10; c++ {
			if (r+c)%2 == 0 {
				gocv.Rectangle(&board, image.Rect(sq+c*sq, sq+r*sq, sq+(c+1)*sq, sq+(r+1)*sq), color.RGBA{0, 0, 0, 0}, -1)
			}
		}
	}
	// Views through a pinhole camera (fx = fy = 700, centre (320, 240))
	// of the board plane (1 board pixel = 1 mm) turned about x and y:
	// H = K [r1 r2 t] S, so every view is consistent with one camera.
	var paths []string
	for i := 0; i < n; i++ {
		a := float64(i) * 2 * math.Pi / float64(n)
		ax, ay := 0.35*math.Cos(a), 0.35*math.Sin(a)
		cx, sx, cy, sy := math.Cos(ax), math.Sin(ax), math.Cos(ay), math.Sin(ay)
		// R = Ry * Rx; columns r1, r2.
		r1 := [3]float64{cy, 0, -sy}
		r2 := [3]float64{sy * sx, cx, cy * sx}
		tv := [3]float64{-0.24, -0.18, 0.75}
		const f, ccx, ccy, mm = 700.0, 320.0, 240.0, 0.001
		var hm [9]float64
		for row := 0; row < 3; row++ {
			k := [3]float64{f, 0, ccx}
			if row == 1 {
				k = [3]float64{0, f, ccy}
			} else if row == 2 {
				k = [3]float64{0, 0, 1}
			}
			dot := func(v [3]float64) float64 { return k[0]*v[0] + k[1]*v[1] + k[2]*v[2] }
			hm[3*row], hm[3*row+1], hm[3*row+2] = dot(r1)*mm, dot(r2)*mm, dot(tv)
		}
		h := gocv.NewMatWithSize(3, 3, gocv.MatTypeCV64F)
		for k := 0; k < 9; k++ {
			h.SetDoubleAt(k/3, k%3, hm[k])
		}
		out := gocv.NewMat()
		gocv.WarpPerspectiveWithParams(board, &out, h, image.Pt(640, 480), gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{128, 128, 128, 0})
		p := filepath.Join(dir, fmt.Sprintf("board%d.png", i))
		gocv.IMWrite(p, out)
		paths = append(paths, p)
		out.Close()
		h.Close()
	}
	return paths
}

func TestCalibrateCamera(t *testing.T) {
	paths := writeBoards(t, 8)
	in, found, err := CalibrateCamera(paths, CalibrateOptions{Cols: 9, Rows: 6, Square: 0.025, MaxRMS: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range found {
		if !ok {
			t.Errorf("board not found in view %d", i)
		}
	}
	if in.RMS > 0.5 || in.Views != 8 || in.Width != 640 || in.Height != 480 {
		t.Errorf("intrinsics %+v: want RMS <= 0.5 px over 8 views of 640x480", in)
	}
	// The views are undistorted renders: the principal point lands near
	// the centre and distortion stays small.
	if math.Abs(in.K[0]-700) > 35 || math.Abs(in.K[2]-320) > 30 || math.Abs(in.K[5]-240) > 30 {
		t.Errorf("fx %.1f, principal point (%.1f, %.1f), want 700 and near (320, 240)", in.K[0], in.K[2], in.K[5])
	}

	// Refused above the threshold.
	_, _, err = CalibrateCamera(paths, CalibrateOptions{Cols: 9, Rows: 6, MaxRMS: 1e-6})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("MaxRMS 1e-6: err = %v, want a refusal", err)
	}
	// Too few views.
	if _, _, err := CalibrateCamera(paths[:3], CalibrateOptions{Cols: 9, Rows: 6, MaxRMS: 1}); err == nil {
		t.Error("3 views accepted")
	}
	// Wrong pattern: never found.
	if _, _, err := CalibrateCamera(paths, CalibrateOptions{Cols: 7, Rows: 7, MaxRMS: 1}); err == nil {
		t.Error("7x7 pattern found on a 9x6 board")
	}
}

// TestDetectWithLens: identity intrinsics (no distortion) leave detection
// as it was; intrinsics for another image size are an error, not a guess.
func TestDetectWithLens(t *testing.T) {
	f := simFrame(t, 1280, 720)
	in := Intrinsics{Model: "pinhole", Width: 1280, Height: 720, K: [9]float64{1000, 0, 640, 0, 1000, 360, 0, 0, 1}, Dist: []float64{0, 0, 0, 0, 0}}
	d, err := NewDetector(defaultVision(), DetectorOptions{Table: f.Truth.Table, Calibration: &Calibration{Camera: &in}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var det model.Detection
	if err := d.Detect(f, &det); err != nil {
		t.Fatal(err)
	}
	if det.Table == nil || math.Abs(det.Table.Corners[0].X-f.Truth.Corners[0].X) > 1 {
		t.Fatalf("table %+v, want corners near %v", det.Table, f.Truth.Corners)
	}
	in.Width = 1920
	in.K[2] = 960
	d.SetCalibration(&Calibration{Camera: &in})
	if err := d.Detect(f, &det); err == nil {
		t.Error("1920-wide intrinsics accepted for a 1280-wide frame")
	}
}
