package vision

import (
	"math"
)

// clipLevel: a channel at or above it is clipped (a specular highlight or an
// overexposed white); its colour says nothing about the ball's.
const clipLevel = 250

// whiteRef is the frame's white: per-channel levels a white ball's lit
// surface reaches under this frame's lamps and exposure, per unit of the
// cloth's brightness beside it. Multiplied by a ball's local cloth level it
// is that ball's white (a ball under a lamp and one in the dim corner are
// each measured against the white they are lit by); dividing a sample by
// it makes white (1, 1, 1) whatever the lamps' tint and the camera's gain.
type whiteRef struct {
	b, g, r float64
	// fromWhite: measured on white ball surface (cue ball, stripes' caps,
	// number circles); false when no ball showed any and it fell back to
	// the brightest samples, neutral.
	fromWhite bool
	// whole: taken from one ball white over a quarter of its disc (the
	// cue ball, a stripe with its cap up), not a median of glimpses.
	whole bool
}

// at is the white at a ball whose cloth has level level.
func (w whiteRef) at(level float64) whiteRef {
	return whiteRef{b: w.b * level, g: w.g * level, r: w.r * level, fromWhite: w.fromWhite}
}

// clothLevel is the cloth's brightness (mean channel) a ball's white is
// scaled by; 1 when the cloth is unknown.
func clothLevel(c [3]float64) float64 {
	if l := (c[0] + c[1] + c[2]) / 3; l > 1 {
		return l
	}
	return 1
}

// estimateWhite finds the frame's white from the balls' swatches. Each ball
// that shows enough nearly grey, unclipped samples (min/max channel >=
// greyRatio: a warm or cool lamp still leaves white above it) gives an
// estimate: the mean of the brighter of them (its lit white), in units of
// its own cloth level. The frame's white is that of a ball that is white
// over a quarter of its disc or more (the cue ball, or a stripe with its
// cap up: the "cue ball's white when present") or else the
// per-channel median over the balls weighted by how much white each
// showed, so one odd ball (a shirt, a hand, a pale highlight) does not move
// it. A second pass keeps only the samples that are grey under that first
// white (a purple ball's pale highlight passes the first test, not this).
//
// trust[i] (0..1) weighs ball i's say: a detection's confidence, 0 for one
// off the playing surface (a white marker, a light on the floor).
//
// The second estimate, bright, chooses instead the brightest of the
// balls white over a quarter of their disc: white lit by the lamps, where
// the most white may be a duller surface (a wall or paper past a pocket
// read as a ball, a white in shade) and a cue ball whose top is clipped
// shows fewer unclipped samples. Which of the two is the frame's white is
// for the namer to decide (identifier.name: the one the balls fit best).
// Both come from one first pass (it does not depend on the choice), and
// from one second pass where their first whites agree.
func estimateWhite(sw []swatch, levels, trust []float64, cloth [][3]float64, buf []float64) (most, bright whiteRef, _ []float64) {
	buf = whiteSamples(sw, levels, trust, cloth, nil, false, buf[:0])
	if len(buf) == 0 {
		fb := fallbackWhite(sw, levels)
		return fb, fb, buf
	}
	most0, bright0 := pickWhite(buf, false), pickWhite(buf, true)
	// A second pass that finds nothing grey under the first white keeps
	// the first.
	most, bright = most0, bright0
	if buf = whiteSamples(sw, levels, trust, cloth, &most0, false, buf[:0]); len(buf) > 0 {
		most = pickWhite(buf, false)
		if bright0 == most0 {
			bright = pickWhite(buf, true)
		}
	}
	if bright0 != most0 {
		if buf = whiteSamples(sw, levels, trust, cloth, &bright0, false, buf[:0]); len(buf) > 0 {
			bright = pickWhite(buf, true)
		}
	}
	return most, bright, buf
}

// lampWhite is estimateWhite's most white with the first pass taking as
// white any sample on the lamps' locus (onLampLocus), not only nearly grey
// ones: a camera that has not balanced for a warm lamp shows white as far
// from grey as 0.45 (blue over red), and the balls then show no white
// greyRatio passes. Which is the frame's white is for the namer to decide
// (identifier.measureAll: the one the balls fit best).
func lampWhite(sw []swatch, levels, trust []float64, cloth [][3]float64, buf []float64) (whiteRef, []float64) {
	buf = whiteSamples(sw, levels, trust, cloth, nil, true, buf[:0])
	if len(buf) == 0 {
		return fallbackWhite(sw, levels), buf
	}
	w := pickWhite(buf, false)
	if buf = whiteSamples(sw, levels, trust, cloth, &w, false, buf[:0]); len(buf) > 0 {
		w = pickWhite(buf, false)
	}
	return w, buf
}

// whiteSamples appends to buf, per ball with a say (ballWhite under ref,
// or on the lamps' locus with lamp; weighed by trust), its white's b, g, r
// and weight.
func whiteSamples(sw []swatch, levels, trust []float64, cloth [][3]float64, ref *whiteRef, lamp bool, buf []float64) []float64 {
	for i := range sw {
		b, g, r, n := ballWhite(&sw[i], levels[i], cloth[i], ref, lamp)
		if n *= trust[i]; n > 0 {
			buf = append(buf, b, g, r, n)
		}
	}
	return buf
}

// pickWhite is the white of whiteSamples' buf (not empty): the ball with
// the most white (brightest: the brightest of those white over a quarter
// of their disc) when it is white over a quarter of its disc, else the
// weighted median.
func pickWhite(buf []float64, brightest bool) whiteRef {
	best, bestN, bestV := -1, 0.0, 0.0
	for i := 0; i < len(buf); i += 4 {
		n := buf[i+3]
		switch v := buf[i] + buf[i+1] + buf[i+2]; {
		case !brightest && n > bestN:
			best, bestN = i, n
		case brightest && n >= swN/4 && v > bestV:
			best, bestN, bestV = i, n, v
		}
	}
	if bestN >= swN/4 {
		return whiteRef{b: buf[best], g: buf[best+1], r: buf[best+2], fromWhite: true, whole: true}
	}
	w := whiteRef{fromWhite: true}
	for c, dst := range []*float64{&w.b, &w.g, &w.r} {
		*dst = weightedMedian(buf, c)
	}
	return w
}

// ballWhite is one ball's estimate of the white (per unit of its cloth
// level) and the number of white samples it rests on (0: too few): the
// mean of the brighter half of its white samples, shading undone (swShade),
// the same statistic bodyColour takes of a ball's colour so that the two
// compare under any lamp. With ref nil a sample is white by its raw
// channels' ratio (or, with lamp, by lying on the lamps' locus); with ref,
// by being nearly grey once balanced by it.
func ballWhite(s *swatch, level float64, cloth [3]float64, ref *whiteRef, lamp bool) (b, g, r, n float64) {
	cl := newClothTest(cloth)
	grey := func(p [3]float32) bool {
		if ref == nil {
			return min(p[0], p[1], p[2]) >= greyRatio*max(p[0], p[1], p[2]) || lamp && onLampLocus(p)
		}
		x, y, z := float64(p[0])/ref.b, float64(p[1])/ref.g, float64(p[2])/ref.r
		return min(x, y, z) >= (1-whiteSat*0.7)*max(x, y, z)
	}
	const bins, top = 32, 3 * 256 * 2.2
	var hist [bins]int
	var ok bitset
	nclip := 0
	for j := range s.px {
		if !s.ok[j] {
			continue
		}
		p := s.px[j]
		mx := max(p[0], p[1], p[2])
		if mx >= clipLevel && min(p[0], p[1], p[2]) >= 0.75*clipLevel {
			nclip++
			continue
		}
		if mx >= clipLevel || mx < 30 || !grey(p) || cl.is(p) {
			continue
		}
		v := (float64(p[0]) + float64(p[1]) + float64(p[2])) * swShade[j]
		hist[min(bins-1, int(v/top*bins))]++
		ok.set(j)
		n++
	}
	if n < minWhiteSamples {
		return 0, 0, 0, 0
	}
	lo := halfCut(hist[:], int(n)) * top / bins
	var k float64
	for j := range s.px {
		if !ok.has(j) {
			continue
		}
		p := s.px[j]
		sh := swShade[j]
		if (float64(p[0])+float64(p[1])+float64(p[2]))*sh < lo {
			continue
		}
		b += float64(p[0]) * sh
		g += float64(p[1]) * sh
		r += float64(p[2]) * sh
		k++
	}
	b, g, r = b/k, g/k, r/k
	if nclip >= minWhiteSamples && 3*nclip >= int(n) {
		// Much of this white is clipped: the lit white is at least at
		// the clip level; what is left unclipped is its shaded part, and
		// gives only the tint.
		if m := max(b, g, r); m < clipLevel {
			b, g, r = b*clipLevel/m, g*clipLevel/m, r*clipLevel/m
		}
	}
	return b / level, g / level, r / level, n + float64(nclip)
}

// halfCut is the lower edge (in bins) of the histogram bin where the upper
// half of its n values starts.
func halfCut(hist []int, n int) float64 {
	acc := 0
	for k := len(hist) - 1; k >= 0; k-- {
		acc += hist[k]
		if 2*acc >= n {
			return float64(k)
		}
	}
	return 0
}

// greyRatio is the least min/max channel ratio of a sample that may be
// white: a warm or cool lamp leaves white above it, the palest ball colour
// (a red ball's highlight, a cheap lemon yellow) mostly below.
const greyRatio = 0.65

// onLampLocus tells a B, G, R sample whose colour a white surface may take
// under a lamp the camera has not balanced for: a glowing filament or a
// warm or cool white LED is near a black body, whose light in a camera's
// channels has green close to the geometric mean of red and blue (from
// 1.12 of it at 2700 K to 0.96 at 10000 K, white balanced at 6500 K), and
// blue and red within lampRatio of each other down to about 3000 K. A
// print colour's pale highlight is off the locus: a yellow's or a
// lemon's green is near its red, far above the mean.
func onLampLocus(p [3]float32) bool {
	b, g, r := float64(p[0]), float64(p[1]), float64(p[2])
	if min(b, g, r) < lampRatio*max(b, g, r) {
		return false
	}
	gm := math.Sqrt(b * r)
	return g >= lampGreenLo*gm && g <= lampGreenHi*gm
}

const (
	// lampRatio: the least min/max channel ratio of white under a warm
	// lamp left unbalanced (about 0.45 at 3000 K).
	lampRatio = 0.4
	// lampGreenLo, lampGreenHi: green's range as a share of the
	// geometric mean of red and blue on the lamps' locus, with a few
	// percent of slack for the camera's own primaries.
	lampGreenLo, lampGreenHi = 0.92, 1.16
)

// clothTest tells samples of the cloth (seen past a ball's outline, or
// through a gap) by their chromaticity and brightness near the cloth's.
type clothTest struct {
	b, g, r, sum float64
	shadow       blendTest // the grey-over-cloth test of the cloth (b, g, r)*sum, least 0
}

func newClothTest(c [3]float64) clothTest {
	s := c[0] + c[1] + c[2] + 1
	t := clothTest{b: c[0] / s, g: c[1] / s, r: c[2] / s, sum: s}
	t.shadow = newBlendTest([3]float64{t.b * t.sum, t.g * t.sum, t.r * t.sum}, 0)
	return t
}

// shade tells the cloth in a ball's shadow: darker than the cloth, dim
// against the white (val, white-balanced value, below shadeValue), of the
// cloth's chromaticity or a blend of the cloth and a dark grey (a soft
// shadow's edge): a ball's dark body of the cloth's hue is brighter.
func (c *clothTest) shade(p [3]float32, val float64) bool {
	rb, rg, rr := float64(p[0]), float64(p[1]), float64(p[2])
	sum := rb + rg + rr + 1
	cd := math.Abs(rb/sum-c.b) + math.Abs(rg/sum-c.g) + math.Abs(rr/sum-c.r)
	if sum > c.sum || val >= shadeValue {
		return false
	}
	return cd < 0.05 || c.shadow.over(rb, rg, rr)
}

// shadeValue: see clothTest.shade.
const shadeValue = 0.4

// inShade tells a black sample (below blackValue) that is the cloth in
// deep shade (a cushion's face or its shadow over a ball frozen to it, a
// ball's own shadow): the cloth's chromaticity within a dark pixel's
// noise (shadeHueTol) and still a share of the cloth's brightness that
// the room's light leaves in a shadow (shadeShare); a black print
// reflects less and has no hue of the cloth's.
func (c *clothTest) inShade(p [3]float32) bool {
	rb, rg, rr := float64(p[0]), float64(p[1]), float64(p[2])
	sum := rb + rg + rr + 1
	cd := math.Abs(rb/sum-c.b) + math.Abs(rg/sum-c.g) + math.Abs(rr/sum-c.r)
	return cd < shadeHueTol && sum >= shadeShare*c.sum
}

const (
	// shadeHueTol: the L1 chromaticity distance a dark pixel of the
	// cloth's hue may show (a few levels of noise on sums of 30-60).
	shadeHueTol = 0.25
	// shadeShare: the least brightness, a share of the lit cloth's, of
	// the cloth in a shadow (the ambient light it still gets).
	shadeShare = 0.2
)

func (c *clothTest) is(p [3]float32) bool {
	rb, rg, rr := float64(p[0]), float64(p[1]), float64(p[2])
	sum := rb + rg + rr + 1
	cd := math.Abs(rb/sum-c.b) + math.Abs(rg/sum-c.g) + math.Abs(rr/sum-c.r)
	return cd < 0.05 && sum > 0.45*c.sum && sum < 1.6*c.sum
}

// minWhiteSamples is the least number of white samples (of 320) a ball
// needs to tell the frame's white: a number circle seen edge-on has fewer.
const minWhiteSamples = 12

// weightedMedian is the weighted median of v[off], v[off+4], ... with the
// weights at v[3], v[7], ... It reorders nothing: the values are few (one
// per ball).
func weightedMedian(v []float64, off int) float64 {
	var total float64
	for i := 3; i < len(v); i += 4 {
		total += v[i]
	}
	for i := off; i < len(v); i += 4 {
		var below, equal float64
		for j := off; j < len(v); j += 4 {
			switch {
			case v[j] < v[i]:
				below += v[j-off+3]
			case v[j] == v[i]:
				equal += v[j-off+3]
			}
		}
		if below <= total/2 && below+equal >= total/2 {
			return v[i]
		}
	}
	return v[off]
}

// fallbackWhite is a neutral white at the level of the balls' brightest
// unclipped channel (per unit of cloth level): no white surface was seen.
func fallbackWhite(sw []swatch, levels []float64) whiteRef {
	top := 0.0
	for i := range sw {
		s := &sw[i]
		for j := range s.px {
			if s.ok[j] {
				if mx := float64(max(s.px[j][0], s.px[j][1], s.px[j][2])); mx < clipLevel {
					top = max(top, mx/levels[i])
				}
			}
		}
	}
	if top <= 0 {
		top = 1
	}
	return whiteRef{b: top, g: top, r: top}
}

// features are one ball's measures from its swatch, normalised by the
// frame's white.
type features struct {
	n                    int     // samples that read as white or body colour
	white, black, colour float64 // shares of n
	cloth, grey, clip    float64 // shares of the grid
	// The body colour (colour and black samples), from the brighter half
	// of its samples: the lit side, not the limb in its own shade.
	oa, ob  float64 // on the opponent axes, divided by the value
	bodyVal float64 // value relative to the white
	// Pattern misfits, shares of n: the best stripe and solid templates'.
	dStripe, dSolid float64
	// vivid: share of n in a print colour's full chroma (vividChroma),
	// which no white surface shows under any light.
	// pale: share of n in colour below it (a tint, or a pale set's).
	vivid, pale  float64
	white1, body bitset
	// dark: the black samples (in body too). darkCaps: they were read
	// as a stripe's caps rather than the body's own shade (see
	// readDarkCaps).
	dark     bitset
	darkCaps bool
	// Per body sample: value and opponent chroma (the first nBody), and
	// its index on the swatch grid.
	bv, boa, bob [swN]float32
	bj           [swN]int16
	nBody        int
}

// measure classifies every sample of s and computes the features. w is the
// white at this ball, cloth the cloth's B, G, R near it (both raw).
func measure(s *swatch, w whiteRef, cloth [3]float64, f *features) {
	f.n, f.nBody = 0, 0
	f.white1, f.body, f.dark, f.darkCaps = bitset{}, bitset{}, bitset{}, false
	f.oa, f.ob, f.bodyVal, f.dStripe, f.dSolid, f.vivid, f.pale = 0, 0, 0, 0, 0, 0, 0
	cl := newClothTest(cloth)
	// The white-balanced cloth (white at 255), for telling a smear of
	// white over the cloth under a tinted lamp.
	wb := [3]float64{255 / w.b, 255 / w.g, 255 / w.r}
	wcl := [3]float64{cloth[0] * wb[0], cloth[1] * wb[1], cloth[2] * wb[2]}
	// Grey over the cloth (blendTest), raw and white-balanced: the
	// cloth's arithmetic done once per ball (the same comparisons).
	greyRaw, greyWB := newBlendTest(cloth, 0.4), newBlendTest(wcl, 0.4)
	var nw, nb, nc, ncl, ngr, nclip, nd int
	for j := range swN {
		if !s.ok[j] {
			continue
		}
		p := s.px[j]
		rb, rg, rr := float64(p[0]), float64(p[1]), float64(p[2])
		if max(rb, rg, rr) >= clipLevel && min(rb, rg, rr) >= 0.75*clipLevel {
			// Clipped white: a highlight, or a white surface past the
			// sensor's range.
			f.white1.set(j)
			nw++
			nclip++
			continue
		}
		if cl.is(p) {
			ncl++ // the cloth: a centre or radius off
			continue
		}
		// White-balanced, and lifted by the sphere's shading at this
		// sample (see swShade): the limb of a white ball stays white.
		sh := swShade[j]
		b, g, r := rb/w.b*sh, rg/w.g*sh, rr/w.r*sh
		mx := max(b, g, r)
		mn := min(b, g, r)
		sat := 0.0
		if mx > 0 {
			sat = (mx - mn) / mx
		}
		switch {
		case mx < blackValue:
			f.body.set(j)
			if !cl.inShade(p) {
				f.dark.set(j)
				nd++
			}
			nb++
			f.bv[f.nBody], f.boa[f.nBody], f.bob[f.nBody] = float32(mx), 0, 0
			f.bj[f.nBody] = int16(j)
			f.nBody++
		case sat < whiteSat && mx > whiteValue:
			f.white1.set(j)
			nw++
		case sat < whiteSat:
			ngr++ // shaded white, or a colour too dark to name
		case greyRaw.over(rb, rg, rr) || greyWB.over(rb*wb[0], rg*wb[1], rr*wb[2]):
			// White smeared over the cloth (a rolling ball in the
			// shutter's time, a blurred edge): the cloth's tint, not
			// the ball's; a moving cue ball on red read as the maroon 15.
			ngr++
		case cl.shade(p, mx):
			ncl++ // the ball's shadow on the cloth
		default:
			f.body.set(j)
			nc++
			f.bv[f.nBody] = float32(mx)
			f.boa[f.nBody] = float32((r - (g+b)/2) / mx)
			f.bob[f.nBody] = float32(0.866 * (g - b) / mx)
			f.bj[f.nBody] = int16(j)
			f.nBody++
		}
	}
	f.n = nw + nb + nc
	f.cloth, f.grey, f.clip = float64(ncl)/swN, float64(ngr)/swN, float64(nclip)/swN
	if f.n == 0 {
		return
	}
	n := float64(f.n)
	f.white, f.black, f.colour = float64(nw)/n, float64(nb)/n, float64(nc)/n
	f.bodyColour(s.r)
	// The cloth's hue (white-balanced): a white limb blurred into the
	// cloth or lit by its bounce takes it on, vivid or not.
	ca, cb := wcl[2]-(wcl[1]+wcl[0])/2, 0.866*(wcl[1]-wcl[0])
	cn := math.Hypot(ca, cb)
	nv, np := 0, 0
	for i := range f.nBody {
		a, b := float64(f.boa[i]), float64(f.bob[i])
		ch := math.Hypot(a, b)
		switch {
		case ch < vividChroma:
			if f.bv[i] >= blackValue {
				np++
			}
		case cn == 0 || (a*ca+b*cb)/(ch*cn) < clothHueCos:
			nv++
		}
	}
	f.vivid, f.pale = float64(nv)/n, float64(np)/n
	f.dStripe = float64(bestStripe(&f.white1, &f.body)) / n
	f.dSolid = float64(bestMisfit(solidT, &f.white1, &f.body)) / n
	if nd >= minWhiteSamples {
		// As many as a white patch needs to tell the frame's white:
		// fewer are a seam, a speck, noise at the outline.
		f.readDarkCaps(nd)
	}
}

// readDarkCaps reads the black samples (nb of them) of a ball whose body
// is a lit colour as its second colour: a stripe's caps are another colour
// than its band, white on most sets, black on some (gravitygravity's set:
// black caps, coloured band, white number circles). The sphere's shading
// is undone on the swatch (swShade), and what is left of a lit body's
// shade is no darker than the ambient share of its light: black, below
// blackValue, beside a body at darkCapBody or brighter and of a colour
// (not the grey highlights of a glossy eight) is no shade of that body.
// Then the ball is two-toned where a solid is one colour with white
// circles: the stripe templates are matched with white and black as the
// caps and circles and the coloured samples as the band, and every black
// sample is a misfit of every solid template.
func (f *features) readDarkCaps(nb int) {
	if f.bodyVal < darkCapBody || math.Hypot(f.oa, f.ob) < darkCapChroma {
		return
	}
	caps, band := f.white1, f.body
	for i := range caps {
		caps[i] |= f.dark[i]
		band[i] &^= f.dark[i]
	}
	n := float64(f.n)
	f.darkCaps = true
	f.dStripe = math.Min(f.dStripe, float64(bestStripe(&caps, &band))/n)
	f.dSolid = float64(bestMisfit(solidT, &f.white1, &band)+nb) / n
}

const (
	// darkCapBody: the least value (white = 1) of a lit body colour
	// beside which black (below blackValue) is a second colour: three
	// times blackValue, a darker shade than what ambient light
	// (shadeAmbient) leaves of a lit body once swShade undoes the
	// sphere's shading. A dark body (the eight, a maroon or a navy in
	// dim light) may dip under blackValue at its limb.
	darkCapBody = 0.6
	// darkCapChroma: the body colour's least chroma (opponent, over the
	// value) to be a colour; a glossy black ball's reflections are grey.
	darkCapChroma = 0.3
)

// Sample thresholds on white-balanced values (white = 1).
const (
	// vividChroma: opponent chroma (over the value) of a printed ball
	// colour seen in full; white lit by a coloured lamp, a projected
	// halo or a neighbour's reflection stays paler (0.2-0.45 on the real
	// set's cue balls), the WPA colours are 0.5-0.9 (defaultBalls).
	vividChroma = 0.5
	// clothHueCos: a colour within about 30° of hue of the cloth's.
	clothHueCos = 0.87
	blackValue  = 0.2  // darker is black whatever its tint
	whiteValue  = 0.55 // a white surface in the lamp's light is brighter
	whiteSat    = 0.22 // and nearly grey; ball colours are more saturated
)

// bodyColour sets oa, ob and bodyVal from the brighter half of the body
// samples (by value, from a 32-bin histogram): the sphere's limb in its own
// shade is darker and noisier, and a stripe whose cap faces the camera
// shows its band only there.
//
// Only samples inside the print count where there are enough of them: a
// body sample beside a white one (a cap, a number circle) is blended with
// it by the lens and by the camera's chroma subsampling (JPEG and H.264
// keep colour at half the resolution), paler and brighter than the print.
// A stripe's band is narrow, and half its samples may sit on such an edge:
// a red band read as a pale maroon, a maroon one as a red (11 <-> 15).
// The blend is as wide in pixels whatever the ball's size r (px): where
// one step of the swatch grid is narrower than it (r below about 15 px)
// the samples a step from the white are blended too, and what is left
// past the blend is a sliver of the band, too few samples of too little
// of the ball to say more than all of them (on the real set shrunk 3x,
// perfectswish's 11 and 15 then traded places): all samples count.
func (f *features) bodyColour(r float64) {
	if f.nBody == 0 {
		return
	}
	var inner bitset
	ni := 0
	if blendSteps(r) == 1 {
		edge := grownOnGrid(&f.white1)
		// The outline blends the print with the cloth alike: rings
		// within blendPx of it count as an edge too.
		rim := 1 - blendPx/r
		for i := range f.nBody {
			if j := int(f.bj[i]); !edge.has(j) && swRho[j/swAngles] < rim {
				inner.set(i)
				ni++
			}
		}
	}
	useInner := ni >= minInnerBody && 2*ni >= f.nBody/2
	const bins, top = 32, 2.2
	var hist [bins]int
	nh := 0
	for i, v := range f.bv[:f.nBody] {
		if useInner && !inner.has(i) {
			continue
		}
		hist[min(bins-1, int(float64(v)/top*bins))]++
		nh++
	}
	lo := float32(halfCut(hist[:], nh) * top / bins)
	var sv, sa, sb, na, k float64
	for i := range f.nBody {
		v := f.bv[i]
		if v < lo || useInner && !inner.has(i) {
			continue
		}
		sv += float64(v)
		k++
		if v >= blackValue {
			sa += float64(f.boa[i])
			sb += float64(f.bob[i])
			na++
		}
	}
	f.bodyVal = sv / k
	if na > 0 {
		f.oa, f.ob = sa/na, sb/na
	}
}

// minInnerBody: the least number of body samples away from white that
// tell the print's colour (a cap facing the camera leaves only a thin rim
// of band, all of it on an edge: then every body sample counts).
const minInnerBody = 16

// blendPx is how far (pixels) a colour edge spreads in a camera's image:
// the lens's blur and the chroma subsampling of JPEG and H.264, which keep
// one colour per 2 x 2 pixels.
const blendPx = 2

// blendSteps is how many steps of the swatch grid (about 0.13 of the
// ball's radius r, px, between neighbours mid-disc) cover blendPx.
func blendSteps(r float64) int {
	return int(math.Ceil(blendPx / (0.13 * math.Max(r, 1))))
}

// grownOnGrid is m with every sample of the swatch grid added that has a
// neighbour in m (swNear).
func grownOnGrid(m *bitset) bitset {
	out := *m
	for j := range swN {
		if m.has(j) {
			continue
		}
		for _, k := range swNear[j] {
			if k >= 0 && m.has(int(k)) {
				out.set(j)
				break
			}
		}
	}
	return out
}

// swNear[j] is the neighbours of sample j on the swatch grid (-1: none):
// the samples beside it on its ring and the nearest two on each ring next
// to it (odd rings are turned by half a step: k-1 and k going to an odd
// ring, k and k+1 going to an even one).
var swNear = func() (t [swN][6]int16) {
	at := func(r, a int) int16 {
		if r < 0 || r >= swRings {
			return -1
		}
		return int16(r*swAngles + (a+swAngles)%swAngles)
	}
	for j := range swN {
		ring, k := j/swAngles, j%swAngles
		a0 := k - 1
		if ring%2 == 1 {
			a0 = k
		}
		t[j] = [6]int16{at(ring, k-1), at(ring, k+1), at(ring-1, a0), at(ring-1, a0+1), at(ring+1, a0), at(ring+1, a0+1)}
	}
	return t
}()
