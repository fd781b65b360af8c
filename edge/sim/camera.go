package sim

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// Table dimensions around the playing surface, metres. The cushion runs from
// the nose (the playing-surface edge) to the wooden rail; the rail carries
// the diamonds.
const (
	cushionWidth = 0.05
	railWidth    = 0.11
	outerMargin  = cushionWidth + railWidth
)

// camera maps the table frame (metres, y up) to image pixels (y down) with a
// homography: a top-down view scaled to fit the whole table with its rails,
// optionally rotated in the image plane and tilted (keystone), as a camera
// mounted slightly off the vertical would see it.
type camera struct {
	h, inv mat3
	w, ht  int
}

func newCamera(w, h int, size model.Size, rotationDeg, tilt float64) camera {
	L, W := size.Length, size.Width
	th := rotationDeg * math.Pi / 180
	c, s := math.Cos(th), math.Sin(th)
	// Extent of the rotated outer table, to choose a scale that fits it.
	ol, ow := L+2*outerMargin, W+2*outerMargin
	ex := math.Abs(c)*ol + math.Abs(s)*ow
	ey := math.Abs(s)*ol + math.Abs(c)*ow
	// Leave a small border of floor; tilt makes the near side larger, so
	// shrink by the tilt too.
	fill := 0.96 / (1 + 2*math.Abs(tilt))
	sc := math.Min(float64(w)*fill/ex, float64(h)*fill/ey)
	cx, cy := float64(w)/2, float64(h)/2
	// Table frame -> centred, scaled, y flipped, rotated.
	centre := mat3{1, 0, -L / 2, 0, 1, -W / 2, 0, 0, 1}
	flip := mat3{sc, 0, 0, 0, -sc, 0, 0, 0, 1}
	rot := mat3{c, -s, 0, s, c, 0, 0, 0, 1}
	// Keystone in units of half the image height: points towards the top
	// of the image get further away (smaller) when tilt > 0.
	half := float64(h) / 2
	key := mat3{1, 0, 0, 0, 1, 0, 0, -tilt / half, 1}
	toImg := mat3{1, 0, cx, 0, 1, cy, 0, 0, 1}
	H := toImg.mul(key).mul(rot).mul(flip).mul(centre)
	return camera{h: H, inv: H.inv(), w: w, ht: h}
}

func (c *camera) px(p model.Vec2) model.Pixel {
	x, y := c.h.apply(p.X, p.Y)
	return model.Pixel{X: x, Y: y}
}

func (c *camera) table(x, y float64) (float64, float64) { return c.inv.apply(x, y) }

// jacobian returns the 2x2 derivative of the pixel position with respect to
// the table position at p (pixels per metre), row-major.
func (c *camera) jacobian(p model.Vec2) [4]float64 {
	const e = 1e-3
	a := c.px(p)
	bx := c.px(model.Vec2{X: p.X + e, Y: p.Y})
	by := c.px(model.Vec2{X: p.X, Y: p.Y + e})
	return [4]float64{(bx.X - a.X) / e, (by.X - a.X) / e, (bx.Y - a.Y) / e, (by.Y - a.Y) / e}
}

// radiusPx is the pixel radius of a ball at p: the root of the local area
// scale times the ball radius.
func (c *camera) radiusPx(p model.Vec2) float64 {
	j := c.jacobian(p)
	return model.BallRadius * math.Sqrt(math.Abs(j[0]*j[3]-j[1]*j[2]))
}

// corners are the playing-surface corners in pixels, BL, BR, TR, TL.
func (c *camera) corners(size model.Size) [4]model.Pixel {
	return [4]model.Pixel{
		c.px(v2(0, 0)), c.px(v2(size.Length, 0)), c.px(v2(size.Length, size.Width)), c.px(v2(0, size.Width)),
	}
}
