package vision

/*
#cgo !windows,!customenv pkg-config: opencv4
#cgo CXXFLAGS: --std=c++11
#include "threads.h"
*/
import "C"

// SetThreads sets how many threads OpenCV's parallel loops use, process-wide.
// gocv v0.31 does not wrap cv::setNumThreads, hence this bridge. n <= 0
// leaves OpenCV's default (all cores), which the box avoids: the vision loop
// shares two cores with the hub, the WebSocket writers and the encoder.
func SetThreads(n int) {
	if n > 0 {
		C.cuecastSetNumThreads(C.int(n))
	}
}

// Threads reports OpenCV's current thread count.
func Threads() int { return int(C.cuecastGetNumThreads()) }
