package vision

import (
	"math"
	"math/bits"
	"sort"
)

// Pattern templates: where a ball of each kind shows its second colour
// (white on most sets) on the swatch grid, for every way the ball can lie.
//
// A ball's pattern is fixed on the sphere: a solid has a number circle at
// both poles of one axis; a stripe has caps beyond a band around its
// equator and its number circles on the band, at the poles of an axis
// across the stripe's. Seen from above, the samples of the swatch grid see
// the surface normals (swX, swY, swZ); a template marks those whose normal
// falls in a circle or a cap for one orientation of the ball. Matching
// the observed white against every template and keeping the best is a
// fit of the ball's orientation: it tells a stripe turned with its band up
// (two thin caps at opposite limbs) from a solid with its circle at the
// limb (one spot) whatever the ball's size, where a white share alone
// cannot (a stripe band-up shows less white than a solid's circle face-up).
const (
	// circleCos is the cosine of a number circle's angular radius (about
	// 25°: the circle spans ~45% of the ball's diameter on WPA sets).
	circleCos = 0.9
)

// stripeHalves are the band's half-widths (sine of the latitude where the
// caps start) the stripe templates try: sets differ (0.52 on the
// simulator's and tournament sets, wider bands on some cheap sets).
var stripeHalves = [...]float64{0.42, 0.52, 0.62, 0.72}

// stripeSpins is how many turns of the circles' axis about the stripe's
// axis the templates try (every 30°: the circles are 50° across).
const stripeSpins = 6

var (
	// stripeT: caps and circles per stripe axis, band width and spin of
	// the circles, spins innermost (see bestStripe).
	stripeT []bitset
	solidT  []bitset // circles per orientation, and one without any
)

// buildTemplates fills stripeT and solidT from the swatch grid (called by
// swatch.go's init once the grid exists: init order across files is by
// file name).
func buildTemplates() {
	axes := hemisphere(120)
	for _, a := range axes {
		u, v := perpendiculars(a)
		for _, h := range stripeHalves {
			for k := range stripeSpins { // the circles' axis turned about the stripe's
				ph := math.Pi * float64(k) / stripeSpins
				s := [3]float64{}
				for i := range s {
					s[i] = math.Cos(ph)*u[i] + math.Sin(ph)*v[i]
				}
				var t bitset
				for j := range swN {
					n := [3]float64{swX[j], swY[j], swZ[j]}
					if math.Abs(dot3(n, a)) > h || math.Abs(dot3(n, s)) > circleCos {
						t.set(j)
					}
				}
				stripeT = append(stripeT, t)
			}
		}
	}
	// The band's share of the swatch for every axis, narrowest band
	// (the widest caps: the least band any stripe shows), sorted: the
	// orientations' distribution that capUpCost reads.
	per := stripeSpins * len(stripeHalves)
	for g := 0; g < len(stripeT); g += per {
		bandShares = append(bandShares, 1-float64(popcount(&stripeT[g]))/swN)
	}
	sort.Float64s(bandShares)
	solidT = append(solidT, bitset{}) // both circles out of sight
	for _, s := range hemisphere(64) {
		var t bitset
		for j := range swN {
			n := [3]float64{swX[j], swY[j], swZ[j]}
			if math.Abs(dot3(n, s)) > circleCos {
				t.set(j)
			}
		}
		solidT = append(solidT, t)
	}
}

// bandShares: see buildTemplates.
var bandShares []float64

// capUpCost is what reading a ball as a stripe costs for the little band it
// shows: a stripe lies any way up, and only a few of its orientations (the
// cap squarely towards the camera) leave as little as share of its swatch
// in band colour. The cost is the evidence against it, -2 ln of how much
// rarer so little band is than the median stripe's (P(band <= share) over
// orientations spread evenly on the sphere, against one half), in the
// colour distances' units (a chi-square: -2 ln of a likelihood); 0 from
// the median share up. A white ball with a tint at its limb (a
// neighbour's colour reflected, a coloured lamp or projected halo, the
// red dots of a measle cue ball) shows as little "band" as a stripe with
// its cap squarely up: that reading is the rare one.
func capUpCost(share float64) float64 {
	n := len(bandShares)
	k := sort.SearchFloat64s(bandShares, share+1e-9) // orientations with band <= share
	p := math.Max(float64(k), 0.5) / float64(n)
	return math.Max(0, 2*math.Log(0.5/p))
}

// hemisphere returns n directions spread evenly over the upper hemisphere
// (a Fibonacci lattice), from the horizon to the pole.
func hemisphere(n int) [][3]float64 {
	out := make([][3]float64, n)
	g := math.Pi * (3 - math.Sqrt(5))
	for i := range out {
		z := (float64(i) + 0.5) / float64(n)
		r := math.Sqrt(1 - z*z)
		th := g * float64(i)
		out[i] = [3]float64{r * math.Cos(th), r * math.Sin(th), z}
	}
	return out
}

// perpendiculars returns two unit vectors perpendicular to a and to each
// other.
func perpendiculars(a [3]float64) (u, v [3]float64) {
	ref := [3]float64{0, 0, 1}
	if math.Abs(a[2]) > 0.9 {
		ref = [3]float64{1, 0, 0}
	}
	u = cross3(a, ref)
	l := math.Sqrt(dot3(u, u))
	for i := range u {
		u[i] /= l
	}
	v = cross3(a, u)
	return u, v
}

func dot3(a, b [3]float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

func cross3(a, b [3]float64) [3]float64 {
	return [3]float64{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// misfit is the number of samples a template gets wrong: marked ones that
// are body colour, unmarked ones that are white. Samples that are neither
// (cloth, off the frame, unsure) do not count.
func misfit(t *bitset, white, body *bitset) int { return misfitBelow(t, white, body, swN+1) }

// misfitBelow is misfit counted only until it reaches bound: any count at
// or above bound (returned as is) loses to what the caller has, so the
// rest of the words need not be counted.
func misfitBelow(t *bitset, white, body *bitset, bound int) int {
	n := 0
	for i := range t {
		n += bits.OnesCount64(white[i]&^t[i]) + bits.OnesCount64(body[i]&t[i])
		if n >= bound {
			return n
		}
	}
	return n
}

// bestStripe is the smallest misfit over the stripe templates, coarse to
// fine: every axis and band width with two spins of the circles first
// (the caps decide most of the fit), then every spin for the few best.
// It costs about a third of trying them all.
func bestStripe(white, body *bitset) int {
	const keep = 8
	var top [keep]struct{ m, g int }
	for i := range top {
		top[i].m = swN + 1
	}
	for g := 0; g < len(stripeT); g += stripeSpins {
		bound := top[keep-1].m
		m := min(misfitBelow(&stripeT[g], white, body, bound), misfitBelow(&stripeT[g+stripeSpins/2], white, body, bound))
		if m >= bound {
			continue
		}
		i := keep - 1
		for ; i > 0 && top[i-1].m > m; i-- {
			top[i] = top[i-1]
		}
		top[i].m, top[i].g = m, g
	}
	best := swN + 1
	for _, t := range top {
		if t.m > swN {
			break
		}
		best = bestMisfitBelow(stripeT[t.g:t.g+stripeSpins], white, body, best)
	}
	return best
}

// bestMisfit is the smallest misfit over a family of templates.
func bestMisfit(ts []bitset, white, body *bitset) int {
	return bestMisfitBelow(ts, white, body, swN+1)
}

// bestMisfitBelow is min(best, bestMisfit(ts, ...)): a template is
// counted only while it can still beat the best so far.
func bestMisfitBelow(ts []bitset, white, body *bitset, best int) int {
	for i := range ts {
		if m := misfitBelow(&ts[i], white, body, best); m < best {
			best = m
			if m == 0 {
				break
			}
		}
	}
	return best
}

func popcount(b *bitset) int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}
