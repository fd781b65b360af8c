package vision

/*
#include "remap.h"
*/
import "C"

import (
	"errors"
	"image/color"
	"math"
	"runtime"
	"unsafe"

	"gocv.io/x/gocv"
)

// warpMaps is OpenCV's warpPerspective (INTER_LINEAR, WARP_INVERSE_MAP,
// BORDER_CONSTANT) split in two: the fixed-point maps it works out for every
// output pixel, kept while the homography stays (a table fit lasts many
// frames), and the remap that reads the frame through them. warpPerspective
// computes the maps anew on every call (a double division per pixel), then
// remaps through the very same maps, so the cached maps give the same bytes:
// TestWarpMapsMatchWarpPerspective checks that on simulator and real frames.
//
// The maps follow OpenCV 4.6's WarpPerspectiveInvoker on x86-64 (blocks of
// 64x16 pixels, each row's origin in double, INTER_BITS = 5, rounding to
// nearest even); elsewhere (arm64's HAL, fused multiply-adds) that is not
// checked, so other architectures keep calling warpPerspective.
type warpMaps struct {
	xy, a gocv.Mat // CV_16SC2 source pixel, CV_16UC1 sub-pixel table index
	m     [9]float64
	w, h  int
	ok    bool
}

// warpMapsUsable: see warpMaps.
var warpMapsUsable = runtime.GOARCH == "amd64"

const (
	warpInterBits = 5 // OpenCV's INTER_BITS
	warpTab       = 1 << warpInterBits
	warpBlock     = 32 // OpenCV's BLOCK_SZ in warpPerspective
)

func (p *warpMaps) close() {
	if p.ok {
		p.xy.Close()
		p.a.Close()
		p.ok = false
	}
}

// warp is WarpPerspectiveWithParams(src, dst, m, (w, h), INTER_LINEAR |
// WARP_INVERSE_MAP, BORDER_CONSTANT, 0), with the maps rebuilt only when m
// or the size changes.
func (p *warpMaps) warp(src gocv.Mat, dst *gocv.Mat, m [9]float64, w, h int) {
	if !p.ok || p.m != m || p.w != w || p.h != h {
		p.build(m, w, h)
	}
	gocv.Remap(src, dst, &p.xy, &p.a, gocv.InterpolationLinear, gocv.BorderConstant, color.RGBA{})
}

// warpPix is warp on the packed sw x sh BGR pixels pix (Go or C memory),
// read in place: a frame that no other OpenCV call needs is not copied
// into a Mat first (frameView). The same cv::remap through the same maps.
func (p *warpMaps) warpPix(pix []byte, sw, sh int, dst *gocv.Mat, m [9]float64, w, h int) error {
	if sw <= 0 || sh <= 0 || len(pix) < sw*sh*3 {
		return errors.New("vision: warp: short frame")
	}
	if !p.ok || p.m != m || p.w != w || p.h != h {
		p.build(m, w, h)
	}
	if C.cuecastRemapBGR((*C.uint8_t)(unsafe.Pointer(&pix[0])), C.int(sw), C.int(sh),
		unsafe.Pointer(p.xy.Ptr()), unsafe.Pointer(p.a.Ptr()), unsafe.Pointer(dst.Ptr())) != 0 {
		return errors.New("vision: warp: remap failed")
	}
	return nil
}

func (p *warpMaps) build(m [9]float64, w, h int) {
	p.close()
	p.xy = gocv.NewMatWithSize(h, w, gocv.MatTypeCV16SC2)
	p.a = gocv.NewMatWithSize(h, w, gocv.MatTypeCV16UC1)
	p.m, p.w, p.h, p.ok = m, w, h, true
	xy, _ := p.xy.DataPtrInt16()
	al, _ := p.a.DataPtrUint16()
	fillWarpMaps(xy, al, m, w, h)
}

// fillWarpMaps writes warpPerspective's maps for the inverse homography m
// into xy (2 per pixel) and a (1 per pixel), row-major w x h. Every product
// is converted to float64 on its own so that no compiler fuses a
// multiply-add OpenCV does as two roundings.
func fillWarpMaps(xy []int16, a []uint16, m [9]float64, w, h int) {
	bh0 := min(warpBlock/2, h)
	bw0 := min(warpBlock*warpBlock/bh0, w)
	bh0 = min(warpBlock*warpBlock/bw0, h)
	for y := 0; y < h; y += bh0 {
		bh := min(bh0, h-y)
		for x := 0; x < w; x += bw0 {
			bw := min(bw0, w-x)
			for y1 := 0; y1 < bh; y1++ {
				fx, fy := float64(x), float64(y+y1)
				x0 := float64(float64(m[0]*fx)+float64(m[1]*fy)) + m[2]
				y0 := float64(float64(m[3]*fx)+float64(m[4]*fy)) + m[5]
				w0 := float64(float64(m[6]*fx)+float64(m[7]*fy)) + m[8]
				row := (y+y1)*w + x
				for x1 := 0; x1 < bw; x1++ {
					f1 := float64(x1)
					ww := w0 + float64(m[6]*f1)
					if ww != 0 {
						ww = warpTab / ww
					}
					X := roundInt32(float64(x0+float64(m[0]*f1)) * ww)
					Y := roundInt32(float64(y0+float64(m[3]*f1)) * ww)
					i := row + x1
					xy[2*i] = satInt16(X >> warpInterBits)
					xy[2*i+1] = satInt16(Y >> warpInterBits)
					a[i] = uint16((Y&(warpTab-1))*warpTab + (X & (warpTab - 1)))
				}
			}
		}
	}
}

// roundInt32 is OpenCV's saturate_cast<int>(double) after its clamp to
// [INT_MIN, INT_MAX]: round half to even.
func roundInt32(v float64) int32 {
	v = max(math.MinInt32, min(math.MaxInt32, v))
	return int32(math.RoundToEven(v))
}

func satInt16(v int32) int16 {
	return int16(max(math.MinInt16, min(math.MaxInt16, v)))
}
