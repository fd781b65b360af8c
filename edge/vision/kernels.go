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
func feltMask(bgr []byte, bright, dark, invFeltSum []float32, outside []byte, out []byte, ratio []float32, fe *felt) {
	n := len(out)
	if n == 0 || len(bgr) < 3*n || len(bright) < n || len(dark) < n || len(invFeltSum) < n || len(outside) < n || len(ratio) < n {
		panic("vision: feltMask: short buffers")
	}
	C.cuecastFeltMask((*C.uint8_t)(unsafe.Pointer(&bgr[0])), (*C.float)(unsafe.Pointer(&bright[0])),
		(*C.float)(unsafe.Pointer(&dark[0])), (*C.float)(unsafe.Pointer(&invFeltSum[0])),
		(*C.uint8_t)(unsafe.Pointer(&outside[0])),
		(*C.uint8_t)(unsafe.Pointer(&out[0])), (*C.float)(unsafe.Pointer(&ratio[0])), C.int(n),
		C.float(fe.tol), C.float(fe.tol*fe.sum), C.float(fe.cb), C.float(fe.cg), C.float(fe.cr))
}
