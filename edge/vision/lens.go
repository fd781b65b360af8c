package vision

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// CalibrateOptions describe a chessboard calibration.
type CalibrateOptions struct {
	Cols, Rows int     // inner corners per row and per column (9x6 board: 9, 6)
	Square     float64 // square side, metres (only scales the extrinsics)
	MaxRMS     float64 // refuse above this reprojection error, pixels
	MinViews   int     // boards that must be found; default 5
	// Fisheye solves the fisheye model (cv::fisheye: k1..k4 on the angle
	// from the axis) instead of the pinhole one (k1 k2 p1 p2 k3 on the
	// radius). Lenses wider than about 120 degrees diagonal need it.
	Fisheye bool
}

// CalibrateCamera computes lens intrinsics from images of a chessboard:
// the pinhole model (k1 k2 p1 p2 k3), or with o.Fisheye the fisheye model
// (k1 k2 k3 k4). It returns the intrinsics and, per image, whether the
// board was found. A result whose RMS reprojection error exceeds MaxRMS is
// returned together with an error: the caller must not save it.
func CalibrateCamera(paths []string, o CalibrateOptions) (*Intrinsics, []bool, error) {
	if o.Cols < 3 || o.Rows < 3 {
		return nil, nil, fmt.Errorf("vision: calibrate: pattern %dx%d too small (inner corners, e.g. 9x6)", o.Cols, o.Rows)
	}
	if o.MinViews == 0 {
		o.MinViews = 5
	}
	if o.Square <= 0 {
		o.Square = 0.025
	}
	obj := boardPoints(o)
	found := make([]bool, len(paths))
	var (
		size  image.Point
		views [][]gocv.Point2f
		from  []string // views[i] came from from[i]
	)
	corners := gocv.NewMat()
	defer corners.Close()
	crit := gocv.NewTermCriteria(gocv.Count|gocv.EPS, 30, 0.01)
	for i, p := range paths {
		m := gocv.NewMat()
		if err := decodeImageFile(p, gocv.IMReadGrayScale, &m); err != nil {
			m.Close()
			return nil, found, fmt.Errorf("vision: calibrate: %w", err)
		}
		sz := image.Pt(m.Cols(), m.Rows())
		if size != (image.Point{}) && sz != size {
			m.Close()
			return nil, found, fmt.Errorf("vision: calibrate: %s is %dx%d, the others %dx%d (one camera mode per calibration)", p, sz.X, sz.Y, size.X, size.Y)
		}
		size = sz
		ok := gocv.FindChessboardCorners(m, image.Pt(o.Cols, o.Rows), &corners, gocv.CalibCBAdaptiveThresh|gocv.CalibCBNormalizeImage)
		if ok {
			iv := gocv.NewPoint2fVectorFromMat(corners)
			win := subPixWindow(iv.ToPoints(), o.Cols)
			iv.Close()
			gocv.CornerSubPix(m, &corners, image.Pt(win, win), image.Pt(-1, -1), crit)
			iv = gocv.NewPoint2fVectorFromMat(corners)
			views = append(views, iv.ToPoints())
			iv.Close()
			from = append(from, p)
			found[i] = true
		}
		m.Close()
	}
	if len(views) < o.MinViews {
		return nil, found, fmt.Errorf("vision: calibrate: board found in %d of %d images, need %d (whole board in view, sharp, varied angles)", len(views), len(paths), o.MinViews)
	}
	in, err := calibrateViews(obj, views, size, o)
	var bad *BadViewError
	if errors.As(err, &bad) && bad.View < len(from) {
		bad.Path = from[bad.View]
	}
	return in, found, err
}

// subPixWindow is cornerSubPix's half window for a board whose coarse
// corners are pts: 11 (OpenCV's usual), shrunk to under half the smallest
// square so that the window never reaches a neighbouring corner, which
// pulls the refined corner off (squares shrink towards a fisheye lens's
// edge). At least 3.
func subPixWindow(pts []gocv.Point2f, cols int) int {
	minSide := math.Inf(1)
	for i, p := range pts {
		for _, j := range []int{i + 1, i + cols} {
			if j >= len(pts) || (j == i+1 && j%cols == 0) {
				continue
			}
			minSide = math.Min(minSide, math.Hypot(float64(pts[j].X-p.X), float64(pts[j].Y-p.Y)))
		}
	}
	return max(3, min(11, int(minSide/2)-1))
}

// boardPoints are the chessboard's inner corners in metres on z = 0, in
// findChessboardCorners' order (row after row).
func boardPoints(o CalibrateOptions) []gocv.Point3f {
	obj := make([]gocv.Point3f, 0, o.Cols*o.Rows)
	for r := 0; r < o.Rows; r++ {
		for c := 0; c < o.Cols; c++ {
			obj = append(obj, gocv.Point3f{X: float32(float64(c) * o.Square), Y: float32(float64(r) * o.Square)})
		}
	}
	return obj
}

// calibrateViews solves the model o asks for from the board's corners
// found in each view of an image of the given size, then applies the same
// acceptance rules to both models: usable intrinsics, RMS within MaxRMS.
func calibrateViews(obj []gocv.Point3f, views [][]gocv.Point2f, size image.Point, o CalibrateOptions) (*Intrinsics, error) {
	if o.MinViews == 0 {
		o.MinViews = 5
	}
	if len(views) < o.MinViews {
		return nil, fmt.Errorf("vision: calibrate: %d views with a board, need %d (whole board in view, sharp, varied angles)", len(views), o.MinViews)
	}
	in := &Intrinsics{Width: size.X, Height: size.Y, Views: len(views)}
	if o.Fisheye {
		k, d, rms, err := fisheyeCalibrateViews(obj, views, size)
		if err != nil {
			return nil, err
		}
		in.Model, in.K, in.Dist, in.RMS = ModelFisheye, k, d[:], rms
	} else {
		in.Model = ModelPinhole
		objs := gocv.NewPoints3fVector()
		defer objs.Close()
		imgs := gocv.NewPoints2fVector()
		defer imgs.Close()
		for _, v := range views {
			ov := gocv.NewPoint3fVectorFromPoints(obj)
			iv := gocv.NewPoint2fVectorFromPoints(v)
			objs.Append(ov)
			imgs.Append(iv)
			ov.Close()
			iv.Close()
		}
		k := gocv.NewMat()
		defer k.Close()
		dist := gocv.NewMat()
		defer dist.Close()
		rv, tv := gocv.NewMat(), gocv.NewMat()
		defer rv.Close()
		defer tv.Close()
		in.RMS = gocv.CalibrateCamera(objs, imgs, size, &k, &dist, &rv, &tv, 0)
		for i := 0; i < 9; i++ {
			in.K[i] = k.GetDoubleAt(i/3, i%3)
		}
		for i := 0; i < int(dist.Total()); i++ {
			in.Dist = append(in.Dist, dist.GetDoubleAt(0, i))
		}
	}
	if err := in.Validate(); err != nil {
		if o.Fisheye {
			// A narrow lens leaves the high-order terms unconstrained.
			return in, fmt.Errorf("%w; refused (a lens this narrow is better calibrated without the fisheye model)", err)
		}
		return in, err
	}
	if o.MaxRMS > 0 && in.RMS > o.MaxRMS {
		hint := "more and sharper views, a flat board, or a measured square size"
		if !o.Fisheye {
			hint += "; a lens wider than about 120 degrees needs the fisheye model"
		}
		return in, fmt.Errorf("vision: calibrate: %s RMS reprojection error %.3f px is above %.3f px; refused (%s)", in.Model, in.RMS, o.MaxRMS, hint)
	}
	return in, nil
}

// Lens models of Intrinsics.Model.
const (
	ModelPinhole = "pinhole" // Dist: k1 k2 p1 p2 [k3 [k4 k5 k6]] (cv::calibrateCamera)
	ModelFisheye = "fisheye" // Dist: k1 k2 k3 k4 (cv::fisheye)
)

// Validate checks intrinsics are usable.
func (in *Intrinsics) Validate() error {
	n := len(in.Dist)
	switch in.Model {
	case ModelPinhole:
		if n != 4 && n != 5 && n != 8 {
			return fmt.Errorf("vision: intrinsics: pinhole with %d distortion coefficients (want 4, 5 or 8: k1 k2 p1 p2 [k3 [k4 k5 k6]])", n)
		}
	case ModelFisheye:
		if n != 4 {
			return fmt.Errorf("vision: intrinsics: fisheye with %d distortion coefficients (want 4: k1 k2 k3 k4)", n)
		}
	default:
		return fmt.Errorf("vision: intrinsics: model %q not supported (pinhole or fisheye)", in.Model)
	}
	if in.Width <= 0 || in.Height <= 0 {
		return fmt.Errorf("vision: intrinsics: image size %dx%d", in.Width, in.Height)
	}
	fx, fy, cx, cy := in.K[0], in.K[4], in.K[2], in.K[5]
	if !(fx > 0 && fy > 0 && cx > 0 && cy > 0 && cx < float64(in.Width) && cy < float64(in.Height)) || in.K[8] != 1 ||
		in.K[3] != 0 || in.K[6] != 0 || in.K[7] != 0 || math.IsInf(fx, 0) || math.IsInf(fy, 0) {
		return fmt.Errorf("vision: intrinsics: camera matrix %v is not a camera's", in.K)
	}
	for _, d := range in.Dist {
		if math.IsNaN(d) || math.Abs(d) > 100 {
			return fmt.Errorf("vision: intrinsics: distortion %v out of range", in.Dist)
		}
	}
	if in.Balance != nil {
		if in.Model != ModelFisheye {
			return fmt.Errorf("vision: intrinsics: balance is for the fisheye model, not %s", in.Model)
		}
		if b := *in.Balance; !(b >= 0 && b <= 1) {
			return fmt.Errorf("vision: intrinsics: balance %v outside 0..1", b)
		}
	}
	return nil
}

// balance is the fisheye undistortion's balance: Balance, else
// defaultFisheyeBalance.
func (in *Intrinsics) balance() float64 {
	if in.Balance != nil {
		return *in.Balance
	}
	return defaultFisheyeBalance
}

// sameIntrinsics says a and b undistort alike (the detector rebuilds its
// maps when they do not).
func sameIntrinsics(a, b *Intrinsics) bool {
	if a.Model != b.Model || a.K != b.K || a.Width != b.Width || a.Height != b.Height || len(a.Dist) != len(b.Dist) || a.balance() != b.balance() {
		return false
	}
	for i := range a.Dist {
		if a.Dist[i] != b.Dist[i] {
			return false
		}
	}
	return true
}

// Rectified is the camera matrix of the undistorted image the detector
// works in when these intrinsics are installed, so the pixels it reports
// map to rays through its inverse. For the pinhole model it is K itself
// (undistortion keeps the scale at the centre). For the fisheye model a
// rectilinear image cannot hold the whole view (90 degrees off the axis is
// infinitely far), so cv::fisheye::estimateNewCameraMatrixForUndistortRectify
// chooses it from Balance: at 1 (the default) the middle of every frame
// edge stays in view, so a table framed by the camera stays in the
// undistorted image, paid for with scale at the centre (0.54 for a
// 126-degree-wide lens); lower values zoom in and crop the edges.
func (in *Intrinsics) Rectified() ([9]float64, error) {
	if err := in.Validate(); err != nil {
		return [9]float64{}, err
	}
	if in.Model != ModelFisheye {
		return in.K, nil
	}
	var d [4]float64
	copy(d[:], in.Dist)
	return fisheyeNewCamera(in.K, d, image.Pt(in.Width, in.Height), in.balance())
}

// Undistort writes into dst (reusing dst.Pix) the frame src as the
// detector sees it: remapped through the calibration's lens, so the pixels
// Detect reports land on what they describe (overlays, the video stream,
// debug images). Without a lens model dst is a copy of src. dst.Truth is
// src's only then: the simulator's truth pixels are raw-frame pixels. Call
// it from the goroutine that calls Detect: it shares the detector's buffers.
func (d *Detector) Undistort(src, dst *model.Frame) error {
	if d.tf == nil {
		return errors.New("vision: undistort: detector is closed")
	}
	m, err := d.frame.load(src)
	if err != nil {
		return err
	}
	dst.Truth = src.Truth
	if u := d.lens(); u != nil {
		if m, err = u.apply(m); err != nil {
			return err
		}
		dst.Truth = nil
	}
	dst.Seq, dst.Captured = src.Seq, src.Captured
	return matToFrame(m, nil, dst) // 3 channels: the scratch Mat is not used
}

// undistorter remaps frames through a lens model. Coordinates the detector
// reports are then in the undistorted image: same size, camera matrix knew
// (the calibration's K for a pinhole lens; for a fisheye lens, see
// fisheyeBalance). Intrinsics.Rectified gives knew to anyone mapping those
// pixels back to rays.
type undistorter struct {
	in         Intrinsics
	knew       [9]float64
	map1, map2 gocv.Mat
	out        gocv.Mat
	// err is why the maps could not be built; apply returns it for every
	// frame, so a bad lens model is a visible failure, not a silent one.
	err error
}

func newUndistorter(in Intrinsics) *undistorter {
	// Own copies: the caller's calibration may be edited after this, and
	// sameIntrinsics compares against what the maps were built from.
	in.Dist = append([]float64(nil), in.Dist...)
	if in.Balance != nil {
		b := *in.Balance
		in.Balance = &b
	}
	size := image.Pt(in.Width, in.Height)
	u := &undistorter{in: in, out: gocv.NewMat()}
	// CV_16SC2 + CV_16UC1 fixed-point maps: the fastest remap OpenCV has.
	u.map1 = gocv.NewMatWithSize(in.Height, in.Width, gocv.MatTypeCV16SC2)
	u.map2 = gocv.NewMatWithSize(in.Height, in.Width, gocv.MatTypeCV16UC1)
	if in.Model == ModelFisheye {
		var d [4]float64
		copy(d[:], in.Dist)
		if u.knew, u.err = fisheyeNewCamera(in.K, d, size, in.balance()); u.err == nil {
			u.err = fisheyeMaps(in.K, d, u.knew, size, &u.map1, &u.map2)
		}
		return u
	}
	u.knew = in.K
	k := gocv.NewMatWithSize(3, 3, gocv.MatTypeCV64F)
	defer k.Close()
	for i := 0; i < 9; i++ {
		k.SetDoubleAt(i/3, i%3, in.K[i])
	}
	d := gocv.NewMatWithSize(1, len(in.Dist), gocv.MatTypeCV64F)
	defer d.Close()
	for i, v := range in.Dist {
		d.SetDoubleAt(0, i, v)
	}
	r := gocv.NewMat()
	defer r.Close()
	gocv.InitUndistortRectifyMap(k, d, r, k, size, int(gocv.MatTypeCV16SC2), u.map1, u.map2)
	return u
}

func (u *undistorter) apply(src gocv.Mat) (gocv.Mat, error) {
	if u.err != nil {
		return src, u.err
	}
	if src.Cols() != u.in.Width || src.Rows() != u.in.Height {
		return src, fmt.Errorf("vision: undistort: frame %dx%d, calibration is for %dx%d (recalibrate for this camera mode)", src.Cols(), src.Rows(), u.in.Width, u.in.Height)
	}
	gocv.Remap(src, &u.out, &u.map1, &u.map2, gocv.InterpolationLinear, gocv.BorderConstant, colorBlack)
	return u.out, nil
}

func (u *undistorter) close() {
	u.map1.Close()
	u.map2.Close()
	u.out.Close()
}

var colorBlack = color.RGBA{}
