package vision

import "math"

// A swatch is a ball's disc sampled on a fixed polar grid: swRings rings of
// swAngles samples, bilinear at full resolution. The rings are spaced for
// equal area (every sample stands for the same share of the disc) out to
// swReach radii, and the grid is the same for a ball of 10 px and of 40 px:
// every measure taken from it is scale-free and costs the same per ball
// (320 samples, a few µs).
const (
	swRings  = 10
	swAngles = 32
	swN      = swRings * swAngles
	swWords  = swN / 64
	// swReach: the outermost ring sits at 0.94 r, inside the outline's
	// blend with the cloth but far enough out to see a stripe's band
	// around a cap that faces the camera.
	swReach = 0.96
)

// swRho[i] is ring i's radius as a fraction of the ball's.
var swRho [swRings]float64

// swX, swY are the grid's points in units of the ball's radius; swZ is the
// height of the sphere's surface above them (the camera's axis), so
// (swX, swY, swZ) is the surface normal each sample sees.
var swX, swY, swZ [swN]float64

// swShade undoes the shading of a sphere lit from above at each sample:
// 1 / (a + (1-a) z), z the surface normal's height (Lambert's cosine for a
// lamp overhead) and a the share of light that comes from all around
// (the room, the cloth's bounce). A ball's limb is then about as bright as
// its top, so the band of a stripe whose cap faces the camera, seen only
// near the limb, reads at its own value.
var swShade [swN]float64

// shadeAmbient is a in swShade.
const shadeAmbient = 0.45

func init() {
	for i := range swRings {
		swRho[i] = swReach * math.Sqrt((float64(i)+0.5)/swRings)
		// Odd rings turn by half a step so the rings do not all sample
		// the same rays.
		off := 0.5 * float64(i%2)
		for k := range swAngles {
			th := 2 * math.Pi * (float64(k) + off) / swAngles
			j := i*swAngles + k
			swX[j], swY[j] = swRho[i]*math.Cos(th), swRho[i]*math.Sin(th)
			swZ[j] = math.Sqrt(1 - swRho[i]*swRho[i])
			swShade[j] = 1 / (shadeAmbient + (1-shadeAmbient)*swZ[j])
		}
	}
	buildTemplates()
}

// swatch is the raw samples of one ball: B, G, R per grid point (ring-major),
// ok false where the point fell off the frame.
type swatch struct {
	px [swN][3]float32
	ok [swN]bool
	r  float64 // the radius it was sampled at, pixels
}

// sample fills s from the frame around (cx, cy) with radius r.
func (s *swatch) sample(m *img, cx, cy, r float64) {
	s.r = r
	for j := range swN {
		b, g, rd, ok := m.bilinear(cx+r*swX[j], cy+r*swY[j])
		s.ok[j] = ok
		if ok {
			s.px[j] = [3]float32{float32(b), float32(g), float32(rd)}
		}
	}
}

// bitset marks samples of a swatch.
type bitset [swWords]uint64

func (b *bitset) set(j int)      { b[j>>6] |= 1 << (j & 63) }
func (b *bitset) has(j int) bool { return b[j>>6]&(1<<(j&63)) != 0 }

// outline finds where the ball ends inside the swatch. Along each of the
// grid's rays, a sample's difference from the cloth is its chromaticity's
// L1 distance from the cloth's, plus how much darker than a shadow it is
// (the eight on any cloth); the ball's own difference is that of the ray's
// inner samples, and its edge is where the difference falls to half of it
// (the middle of a blurred edge, not its outer foot, and a shadow on the
// cloth keeps the cloth's chromaticity). With enough rays ending inside
// the swatch, a circle through the ends (algebraic least squares) gives
// the ball's outline in units of the sampled radius: centre (dx, dy) and
// radius r. ok is false when the ball fills the swatch, when it differs
// from the cloth too little to tell (a ball of the cloth's colour) or when
// the fit is implausible.
func (s *swatch) outline(cloth [3]float64) (dx, dy, r float64, ok bool) {
	cs := cloth[0] + cloth[1] + cloth[2] + 1
	cb, cg, cr := cloth[0]/cs, cloth[1]/cs, cloth[2]/cs
	diff := func(j int) float64 {
		if !s.ok[j] {
			return -1
		}
		p := s.px[j]
		b, g, r := float64(p[0]), float64(p[1]), float64(p[2])
		sum := b + g + r + 1
		d := math.Abs(b/sum-cb) + math.Abs(g/sum-cg) + math.Abs(r/sum-cr)
		return d + 2*max(0, 0.35-sum/cs)
	}
	const first = 4 // rings 1..first-1 are the ball's inside
	var sx, sy, sxx, syy, sxy, sz, sxz, syz, n float64
	early, used := 0, 0
	for k := range swAngles {
		var in [first - 1]float64
		bad := false
		for i := 1; i < first; i++ {
			in[i-1] = diff(i*swAngles + k)
			bad = bad || in[i-1] < 0
		}
		if bad {
			continue
		}
		ref := (in[0] + in[1] + in[2] - max(in[0], in[1], in[2]) - min(in[0], in[1], in[2])) // the middle one
		if ref < 0.15 {
			continue // the ball is the cloth's colour along this ray
		}
		used++
		rho := swReach
		prev := ref
		for i := first; i < swRings; i++ {
			d := diff(i*swAngles + k)
			if d < 0 {
				break
			}
			if d < ref/2 {
				// Interpolate the half-way crossing between rings.
				t := (prev - ref/2) / max(prev-d, 1e-9)
				rho = swRho[i-1] + min(1, max(0, t))*(swRho[i]-swRho[i-1])
				early++
				break
			}
			prev = d
		}
		j := (swRings-1)*swAngles + k
		x, y := rho*swX[j]/swRho[swRings-1], rho*swY[j]/swRho[swRings-1]
		z := x*x + y*y
		sx += x
		sy += y
		sxx += x * x
		syy += y * y
		sxy += x * y
		sz += z
		sxz += x * z
		syz += y * z
		n++
	}
	if used < swAngles/2 || early < swAngles/3 {
		return 0, 0, 0, false
	}
	a, ok := solve3([3][4]float64{
		{sxx, sxy, sx, -sxz},
		{sxy, syy, sy, -syz},
		{sx, sy, n, -sz},
	})
	if !ok {
		return 0, 0, 0, false
	}
	dx, dy = -a[0]/2, -a[1]/2
	r = math.Sqrt(max(0, dx*dx+dy*dy-a[2]))
	if r < 0.55 || r > 0.98 || math.Hypot(dx, dy) > 0.3 {
		return 0, 0, 0, false
	}
	return dx, dy, r, true
}

// swEdge is where the ball ends when ring k is the first outside it: half
// way between rings k-1 and k, as a fraction of the radius sampled.
func swEdge(k int) float64 { return (swRho[k-1] + swRho[k]) / 2 }
