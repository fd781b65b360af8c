package vision

/*
#cgo !windows,!customenv pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include "distance.h"
*/
import "C"

import (
	"errors"
	"unsafe"

	"gocv.io/x/gocv"
)

// distanceL2 is the Euclidean distance transform (5x5 mask) of an 8-bit
// mask into a float32 Mat. gocv v0.31 only wraps the variant that also
// labels the nearest zero pixel (a Voronoi pass that doubles the cost:
// 0.42 against 0.22 ms for the rectified table here), hence this bridge.
func distanceL2(src gocv.Mat, dst *gocv.Mat) error {
	if C.cuecastDistanceL2(unsafe.Pointer(src.Ptr()), unsafe.Pointer(dst.Ptr())) != 0 {
		return errors.New("vision: distanceTransform failed")
	}
	return nil
}
