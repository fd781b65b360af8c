package main

import (
	"bytes"
	"image"
	"image/jpeg"

	"github.com/cuecast/cuecast/edge/model"
)

// TEMPORARY: until edge/ws and vision's JPEG encoder land.
func (d *daemon) encodeJPEG(f *model.Frame) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	for i := 0; i < f.Width*f.Height; i++ {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = f.Pix[3*i+2], f.Pix[3*i+1], f.Pix[3*i], 255
	}
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 75})
	return b.Bytes(), err
}
