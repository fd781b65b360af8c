package vision

import (
	"math"
	"testing"
)

// drawScene paints a 400x200 green cloth with a brown stick 16 px wide
// along y = 60 and a red ball of radius 20 at (200, 140), shaded darker
// towards its limb.
func drawScene() (*img, felt) {
	w, h := 400, 200
	m := &img{pix: make([]byte, w*h*3), w: w, h: h}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			b, g, r := 40.0, 120.0, 45.0
			if math.Abs(float64(y)+0.5-60) < 8 {
				b, g, r = 50, 90, 170
			}
			if d := math.Hypot(float64(x)+0.5-200, float64(y)+0.5-140); d < 20 {
				k := 1 - 0.5*(d/20)*(d/20)
				b, g, r = 30*k, 30*k, 200*k
			}
			i := (y*w + x) * 3
			m.pix[i], m.pix[i+1], m.pix[i+2] = byte(b), byte(g), byte(r)
		}
	}
	return m, felt{cb: 40.0 / 205, cg: 120.0 / 205, cr: 45.0 / 205, sum: 205, tol: 0.08}
}

func TestBandReachStickNotBall(t *testing.T) {
	m, fe := drawScene()
	cloth := [3]float64{40, 120, 45}
	// A candidate of a ball's size on the stick, centred on it and off
	// its axis by a third of a radius: the stick's colour runs to the end
	// of the search both ways.
	for _, y := range []float64{60, 66} {
		got, width := bandReach(m, &fe, 200, y, 20, cloth)
		if got < bandLength {
			t.Errorf("stick at y=%v: reach %.2f r, want >= %v", y, got, bandLength)
		}
		// 16 px across is 0.8 radii.
		if width < 0.6 || width > 1.0 {
			t.Errorf("stick at y=%v: width %.2f r, want about 0.8", y, width)
		}
	}
	// The ball's colour ends at its outline in every direction.
	if got, _ := bandReach(m, &fe, 200, 140, 20, cloth); got > 1.2 {
		t.Errorf("ball: reach %.2f r, want <= 1.2", got)
	}
	// Plain cloth is not a band (the tests for flat patches are others').
	if got, _ := bandReach(m, &fe, 100, 160, 20, cloth); got != 0 {
		t.Errorf("cloth: reach %.2f r, want 0", got)
	}
}

// The light field's cloth can be far off beside a ball; localCloth takes
// the brightness from the cloth-coloured ring around it.
func TestLocalClothBrightness(t *testing.T) {
	m, fe := drawScene()
	bright := [3]float64{80, 240, 90} // twice the cloth's real brightness
	got := localCloth(m, &fe, 100, 160, 20, bright)
	if s := got[0] + got[1] + got[2]; math.Abs(s-205) > 8 {
		t.Errorf("local cloth brightness %.0f, want about 205", s)
	}
}

// A ball rolling in the shutter's time is smeared into a band as wide as
// itself: the stick test (stickWidth) must not take it, however long.
func TestBandReachSmearIsWide(t *testing.T) {
	w, h := 400, 200
	m := &img{pix: make([]byte, w*h*3), w: w, h: h}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			b, g, r := 40.0, 120.0, 45.0
			// A red ball of radius 20 smeared from x = 140 to 260.
			fx, fy := float64(x)+0.5, float64(y)+0.5
			cx := math.Max(140, math.Min(260, fx))
			if math.Hypot(fx-cx, fy-100) < 20 {
				b, g, r = 30, 30, 200
			}
			i := (y*w + x) * 3
			m.pix[i], m.pix[i+1], m.pix[i+2] = byte(b), byte(g), byte(r)
		}
	}
	fe := felt{cb: 40.0 / 205, cg: 120.0 / 205, cr: 45.0 / 205, sum: 205, tol: 0.08}
	reach, width := bandReach(m, &fe, 200, 100, 20, [3]float64{40, 120, 45})
	if reach < stickLength {
		t.Fatalf("smear: reach %.2f r, want >= %v (the case the width must decide)", reach, stickLength)
	}
	if width < stickWidth {
		t.Errorf("smear: width %.2f r, want >= %v (a ball's width)", width, stickWidth)
	}
}
