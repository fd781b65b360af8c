package framestat

import (
	"fmt"
	"image"
	_ "image/jpeg" // real frames come as JPEG and PNG
	_ "image/png"
	"os"
)

// ReadFile decodes a JPEG or PNG file into packed BGR.
func ReadFile(path string) (pix []byte, w, h int, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("framestat: %w", err)
	}
	defer fh.Close()
	img, _, err := image.Decode(fh)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("framestat: decode %s: %w", path, err)
	}
	pix, w, h = ToBGR(img)
	return pix, w, h, nil
}

// ToBGR converts an image into packed 8-bit BGR.
func ToBGR(img image.Image) (pix []byte, w, h int) {
	b := img.Bounds()
	w, h = b.Dx(), b.Dy()
	pix = make([]byte, w*h*3)
	switch m := img.(type) {
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				yi := m.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := m.COffset(b.Min.X+x, b.Min.Y+y)
				r, g, bb := ycbcrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				p := pix[(y*w+x)*3:]
				p[0], p[1], p[2] = bb, g, r
			}
		}
	case *image.RGBA:
		rgbaRows(pix, m.Pix, m.Stride, w, h)
	case *image.NRGBA:
		// Camera frames are opaque: NRGBA and RGBA bytes are the same.
		rgbaRows(pix, m.Pix, m.Stride, w, h)
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r, g, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				p := pix[(y*w+x)*3:]
				p[0], p[1], p[2] = uint8(bb>>8), uint8(g>>8), uint8(r>>8)
			}
		}
	}
	return pix, w, h
}

func rgbaRows(dst, src []byte, stride, w, h int) {
	for y := 0; y < h; y++ {
		row := src[y*stride:]
		for x := 0; x < w; x++ {
			p := dst[(y*w+x)*3:]
			p[0], p[1], p[2] = row[x*4+2], row[x*4+1], row[x*4]
		}
	}
}

// ycbcrToRGB is JFIF's conversion (the one image/color uses), inlined.
func ycbcrToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	yy := int32(y) * 0x10101
	c, d := int32(cb)-128, int32(cr)-128
	r := yy + 91881*d
	g := yy - 22554*c - 46802*d
	b := yy + 116130*c
	return clamp16(r), clamp16(g), clamp16(b)
}

func clamp16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	if v < 0 {
		return 0
	}
	return 255
}
