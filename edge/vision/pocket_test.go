package vision

import (
	"math"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// inMouth reads the table's pockets: the mouth's radius for the hole
// test, 1.5 ball radii more for the net test, nothing on the open bed.
func TestInMouth(t *testing.T) {
	d := &Detector{geo: model.Standard(model.Table9ft)}
	at := func(x, y float64) *model.BallDetection {
		return &model.BallDetection{Pos: &model.Vec2{X: x, Y: y}}
	}
	cases := []struct {
		name string
		b    *model.BallDetection
		zone float64
		want bool
	}{
		{"side pocket's centre", at(1.27, 0.01), 0, true},
		{"corner pocket's centre", at(2.53, 1.26), 0, true},
		{"past the side mouth's radius", at(1.27, 0.09), 0, false},
		{"within the net zone", at(1.27, 0.09), mouthZone, true},
		{"open bed", at(0.6, 0.6), mouthZone, false},
		{"no table position", &model.BallDetection{}, mouthZone, false},
	}
	for _, c := range cases {
		if got := d.inMouth(c.b, c.zone); got != c.want {
			t.Errorf("%s: inMouth = %v, want %v", c.name, got, c.want)
		}
	}
}

// drawWhite paints a 120x120 grey-green cloth with a white disc of radius
// 22 at (60, 60): a net (a mesh of darker threads 2 px thick, 7 px apart, as pooljk's nets) or a ball
// (shaded smoothly towards its limb).
func drawWhite(net bool) *img {
	w, h := 120, 120
	m := &img{pix: make([]byte, w*h*3), w: w, h: h}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			b, g, r := 60.0, 110.0, 60.0
			dx, dy := float64(x)+0.5-60, float64(y)+0.5-60
			if d := math.Hypot(dx, dy); d < 22 {
				v := 235 - 60*(d/22)*(d/22)
				if net && (x%7 < 2 || y%7 < 2) {
					v = 120
				}
				b, g, r = v, v, v
			}
			i := (y*w + x) * 3
			m.pix[i], m.pix[i+1], m.pix[i+2] = byte(b), byte(g), byte(r)
		}
	}
	return m
}

func TestMouthNetMeshNotBall(t *testing.T) {
	b := &model.BallDetection{Pixel: model.Pixel{X: 60, Y: 60}, RadiusPx: 22}
	if !isMouthNet(drawWhite(true), b) {
		t.Error("mesh: isMouthNet = false, want true")
	}
	if isMouthNet(drawWhite(false), b) {
		t.Error("smooth white ball: isMouthNet = true, want false")
	}
}
