package vision

/*
#include "fisheye.h"
*/
import "C"

import (
	"fmt"
	"image"
	"math"
	"unsafe"

	"gocv.io/x/gocv"
)

// defaultFisheyeBalance is Intrinsics.Balance when absent: see
// Intrinsics.Rectified.
const defaultFisheyeBalance = 1.0

// The fisheye solver's stopping rule: OpenCV's default iteration count with
// a relative parameter change far below a pixel's worth.
const (
	fisheyeMaxIter = 100
	fisheyeEps     = 1e-10
)

// BadViewError names the one view without which the fisheye solve
// succeeds: cv::fisheye::calibrate (CALIB_CHECK_COND) found the board's pose
// there ill-conditioned, or its corners degenerate. Usually a board seen
// nearly edge-on, very small, or with its corners found wrongly.
type BadViewError struct {
	View int    // index among the views with a board found
	Path string // the image it came from, when known
	Msg  string // OpenCV's message
}

func (e *BadViewError) Error() string {
	what := fmt.Sprintf("view %d", e.View)
	if e.Path != "" {
		what = e.Path
	}
	return fmt.Sprintf("vision: calibrate fisheye: %s is ill-conditioned (OpenCV: %s); drop that image, or retake it with the whole board sharp, larger, and tilted a little differently", what, e.Msg)
}

// maxBlameViews bounds the leave-one-out search for a bad view: each try is
// one more solve (about 30 ms for 12 views of 54 corners here).
const maxBlameViews = 100

// fisheyeCalibrateViews solves the fisheye model and, when OpenCV fails,
// finds the view to blame by solving without it: OpenCV's own index is
// tried first, but it is not always the culprit (a degenerate view can
// spoil the intrinsics so that another view's pose fails the check).
func fisheyeCalibrateViews(board []gocv.Point3f, views [][]gocv.Point2f, size image.Point) (k [9]float64, d [4]float64, rms float64, err error) {
	k, d, rms, named, err := fisheyeCalibrate(board, views, size)
	if err == nil || len(views) < 4 || len(views) > maxBlameViews {
		return k, d, rms, err
	}
	order := make([]int, 0, len(views))
	if named >= 0 {
		order = append(order, named)
	}
	for i := range views {
		if i != named {
			order = append(order, i)
		}
	}
	rest := make([][]gocv.Point2f, 0, len(views)-1)
	for _, i := range order {
		rest = append(append(rest[:0], views[:i]...), views[i+1:]...)
		if _, _, _, _, e := fisheyeCalibrate(board, rest, size); e == nil {
			return k, d, 0, &BadViewError{View: i, Msg: opencvMessage(err)}
		}
	}
	return k, d, 0, err
}

// solveError is a failed cv::fisheye::calibrate with OpenCV's message.
type solveError struct{ msg string }

func (e *solveError) Error() string {
	return fmt.Sprintf("vision: calibrate fisheye: cv::fisheye::calibrate: %s (more views, the whole board sharp in each)", e.msg)
}

func opencvMessage(err error) string {
	if se, ok := err.(*solveError); ok {
		return se.msg
	}
	return err.Error()
}

// fisheyeCalibrate solves the fisheye model (k1..k4, no skew) for views of
// one board. An OpenCV failure comes back as a *solveError, never a panic,
// with named the view OpenCV called ill-conditioned (else -1).
func fisheyeCalibrate(board []gocv.Point3f, views [][]gocv.Point2f, size image.Point) (k [9]float64, d [4]float64, rms float64, named int, err error) {
	named = -1
	if len(board) == 0 || len(views) == 0 {
		return k, d, 0, named, fmt.Errorf("vision: calibrate fisheye: %d views of %d points", len(views), len(board))
	}
	obj := make([]float64, 0, 3*len(board))
	for _, p := range board {
		obj = append(obj, float64(p.X), float64(p.Y), float64(p.Z))
	}
	img := make([]float64, 0, 2*len(board)*len(views))
	for i, v := range views {
		if len(v) != len(board) {
			return k, d, 0, named, fmt.Errorf("vision: calibrate fisheye: view %d has %d points, the board %d", i, len(v), len(board))
		}
		for _, p := range v {
			img = append(img, float64(p.X), float64(p.Y))
		}
	}
	var (
		bad  C.int
		crms C.double
		msg  [512]byte
	)
	// Go memory passed for the call's duration only, holding no pointers:
	// within the cgo rules.
	rc := C.cuecastFisheyeCalibrate((*C.double)(unsafe.Pointer(&obj[0])), C.int(len(board)),
		(*C.double)(unsafe.Pointer(&img[0])), C.int(len(views)), C.int(size.X), C.int(size.Y),
		C.int(fisheyeMaxIter), C.double(fisheyeEps),
		(*C.double)(unsafe.Pointer(&k[0])), (*C.double)(unsafe.Pointer(&d[0])), &crms, &bad,
		(*C.char)(unsafe.Pointer(&msg[0])), C.int(len(msg)))
	if rc != 0 {
		return k, d, 0, int(bad), &solveError{msg: cString(msg[:])}
	}
	return k, d, float64(crms), named, nil
}

// fisheyeNewCamera is the camera matrix of the undistorted image for the
// lens (k, d) at the given balance: see Intrinsics.Rectified.
func fisheyeNewCamera(k [9]float64, d [4]float64, size image.Point, balance float64) ([9]float64, error) {
	var knew [9]float64
	var msg [512]byte
	rc := C.cuecastFisheyeNewCamera((*C.double)(unsafe.Pointer(&k[0])), (*C.double)(unsafe.Pointer(&d[0])),
		C.int(size.X), C.int(size.Y), C.double(balance), (*C.double)(unsafe.Pointer(&knew[0])),
		(*C.char)(unsafe.Pointer(&msg[0])), C.int(len(msg)))
	if rc != 0 {
		return knew, fmt.Errorf("vision: undistort fisheye: estimateNewCameraMatrixForUndistortRectify: %s (recalibrate the camera)", cString(msg[:]))
	}
	for _, v := range knew {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return knew, fmt.Errorf("vision: undistort fisheye: new camera matrix %v is not finite (recalibrate the camera)", knew)
		}
	}
	return knew, nil
}

// fisheyeMaps fills map1 (CV_16SC2) and map2 (CV_16UC1), both already
// allocated at the image size, with the remap from the lens (k, d) into the
// camera knew. The Mats' C memory is written in place.
func fisheyeMaps(k [9]float64, d [4]float64, knew [9]float64, size image.Point, map1, map2 *gocv.Mat) error {
	p1, err := map1.DataPtrInt16()
	if err != nil {
		return fmt.Errorf("vision: undistort fisheye: map1: %w", err)
	}
	p2, err := map2.DataPtrUint16()
	if err != nil {
		return fmt.Errorf("vision: undistort fisheye: map2: %w", err)
	}
	if len(p1) != 2*size.X*size.Y || len(p2) != size.X*size.Y {
		return fmt.Errorf("vision: undistort fisheye: maps of %d and %d cells for %dx%d", len(p1), len(p2), size.X, size.Y)
	}
	var msg [512]byte
	rc := C.cuecastFisheyeMaps((*C.double)(unsafe.Pointer(&k[0])), (*C.double)(unsafe.Pointer(&d[0])),
		(*C.double)(unsafe.Pointer(&knew[0])), C.int(size.X), C.int(size.Y),
		(*C.int16_t)(unsafe.Pointer(&p1[0])), (*C.uint16_t)(unsafe.Pointer(&p2[0])),
		(*C.char)(unsafe.Pointer(&msg[0])), C.int(len(msg)))
	if rc != 0 {
		return fmt.Errorf("vision: undistort fisheye: initUndistortRectifyMap: %s (recalibrate the camera)", cString(msg[:]))
	}
	return nil
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
