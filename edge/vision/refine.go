package vision

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// img is a borrowed view of a packed BGR frame.
type img struct {
	pix  []byte
	w, h int
}

func (m *img) at(x, y int) (float64, float64, float64, bool) {
	if x < 0 || y < 0 || x >= m.w || y >= m.h {
		return 0, 0, 0, false
	}
	o := (y*m.w + x) * 3
	return float64(m.pix[o]), float64(m.pix[o+1]), float64(m.pix[o+2]), true
}

// bilinear samples the frame at a sub-pixel position.
func (m *img) bilinear(x, y float64) (float64, float64, float64, bool) {
	x -= 0.5
	y -= 0.5
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	if x0 < 0 || y0 < 0 || x0+1 >= m.w || y0+1 >= m.h {
		return 0, 0, 0, false
	}
	tx, ty := x-float64(x0), y-float64(y0)
	ux, uy := 1-tx, 1-ty
	o := (y0*m.w + x0) * 3
	s := m.w * 3
	// The two rows' six bytes, sliced once so the reads below need no
	// bounds checks of their own (the hot loop of every ray march).
	p0 := m.pix[o : o+6 : o+6]
	p1 := m.pix[o+s : o+s+6 : o+s+6]
	c0 := (float64(p0[0])*ux+float64(p0[3])*tx)*uy + (float64(p1[0])*ux+float64(p1[3])*tx)*ty
	c1 := (float64(p0[1])*ux+float64(p0[4])*tx)*uy + (float64(p1[1])*ux+float64(p1[4])*tx)*ty
	c2 := (float64(p0[2])*ux+float64(p0[5])*tx)*uy + (float64(p1[2])*ux+float64(p1[5])*tx)*ty
	return c0, c1, c2, true
}

const rays = 36

// maxFit is the most outline points fitCircle takes.
const maxFit = 72

// refineCircle fits the ball's outline at full resolution around a coarse
// centre (cx, cy) with expected radius r. Along each of 36 rays it finds the
// ball -> cloth transition nearest to r (a sub-pixel zero crossing of the
// not-felt score of bilinear samples); rays blocked by a neighbour or the
// cue find none near r and are dropped. A circle is fitted to the crossings
// by Gauss-Newton with the worst residuals trimmed. The score uses the
// cloth's local brightness feltSum so a shadow reads as cloth.
func refineCircle(m *img, fe *felt, feltSum, cx, cy, r float64, useDark bool) circleFit {
	var xs, ys [rays]float64
	n := 0
	cmax := max(fe.cb, max(fe.cg, fe.cr))
	darkRatio := fe.darkRatio()
	score := func(px, py float64) (float64, bool) {
		b, g, rr, ok := m.bilinear(px, py)
		if !ok {
			return 0, false
		}
		s := b + g + rr + 1
		ratio := s / feltSum
		d := fe.chromaDist(b, g, rr)/fe.tolAt(s) - 1
		d = max(d, (max(b, max(g, rr))/(feltSum*cmax)-brightRatio)/0.2)
		if useDark {
			d = max(d, (darkRatio-ratio)/0.1)
		}
		return d, true
	}
	const step = 0.5
	// Only a crossing within 0.35 r of r is taken, and a crossing found at
	// sample t lies in (t - step, t]: samples below reachLo (and not the
	// one before the first above it) or past reachHi cannot give the ray's
	// point, so they are not scored. The march's t values are the same
	// additions as before, and a sample skipped inside the image cannot
	// stop the ray (the image is a box and the ray a straight line from
	// the in-image start), so every ray's point is the same.
	reachLo, reachHi := 0.64*r, 1.36*r
	for k := 0; k < rays; k++ {
		dx, dy := rayRing.cos[k], rayRing.sin[k]
		best, bestErr := 0.0, math.Inf(1)
		prev, okp := score(cx+0.5*r*dx, cy+0.5*r*dy)
		if !okp {
			continue
		}
		scored := true // prev is the previous sample's score
		for t := 0.5*r + step; t <= 1.5*r; t += step {
			if t+step < reachLo {
				scored = false
				continue
			}
			if t-step > reachHi {
				break
			}
			s, ok := score(cx+t*dx, cy+t*dy)
			if !ok {
				break
			}
			if !scored {
				prev, scored = s, true
				continue
			}
			if prev > 0 && s <= 0 {
				// The first crossing near r: past the ball's edge there
				// may be another thing the cloth's colour surrounds (a
				// projector's halo, a neighbour's shadow).
				e := t - step + step*prev/(prev-s)
				if d := math.Abs(e - r); d < 0.35*r {
					best, bestErr = e, d
					break
				}
			}
			prev = s
		}
		if bestErr < 0.35*r {
			xs[n], ys[n] = cx+best*dx, cy+best*dy
			n++
		}
	}
	c := fitCircle(xs[:n], ys[:n], cx, cy, r)
	c.support = float64(n) / rays
	return c
}

// refineByEdges is refineCircle for a ball whose colour is the cloth's (the
// green six in a rack on green cloth): no crossing of the not-felt score
// marks its outline, but its limb, its contact shadow and its neighbours
// do. Along each ray the strongest colour step (sum over channels of the
// difference across 1 px) between 0.65 r and 1.35 r is the edge, placed
// sub-pixel by a parabola; steps weaker than minStep (8-bit levels) are
// noise. The circle is fitted as in refineCircle.
func refineByEdges(m *img, cx, cy, r float64) circleFit {
	const minStep = 18
	const step = 0.5
	var xs, ys [rays]float64
	n := 0
	var prof [64]float64
	for k := 0; k < rays; k++ {
		dx, dy := rayRing.cos[k], rayRing.sin[k]
		np := 0
		var pb, pg, pr float64
		okp := true
		for t := 0.65*r - step; t <= 1.35*r+step && np < len(prof); t += step {
			b, g, rr, ok := m.bilinear(cx+t*dx, cy+t*dy)
			if !ok {
				okp = false
				break
			}
			if t > 0.65*r-step {
				prof[np] = math.Abs(b-pb) + math.Abs(g-pg) + math.Abs(rr-pr)
				np++
			}
			pb, pg, pr = b, g, rr
		}
		if !okp || np < 3 {
			continue
		}
		best := 0
		for i := 1; i < np; i++ {
			if prof[i] > prof[best] {
				best = i
			}
		}
		// prof[i] is the step between t_i - step and t_i, t_i = 0.65 r + i step.
		if prof[best]/step < minStep || best == 0 || best == np-1 {
			continue
		}
		e := 0.65*r + float64(best)*step - step/2 + step*parabola(float32(prof[best-1]), float32(prof[best]), float32(prof[best+1]))
		xs[n], ys[n] = cx+e*dx, cy+e*dy
		n++
	}
	c := fitCircle(xs[:n], ys[:n], cx, cy, r)
	if !c.ok {
		return c
	}
	x, y, rad := c.x, c.y, c.rad
	// Support counts only steps on the fitted circle, and the circle must
	// be outlined all round: between two parallel edges a radius away (a
	// sleeve, the stick with its shadow) the rays across find steps at r,
	// but only in the two directions across.
	in := 0
	var octants [8]bool
	for i := 0; i < n; i++ {
		if math.Abs(math.Hypot(xs[i]-x, ys[i]-y)-rad) < max(0.08*r, 0.5) {
			in++
			a := math.Atan2(ys[i]-y, xs[i]-x)
			octants[int((a+math.Pi)/(math.Pi/4))&7] = true
		}
	}
	covered := 0
	for _, o := range octants {
		if o {
			covered++
		}
	}
	if covered < 6 {
		c.ok = false
		return c
	}
	c.support = float64(in) / rays
	return c
}

// circleFit is a ball's outline as refinement found it: centre and radius
// (pixels), the radius the points alone gave (free: rad is the expected
// radius when they gave one too far from it), and the share of the rays
// that found the outline, and rms how well the points lie on it.
type circleFit struct {
	x, y, rad, free, support float64
	rms                      float64 // the outline points' distance from the circle, pixels
	ok                       bool
}

// fitCircle fits a circle to outline points found around (cx, cy) with
// expected radius r: Gauss-Newton on (x, y, rad) with the worst residuals
// trimmed twice; too few points, a centre that wandered or a radius far
// from r fail. A radius off by more than 7% refits the centre with r.
func fitCircle(xs, ys []float64, cx, cy, r float64) circleFit {
	return fitCircleR(xs, ys, cx, cy, r, true)
}

// fitCircleR is fitCircle; with keepR false the radius stays free however
// far from r it comes out (within 30%).
func fitCircleR(xs, ys []float64, cx, cy, r float64, keepR bool) circleFit {
	fail := circleFit{x: cx, y: cy, rad: r, free: r}
	n := len(xs)
	if n < 8 || n > maxFit {
		return fail
	}
	x, y, rad := cx, cy, r
	var res [maxFit]float64
	keep := [maxFit]bool{}
	for i := 0; i < n; i++ {
		keep[i] = true
	}
	for iter := 0; iter < 8; iter++ {
		// Gauss-Newton for (x, y, rad) on residuals |p - c| - rad.
		var a [3][4]float64
		for i := 0; i < n; i++ {
			if !keep[i] {
				continue
			}
			dx, dy := xs[i]-x, ys[i]-y
			d := math.Hypot(dx, dy)
			if d < 1e-9 {
				continue
			}
			j := [3]float64{-dx / d, -dy / d, -1}
			e := d - rad
			for p := 0; p < 3; p++ {
				for q := 0; q < 3; q++ {
					a[p][q] += j[p] * j[q]
				}
				a[p][3] -= j[p] * e
			}
		}
		delta, ok := solve3(a)
		if !ok {
			break
		}
		x += delta[0]
		y += delta[1]
		rad += delta[2]
		if iter == 2 || iter == 5 {
			// Trim: drop crossings far from the current circle (a
			// neighbour's edge, the shadow side, the cue).
			for i := 0; i < n; i++ {
				res[i] = math.Abs(math.Hypot(xs[i]-x, ys[i]-y) - rad)
			}
			var buf [maxFit]float64
			sorted := buf[:n]
			copy(sorted, res[:n])
			sortFloats(sorted)
			cut := max(3*sorted[n/2], 0.35)
			kept := 0
			for i := 0; i < n; i++ {
				keep[i] = res[i] <= cut
				if keep[i] {
					kept++
				}
			}
			if kept < 6 {
				return fail
			}
		}
	}
	if math.IsNaN(x) || math.Hypot(x-cx, y-cy) > 0.6*r || rad < 0.7*r || rad > 1.3*r {
		return fail
	}
	if keepR && math.Abs(rad-r) > 0.07*r {
		// The outline came out too small or too large: part of the edge
		// was found inside the ball (a white cap on grey cloth in dim light
		// is no brighter than the cloth at its limb) or outside it (a
		// shadow). The radius is known from the table geometry: fit the
		// centre alone with it, keeping the crossings that agree.
		if fx, fy, ok := fixedRadiusFit(xs[:n], ys[:n], x, y, r); ok {
			return circleFit{x: fx, y: fy, rad: r, free: rad, rms: fitRMS(xs[:n], ys[:n], fx, fy, r), ok: true}
		}
	}
	return circleFit{x: x, y: y, rad: rad, free: rad, rms: fitRMS(xs[:n], ys[:n], x, y, rad), ok: true}
}

// fitRMS is the root mean square distance of the points from a circle,
// over the better 80% of them (a neighbour's edge or the stick on a few
// rays is not the ball's roundness).
func fitRMS(xs, ys []float64, x, y, r float64) float64 {
	var res [maxFit]float64
	n := len(xs)
	for i := 0; i < n; i++ {
		res[i] = math.Abs(math.Hypot(xs[i]-x, ys[i]-y) - r)
	}
	sortFloats(res[:n])
	k := max(1, n*8/10)
	var s float64
	for _, e := range res[:k] {
		s += e * e
	}
	return math.Sqrt(s / float64(k))
}

// fixedRadiusFit fits a circle of known radius r to the points, starting at
// (x, y): Gauss-Newton on the centre, dropping points more than 0.15 r off
// the circle (at least half must stay).
func fixedRadiusFit(xs, ys []float64, x, y, r float64) (float64, float64, bool) {
	n := len(xs)
	for iter := 0; iter < 10; iter++ {
		var a [2][3]float64
		used := 0
		for i := 0; i < n; i++ {
			dx, dy := xs[i]-x, ys[i]-y
			d := math.Hypot(dx, dy)
			e := d - r
			if d < 1e-9 || math.Abs(e) > 0.15*r && iter > 1 {
				continue
			}
			used++
			jx, jy := -dx/d, -dy/d
			a[0][0] += jx * jx
			a[0][1] += jx * jy
			a[1][1] += jy * jy
			a[0][2] -= jx * e
			a[1][2] -= jy * e
		}
		if used < n/2 || used < 5 {
			return x, y, false
		}
		a[1][0] = a[0][1]
		det := a[0][0]*a[1][1] - a[0][1]*a[1][0]
		if math.Abs(det) < 1e-12 {
			return x, y, false
		}
		ddx := (a[0][2]*a[1][1] - a[0][1]*a[1][2]) / det
		ddy := (a[0][0]*a[1][2] - a[1][0]*a[0][2]) / det
		x += ddx
		y += ddy
		if math.Abs(ddx)+math.Abs(ddy) < 1e-3 {
			break
		}
	}
	return x, y, true
}

func solve3(a [3][4]float64) ([3]float64, bool) {
	for c := 0; c < 3; c++ {
		p := c
		for r := c + 1; r < 3; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-12 {
			return [3]float64{}, false
		}
		a[c], a[p] = a[p], a[c]
		for r := 0; r < 3; r++ {
			if r != c {
				f := a[r][c] / a[c][c]
				for k := c; k < 4; k++ {
					a[r][k] -= f * a[c][k]
				}
			}
		}
	}
	return [3]float64{a[0][3] / a[0][0], a[1][3] / a[1][1], a[2][3] / a[2][2]}, true
}

// polishRays is how many rays polishCircle looks along.
const polishRays = 48

// polishWins are polishCircle's search windows, shares of the radius either
// side of the circle: a wide first one (the first fit may lie a shadow's
// width off), then a narrow one around the recentred circle.
var polishWins = [...]float64{0.35, 0.2, 0.12}

// polishCircle sharpens a fitted outline to the ball's own edge. The first
// fit finds where the pixels stop being "not cloth", which in real frames
// lies a little outside the ball wherever its shadow or a motion smear
// joins it, and whose threshold sits anywhere on the blurred edge. Here,
// on each ray across the fitted circle, the edge is the strongest colour
// step within a window around the radius (the gradient magnitude over a
// central difference, its peak placed sub-pixel by a parabola: for a
// blurred step, its middle). Of two strong steps on one ray the inner one
// is taken when the outer one separates a shadow from the cloth: darker
// cloth on its inside, the cloth's own chromaticity on both sides. A free
// circle is fitted (trimmed least squares), recentred and searched again
// in a narrower window. The radius is free: the table's geometry gives
// one 10-20% off on real tables (the paint ends inside the ball's edge
// blur). ok is false when too few rays found a step or the circle moved
// too far from fit.
func polishCircle(m *img, fe *felt, others []model.BallDetection, self int, fit circleFit, r float64) circleFit {
	cur, last := fit, 0
	for _, w := range polishWins {
		xs, ys, n := polishEdges(m, fe, others, self, cur.x, cur.y, cur.rad, w)
		if n < polishRays*6/10 {
			return circleFit{}
		}
		c := fitCircleR(xs[:n], ys[:n], cur.x, cur.y, cur.rad, false)
		if !c.ok || math.Hypot(c.x-fit.x, c.y-fit.y) > polishMaxShift*r || math.Abs(c.rad-fit.rad) > 0.3*r {
			return circleFit{}
		}
		cur = c
		last = n
	}
	// Keep the first fit unless the outline places the centre clearly
	// elsewhere: by more than twice the new centre's standard error
	// (the points' scatter over the square root of half their number).
	// Where no shadow or smear pulls the first fit (the simulator's balls)
	// the two agree to a tenth of a pixel and the first, from twice as
	// many samples across the edge, is the steadier.
	if math.Hypot(cur.x-fit.x, cur.y-fit.y) < max(polishSignificance*cur.rms/math.Sqrt(float64(last)/2), polishMinShift*r) {
		return circleFit{}
	}
	cur.support = fit.support
	return cur
}

// polishSignificance is how many standard errors the polished centre must
// lie from the first fit's to replace it.
const polishSignificance = 2

// polishMaxShift (share of the radius) is the farthest polishCircle moves
// a centre: a shadow or smear taken in pulls the first fit by up to about
// a fifth of the radius; more is the outline of something else (a pocket's
// jaws, a hand).
const polishMaxShift = 0.25

// polishMinShift (share of the radius) is the least move polishCircle
// makes: below it the two edge definitions differ by their own biases (a
// gradient's peak moves inwards where the ball's limb darkens towards the
// lamp's far side, about 0.1-0.3 px on the simulator's balls), not by a
// shadow or smear taken in.
const polishMinShift = 0.03

// polishEdges finds one outline point per ray of polishCircle within
// [rad(1-win), rad(1+win)] of (cx, cy).
func polishEdges(m *img, fe *felt, others []model.BallDetection, self int, cx, cy, rad, win float64) (xs, ys [polishRays]float64, np int) {
	const (
		step = 0.5
		maxN = 64
	)
	// Central difference over 2hs samples (at least 1 px either side,
	// wider on big balls: their edges are wider blurs).
	hs := max(2, int(math.Round(rad/16/step)))
	n := int(2*win*rad/step) + 1 + 2*hs
	if n > maxN {
		n = maxN
	}
	lo := rad - float64(n-1)/2*step
	var pb, pg, pr [maxN]float64
	var g [maxN]float64
	for k := 0; k < polishRays; k++ {
		dx, dy := polishRing.cos[k], polishRing.sin[k]
		ok := true
		for i := 0; i < n; i++ {
			s := lo + float64(i)*step
			var o bool
			pb[i], pg[i], pr[i], o = m.bilinear(cx+s*dx, cy+s*dy)
			if !o {
				ok = false
				break
			}
		}
		// A ray into a touching neighbour finds the edges of both, and
		// the dark contact between them: leave it to the free side.
		if !ok || inOther(others, self, cx+(lo+float64(n)*step)*dx, cy+(lo+float64(n)*step)*dy) {
			continue
		}
		for i := hs; i < n-hs; i++ {
			db, dg, dr := pb[i+hs]-pb[i-hs], pg[i+hs]-pg[i-hs], pr[i+hs]-pr[i-hs]
			g[i] = math.Sqrt(db*db+dg*dg+dr*dr) / float64(2*hs) / step
		}
		best := -1
		for i := hs + 1; i < n-hs-1; i++ {
			if g[i] >= g[i-1] && g[i] > g[i+1] && (best < 0 || g[i] > g[best]) {
				best = i
			}
		}
		if best < 0 || g[best] < polishMinStep {
			continue
		}
		// A weaker but clear step inside the strongest one, where the
		// strongest is a shadow's edge: the ball ends at the inner one.
		if in := innerStep(g[hs:n-hs], best-hs, hs); in >= 0 {
			i0, i1 := max(0, best-2*hs), min(n-1, best+2*hs)
			if isShadowEdge(fe, pb[i0], pg[i0], pr[i0], pb[i1], pg[i1], pr[i1]) {
				best = in + hs
			}
		}
		e := lo + (float64(best)+parabola(float32(g[best-1]), float32(g[best]), float32(g[best+1])))*step
		xs[np], ys[np] = cx+e*dx, cy+e*dy
		np++
	}
	return xs, ys, np
}

// polishMinStep is the weakest colour step (8-bit levels per pixel) that
// polishCircle takes for an outline: sensor and JPEG noise on cloth give
// about 4.
const polishMinStep = 8

// innerStep is the strongest local maximum of g at least 2hs samples
// inside best and at least half as strong, or -1.
func innerStep(g []float64, best, hs int) int {
	in := -1
	for i := 1; i < best-2*hs; i++ {
		if g[i] >= g[i-1] && g[i] > g[i+1] && g[i] >= 0.5*g[best] && (in < 0 || g[i] > g[in]) {
			in = i
		}
	}
	return in
}

// isShadowEdge: the colours either side of a step (inner, outer) are both
// the cloth's chromaticity and the inner is clearly darker: the edge of a
// shadow on the cloth, not a ball's.
func isShadowEdge(fe *felt, b0, g0, r0, b1, g1, r1 float64) bool {
	s0, s1 := b0+g0+r0, b1+g1+r1
	if s0 > 0.85*s1 {
		return false
	}
	return fe.chromaDist(b0, g0, r0) < fe.tolAt(s0) && fe.chromaDist(b1, g1, r1) < fe.tolAt(s1)
}

// inOther: (x, y) lies within another ball of the frame than balls[self].
func inOther(balls []model.BallDetection, self int, x, y float64) bool {
	for i := range balls {
		b := &balls[i]
		if i != self && math.Hypot(x-b.Pixel.X, y-b.Pixel.Y) < 1.1*b.RadiusPx {
			return true
		}
	}
	return false
}
