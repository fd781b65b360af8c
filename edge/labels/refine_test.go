package labels

import (
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"
)

// disc is one ball to render: centre, radius, colour and an optional
// white band (a stripe) across its middle.
type disc struct {
	x, y, r float64
	c       color.RGBA
	band    bool
}

// render draws balls on cloth with 4x4 supersampling (anti-aliased edges,
// as a camera sees them) and Gaussian noise.
func render(w, h int, balls []disc, noise float64, seed uint64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cloth := [3]float64{40, 110, 60}
	rng := rand.New(rand.NewPCG(seed, 1))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var acc [3]float64
			for sy := 0; sy < 4; sy++ {
				for sx := 0; sx < 4; sx++ {
					px, py := float64(x)+(float64(sx)+0.5)/4-0.5, float64(y)+(float64(sy)+0.5)/4-0.5
					c := cloth
					for _, b := range balls {
						if math.Hypot(px-b.x, py-b.y) <= b.r {
							c = [3]float64{float64(b.c.R), float64(b.c.G), float64(b.c.B)}
							if b.band && math.Abs(py-b.y) > 0.5*b.r {
								c = [3]float64{235, 235, 230}
							}
						}
					}
					for k := range acc {
						acc[k] += c[k] / 16
					}
				}
			}
			px := func(v float64) uint8 { return uint8(math.Max(0, math.Min(255, v+noise*rng.NormFloat64()))) }
			img.SetRGBA(x, y, color.RGBA{px(acc[0]), px(acc[1]), px(acc[2]), 255})
		}
	}
	return img
}

func TestRefineSubPixel(t *testing.T) {
	balls := []disc{
		{x: 40.3, y: 40.7, r: 19, c: color.RGBA{220, 30, 30, 255}},
		{x: 78.55, y: 41.1, r: 19, c: color.RGBA{230, 190, 40, 255}, band: true}, // touching the first
		{x: 40.1, y: 100.45, r: 8.5, c: color.RGBA{20, 20, 25, 255}},             // small and dark
		{x: 100.8, y: 100.2, r: 12, c: color.RGBA{245, 245, 240, 255}},
	}
	img := NewImage(render(140, 130, balls, 3, 1))
	for _, b := range balls {
		// Start 2 px and 8 % off, as a rough estimate would be.
		f, err := img.Refine(b.x+1.5, b.y-1.3, b.r*1.08)
		if err != nil {
			t.Errorf("Refine(ball at %.2f,%.2f): %v", b.x, b.y, err)
			continue
		}
		if e := math.Hypot(f.X-b.x, f.Y-b.y); e > 0.1 || math.Abs(f.R-b.r) > 0.15 {
			t.Errorf("Refine(ball at %.2f,%.2f r %.1f) = (%.3f,%.3f) r %.3f: centre off %.3f px, want <= 0.1", b.x, b.y, b.r, f.X, f.Y, f.R, e)
		}
		// A click 5 px away with the radius known only roughly.
		s, err := img.Snap(b.x-4, b.y+3, b.r*0.9, 6)
		if err != nil || math.Hypot(s.X-b.x, s.Y-b.y) > 0.1 {
			t.Errorf("Snap(ball at %.2f,%.2f) = (%.3f,%.3f), %v: want within 0.1 px", b.x, b.y, s.X, s.Y, err)
		}
		c, err := img.RefineCentre(b.x+1, b.y+1, b.r)
		if err != nil || math.Hypot(c.X-b.x, c.Y-b.y) > 0.1 || c.R != b.r {
			t.Errorf("RefineCentre(ball at %.2f,%.2f) = %+v, %v", b.x, b.y, c, err)
		}
	}
	// Nothing there: bare cloth has no outline.
	if f, err := img.Refine(110, 30, 15); err == nil {
		t.Errorf("Refine(bare cloth) = %+v, want ErrNoOutline", f)
	}
	if _, err := img.Refine(math.NaN(), 1, 10); err == nil {
		t.Error("Refine(NaN) succeeded")
	}
}
