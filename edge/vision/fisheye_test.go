package vision

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
	"gocv.io/x/gocv"
)

// trueLens is the fisheye lens the synthetic views are rendered through:
// 640x480, 126 degrees across and 150 on the diagonal, principal point
// off-centre. The test
// implements the model itself (θd = θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸),
// OpenCV's documented fisheye model), independently of the bridge under
// test.
var trueLens = struct {
	fx, fy, cx, cy float64
	d              [4]float64
}{fx: 300, fy: 302, cx: 326.5, cy: 236.0, d: [4]float64{-0.03, 0.02, -0.01, 0.002}}

func fisheyeTheta(theta float64) float64 {
	t2 := theta * theta
	d := trueLens.d
	return theta * (1 + t2*(d[0]+t2*(d[1]+t2*(d[2]+t2*d[3]))))
}

// project maps a camera-frame point to its pixel through trueLens.
func project(p [3]float64) (float64, float64) {
	r := math.Hypot(p[0], p[1])
	if r < 1e-12 {
		return trueLens.cx, trueLens.cy
	}
	theta := math.Atan2(r, p[2])
	s := fisheyeTheta(theta) / r
	return trueLens.fx*p[0]*s + trueLens.cx, trueLens.fy*p[1]*s + trueLens.cy
}

// ray is the unit viewing direction of pixel (u, v) through trueLens
// (Newton on θd(θ)); ok is false beyond 90 degrees from the axis.
func ray(u, v float64) ([3]float64, bool) {
	x, y := (u-trueLens.cx)/trueLens.fx, (v-trueLens.cy)/trueLens.fy
	td := math.Hypot(x, y)
	if td < 1e-12 {
		return [3]float64{0, 0, 1}, true
	}
	theta := td
	for i := 0; i < 20; i++ {
		const h = 1e-7
		f := fisheyeTheta(theta) - td
		df := (fisheyeTheta(theta+h) - fisheyeTheta(theta-h)) / (2 * h)
		theta -= f / df
	}
	if !(theta > 0 && theta < math.Pi/2-0.01) || math.Abs(fisheyeTheta(theta)-td) > 1e-9 {
		return [3]float64{}, false
	}
	s := math.Sin(theta) / td
	return [3]float64{x * s, y * s, math.Cos(theta)}, true
}

type mat33 [9]float64

func (a mat33) mul(b mat33) mat33 {
	var c mat33
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			for k := 0; k < 3; k++ {
				c[3*i+j] += a[3*i+k] * b[3*k+j]
			}
		}
	}
	return c
}

func (a mat33) apply(v [3]float64) [3]float64 {
	return [3]float64{a[0]*v[0] + a[1]*v[1] + a[2]*v[2], a[3]*v[0] + a[4]*v[1] + a[5]*v[2], a[6]*v[0] + a[7]*v[1] + a[8]*v[2]}
}

// rotation about the unit axis a by angle th (Rodrigues).
func rotation(a [3]float64, th float64) mat33 {
	c, s := math.Cos(th), math.Sin(th)
	x, y, z := a[0], a[1], a[2]
	return mat33{
		c + x*x*(1-c), x*y*(1-c) - z*s, x*z*(1-c) + y*s,
		y*x*(1-c) + z*s, c + y*y*(1-c), y*z*(1-c) - x*s,
		z*x*(1-c) - y*s, z*y*(1-c) + x*s, c + z*z*(1-c),
	}
}

// boardPose places a 9x6 board (25 mm squares) with its centre in the
// direction (theta, phi) from the optical axis at dist metres, turned to
// face the camera by face*theta, then tilted by tx, ty about its own axes.
type boardPose struct{ theta, phi, dist, face, tx, ty float64 }

const (
	square = 0.025
	cols   = 9
	rows   = 6
)

// pose returns R and t mapping board metres (origin at the first inner
// corner, z = 0) into the camera frame.
func (bp boardPose) pose() (mat33, [3]float64) {
	axis := [3]float64{-math.Sin(bp.phi), math.Cos(bp.phi), 0}
	r := rotation(axis, bp.face*bp.theta).mul(rotation([3]float64{1, 0, 0}, bp.tx)).mul(rotation([3]float64{0, 1, 0}, bp.ty))
	dir := [3]float64{math.Sin(bp.theta) * math.Cos(bp.phi), math.Sin(bp.theta) * math.Sin(bp.phi), math.Cos(bp.theta)}
	mid := r.apply([3]float64{square * (cols - 1) / 2, square * (rows - 1) / 2, 0})
	return r, [3]float64{bp.dist*dir[0] - mid[0], bp.dist*dir[1] - mid[1], bp.dist*dir[2] - mid[2]}
}

// corners projects the board's inner corners through trueLens.
func (bp boardPose) corners() []gocv.Point2f {
	r, t := bp.pose()
	var out []gocv.Point2f
	for _, p := range boardPoints(CalibrateOptions{Cols: cols, Rows: rows, Square: square}) {
		c := r.apply([3]float64{float64(p.X), float64(p.Y), 0})
		u, v := project([3]float64{c[0] + t[0], c[1] + t[1], c[2] + t[2]})
		out = append(out, gocv.Point2f{X: float32(u), Y: float32(v)})
	}
	return out
}

// render draws the board at this pose through trueLens into a 640x480
// grey image: each pixel's ray is intersected with the board plane and
// the flat board image sampled there (bilinear, via remap).
func (bp boardPose) render(t *testing.T, flat gocv.Mat, sq int) gocv.Mat {
	r, tv := bp.pose()
	r1 := [3]float64{r[0], r[3], r[6]}
	r2 := [3]float64{r[1], r[4], r[7]}
	n := [3]float64{r[2], r[5], r[8]} // board normal
	dot := func(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
	const w, h = 640, 480
	mx := gocv.NewMatWithSize(h, w, gocv.MatTypeCV32F)
	defer mx.Close()
	my := gocv.NewMatWithSize(h, w, gocv.MatTypeCV32F)
	defer my.Close()
	px, _ := mx.DataPtrFloat32()
	py, _ := my.DataPtrFloat32()
	for v := 0; v < h; v++ {
		for u := 0; u < w; u++ {
			i := v*w + u
			px[i], py[i] = -1000, -1000
			d, ok := ray(float64(u), float64(v))
			if !ok {
				continue
			}
			den := dot(n, d)
			if math.Abs(den) < 1e-9 {
				continue
			}
			s := dot(n, tv) / den
			if s <= 0 {
				continue
			}
			q := [3]float64{s*d[0] - tv[0], s*d[1] - tv[1], s*d[2] - tv[2]}
			// Board-frame coordinates (metres from the first inner corner)
			// to the flat image, whose first inner corner is at (2sq, 2sq).
			bx, by := dot(q, r1), dot(q, r2)
			px[i] = float32(float64(2*sq) + bx/square*float64(sq) - 0.5)
			py[i] = float32(float64(2*sq) + by/square*float64(sq) - 0.5)
		}
	}
	out := gocv.NewMat()
	gocv.Remap(flat, &out, &mx, &my, gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{150, 150, 150, 0})
	return out
}

// flatBoard is a 10x7-square chessboard (9x6 inner corners) with a
// one-square white margin, sq pixels a square, grey.
func flatBoard(sq int) gocv.Mat {
	// Filled pixel by pixel (not gocv.Rectangle, whose edge lands a pixel
	// late and blurred), so square edges sit exactly at k*sq - 0.5.
	w, h := 12*sq, 9*sq
	pix := make([]byte, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c, r := x/sq-1, y/sq-1
			pix[y*w+x] = 255
			if c >= 0 && c < 10 && r >= 0 && r < 7 && (r+c)%2 == 0 {
				pix[y*w+x] = 0
			}
		}
	}
	// Copied into C memory: NewMatFromBytes would leave OpenCV pointing
	// into Go memory.
	m := gocv.NewMatWithSize(h, w, gocv.MatTypeCV8UC1)
	dst, err := m.DataPtrUint8()
	if err != nil {
		panic(err)
	}
	copy(dst, pix)
	return m
}

// fisheyePoses cover the field of view: the centre, a ring at 35 degrees
// off the axis and boards centred 46 degrees off it (reaching 60) towards
// the sides and corners, where a fisheye lens differs most from a pinhole
// one.
func fisheyePoses() []boardPose {
	var ps []boardPose
	ps = append(ps, boardPose{0, 0, 0.28, 0, 0.3, -0.2}, boardPose{0, 0, 0.32, 0, -0.25, 0.3})
	for i := 0; i < 4; i++ {
		phi := float64(i)*math.Pi/2 + 0.4
		ps = append(ps, boardPose{0.6, phi, 0.3, 0.7, 0.2 * math.Cos(phi), -0.2 * math.Sin(phi)})
	}
	// Azimuths and tilts off the symmetric ones: exact symmetry makes
	// OpenCV's initialisation degenerate on noise-free corners.
	for _, phi := range []float64{0.12, math.Pi + 0.1, 0.6, math.Pi - 0.5, math.Pi + 0.62, -0.57} {
		ps = append(ps, boardPose{0.8, phi, 0.38, 0.6, 0.1, -0.1})
	}
	return ps
}

func writeFisheyeBoards(t *testing.T, poses []boardPose) []string {
	const sq = 10
	flat := flatBoard(sq)
	defer flat.Close()
	dir := t.TempDir()
	var paths []string
	for i, bp := range poses {
		m := bp.render(t, flat, sq)
		p := filepath.Join(dir, fmt.Sprintf("fisheye%d.png", i))
		if !gocv.IMWrite(p, m) {
			t.Fatalf("write %s", p)
		}
		m.Close()
		paths = append(paths, p)
	}
	return paths
}

func TestFisheyeRenderMatchesModel(t *testing.T) {
	// The renderer and the projector agree: the corners found in a render
	// are where project() puts them (else the accuracy test below would
	// measure the test's own error).
	const sq = 10
	flat := flatBoard(sq)
	defer flat.Close()
	bp := fisheyePoses()[3]
	m := bp.render(t, flat, sq)
	defer m.Close()
	corners := gocv.NewMat()
	defer corners.Close()
	if !gocv.FindChessboardCorners(m, image.Pt(cols, rows), &corners, gocv.CalibCBAdaptiveThresh|gocv.CalibCBNormalizeImage) {
		t.Fatal("board not found in a render")
	}
	gocv.CornerSubPix(m, &corners, image.Pt(11, 11), image.Pt(-1, -1), gocv.NewTermCriteria(gocv.Count|gocv.EPS, 30, 0.01))
	v := gocv.NewPoint2fVectorFromMat(corners)
	defer v.Close()
	got, want := v.ToPoints(), bp.corners()
	worst := 0.0
	for i := range want {
		worst = math.Max(worst, math.Hypot(float64(got[i].X-want[i].X), float64(got[i].Y-want[i].Y)))
	}
	if worst > 0.3 {
		t.Errorf("found corners up to %.2f px from the model's, want <= 0.3", worst)
	}
}

// straightness is the largest distance, in pixels, of a board corner from
// the straight line fitted (total least squares) through its row or its
// column: 0 for a perfect pinhole image of a flat board.
func straightness(pts []gocv.Point2f) float64 {
	worst := 0.0
	line := func(idx []int) {
		var mx, my float64
		for _, i := range idx {
			mx += float64(pts[i].X)
			my += float64(pts[i].Y)
		}
		mx /= float64(len(idx))
		my /= float64(len(idx))
		var sxx, sxy, syy float64
		for _, i := range idx {
			dx, dy := float64(pts[i].X)-mx, float64(pts[i].Y)-my
			sxx += dx * dx
			sxy += dx * dy
			syy += dy * dy
		}
		// Normal of the best line: the smaller eigenvector of the scatter.
		th := 0.5 * math.Atan2(2*sxy, sxx-syy)
		nx, ny := -math.Sin(th), math.Cos(th)
		for _, i := range idx {
			worst = math.Max(worst, math.Abs((float64(pts[i].X)-mx)*nx+(float64(pts[i].Y)-my)*ny))
		}
	}
	for r := 0; r < rows; r++ {
		var idx []int
		for c := 0; c < cols; c++ {
			idx = append(idx, r*cols+c)
		}
		line(idx)
	}
	for c := 0; c < cols; c++ {
		var idx []int
		for r := 0; r < rows; r++ {
			idx = append(idx, r*cols+c)
		}
		line(idx)
	}
	return worst
}

func findBoard(t *testing.T, m gocv.Mat) []gocv.Point2f {
	t.Helper()
	corners := gocv.NewMat()
	defer corners.Close()
	if !gocv.FindChessboardCorners(m, image.Pt(cols, rows), &corners, gocv.CalibCBAdaptiveThresh|gocv.CalibCBNormalizeImage) {
		return nil
	}
	gocv.CornerSubPix(m, &corners, image.Pt(11, 11), image.Pt(-1, -1), gocv.NewTermCriteria(gocv.Count|gocv.EPS, 30, 0.01))
	v := gocv.NewPoint2fVectorFromMat(corners)
	defer v.Close()
	return v.ToPoints()
}

// TestCalibrateFisheye calibrates 12 renders through trueLens and checks
// the lens comes back, the pinhole model is refused for it, and the
// undistorted image is a pinhole camera's: straight lines straight, board
// corners where Rectified() projects them.
func TestCalibrateFisheye(t *testing.T) {
	paths := writeFisheyeBoards(t, fisheyePoses())
	in, found, err := CalibrateCamera(paths, CalibrateOptions{Cols: cols, Rows: rows, Square: square, MaxRMS: 1, Fisheye: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, ok := range found {
		if !ok {
			t.Errorf("board not found in view %d", i)
		}
	}
	t.Logf("fisheye: RMS %.3f px over %d views; fx %.2f fy %.2f cx %.2f cy %.2f (truth %v %v %v %v); D %.4f (truth %v)",
		in.RMS, in.Views, in.K[0], in.K[4], in.K[2], in.K[5], trueLens.fx, trueLens.fy, trueLens.cx, trueLens.cy, in.Dist, trueLens.d)
	if in.Model != ModelFisheye || len(in.Dist) != 4 || in.Views != len(paths) || in.Width != 640 || in.Height != 480 {
		t.Fatalf("intrinsics %+v: want fisheye, 4 coefficients, %d views of 640x480", in, len(paths))
	}
	if in.RMS > 0.1 {
		t.Errorf("RMS %.3f px, want <= 0.1 on clean renders", in.RMS)
	}
	if e := math.Abs(in.K[0]/trueLens.fx - 1); e > 0.002 {
		t.Errorf("fx %.2f, want %.0f within 0.2%%", in.K[0], trueLens.fx)
	}
	if e := math.Abs(in.K[4]/trueLens.fy - 1); e > 0.002 {
		t.Errorf("fy %.2f, want %.0f within 0.2%%", in.K[4], trueLens.fy)
	}
	if math.Abs(in.K[2]-trueLens.cx) > 0.5 || math.Abs(in.K[5]-trueLens.cy) > 0.5 {
		t.Errorf("principal point (%.2f, %.2f), want (%.1f, %.1f) within 0.5 px", in.K[2], in.K[5], trueLens.cx, trueLens.cy)
	}
	// The coefficients trade off against each other; what must match is
	// the mapping: θd(θ) within 0.1 px (times fx) out to 60 degrees.
	for th := 0.1; th < 1.05; th += 0.1 {
		t2 := th * th
		d := in.Dist
		got := th * (1 + t2*(d[0]+t2*(d[1]+t2*(d[2]+t2*d[3]))))
		if e := math.Abs(got-fisheyeTheta(th)) * trueLens.fx; e > 0.1 {
			t.Errorf("θ %.1f rad: θd off by %.3f px", th, e)
		}
	}

	t.Run("refused above MaxRMS", func(t *testing.T) {
		got, _, err := CalibrateCamera(paths, CalibrateOptions{Cols: cols, Rows: rows, Square: square, MaxRMS: in.RMS / 2, Fisheye: true})
		if err == nil || !strings.Contains(err.Error(), "refused") || got == nil {
			t.Errorf("MaxRMS %.3f: (%v, %v), want the result and a refusal", in.RMS/2, got, err)
		}
	})

	t.Run("pinhole model refused", func(t *testing.T) {
		// The pinhole polynomial cannot follow 70 degrees off the axis: the
		// same views give a much larger error, above the default limit.
		pin, _, err := CalibrateCamera(paths, CalibrateOptions{Cols: cols, Rows: rows, Square: square, MaxRMS: 1})
		if pin == nil {
			t.Fatalf("no pinhole result: %v", err)
		}
		t.Logf("pinhole on fisheye views: RMS %.3f px, err %v", pin.RMS, err)
		if err == nil || !strings.Contains(err.Error(), "fisheye model") || pin.RMS < 5*in.RMS {
			t.Errorf("pinhole RMS %.3f px (fisheye %.3f), err %v: want a refusal pointing to the fisheye model", pin.RMS, in.RMS, err)
		}
	})

	t.Run("undistorted is a pinhole image", func(t *testing.T) {
		const sq = 10
		flat := flatBoard(sq)
		defer flat.Close()
		// A large board off-centre: its rows bow by many pixels.
		bp := boardPose{0.45, 2.6, 0.22, 0.8, 0.1, 0.15}
		raw := bp.render(t, flat, sq)
		defer raw.Close()
		before := findBoard(t, raw)
		if before == nil {
			t.Fatal("board not found in the distorted view")
		}
		u := newUndistorter(*in)
		defer u.close()
		und, err := u.apply(raw)
		if err != nil {
			t.Fatal(err)
		}
		after := findBoard(t, und)
		if after == nil {
			t.Fatal("board not found in the undistorted view")
		}
		sb, sa := straightness(before), straightness(after)
		t.Logf("largest corner distance from its row/column line: %.2f px distorted, %.3f px undistorted", sb, sa)
		if sb < 3 || sa > 0.25 {
			t.Errorf("straightness %.2f px -> %.3f px, want >= 3 -> <= 0.25", sb, sa)
		}
		// Where the undistorted image shows each corner is where the
		// rectified camera projects it: the detector's pixels are those
		// of a pinhole camera with Rectified().
		knew, err := in.Rectified()
		if err != nil {
			t.Fatal(err)
		}
		if knew != u.knew {
			t.Errorf("Rectified() = %v, the undistorter uses %v", knew, u.knew)
		}
		r, tv := bp.pose()
		worst := 0.0
		for i, p := range boardPoints(CalibrateOptions{Cols: cols, Rows: rows, Square: square}) {
			c := r.apply([3]float64{float64(p.X), float64(p.Y), 0})
			x, y, z := c[0]+tv[0], c[1]+tv[1], c[2]+tv[2]
			pu, pv := knew[0]*x/z+knew[2], knew[4]*y/z+knew[5]
			worst = math.Max(worst, math.Hypot(float64(after[i].X)-pu, float64(after[i].Y)-pv))
		}
		t.Logf("undistorted corners vs the rectified camera's projection: worst %.3f px (scale %.3f of the lens centre)", worst, knew[0]/in.K[0])
		if worst > 0.3 {
			t.Errorf("undistorted corners up to %.2f px from the rectified camera's projection, want <= 0.3", worst)
		}
	})
}

// TestCalibrateFisheyeBadViews: what OpenCV cannot solve comes back as a
// clear error naming the view, never a crash.
func TestCalibrateFisheyeBadViews(t *testing.T) {
	obj := boardPoints(CalibrateOptions{Cols: cols, Rows: rows, Square: square})
	var views [][]gocv.Point2f
	for _, bp := range fisheyePoses() {
		views = append(views, bp.corners())
	}
	size := image.Pt(640, 480)
	o := CalibrateOptions{Cols: cols, Rows: rows, Square: square, MaxRMS: 1, Fisheye: true}
	if in, err := calibrateViews(obj, views, size, o); err != nil || in.RMS > 0.01 {
		t.Fatalf("exact projections: (%+v, %v), want RMS ~0", in, err)
	}
	if _, err := calibrateViews(obj, views[:3], size, o); err == nil || !strings.Contains(err.Error(), "need 5") {
		t.Errorf("3 views: err = %v, want 'need 5'", err)
	}
	for _, tc := range []struct {
		name  string
		spoil func(v []gocv.Point2f)
	}{
		// Every row on the first row's line: OpenCV's CHECK_COND names it.
		{"rows collapsed", func(v []gocv.Point2f) {
			for i := range v {
				v[i] = v[i%cols]
			}
		}},
		// Every column on the first column: OpenCV blames another view (its
		// intrinsics were spoiled by this one); leave-one-out finds it.
		{"columns collapsed", func(v []gocv.Point2f) {
			for i := range v {
				v[i] = v[(i/cols)*cols]
			}
		}},
		// All corners at one pixel: an assertion deep in OpenCV.
		{"one pixel", func(v []gocv.Point2f) {
			for i := range v {
				v[i] = gocv.Point2f{X: 100, Y: 100}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spoilt := append([][]gocv.Point2f{}, views...)
			spoilt[3] = append([]gocv.Point2f{}, views[3]...)
			tc.spoil(spoilt[3])
			in, err := calibrateViews(obj, spoilt, size, o)
			var bad *BadViewError
			if !errors.As(err, &bad) || bad.View != 3 || in != nil {
				t.Fatalf("(%v, %v), want no result and a BadViewError for view 3", in, err)
			}
			if !strings.Contains(err.Error(), "view 3") || !strings.Contains(err.Error(), "retake") {
				t.Errorf("error %q does not name the view or the remedy", err)
			}
		})
	}
}

// TestFisheyeOnPinholeViews documents what the fisheye model makes of a
// rectilinear lens of 50 degrees: the views do not constrain its high-order
// terms, which run off to absurd values, and the result is refused with the
// advice to use the pinhole model.
func TestFisheyeOnPinholeViews(t *testing.T) {
	paths := writeBoards(t, 8)
	in, _, err := CalibrateCamera(paths, CalibrateOptions{Cols: 9, Rows: 6, Square: 0.025, MaxRMS: 1, Fisheye: true})
	if in != nil {
		t.Logf("fisheye on pinhole views: RMS %.3f px, fx %.1f, D %.3f", in.RMS, in.K[0], in.Dist)
	}
	if err == nil || !strings.Contains(err.Error(), "without the fisheye model") {
		t.Errorf("err = %v, want a refusal advising the pinhole model", err)
	}
}

func TestIntrinsicsValidateModels(t *testing.T) {
	k := [9]float64{500, 0, 320, 0, 500, 240, 0, 0, 1}
	for _, tc := range []struct {
		model string
		n     int
		ok    bool
	}{
		{ModelPinhole, 4, true}, {ModelPinhole, 5, true}, {ModelPinhole, 8, true}, {ModelPinhole, 3, false},
		{ModelFisheye, 4, true}, {ModelFisheye, 5, false}, {ModelFisheye, 0, false},
		{"", 5, false}, {"equirect", 4, false},
	} {
		in := Intrinsics{Model: tc.model, Width: 640, Height: 480, K: k, Dist: make([]float64, tc.n)}
		if err := in.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s with %d coefficients: Validate() = %v, want ok %v", tc.model, tc.n, err, tc.ok)
		}
	}
	skew := Intrinsics{Model: ModelFisheye, Width: 640, Height: 480, K: k, Dist: make([]float64, 4)}
	skew.K[3] = 1
	if skew.Validate() == nil {
		t.Error("a camera matrix with K[1][0] = 1 accepted")
	}
}

// TestDetectorSwitchesLensModel: the same K and coefficients read as a
// fisheye lens undistort differently from a pinhole one, so switching the
// model (or the balance) must rebuild the detector's maps.
func TestDetectorSwitchesLensModel(t *testing.T) {
	f := simFrame(t, 1280, 720)
	pin := Intrinsics{Model: ModelPinhole, Width: 1280, Height: 720, K: [9]float64{1000, 0, 640, 0, 1000, 360, 0, 0, 1}, Dist: []float64{0, 0, 0, 0}}
	d, err := NewDetector(defaultVision(), DetectorOptions{Table: f.Truth.Table, Calibration: &Calibration{Camera: &pin}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var det model.Detection
	if err := d.Detect(f, &det); err != nil || det.Table == nil {
		t.Fatalf("pinhole identity: table %v, err %v", det.Table, err)
	}
	before := det.Table.Corners
	fish := pin
	fish.Model = ModelFisheye
	if err := d.SetCalibration(&Calibration{Camera: &fish}); err != nil {
		t.Fatal(err)
	}
	if err := d.Detect(f, &det); err != nil {
		t.Fatal(err)
	}
	// An equidistant lens read into a rectilinear image at balance 1:
	// the centre shrinks (scale 0.86), so the corners move inwards.
	knew, err := fish.Rectified()
	if err != nil {
		t.Fatal(err)
	}
	if det.Table != nil && cornerShift(before, det.Table.Corners) < 5 {
		t.Errorf("fisheye model (new focal %.0f): corners %v, as with the pinhole model: the maps were not rebuilt", knew[0], det.Table.Corners)
	}
	if d.und == nil || d.und.knew != knew {
		t.Errorf("undistorter camera %v, want Rectified() %v", d.und.knew, knew)
	}
	half := 0.5
	fish.Balance = &half
	d.SetCalibration(&Calibration{Camera: &fish})
	d.Detect(f, &det)
	if want, _ := fish.Rectified(); d.und.knew != want || want == knew {
		t.Errorf("balance 0.5: undistorter camera %v, want %v (not %v)", d.und.knew, want, knew)
	}
}

// TestDetectorUndistort: what Detect reports through a lens matches what
// Undistort shows: a lens-free detector run on the undistorted frame finds
// the table where the lensed detector said it was.
func TestDetectorUndistort(t *testing.T) {
	f := simFrame(t, 1280, 720)
	// A mild fisheye reading of the simulator's (rectilinear) frame: the
	// undistorted image differs from the raw one by up to tens of pixels.
	fish := Intrinsics{Model: ModelFisheye, Width: 1280, Height: 720, K: [9]float64{1400, 0, 640, 0, 1400, 360, 0, 0, 1}, Dist: []float64{0, 0, 0, 0}}
	lensed, err := NewDetector(defaultVision(), DetectorOptions{Table: f.Truth.Table, Calibration: &Calibration{Camera: &fish}})
	if err != nil {
		t.Fatal(err)
	}
	defer lensed.Close()
	var det model.Detection
	if err := lensed.Detect(f, &det); err != nil || det.Table == nil {
		t.Fatalf("lensed: table %v, err %v", det.Table, err)
	}
	var und model.Frame
	if err := lensed.Undistort(f, &und); err != nil {
		t.Fatal(err)
	}
	if und.Width != f.Width || und.Height != f.Height || und.Seq != f.Seq || und.Truth != nil {
		t.Fatalf("undistorted frame %dx%d seq %d truth %v, want %dx%d seq %d, no truth", und.Width, und.Height, und.Seq, und.Truth, f.Width, f.Height, f.Seq)
	}
	if moved := cornerShift(det.Table.Corners, f.Truth.Corners); moved < 5 {
		t.Fatalf("corners moved %.1f px through the lens: the test lens does nothing", moved)
	}
	plain, err := NewDetector(defaultVision(), DetectorOptions{Table: f.Truth.Table})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	var det2 model.Detection
	if err := plain.Detect(&und, &det2); err != nil || det2.Table == nil {
		t.Fatalf("on the undistorted frame: table %v, err %v", det2.Table, err)
	}
	t.Logf("table corners moved up to %.1f px by the lens; lensed detection and detection on the undistorted frame agree within %.3f px",
		cornerShift(det.Table.Corners, f.Truth.Corners), cornerShift(det.Table.Corners, det2.Table.Corners))
	if d := cornerShift(det.Table.Corners, det2.Table.Corners); d > 0.5 {
		t.Errorf("corners %v through the lens, %v on the undistorted frame: %.2f px apart", det.Table.Corners, det2.Table.Corners, d)
	}
	// Without a lens Undistort is a copy, truth included.
	var cp model.Frame
	if err := plain.Undistort(f, &cp); err != nil || string(cp.Pix) != string(f.Pix) || cp.Truth != f.Truth {
		t.Errorf("no lens: Undistort changed the frame (err %v)", err)
	}
}

// TestDetectThroughSimulatedFisheye runs detection end to end on simulator
// frames seen through a fisheye lens: with the lens's intrinsics installed
// the balls' table positions match the truth; without them they do not.
func TestDetectThroughSimulatedFisheye(t *testing.T) {
	k := [9]float64{760, 0, 646, 0, 760, 354, 0, 0, 1}
	d := [4]float64{0.02, -0.01, 0.004, -0.001}
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 30, Scenario: "still", Seed: 3, NoiseSigma: 2, Unpaced: true})
	defer s.Close()
	if err := s.SetFisheye(k, d); err != nil {
		t.Fatal(err)
	}
	var f model.Frame
	s.Render(&f, time.Unix(0, 0))
	in := Intrinsics{Model: ModelFisheye, Width: 1280, Height: 720, K: k, Dist: d[:]}
	posErr := func(cal *Calibration) (median, worst float64, found int) {
		det, err := NewDetector(defaultVision(), DetectorOptions{Table: f.Truth.Table, Calibration: cal})
		if err != nil {
			t.Fatal(err)
		}
		defer det.Close()
		var out model.Detection
		if err := det.Detect(&f, &out); err != nil {
			t.Fatal(err)
		}
		var errs []float64
		for _, b := range f.Truth.Balls {
			if b.Pocketed {
				continue
			}
			best := math.Inf(1)
			for _, o := range out.Balls {
				if o.Pos != nil {
					best = math.Min(best, math.Hypot(o.Pos.X-b.Pos.X, o.Pos.Y-b.Pos.Y))
				}
			}
			errs = append(errs, best)
			if best < model.BallRadius {
				found++
			}
		}
		sort.Float64s(errs)
		return errs[len(errs)/2], errs[len(errs)-1], found
	}
	med, worst, found := posErr(&Calibration{Camera: &in})
	bmed, bworst, bfound := posErr(nil)
	t.Logf("through the lens, %d balls: with its intrinsics %d found, median %.1f mm, worst %.1f mm; without: %d found, median %.1f mm, worst %.1f mm",
		len(f.Truth.Balls), found, med*1000, worst*1000, bfound, bmed*1000, bworst*1000)
	if found < len(f.Truth.Balls)-1 || med > 0.003 || worst > 0.01 {
		t.Errorf("with the lens model: %d found, median %.1f mm, worst %.1f mm; want all but one, <= 3 mm, <= 10 mm", found, med*1000, worst*1000)
	}
	if bworst < 2*worst {
		t.Errorf("without the lens model the worst error %.1f mm is not worse than with it (%.1f mm): the lens does nothing", bworst*1000, worst*1000)
	}
}
