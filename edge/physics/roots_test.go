package physics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// mul returns the product of polynomials (ascending coefficients).
func mul(a, b []float64) []float64 {
	out := make([]float64, len(a)+len(b)-1)
	for i, x := range a {
		for j, y := range b {
			out[i+j] += x * y
		}
	}
	return out
}

func toPoly(c []float64) poly {
	var p poly
	copy(p[:], c)
	return p
}

func TestCrossDown(t *testing.T) {
	for _, tc := range []struct {
		name  string
		c     []float64
		h     float64
		want  float64
		found bool
	}{
		{"two roots", mul([]float64{-1, 1}, []float64{-2, 1}), 5, 1 - 1e-9, true},
		{"beyond horizon", mul([]float64{-1, 1}, []float64{-2, 1}), 0.9, 0, false},
		{"tangency is no impact", mul([]float64{-1, 1}, []float64{-1, 1}), 5, 0, false},
		{"graze within the touch band", []float64{1 - 5e-10, -2, 1}, 5, 0, false},
		{"near-double root below the band", []float64{1 - 1e-8, -2, 1}, 5, 1 - math.Sqrt(9e-9), true},
		{"near-double root just above", []float64{1 + 1e-12, -2, 1}, 5, 0, false},
		{"quartic", mul(mul([]float64{-0.5, 1}, []float64{-0.7, 1}), mul([]float64{-3, 1}, []float64{-4, 1})), 10, 0.5, true},
		{"quartic near-double", mul([]float64{1 - 1e-6, -2, 1}, []float64{10, -6, 1}), 10, 1 - 1e-3, true},
		{"quartic upward first", mul(mul([]float64{0.5, 1}, []float64{-0.7, 1}), mul([]float64{-3, 1}, []float64{-4, 1})), 10, 3, true},
		{"touching and closing", []float64{-1e-12, -1}, 5, 1e-9 - 1e-12, true},
		{"touching and parting", []float64{-1e-12, 1}, 5, 0, false},
		{"touching, pressed in", []float64{0, 0, -1}, 5, math.Sqrt(1e-9), true},
		{"overlapping and closing", []float64{-1e-3, -1}, 5, 0, true},
		{"overlapping and parting", []float64{-1e-3, 1}, 5, 0, false},
		{"zero", []float64{0}, 5, 0, false},
		{"constant", []float64{1}, 5, 0, false},
		{"linear", []float64{2, -1}, 5, 2 + 1e-9, true},
	} {
		p := toPoly(tc.c)
		got, ok := crossDown(&p, tc.h, 1e-9, 1e-9)
		if ok != tc.found || (ok && math.Abs(got-tc.want) > 1e-6*(1e-6+tc.want)) {
			t.Errorf("%s: crossDown = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.found)
		}
	}
}

// Against brute force: for random quartics with a clear crossing, the first
// crossing found by scanning a fine grid is the one crossDown returns.
func TestCrossDownRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const h, steps = 4.0, 20000
	checked := 0
	for k := 0; k < 3000; k++ {
		// Roots spread over [-1, 5] so some cross inside [0, h].
		r := [4]float64{}
		for i := range r {
			r[i] = -1 + 6*rng.Float64()
		}
		c := mul(mul([]float64{-r[0], 1}, []float64{-r[1], 1}), mul([]float64{-r[2], 1}, []float64{-r[3], 1}))
		if rng.IntN(2) == 0 { // and some with a pair of complex roots
			c = mul(mul([]float64{-r[0], 1}, []float64{-r[1], 1}), []float64{r[2]*r[2] + 0.01, -2 * r[2], 1})
		}
		s := 0.5 + rng.Float64()
		for i := range c {
			c[i] *= s
		}
		p := toPoly(c)
		if p.eval(0) <= 0 {
			continue // contact at 0 or parting: covered by TestCrossDown
		}
		want, found := -1.0, false
		prev := p.eval(0)
		for i := 1; i <= steps; i++ {
			x := h * float64(i) / steps
			f := p.eval(x)
			if prev > 0 && f <= 0 {
				want, found = x, true
				break
			}
			prev = f
		}
		got, ok := crossDown(&p, h, 1e-9, 1e-12)
		if found != ok {
			// A crossing closer than one grid step to a tangency can fool
			// the grid; only flag clear cases.
			if found && math.Abs(p.eval(want)) > 1e-6 {
				t.Errorf("poly %v: brute force crossing at %v, crossDown none", c, want)
			}
			continue
		}
		if ok && math.Abs(got-want) > h/steps {
			t.Errorf("poly %v: crossDown = %v, brute force %v", c, got, want)
		}
		checked++
	}
	if checked < 1000 {
		t.Errorf("only %d cases compared", checked)
	}
}
