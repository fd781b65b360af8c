package vision

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"

	"gocv.io/x/gocv"
)

// CalibrateOptions describe a chessboard calibration.
type CalibrateOptions struct {
	Cols, Rows int     // inner corners per row and per column (9x6 board: 9, 6)
	Square     float64 // square side, metres (only scales the extrinsics)
	MaxRMS     float64 // refuse above this reprojection error, pixels
	MinViews   int     // boards that must be found; default 5
}

// ErrFisheyeUnsupported: gocv v0.31 wraps cv::fisheye's undistortion but not
// cv::fisheye::calibrate, so the box cannot compute a fisheye model.
var ErrFisheyeUnsupported = errors.New("vision: calibrate: the fisheye model needs cv::fisheye::calibrate, which gocv v0.31 does not wrap; use the pinhole model (good to about 120 degrees diagonal)")

// CalibrateCamera computes pinhole intrinsics (k1 k2 p1 p2 k3) from images
// of a chessboard. It returns the intrinsics and, per image, whether the
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
	obj := make([]gocv.Point3f, 0, o.Cols*o.Rows)
	for r := 0; r < o.Rows; r++ {
		for c := 0; c < o.Cols; c++ {
			obj = append(obj, gocv.Point3f{X: float32(float64(c) * o.Square), Y: float32(float64(r) * o.Square)})
		}
	}
	objs := gocv.NewPoints3fVector()
	defer objs.Close()
	imgs := gocv.NewPoints2fVector()
	defer imgs.Close()
	found := make([]bool, len(paths))
	var size image.Point
	views := 0
	grey := gocv.NewMat()
	defer grey.Close()
	corners := gocv.NewMat()
	defer corners.Close()
	crit := gocv.NewTermCriteria(gocv.Count|gocv.EPS, 30, 0.01)
	for i, p := range paths {
		m := gocv.IMRead(p, gocv.IMReadGrayScale)
		if m.Empty() {
			m.Close()
			return nil, found, fmt.Errorf("vision: calibrate: cannot read %s", p)
		}
		sz := image.Pt(m.Cols(), m.Rows())
		if size != (image.Point{}) && sz != size {
			m.Close()
			return nil, found, fmt.Errorf("vision: calibrate: %s is %dx%d, the others %dx%d (one camera mode per calibration)", p, sz.X, sz.Y, size.X, size.Y)
		}
		size = sz
		ok := gocv.FindChessboardCorners(m, image.Pt(o.Cols, o.Rows), &corners, gocv.CalibCBAdaptiveThresh|gocv.CalibCBNormalizeImage)
		if ok {
			gocv.CornerSubPix(m, &corners, image.Pt(11, 11), image.Pt(-1, -1), crit)
			ov := gocv.NewPoint3fVectorFromPoints(obj)
			iv := gocv.NewPoint2fVectorFromMat(corners)
			objs.Append(ov)
			imgs.Append(iv)
			ov.Close()
			iv.Close()
			views++
			found[i] = true
		}
		m.Close()
	}
	if views < o.MinViews {
		return nil, found, fmt.Errorf("vision: calibrate: board found in %d of %d images, need %d (whole board in view, sharp, varied angles)", views, len(paths), o.MinViews)
	}
	k := gocv.NewMat()
	defer k.Close()
	dist := gocv.NewMat()
	defer dist.Close()
	rv, tv := gocv.NewMat(), gocv.NewMat()
	defer rv.Close()
	defer tv.Close()
	rms := gocv.CalibrateCamera(objs, imgs, size, &k, &dist, &rv, &tv, 0)
	in := &Intrinsics{Model: "pinhole", Width: size.X, Height: size.Y, RMS: rms, Views: views}
	for i := 0; i < 9; i++ {
		in.K[i] = k.GetDoubleAt(i/3, i%3)
	}
	for i := 0; i < int(dist.Total()); i++ {
		in.Dist = append(in.Dist, dist.GetDoubleAt(0, i))
	}
	if err := in.Validate(); err != nil {
		return in, found, err
	}
	if o.MaxRMS > 0 && rms > o.MaxRMS {
		return in, found, fmt.Errorf("vision: calibrate: RMS reprojection error %.3f px is above %.3f px; refused (more and sharper views, a flat board, or a measured square size)", rms, o.MaxRMS)
	}
	return in, found, nil
}

// Validate checks intrinsics are usable.
func (in *Intrinsics) Validate() error {
	if in.Model != "pinhole" {
		return fmt.Errorf("vision: intrinsics: model %q not supported (pinhole)", in.Model)
	}
	if in.Width <= 0 || in.Height <= 0 {
		return fmt.Errorf("vision: intrinsics: image size %dx%d", in.Width, in.Height)
	}
	fx, fy, cx, cy := in.K[0], in.K[4], in.K[2], in.K[5]
	if !(fx > 0 && fy > 0 && cx > 0 && cy > 0 && cx < float64(in.Width) && cy < float64(in.Height)) || in.K[8] != 1 {
		return fmt.Errorf("vision: intrinsics: camera matrix %v is not a camera's", in.K)
	}
	if n := len(in.Dist); n != 4 && n != 5 && n != 8 {
		return fmt.Errorf("vision: intrinsics: %d distortion coefficients (want 4, 5 or 8)", n)
	}
	for _, d := range in.Dist {
		if math.IsNaN(d) || math.Abs(d) > 100 {
			return fmt.Errorf("vision: intrinsics: distortion %v out of range", in.Dist)
		}
	}
	return nil
}

// undistorter remaps frames through a lens model. Coordinates the detector
// reports are then in the undistorted image (same size and camera matrix).
type undistorter struct {
	in         Intrinsics
	map1, map2 gocv.Mat
	out        gocv.Mat
}

func newUndistorter(in Intrinsics) *undistorter {
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
	u := &undistorter{in: in, map1: gocv.NewMat(), map2: gocv.NewMat(), out: gocv.NewMat()}
	// CV_16SC2 fixed-point maps: the fastest remap OpenCV has.
	gocv.InitUndistortRectifyMap(k, d, r, k, image.Pt(in.Width, in.Height), int(gocv.MatTypeCV16SC2), u.map1, u.map2)
	return u
}

func (u *undistorter) apply(src gocv.Mat) (gocv.Mat, error) {
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
