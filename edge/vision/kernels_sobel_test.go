package vision

import (
	"math/rand"
	"testing"

	"gocv.io/x/gocv"
)

// TestSobelRowMatchesOpenCV: the votes' own Sobel (kernels.cpp sobelRow)
// gives OpenCV's CV_16S Sobel (ksize 3) at every pixel off the image's edge,
// on noise over the whole 0-255 range (the extreme differences) and on a
// simulator frame, so the votes are what they were with OpenCV's Sobel.
func TestSobelRowMatchesOpenCV(t *testing.T) {
	const w, h = 97, 23
	noise := make([]byte, 3*w*h)
	rng := rand.New(rand.NewSource(1))
	for i := range noise {
		switch rng.Intn(3) {
		case 0:
			noise[i] = 0
		case 1:
			noise[i] = 255
		default:
			noise[i] = byte(rng.Intn(256))
		}
	}
	f := simFrame(t, 640, 360)
	for _, img := range []struct {
		name string
		pix  []byte
		w, h int
	}{{"noise", noise, w, h}, {"sim", f.Pix, f.Width, f.Height}} {
		src := gocv.NewMatWithSize(img.h, img.w, gocv.MatTypeCV8UC3)
		p, err := src.DataPtrUint8()
		if err != nil {
			t.Fatal(err)
		}
		copy(p, img.pix)
		gx, gy := gocv.NewMat(), gocv.NewMat()
		gocv.Sobel(src, &gx, gocv.MatTypeCV16S, 1, 0, 3, 1, 0, gocv.BorderReplicate)
		gocv.Sobel(src, &gy, gocv.MatTypeCV16S, 0, 1, 3, 1, 0, gocv.BorderReplicate)
		wantX, _ := gx.DataPtrInt16()
		wantY, _ := gy.DataPtrInt16()
		rx, ry := make([]int16, 3*img.w), make([]int16, 3*img.w)
		bad := 0
		for y := 1; y < img.h-1; y++ {
			s := 3 * img.w
			sobelRow(img.pix[(y-1)*s:y*s], img.pix[y*s:(y+1)*s], img.pix[(y+1)*s:(y+2)*s], rx, ry)
			for i := 3; i < s-3; i++ {
				if rx[i] != wantX[y*s+i] || ry[i] != wantY[y*s+i] {
					if bad < 3 {
						t.Errorf("%s: pixel (%d, %d) channel %d: (%d, %d), OpenCV (%d, %d)",
							img.name, i/3, y, i%3, rx[i], ry[i], wantX[y*s+i], wantY[y*s+i])
					}
					bad++
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d values differ", img.name, bad)
		}
		gx.Close()
		gy.Close()
		src.Close()
	}
}
