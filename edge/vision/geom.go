package vision

import (
	"errors"
	"math"
	"math/bits"
	"slices"

	"github.com/cuecast/cuecast/edge/model"
)

// homography is a row-major 3x3 projective map.
type homography [9]float64

func (h *homography) apply(x, y float64) (float64, float64) {
	w := h[6]*x + h[7]*y + h[8]
	return (h[0]*x + h[1]*y + h[2]) / w, (h[3]*x + h[4]*y + h[5]) / w
}

func (h homography) inverse() homography {
	a, b, c, d, e, f, g, k, l := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]
	A, B, C := e*l-f*k, -(d*l - f*g), d*k-e*g
	det := a*A + b*B + c*C
	inv := homography{A, -(b*l - c*k), b*f - c*e, B, a*l - c*g, -(a*f - c*d), C, -(a*k - b*g), a*e - b*d}
	for i := range inv {
		inv[i] /= det
	}
	return inv
}

// scaleAt is the local area scale of h at (x, y): output units per input
// unit (the root of the Jacobian's determinant).
func (h *homography) scaleAt(x, y float64) float64 {
	const e = 1e-3
	ax, ay := h.apply(x, y)
	bx, by := h.apply(x+e, y)
	cx, cy := h.apply(x, y+e)
	return math.Sqrt(math.Abs((bx-ax)*(cy-ay)-(cx-ax)*(by-ay))) / e
}

// homographyFrom4 solves the projective map taking src[i] to dst[i]
// (Gaussian elimination on the 8x8 system with h33 = 1).
func homographyFrom4(src, dst [4][2]float64) (homography, error) {
	var m [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i][0], src[i][1], dst[i][0], dst[i][1]
		m[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		m[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if math.Abs(m[p][c]) < 1e-12 {
			return homography{}, errors.New("vision: homography: degenerate corners (three in a line?)")
		}
		m[c], m[p] = m[p], m[c]
		for r := 0; r < 8; r++ {
			if r == c {
				continue
			}
			f := m[r][c] / m[c][c]
			for k := c; k < 9; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	var h homography
	for i := 0; i < 8; i++ {
		h[i] = m[i][8] / m[i][i]
	}
	h[8] = 1
	return h, nil
}

// tableHomography maps the playing-surface corners (pixels, BL BR TR TL)
// to table metres.
func tableHomography(c [4]model.Pixel, size model.Size) (homography, error) {
	src := [4][2]float64{{c[0].X, c[0].Y}, {c[1].X, c[1].Y}, {c[2].X, c[2].Y}, {c[3].X, c[3].Y}}
	dst := [4][2]float64{{0, 0}, {size.Length, 0}, {size.Length, size.Width}, {0, size.Width}}
	return homographyFrom4(src, dst)
}

// line is a 2D line through p with unit direction d.
type line struct{ px, py, dx, dy float64 }

// fitLine fits a line to points by total least squares, dropping the worst
// quarter once so a ball or a pocket cut on the edge does not pull it.
func fitLine(xs, ys []float64) (line, bool) {
	if len(xs) < 4 {
		return line{}, false
	}
	l := tls(xs, ys, nil)
	res := make([]float64, len(xs))
	for i := range xs {
		res[i] = math.Abs((xs[i]-l.px)*l.dy - (ys[i]-l.py)*l.dx)
	}
	sorted := append([]float64(nil), res...)
	sortFloats(sorted)
	cut := sorted[len(sorted)*3/4]
	keep := make([]bool, len(xs))
	for i := range res {
		keep[i] = res[i] <= cut+0.5
	}
	return tls(xs, ys, keep), true
}

func tls(xs, ys []float64, keep []bool) line {
	var n, mx, my float64
	for i := range xs {
		if keep == nil || keep[i] {
			n++
			mx += xs[i]
			my += ys[i]
		}
	}
	mx /= n
	my /= n
	var sxx, syy, sxy float64
	for i := range xs {
		if keep == nil || keep[i] {
			dx, dy := xs[i]-mx, ys[i]-my
			sxx += dx * dx
			syy += dy * dy
			sxy += dx * dy
		}
	}
	th := 0.5 * math.Atan2(2*sxy, sxx-syy)
	return line{mx, my, math.Cos(th), math.Sin(th)}
}

func intersect(a, b line) (float64, float64, bool) {
	den := a.dx*b.dy - a.dy*b.dx
	if math.Abs(den) < 1e-9 {
		return 0, 0, false
	}
	t := ((b.px-a.px)*b.dy - (b.py-a.py)*b.dx) / den
	return a.px + t*a.dx, a.py + t*a.dy, true
}

// sortFloats sorts in place, without allocating. It was an insertion sort
// ("a few hundred at most"); a ball's evidence disc at 1080p holds a few
// thousand samples, where the quadratic sort took 60% of a real frame's
// detection time.
func sortFloats(a []float64) {
	slices.Sort(a)
}

// nthFloat returns the value sorted a would hold at index k, partly
// reordering a (quickselect, no allocation). The k-th smallest value is
// one number whatever the algorithm, so it is exactly what sortFloats
// then a[k] gives, in O(n) instead of O(n log n); callers that read one
// order statistic (a median) use it. a must hold no NaN (pixel sums and
// colour steps never do). A pathological run of bad pivots falls back to
// sorting what is left.
func nthFloat(a []float64, k int) float64 {
	lo, hi := 0, len(a)-1
	for budget := 2 * bits.Len(uint(len(a))); hi > lo; budget-- {
		if budget == 0 {
			slices.Sort(a[lo : hi+1])
			return a[k]
		}
		// Median of three as the pivot, then Hoare's partition.
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		p := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		// Now a[lo..j] <= p <= a[i..hi], and a[j+1..i-1] == p.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return a[k]
		}
	}
	return a[k]
}

// ring is the unit directions of n rays round a circle, ray k at angle
// 2 pi (k + off) / n: the per-candidate ray loops (refineCircle,
// refineByEdges, the evidence's contrast, the rim, the polish) read them
// instead of calling Cos and Sin per ray per candidate. The angle is the
// loops' own expression, so the directions are the same numbers.
type ring struct{ cos, sin []float64 }

func newRing(n int, off float64) ring {
	r := ring{make([]float64, n), make([]float64, n)}
	for k := 0; k < n; k++ {
		th := 2 * math.Pi * (float64(k) + off) / float64(n)
		r.cos[k], r.sin[k] = math.Cos(th), math.Sin(th)
	}
	return r
}

var (
	rayRing      = newRing(rays, 0)
	contrastRing = newRing(24, 0)
	rimRing      = newRing(rimRays, 0)
	polishRing   = newRing(polishRays, 0.5)
)
