package vision

import (
	"fmt"
	"image"
	"image/color"

	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

var classColour = map[model.Class]color.RGBA{
	model.ClassCue:    {255, 255, 255, 0},
	model.ClassSolid:  {0, 200, 255, 0},
	model.ClassStripe: {255, 0, 255, 0},
	model.ClassEight:  {0, 0, 0, 0},
}

// WriteAnnotated draws a detection over its frame (table outline, pockets,
// balls with class colour, number and confidence, the cue line) and writes
// it to path (format from the extension).
func WriteAnnotated(path string, f *model.Frame, d *model.Detection) error {
	m, err := gocv.NewMatFromBytes(f.Height, f.Width, gocv.MatTypeCV8UC3, append([]byte(nil), f.Pix[:f.Width*f.Height*3]...))
	if err != nil {
		return fmt.Errorf("vision: annotate: %w", err)
	}
	defer m.Close()
	pt := func(p model.Pixel) image.Point { return image.Pt(int(p.X+0.5), int(p.Y+0.5)) }
	if d.Table != nil {
		for i := 0; i < 4; i++ {
			gocv.Line(&m, pt(d.Table.Corners[i]), pt(d.Table.Corners[(i+1)%4]), color.RGBA{0, 255, 255, 0}, 1)
		}
		gocv.PutText(&m, "BL", pt(d.Table.Corners[0]), gocv.FontHersheyPlain, 1, color.RGBA{0, 255, 255, 0}, 1)
		for _, p := range d.Table.Pockets {
			gocv.Circle(&m, pt(p), 6, color.RGBA{255, 128, 0, 0}, 1)
		}
	}
	for _, b := range d.Balls {
		c := classColour[b.Class]
		gocv.Circle(&m, pt(b.Pixel), int(b.RadiusPx+0.5), c, 1)
		label := "?"
		if b.Number != nil {
			label = fmt.Sprint(*b.Number)
		}
		label += fmt.Sprintf(" %.0f", b.Confidence*100)
		gocv.PutText(&m, label, image.Pt(int(b.Pixel.X+b.RadiusPx), int(b.Pixel.Y-b.RadiusPx)), gocv.FontHersheyPlain, 0.9, color.RGBA{255, 255, 0, 0}, 1)
	}
	if d.Cue != nil {
		gocv.Line(&m, pt(d.Cue.Butt), pt(d.Cue.Tip), color.RGBA{0, 0, 255, 0}, 2)
		gocv.Circle(&m, pt(d.Cue.Tip), 4, color.RGBA{0, 0, 255, 0}, -1)
	}
	if !gocv.IMWrite(path, m) {
		return fmt.Errorf("vision: annotate: cannot write %s (directory exists? extension .png or .jpg?)", path)
	}
	return nil
}
