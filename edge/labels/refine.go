package labels

import (
	"errors"
	"image"
	"math"
	"slices"
)

// Image is an RGB image in float32 planes, for sub-pixel sampling. Pixel
// centres are at integer coordinates (OpenCV's convention, the detector's).
type Image struct {
	W, H int
	pix  []float32 // R, G, B interleaved, row-major
	// ShadowInvariant makes the fits look for changes of hue rather than
	// of brightness: a ball's own shadow on the cloth (darker, same
	// chromaticity) then does not read as its outline. Use it where the
	// lamp throws a crescent of shadow beside each ball.
	ShadowInvariant bool
}

// NewImage converts any decoded image.
func NewImage(img image.Image) *Image {
	b := img.Bounds()
	m := &Image{W: b.Dx(), H: b.Dy(), pix: make([]float32, 3*b.Dx()*b.Dy())}
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			m.pix[i], m.pix[i+1], m.pix[i+2] = float32(r>>8), float32(g>>8), float32(bl>>8)
			i += 3
		}
	}
	return m
}

// NewImageBGR wraps packed BGR bytes (model.Frame's layout).
func NewImageBGR(w, h int, bgr []byte) *Image {
	m := &Image{W: w, H: h, pix: make([]float32, 3*w*h)}
	for i := 0; i+2 < len(bgr) && i+2 < len(m.pix); i += 3 {
		m.pix[i], m.pix[i+1], m.pix[i+2] = float32(bgr[i+2]), float32(bgr[i+1]), float32(bgr[i])
	}
	return m
}

// at samples the colour at (x, y) bilinearly; ok is false outside.
func (m *Image) at(x, y float64) (c [3]float64, ok bool) {
	c, ok = m.rgb(x, y)
	if ok && m.ShadowInvariant {
		// Chromaticity (scaled to the 0-255 range) plus a quarter of the
		// brightness, so a black ball on its dark shadow still has an edge.
		sum := c[0] + c[1] + c[2] + 30
		l := sum / 12
		c = [3]float64{255*c[0]/sum + l, 255*c[1]/sum + l, 255*c[2]/sum + l}
	}
	return c, ok
}

// rgb samples the colour bilinearly.
func (m *Image) rgb(x, y float64) (c [3]float64, ok bool) {
	if x < 0 || y < 0 || x > float64(m.W-1) || y > float64(m.H-1) {
		return c, false
	}
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, m.W-1), min(y0+1, m.H-1)
	fx, fy := x-float64(x0), y-float64(y0)
	for k := 0; k < 3; k++ {
		p00 := float64(m.pix[3*(y0*m.W+x0)+k])
		p01 := float64(m.pix[3*(y0*m.W+x1)+k])
		p10 := float64(m.pix[3*(y1*m.W+x0)+k])
		p11 := float64(m.pix[3*(y1*m.W+x1)+k])
		c[k] = (p00*(1-fx)+p01*fx)*(1-fy) + (p10*(1-fx)+p11*fx)*fy
	}
	return c, true
}

// Fit is a circle fitted to a ball's outline.
type Fit struct {
	X, Y, R float64
	// Rays is how many of the rays found an edge that agrees with the
	// circle (of 72); RMS their distance from it, pixels.
	Rays int
	RMS  float64
	// Contrast is the median colour step across the outline (0-441).
	Contrast float64
}

// ErrNoOutline: too few rays found an edge near the given circle.
var ErrNoOutline = errors.New("labels: no ball outline near the given circle")

const fitRays = 72

// Refine fits a circle to the ball outline nearest the circle (x, y, r): on
// each of 72 rays from the centre, the strongest colour step within a
// window around the radius (parabolic sub-pixel peak of the colour
// gradient's magnitude, which for a blurred step is its midpoint); then a
// least-squares circle through those points, dropping rays off it by more
// than three robust standard deviations (a touching ball, a stripe's band,
// a highlight), repeated with a narrower window around the new circle.
func (m *Image) Refine(x, y, r float64) (Fit, error) { return m.refine(x, y, r, false) }

// RefineCentre is Refine with the radius held at r: when the balls of a
// frame are known to share one size, a ball whose outline is weak on one
// side (a black ball in its own shadow, a touching neighbour) gets its
// centre from the rest of the outline instead of a smaller circle.
func (m *Image) RefineCentre(x, y, r float64) (Fit, error) { return m.refine(x, y, r, true) }

func (m *Image) refine(x, y, r float64, fixed bool) (Fit, error) {
	if r < 2 || !finite(x, y, r) {
		return Fit{}, ErrNoOutline
	}
	var pts []edgePoint
	fit := Fit{X: x, Y: y, R: r}
	for iter, win := range []float64{0.35, 0.25, 0.15, 0.12} {
		pts = m.edges(fit.X, fit.Y, fit.R, win, pts[:0])
		if len(pts) < fitRays/4 {
			return Fit{}, ErrNoOutline
		}
		nf, ok := fitCircle(pts, fixedRadius(fixed, r))
		if !ok {
			return Fit{}, ErrNoOutline
		}
		// An outline stands out of its surroundings: on bare cloth the
		// "steps" are noise, barely above the rays' median gradient (in
		// the first, widest window; the later ones lie on the step).
		if iter == 0 && !standsOut(pts) {
			return Fit{}, ErrNoOutline
		}
		// A fit that wanders more than half a radius from where it started
		// has locked onto something else.
		if math.Hypot(nf.X-x, nf.Y-y) > 0.5*r || math.Abs(nf.R-r) > 0.5*r {
			return Fit{}, ErrNoOutline
		}
		fit = nf
	}
	return fit, nil
}

// standsOut: the used points' median step is at least 1.8 times the
// rays' median gradient, and at least 8 (colour distance per pixel; sensor
// and JPEG noise on bare cloth give about 4).
func standsOut(pts []edgePoint) bool {
	var st, bg []float64
	for _, p := range pts {
		if p.use {
			st = append(st, p.s)
			bg = append(bg, p.bg)
		}
	}
	if len(st) == 0 {
		return false
	}
	slices.Sort(st)
	slices.Sort(bg)
	return st[len(st)/2] >= max(1.8*bg[len(bg)/2], 8)
}

type edgePoint struct {
	x, y, s float64 // position and step strength
	bg      float64 // the ray's median gradient: the texture and noise level
	use     bool
}

// edges finds one edge point per ray within [r(1-win), r(1+win)].
func (m *Image) edges(cx, cy, r, win float64, out []edgePoint) []edgePoint {
	const step = 0.25
	h := math.Max(0.75, r/16) // half-width of the central difference
	lo, hi := r*(1-win), r*(1+win)
	n := int((hi-lo)/step) + 1
	g := make([]float64, n)
	srt := make([]float64, 0, n)
	for k := 0; k < fitRays; k++ {
		th := 2 * math.Pi * float64(k) / fitRays
		dx, dy := math.Cos(th), math.Sin(th)
		ok := true
		for i := range g {
			s := lo + float64(i)*step
			a, ok1 := m.at(cx+(s-h)*dx, cy+(s-h)*dy)
			b, ok2 := m.at(cx+(s+h)*dx, cy+(s+h)*dy)
			if !ok1 || !ok2 {
				ok = false
				break
			}
			g[i] = math.Sqrt((a[0]-b[0])*(a[0]-b[0])+(a[1]-b[1])*(a[1]-b[1])+(a[2]-b[2])*(a[2]-b[2])) / (2 * h)
		}
		if !ok {
			continue
		}
		best := 0
		for i := range g {
			if g[i] > g[best] {
				best = i
			}
		}
		if best == 0 || best == n-1 {
			continue // the step lies outside the window
		}
		// Parabola through the peak and its neighbours.
		a, b, c := g[best-1], g[best], g[best+1]
		off := 0.0
		if d := a - 2*b + c; d < 0 {
			off = 0.5 * (a - c) / d
		}
		s := lo + (float64(best)+off)*step
		srt = append(srt[:0], g...)
		slices.Sort(srt)
		out = append(out, edgePoint{x: cx + s*dx, y: cy + s*dy, s: b, bg: srt[len(srt)/2], use: true})
	}
	return out
}

// fitCircle fits a circle to the points, trimming outliers: weak steps
// first, then points off the circle by more than 3 robust sigmas.
func fitCircle(pts []edgePoint, fixedR float64) (Fit, bool) {
	ss := make([]float64, len(pts))
	for i, p := range pts {
		ss[i] = p.s
	}
	slices.Sort(ss)
	med := ss[len(ss)/2]
	for i := range pts {
		pts[i].use = pts[i].s >= 0.3*med
	}
	var f Fit
	for pass := 0; pass < 3; pass++ {
		var ok bool
		if f, ok = lsqCircle(pts, fixedR); !ok {
			return f, false
		}
		res := make([]float64, 0, len(pts))
		for _, p := range pts {
			if p.use {
				res = append(res, math.Abs(math.Hypot(p.x-f.X, p.y-f.Y)-f.R))
			}
		}
		slices.Sort(res)
		sigma := 1.4826 * res[len(res)/2]
		cut := math.Max(3*sigma, 0.35)
		for i := range pts {
			if pts[i].use && math.Abs(math.Hypot(pts[i].x-f.X, pts[i].y-f.Y)-f.R) > cut {
				pts[i].use = false
			}
		}
	}
	f, ok := lsqCircle(pts, fixedR)
	if !ok {
		return f, false
	}
	var n int
	var sum float64
	var str []float64
	for _, p := range pts {
		if p.use {
			d := math.Hypot(p.x-f.X, p.y-f.Y) - f.R
			sum += d * d
			n++
			str = append(str, p.s)
		}
	}
	if n < fitRays/4 {
		return f, false
	}
	slices.Sort(str)
	f.Rays, f.RMS, f.Contrast = n, math.Sqrt(sum/float64(n)), str[len(str)/2]
	return f, true
}

func fixedRadius(fixed bool, r float64) float64 {
	if fixed {
		return r
	}
	return 0
}

// lsqCircle is the geometric least-squares circle through the used points:
// an algebraic (Kasa) start, then Gauss-Newton on the distances. With
// fixedR > 0 only the centre moves.
func lsqCircle(pts []edgePoint, fixedR float64) (Fit, bool) {
	var sx, sy, n float64
	for _, p := range pts {
		if p.use {
			sx += p.x
			sy += p.y
			n++
		}
	}
	if n < 8 {
		return Fit{}, false
	}
	mx, my := sx/n, sy/n
	// Kasa: minimise sum (u^2+v^2 - 2au - 2bv - c)^2 in centred coordinates.
	var suu, suv, svv, suuu, svvv, suvv, svuu float64
	for _, p := range pts {
		if !p.use {
			continue
		}
		u, v := p.x-mx, p.y-my
		suu += u * u
		suv += u * v
		svv += v * v
		suuu += u * u * u
		svvv += v * v * v
		suvv += u * v * v
		svuu += v * u * u
	}
	det := suu*svv - suv*suv
	if math.Abs(det) < 1e-9 {
		return Fit{}, false
	}
	bu := 0.5 * (suuu + suvv)
	bv := 0.5 * (svvv + svuu)
	a := (bu*svv - bv*suv) / det
	b := (bv*suu - bu*suv) / det
	cx, cy := mx+a, my+b
	r := math.Sqrt(a*a + b*b + (suu+svv)/n)
	if fixedR > 0 {
		r = fixedR
	}
	// Gauss-Newton on f_i = |p_i - c| - r.
	for it := 0; it < 20; it++ {
		var j [3][3]float64
		var g [3]float64
		for _, p := range pts {
			if !p.use {
				continue
			}
			dx, dy := p.x-cx, p.y-cy
			d := math.Hypot(dx, dy)
			if d < 1e-9 {
				continue
			}
			row := [3]float64{-dx / d, -dy / d, -1}
			res := d - r
			for i := 0; i < 3; i++ {
				g[i] += row[i] * res
				for k := 0; k < 3; k++ {
					j[i][k] += row[i] * row[k]
				}
			}
		}
		if fixedR > 0 {
			// Only the centre: the radius row and column become identity.
			j[2] = [3]float64{0, 0, 1}
			j[0][2], j[1][2] = 0, 0
			g[2] = 0
		}
		delta, ok := solve3(j, g)
		if !ok {
			break
		}
		cx -= delta[0]
		cy -= delta[1]
		r -= delta[2]
		if math.Abs(delta[0])+math.Abs(delta[1])+math.Abs(delta[2]) < 1e-6 {
			break
		}
	}
	if !finite(cx, cy, r) || r <= 0 {
		return Fit{}, false
	}
	return Fit{X: cx, Y: cy, R: r}, true
}

// solve3 solves a x = b for a symmetric 3x3 a (Cramer's rule).
func solve3(a [3][3]float64, b [3]float64) ([3]float64, bool) {
	det := a[0][0]*(a[1][1]*a[2][2]-a[1][2]*a[2][1]) - a[0][1]*(a[1][0]*a[2][2]-a[1][2]*a[2][0]) + a[0][2]*(a[1][0]*a[2][1]-a[1][1]*a[2][0])
	if math.Abs(det) < 1e-12 {
		return [3]float64{}, false
	}
	var x [3]float64
	for c := 0; c < 3; c++ {
		m := a
		for r := 0; r < 3; r++ {
			m[r][c] = b[r]
		}
		x[c] = (m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) - m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) + m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])) / det
	}
	return x, true
}

// Snap finds the ball nearest a rough click: the circle within search
// pixels of (x, y), radius within 15 % of r, whose outline shows the
// strongest colour step all round (a coarse search on a 1-px grid), then
// refined by Refine. It is how a person's click becomes a sub-pixel label.
func (m *Image) Snap(x, y, r, search float64) (Fit, error) {
	bx, by, br, err := m.search(x, y, r, search, 0.15)
	if err != nil {
		return Fit{}, err
	}
	return m.Refine(bx, by, br)
}

// SnapCentre is Snap for a ball whose radius is known (the other balls of
// the frame): only the centre is searched and refined.
func (m *Image) SnapCentre(x, y, r, search float64) (Fit, error) {
	bx, by, _, err := m.search(x, y, r, search, 0)
	if err != nil {
		return Fit{}, err
	}
	return m.RefineCentre(bx, by, r)
}

// search is the coarse part of Snap: radii within frac of r.
func (m *Image) search(x, y, r, search, frac float64) (bx, by, br float64, err error) {
	if r < 2 || search < 0 || !finite(x, y, r, search) {
		return 0, 0, 0, ErrNoOutline
	}
	const n = 36
	var cs, sn [n]float64
	for k := range cs {
		cs[k], sn[k] = math.Cos(2*math.Pi*float64(k)/n), math.Sin(2*math.Pi*float64(k)/n)
	}
	score := func(cx, cy, rr float64) float64 {
		var sum float64
		for k := 0; k < n; k++ {
			a, ok1 := m.at(cx+(rr-1)*cs[k], cy+(rr-1)*sn[k])
			b, ok2 := m.at(cx+(rr+1)*cs[k], cy+(rr+1)*sn[k])
			if !ok1 || !ok2 {
				continue
			}
			sum += math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
		}
		return sum / n
	}
	best := -1.0
	bx, by, br = x, y, r
	rstep := math.Max(0.5, r/40)
	for rr := (1 - frac) * r; rr <= (1+frac)*r+1e-9; rr += rstep {
		for dy := -search; dy <= search; dy++ {
			for dx := -search; dx <= search; dx++ {
				if s := score(x+dx, y+dy, rr); s > best {
					best, bx, by, br = s, x+dx, y+dy, rr
				}
			}
		}
	}
	return bx, by, br, nil
}
