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
}

// sample fills s from the frame around (cx, cy) with radius r.
func (s *swatch) sample(m *img, cx, cy, r float64) {
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
