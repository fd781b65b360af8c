package labelapi

import (
	"image"
	"image/png"
	"io"
)

func pngEncode(w io.Writer, img image.Image) error {
	e := png.Encoder{CompressionLevel: png.BestSpeed}
	return e.Encode(w, img)
}
