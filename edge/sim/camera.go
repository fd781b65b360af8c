package sim

import (
	"errors"
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
	// lens, when set, sits between the homography's pinhole image and the
	// frame: see Sim.SetFisheye.
	lens *fisheye
}

// ballPx > 0 sets the scale instead, so that a ball at the table's centre
// is ballPx pixels in radius (a camera hung lower, or a finer sensor); the
// table may then overflow the frame.
func newCamera(w, h int, size model.Size, rotationDeg, tilt, ballPx float64) camera {
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
	if ballPx > 0 {
		sc = ballPx / model.BallRadius
	}
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
	if c.lens != nil {
		x, y = c.lens.distort(x, y)
	}
	return model.Pixel{X: x, Y: y}
}

func (c *camera) table(x, y float64) (float64, float64) {
	if c.lens != nil {
		x, y = c.lens.undistort(x, y)
	}
	return c.inv.apply(x, y)
}

// fisheye is OpenCV's fisheye model (cv::fisheye): a ray at angle θ from
// the axis lands at radius θd = θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸) in
// normalised coordinates, where a pinhole camera would put it at tan θ.
type fisheye struct {
	fx, fy, cx, cy float64
	d              [4]float64
}

// theta returns θd(θ) and its derivative.
func (l *fisheye) theta(t float64) (float64, float64) {
	t2 := t * t
	d := l.d
	return t * (1 + t2*(d[0]+t2*(d[1]+t2*(d[2]+t2*d[3])))),
		1 + t2*(3*d[0]+t2*(5*d[1]+t2*(7*d[2]+t2*9*d[3])))
}

// distort maps a pinhole pixel to the fisheye one.
func (l *fisheye) distort(x, y float64) (float64, float64) {
	a, b := (x-l.cx)/l.fx, (y-l.cy)/l.fy
	r := math.Hypot(a, b)
	if r < 1e-12 {
		return x, y
	}
	td, _ := l.theta(math.Atan(r))
	return l.cx + l.fx*a*td/r, l.cy + l.fy*b*td/r
}

// undistort maps a fisheye pixel to the pinhole one (Newton on θd(θ));
// pixels beyond 89 degrees from the axis are clamped there (far away).
func (l *fisheye) undistort(u, v float64) (float64, float64) {
	a, b := (u-l.cx)/l.fx, (v-l.cy)/l.fy
	td := math.Hypot(a, b)
	if td < 1e-12 {
		return u, v
	}
	const maxTheta = 89 * math.Pi / 180
	t := math.Min(td, maxTheta)
	for i := 0; i < 8; i++ {
		f, df := l.theta(t)
		if df <= 0 {
			break
		}
		t = math.Max(1e-9, math.Min(maxTheta, t-(f-td)/df))
	}
	s := math.Tan(t) / td
	return l.cx + l.fx*a*s, l.cy + l.fy*b*s
}

// SetFisheye puts a fisheye lens in front of the simulated camera, for
// checking lens calibration and undistortion end to end: the top-down view
// becomes what a pinhole camera with matrix k (row-major) sees, and frames
// show it through the fisheye lens with the same k and coefficients d
// (k1..k4 of cv::fisheye), truth pixels included. The lens barrels the
// view inwards, so the table stays in the frame. Call it before the first
// frame; it redraws the static background (as New does).
func (s *Sim) SetFisheye(k [9]float64, d [4]float64) error {
	if !(k[0] > 0 && k[4] > 0) || k[1] != 0 || k[3] != 0 || k[6] != 0 || k[7] != 0 || k[8] != 1 {
		return errors.New("sim: set fisheye: k is not a camera matrix (fx, fy > 0, no skew, last row 0 0 1)")
	}
	for _, v := range d {
		if math.IsNaN(v) || math.Abs(v) > 1 {
			return errors.New("sim: set fisheye: coefficients outside -1..1")
		}
	}
	l := &fisheye{fx: k[0], fy: k[4], cx: k[2], cy: k[5], d: d}
	// θd(θ) must rise over the hemisphere, else undistort is ambiguous.
	for t := 0.01; t < math.Pi/2; t += 0.01 {
		if _, df := l.theta(t); df <= 0 {
			return errors.New("sim: set fisheye: θd(θ) not increasing below 90 degrees; smaller coefficients")
		}
	}
	s.cam.lens = l
	for i := range s.bgs {
		renderBackground(s.bgs[i], &s.cam, s.looks[i], s.nz.maxV())
	}
	return nil
}

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
