package vision

import (
	"errors"
	"fmt"
	"image"

	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// JPEGEncoder compresses frames for the video stream and snapshots with
// OpenCV's libjpeg(-turbo). It keeps its Mats between calls; one goroutine
// uses it at a time. Close frees them.
type JPEGEncoder struct {
	quality int
	width   int // output width; 0 keeps the frame's
	frame   frameMat
	small   gocv.Mat
	params  []int
	closed  bool
}

// NewJPEGEncoder makes an encoder at quality 1..100 that scales frames
// wider than width down to it (0: never scale).
func NewJPEGEncoder(quality, width int) (*JPEGEncoder, error) {
	if quality < 1 || quality > 100 {
		return nil, fmt.Errorf("vision: jpeg: quality %d out of range 1..100", quality)
	}
	if width < 0 {
		return nil, fmt.Errorf("vision: jpeg: width %d is negative", width)
	}
	return &JPEGEncoder{quality: quality, width: width, small: gocv.NewMat(),
		params: []int{gocv.IMWriteJpegQuality, quality}}, nil
}

// Encode returns f as a JPEG in a new slice the caller owns (the hub keeps
// it after the call). f is only read during the call.
func (e *JPEGEncoder) Encode(f *model.Frame) ([]byte, error) {
	if e.closed {
		return nil, errors.New("vision: jpeg: encoder is closed")
	}
	m, err := e.frame.load(f)
	if err != nil {
		return nil, err
	}
	if e.width > 0 && f.Width > e.width {
		h := (f.Height*e.width/f.Width + 1) &^ 1
		gocv.Resize(m, &e.small, image.Pt(e.width, h), 0, 0, gocv.InterpolationArea)
		m = e.small
	}
	buf, err := gocv.IMEncodeWithParams(gocv.JPEGFileExt, m, e.params)
	if err != nil {
		return nil, fmt.Errorf("vision: jpeg: encode: %w", err)
	}
	defer buf.Close()
	if buf.Len() == 0 {
		return nil, errors.New("vision: jpeg: encode produced nothing (OpenCV built without JPEG?)")
	}
	return append([]byte(nil), buf.GetBytes()...), nil
}

// Close frees the encoder's Mats. Safe to call twice.
func (e *JPEGEncoder) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	e.frame.close()
	e.small.Close()
	return nil
}
