package vision

/*
#cgo CXXFLAGS: -O3
#include "kernels.h"
*/
import "C"

import "unsafe"

// feltMask is the vectorised body of ballFinder.candidates' cloth test.
// All slices must hold n pixels; they are only read (out written) during
// the call, so passing Go memory to C is within the cgo rules.
func feltMask(bgr []byte, bright, dark []float32, outside []byte, out []byte, fe *felt) {
	n := len(out)
	if n == 0 || len(bgr) < 3*n || len(bright) < n || len(dark) < n || len(outside) < n {
		panic("vision: feltMask: short buffers")
	}
	C.cuecastFeltMask((*C.uint8_t)(unsafe.Pointer(&bgr[0])), (*C.float)(unsafe.Pointer(&bright[0])),
		(*C.float)(unsafe.Pointer(&dark[0])), (*C.uint8_t)(unsafe.Pointer(&outside[0])),
		(*C.uint8_t)(unsafe.Pointer(&out[0])), C.int(n),
		C.float(fe.tol), C.float(fe.tol*fe.sum), C.float(fe.cb), C.float(fe.cg), C.float(fe.cr))
}

// radialVotes runs cuecastRadialVotes (see kernels.h) over the BGR image
// bgr (w x h) into acc. The slices are only read (acc written) during the
// call, so passing Go memory to C is within the cgo rules.
func radialVotes(bgr []byte, outside []byte, w, h int, r, minMag, fullMag float32, acc []float32) {
	n := w * h
	if n == 0 || len(bgr) < 3*n || len(outside) < n || len(acc) < n {
		panic("vision: radialVotes: short buffers")
	}
	if w > 2048 {
		panic("vision: radialVotes: rows wider than the kernel's 2048-pixel buffers")
	}
	C.cuecastRadialVotes((*C.uint8_t)(unsafe.Pointer(&bgr[0])),
		(*C.uint8_t)(unsafe.Pointer(&outside[0])), C.int(w), C.int(h),
		C.float(r), C.float(minMag), C.float(fullMag), (*C.float)(unsafe.Pointer(&acc[0])))
}

// sobelRow runs cuecastSobelRow on rows up, mid, down of n BGR pixels.
func sobelRow(up, mid, down []byte, gx, gy []int16) {
	n := len(mid) / 3
	if n < 3 || len(up) < 3*n || len(down) < 3*n || len(gx) < 3*n || len(gy) < 3*n {
		panic("vision: sobelRow: short buffers")
	}
	C.cuecastSobelRow((*C.uint8_t)(unsafe.Pointer(&up[0])), (*C.uint8_t)(unsafe.Pointer(&mid[0])),
		(*C.uint8_t)(unsafe.Pointer(&down[0])), C.int(n),
		(*C.int16_t)(unsafe.Pointer(&gx[0])), (*C.int16_t)(unsafe.Pointer(&gy[0])))
}
