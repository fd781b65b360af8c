package physics

import "math"

// Event times are the first roots of polynomials of degree <= 4 in the time
// since "now": ball-ball and ball-point contacts give quartics (|d(t)|^2 =
// (2R)^2 with d quadratic in t), cushion lines quadratics. Closed-form quartic
// formulas lose most of their digits exactly where billiards lives (grazing
// contacts are near-double roots, and the leading coefficient vanishes when
// both balls decelerate alike), so roots are isolated instead: the roots of
// the derivative split [0, h] into pieces on which the polynomial is
// monotone, and a bracketed, safeguarded Newton iteration refines the one
// piece whose ends change sign. Only the derivative's derivative (a
// quadratic) is solved in closed form. Nothing here allocates.

// poly is a polynomial of degree <= 4, coefficients in ascending order.
type poly [5]float64

func (p *poly) eval(x float64) float64 {
	return (((p[4]*x+p[3])*x+p[2])*x+p[1])*x + p[0]
}

// evalD returns p(x) and p'(x).
func (p *poly) evalD(x float64) (float64, float64) {
	f := p[4]
	d := 0.0
	for i := 3; i >= 0; i-- {
		d = d*x + f
		f = f*x + p[i]
	}
	return f, d
}

func (p *poly) deriv() poly {
	return poly{p[1], 2 * p[2], 3 * p[3], 4 * p[4], 0}
}

func (p *poly) degree() int {
	for d := 4; d > 0; d-- {
		if p[d] != 0 {
			return d
		}
	}
	return 0
}

// quadRootsIn appends to out the real roots of c0 + c1 x + c2 x^2 in the open
// interval (lo, hi), ascending, and returns the count. It uses the
// cancellation-free form of the quadratic formula.
func quadRootsIn(c0, c1, c2, lo, hi float64, out *[4]float64) int {
	n := 0
	add := func(x float64) {
		if x > lo && x < hi {
			out[n] = x
			n++
		}
	}
	if c2 == 0 {
		if c1 != 0 {
			add(-c0 / c1)
		}
		return n
	}
	disc := c1*c1 - 4*c2*c0
	if disc < 0 {
		// A negative discriminant within rounding of zero is a double root:
		// keep it as a critical point so a graze is not missed.
		if disc > -1e-14*(c1*c1+math.Abs(4*c2*c0)) {
			add(-c1 / (2 * c2))
		}
		return n
	}
	q := -0.5 * (c1 + math.Copysign(math.Sqrt(disc), c1))
	x1, x2 := q/c2, 0.0
	if q != 0 {
		x2 = c0 / q
	} else {
		x2 = x1
	}
	if x1 > x2 {
		x1, x2 = x2, x1
	}
	add(x1)
	if x2 != x1 {
		add(x2)
	}
	return n
}

// refine returns the root of p in [a, b] given p(a) and p(b) of opposite
// signs (or one of them zero), to a relative tolerance tol: Newton steps
// kept inside the shrinking bracket, bisection when Newton leaves it.
func refine(p *poly, a, b, fa, tol float64) float64 {
	x := 0.5 * (a + b)
	for i := 0; i < 100; i++ {
		f, d := p.evalD(x)
		if f == 0 {
			return x
		}
		if (f > 0) == (fa > 0) {
			a, fa = x, f
		} else {
			b = x
		}
		nx := x - f/d
		if d == 0 || !(nx > a && nx < b) {
			nx = 0.5 * (a + b)
		}
		if math.Abs(nx-x) <= tol*(1+math.Abs(x)) || b-a <= tol*(1+math.Abs(a)) {
			return nx
		}
		x = nx
	}
	return x
}

// crossDown returns the first time t in [0, h] at which p falls through
// -touch while decreasing: contact is declared once the gap has closed to
// within touch of zero (a nanometre of interpenetration, far below anything
// physical, in exchange for robustness: balls resting together, frozen
// balls and balls against a cushion sit at p ~ 0 and are decided by the
// sign of their motion, not by rounding). A crossing must close at a rate of
// at least slope (p'(t) < -slope) or go on past -2 touch: a tangency whose
// minimum stays within that band is not an impact, and resolving it would
// only produce an impulse-free event forever. A p already below -touch at 0
// (drift) is a contact now if it is closing faster than slope or being
// pressed a further touch deeper.
//
// The critical points of p (roots of p') are found lazily, left to right,
// between the roots of the second derivative (closed form), and the scan
// stops at the first crossing: most candidate pairs are decided on the
// first piece.
func crossDown(p *poly, h, slope, touch float64) (float64, bool) {
	if !(h > 0) {
		return 0, false
	}
	g := *p
	g[0] += touch
	f0, d0 := g.evalD(0)
	if f0 <= 0 && d0 < -slope {
		return 0, true
	}
	first := f0 <= 0 && d0 <= 0
	dp := g.deriv()
	var infl [4]float64
	ni := 0
	if dp.degree() >= 2 {
		ni = quadRootsIn(dp[1], 2*dp[2], 3*dp[3], 0, h, &infl)
	}
	a, fa := 0.0, f0
	// seg checks the monotone piece [a, b] of g.
	seg := func(b float64) (float64, bool) {
		fb := g.eval(b)
		if first {
			// Already inside the band without closing speed: a contact
			// now only if it is being pressed another touch deeper (not
			// for balls merely drifting at rounding-level speeds).
			first = false
			if fb < f0-touch {
				return 0, true
			}
		}
		if fa > 0 && fb <= 0 {
			t := b
			if fb < 0 {
				t = refine(&g, a, b, fa, 1e-15)
			}
			if _, d := g.evalD(t); d < -slope || fb < -touch {
				return t, true
			}
		}
		a, fa = b, fb
		return 0, false
	}
	// Pieces of g' between its own critical points (g's inflections): on
	// each, g' is monotone and has at most one root.
	pa, da := 0.0, d0
	for k := 0; k <= ni; k++ {
		pb := h
		if k < ni {
			pb = infl[k]
		}
		db := dp.eval(pb)
		if da != 0 && (da > 0) != (db > 0) {
			c := pb
			if db != 0 {
				c = refine(&dp, pa, pb, da, 1e-12)
			}
			if c < h {
				if t, ok := seg(c); ok {
					return t, true
				}
			}
		}
		pa, da = pb, db
	}
	return seg(h)
}
