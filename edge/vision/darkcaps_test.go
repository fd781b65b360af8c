package vision

import "testing"

// paintSwatch fills a swatch of radius r px: every sample gets colour(j)
// (B, G, R).
func paintSwatch(r float64, colour func(j int) [3]float32) *swatch {
	s := &swatch{r: r}
	for j := range swN {
		s.px[j], s.ok[j] = colour(j), true
	}
	return s
}

// A stripe's caps may be black (gravitygravity's set): black caps, a
// lit blue band and a white number circle on it read as a stripe, and the
// 10 costs less than the 2. The same blue as a solid, or a navy solid
// whose limb falls under the black level, or the eight, keep their
// solid reading: black beside a dark body may be its shade; and the
// cloth in deep shade over a ball frozen to the cushion is no cap.
func TestDarkCapsStripe(t *testing.T) {
	const r = 24
	cloth := [3]float64{70, 110, 40}
	w := whiteRef{b: 240, g: 240, r: 240, fromWhite: true}
	blue := [3]float32{200, 70, 25}
	black := [3]float32{12, 12, 12}
	white := [3]float32{235, 235, 235}
	circle := func(j int) bool { // a number circle on the band, off centre
		dx, dy := swX[j]-0.35, swY[j]
		return dx*dx+dy*dy < 0.2*0.2
	}
	cases := []struct {
		name   string
		paint  func(j int) [3]float32
		stripe bool // want the stripe reading, and the 10 before the 2
	}{
		{"black-cap stripe", func(j int) [3]float32 {
			switch {
			case swY[j] > 0.55 || swY[j] < -0.55:
				return black
			case circle(j):
				return white
			}
			return blue
		}, true},
		{"blue solid", func(j int) [3]float32 {
			if circle(j) {
				return white
			}
			return blue
		}, false},
		{"navy solid, limb in its shade", func(j int) [3]float32 {
			rho := swX[j]*swX[j] + swY[j]*swY[j]
			switch {
			case rho > 0.8*0.8 && swY[j] > 0:
				return [3]float32{20, 10, 6}
			case circle(j):
				return white
			}
			return [3]float32{95, 30, 15}
		}, false},
		{"green solid frozen to the cushion, its shaded face over the ball", func(j int) [3]float32 {
			switch {
			case swX[j] > 0.6:
				return [3]float32{21, 33, 12} // the cloth at 0.3 of its light
			case circle(j):
				return white
			}
			return [3]float32{110, 190, 20}
		}, false},
		{"eight", func(j int) [3]float32 {
			if circle(j) {
				return white
			}
			return [3]float32{25, 22, 22}
		}, false},
	}
	for _, c := range cases {
		var f features
		measure(paintSwatch(r, c.paint), w, cloth, &f)
		if f.darkCaps != c.stripe {
			t.Errorf("%s: darkCaps %v, want %v (bodyVal %.2f, black %.2f)", c.name, f.darkCaps, c.stripe, f.bodyVal, f.black)
		}
		if got := f.dStripe < f.dSolid; got != c.stripe {
			t.Errorf("%s: dStripe %.2f dSolid %.2f, want stripe %v", c.name, f.dStripe, f.dSolid, c.stripe)
		}
		if c.name == "eight" {
			continue
		}
		if c.name[:5] == "green" {
			continue
		}
		c10, c2 := identityCost(&f, 10, &defaultBalls), identityCost(&f, 2, &defaultBalls)
		if got := c10 < c2; got != c.stripe {
			t.Errorf("%s: cost 10 %.1f, 2 %.1f, want the 10 cheaper %v", c.name, c10, c2, c.stripe)
		}
	}
}
