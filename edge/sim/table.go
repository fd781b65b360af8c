package sim

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// Regions of the background, used to decide where a pixel needs
// supersampling (its corners fall in different regions).
const (
	regFloor = iota
	regRail
	regDiamond
	regCushion
	regCloth
	regSpot
	regHole
	regMark // a paper spot, sticker or chalk cube (Look extras)
)

// tableLook is the static appearance of the table: the geometry the
// background is drawn from.
type tableLook struct {
	size  model.Size
	felt  rgb
	light *lighting
	lamps [][3]float64 // lamp positions in metres
	holes []hole
	seed  uint32
	// extra is the real table's wear, markings and finish; nil for the
	// plain table the zero Look draws.
	extra *tableExtras
	// set is the ball set's appearance; gloss the lamps' reflection on
	// the balls (Look.Gloss).
	set   *ballSet
	gloss float64
}

// hole is a pocket's drop in table metres: the dark disc a ball falls into.
type hole struct {
	x, y, r float64
	corner  bool
}

func newTableLook(size model.Size, felt rgb, l *lighting, seed uint32) *tableLook {
	L, W := size.Length, size.Width
	lc := *l // normalize writes the gain: keep the shared preset untouched
	t := &tableLook{size: size, felt: felt, light: &lc, seed: seed, set: &tournamentSet}
	for _, lp := range l.lamps {
		t.lamps = append(t.lamps, [3]float64{lp.fx * L, lp.fy * W, lp.height})
	}
	lc.normalize(t.lamps, L, W)
	// Corner holes sit just outside the corner on the diagonal, side holes
	// just behind the rail line: the cushion jaws funnel into them.
	const cr, sr, co, so = 0.064, 0.066, 0.022, 0.036
	t.holes = []hole{
		{-co, -co, cr, true}, {L / 2, -so, sr, false}, {L + co, -co, cr, true},
		{L + co, W + co, cr, true}, {L / 2, W + so, sr, false}, {-co, W + co, cr, true},
	}
	return t
}

// holeDist is the distance from (u, v) to the nearest pocket hole's edge
// (negative inside).
func (t *tableLook) holeDist(u, v float64) float64 {
	d := math.Inf(1)
	for _, h := range t.holes {
		if e := math.Hypot(u-h.x, v-h.y) - h.r; e < d {
			d = e
		}
	}
	return d
}

// inOpening reports whether (u, v), outside the playing surface but inside
// the cushion line, is in a pocket's throat where the cushion is cut away.
func (t *tableLook) inOpening(u, v float64) bool {
	L, W := t.size.Length, t.size.Width
	// The corner mouth is 0.085*sqrt2 = 12 cm between the cushion noses;
	// the facings narrow the throat towards the rail, as on a real table.
	const jaw = 0.085
	const side = 0.068
	if (u < 0 || u > L) && (v < 0 || v > W) {
		return true
	}
	if u < 0 || u > L { // in a short-rail cushion, d outward from the nose
		d := math.Max(-u, u-L)
		return v < jaw-0.8*d || v > W-jaw+0.8*d
	}
	d := math.Max(-v, v-W) // in a long-rail cushion
	return u < jaw-0.8*d || u > L-jaw+0.8*d || math.Abs(u-L/2) < side-0.3*d
}

func (t *tableLook) region(u, v float64) int {
	L, W := t.size.Length, t.size.Width
	if t.holeDist(u, v) < 0 {
		return regHole
	}
	if u >= 0 && u <= L && v >= 0 && v <= W {
		if t.extra != nil && t.extra.markAt(u, v) != nil {
			return regMark
		}
		if (t.extra == nil || t.extra.spots == "") && math.Hypot(u-0.75*L, v-W/2) < 0.006 {
			return regSpot
		}
		return regCloth
	}
	if u >= -cushionWidth && u <= L+cushionWidth && v >= -cushionWidth && v <= W+cushionWidth {
		if t.inOpening(u, v) {
			return regCloth
		}
		return regCushion
	}
	if u >= -outerMargin && u <= L+outerMargin && v >= -outerMargin && v <= W+outerMargin {
		if t.extra != nil && t.extra.markAt(u, v) != nil {
			return regMark
		}
		if t.onDiamond(u, v) {
			return regDiamond
		}
		return regRail
	}
	return regFloor
}

// onDiamond reports whether (u, v) on the rail is inside a sight: long rails
// have them every eighth of the length (the side pocket takes the middle
// one), short rails every quarter of the width.
func (t *tableLook) onDiamond(u, v float64) bool {
	L, W := t.size.Length, t.size.Width
	mid := cushionWidth + railWidth/2
	if v < -cushionWidth || v > W+cushionWidth {
		cy := -mid
		if v > W {
			cy = W + mid
		}
		for i := 1; i < 8; i++ {
			if i == 4 {
				continue
			}
			if t.sight(math.Abs(u-float64(i)*L/8), math.Abs(v-cy)) {
				return true
			}
		}
		return false
	}
	cx := -mid
	if u > L {
		cx = L + mid
	}
	for i := 1; i < 4; i++ {
		if t.sight(math.Abs(v-float64(i)*W/4), math.Abs(u-cx)) {
			return true
		}
	}
	return false
}

// sight reports whether a rail point dAlong, dAcross (m, absolute) from a
// sight's centre is inside it: a diamond, or the finish's own sights.
func (t *tableLook) sight(dAlong, dAcross float64) bool {
	if t.extra != nil && t.extra.rail != "" {
		return t.extra.onSight(dAlong, dAcross)
	}
	const along, across = 0.013, 0.0065
	return dAlong/along+dAcross/across <= 1
}

// shade returns the colour of the background at table point (u, v).
func (t *tableLook) shade(u, v float64, reg int) rgb {
	L, W := t.size.Length, t.size.Width
	lum := t.light.lightAt(t.lamps, u, v)
	tint := t.light.tint
	switch reg {
	case regFloor:
		// The floor is far below the lamps' cones: dim and flat.
		return floorCol.scale(0.5 + 0.5*t.light.ambient)
	case regHole:
		// The pocket liner: nearly black, a little lighter at the rim.
		d := -t.holeDist(u, v)
		return pocketCol.scale(1.6 - smoothstep(0, 0.02, d)).scale(lum)
	case regSpot:
		return white.scale(0.85 * lum).mul(tint)
	case regDiamond:
		return pearl.scale(lum).mul(tint)
	case regMark:
		if m := t.extra.markAt(u, v); m != nil {
			return m.colour(u, v).scale(lum).mul(tint)
		}
	case regRail:
		// Distance from the outer edge of the cushion to the rail edge:
		// bevels darken both edges; the grain runs along the rail.
		var d, along float64
		switch {
		case v < -cushionWidth && u > -cushionWidth && u < L+cushionWidth:
			d, along = -cushionWidth-v, u
		case v > W+cushionWidth && u > -cushionWidth && u < L+cushionWidth:
			d, along = v-W-cushionWidth, u
		case u < -cushionWidth:
			d, along = -cushionWidth-u, v
			if v < -cushionWidth || v > W+cushionWidth {
				d = math.Max(d, math.Max(-cushionWidth-v, v-W-cushionWidth))
			}
		default:
			d, along = u-L-cushionWidth, v
			if v < -cushionWidth || v > W+cushionWidth {
				d = math.Max(d, math.Max(-cushionWidth-v, v-W-cushionWidth))
			}
		}
		if t.extra != nil && t.extra.rail != "" {
			return t.extra.railColour(u, v, d, along, t).scale(lum).mul(tint)
		}
		grain := 0.5 + 0.5*math.Sin(along*140+4*valueNoise(along*8, d*60, t.seed+7))
		c := lerp(woodDark, wood, 0.55+0.45*grain)
		bevel := 0.75 + 0.25*smoothstep(0, 0.012, d)*smoothstep(0, 0.015, railWidth-d)
		return c.scale(bevel * lum).mul(tint)
	}
	// Cloth and cushions share the felt with its nap: fine fibres and slow
	// blotches from brushing.
	fib := hash2(int32(u*700), int32(v*700), t.seed) - 0.5
	blot := valueNoise(u*9, v*9, t.seed+3) - 0.5
	f := 1 + 0.05*fib + 0.05*blot
	col := t.felt
	if t.extra != nil {
		col, f = t.extra.cloth(u, v, t, col, f)
	}
	if reg == regCloth {
		f *= t.noseShadow(u, v)
	}
	if reg == regCushion {
		// Seen from above, the cushion's top is lit right up to the nose
		// (its rounded top faces the lamps), a little brighter further
		// out where it flattens; the dark band is on the bed inside the
		// nose (noseShadow), so the nose is a sharp step up outwards.
		var d float64 // distance outward from the nose
		switch {
		case u < 0:
			d = -u
		case u > L:
			d = u - L
		case v < 0:
			d = -v
		default:
			d = v - W
		}
		if u < 0 && (v < 0 || v > W) || u > L && (v < 0 || v > W) {
			d = math.Max(math.Max(-u, u-L), math.Max(-v, v-W))
		}
		f *= 0.98 + 0.1*smoothstep(0, 0.03, d)
	}
	// Pocket jaws: cloth darkens as it rolls down into the hole.
	hd := t.holeDist(u, v)
	f *= 1 - 0.65*math.Exp(-hd/0.012)
	c := col.scale(f * lum).mul(tint)
	if t.extra != nil && reg == regCloth && t.extra.hot > 0 {
		// The sheen: more of the felt's colour, and some of the lamp's own
		// (the nap reflects, it is no mirror).
		c = c.add(lerp(col, tint, 0.35).mul(tint).scale(t.extra.sheen(u, v) * lum))
	}
	return c
}

// noseShadow is the brightness factor of the bed at (u, v) from the
// cushions' overhang: the nose stands out over the bed, so from above the
// cloth just inside it lies in the cushion's shadow, darkest at the nose
// and fading over noseShadowWidth, as on every labelled real table
// (docs/vision-real.md). Where a pocket's throat cuts the cushion away
// there is no nose and no shadow.
func (t *tableLook) noseShadow(u, v float64) float64 {
	L, W := t.size.Length, t.size.Width
	if u < 0 || u > L || v < 0 || v > W {
		return 1 // in a pocket's throat, outside the playing surface
	}
	const eps = 0.001
	f := 1.0
	for _, s := range [4]struct{ d, nu, nv float64 }{
		{u, -eps, v}, {L - u, L + eps, v}, {v, u, -eps}, {W - v, u, W + eps},
	} {
		if s.d >= noseShadowWidth || t.inOpening(s.nu, s.nv) || t.holeDist(s.nu, s.nv) < 0 {
			continue
		}
		if g := 1 - noseShadowDepth*(1-smoothstep(0, noseShadowWidth, s.d)); g < f {
			f = g
		}
	}
	return f
}

// noseShadowDepth is how much of the light the overhang takes from the bed
// right at the nose; noseShadowWidth (m) how far in the shadow fades out
// (a few mm to about 1.5 cm on the real tables).
const (
	noseShadowDepth = 0.3
	noseShadowWidth = 0.012
)

// renderBackground draws the static table into dst (packed BGR) through the
// camera, supersampling 2x2 only where a pixel straddles regions, and clamps
// every byte to at most maxV so the noise pass can add without overflow.
func renderBackground(dst []byte, cam *camera, t *tableLook, maxV uint8) {
	w, h := cam.w, cam.ht
	// Regions at pixel corners, one row pair at a time.
	prev := make([]int8, w+1)
	cur := make([]int8, w+1)
	for x := 0; x <= w; x++ {
		u, v := cam.table(float64(x), 0)
		prev[x] = int8(t.region(u, v))
	}
	for y := 0; y < h; y++ {
		for x := 0; x <= w; x++ {
			u, v := cam.table(float64(x), float64(y+1))
			cur[x] = int8(t.region(u, v))
		}
		row := dst[y*w*3 : (y+1)*w*3]
		for x := 0; x < w; x++ {
			var c rgb
			r := prev[x]
			if r == prev[x+1] && r == cur[x] && r == cur[x+1] && r != regDiamond {
				u, v := cam.table(float64(x)+0.5, float64(y)+0.5)
				c = t.shade(u, v, int(r))
			} else {
				for _, o := range [4][2]float64{{0.25, 0.25}, {0.75, 0.25}, {0.25, 0.75}, {0.75, 0.75}} {
					u, v := cam.table(float64(x)+o[0], float64(y)+o[1])
					c = c.add(t.shade(u, v, t.region(u, v)))
				}
				c = c.scale(0.25)
			}
			putBGR(row[x*3:], c, maxV)
		}
		prev, cur = cur, prev
	}
}

func putBGR(p []byte, c rgb, maxV uint8) {
	p[0] = to8(c.b, maxV)
	p[1] = to8(c.g, maxV)
	p[2] = to8(c.r, maxV)
}

func to8(x float64, maxV uint8) uint8 {
	v := x * 255
	if v <= 0 {
		return 0
	}
	if v >= float64(maxV) {
		return maxV
	}
	return uint8(v + 0.5)
}
