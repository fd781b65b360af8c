package vision

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// Ball colours by hue (degrees, HSV) for numbers 1..7; 9..15 repeat them on
// a stripe. Red (3) and maroon (7) share a hue and differ in brightness.
var colourHues = [8]float64{0, 45, 225, 357, 262, 22, 146, 357}

// ballLook is the colour statistics of one ball's disc.
type ballLook struct {
	white, black, colour float64 // fractions of the sampled pixels
	hue                  float64 // circular mean hue of the coloured pixels, degrees
	hueSpread            float64 // 0 (one hue) .. 1 (uniform)
	bright               float64 // coloured pixels' brightness relative to the cloth's
	// gbr is the mean (G+B)/R of the red-hued pixels: maroon carries more
	// green and blue than red does, whatever the light level.
	gbr float64
	// shading is the brightness's coefficient of variation over the disc:
	// a lit sphere runs from its highlight to its dark limb (0.16 and up on
	// the simulator set, 0.06 and up on real footage); a patch of cloth
	// read as a ball is flat (0.01-0.02 on real footage).
	shading float64
	n       int
}

// look samples the disc of radius 0.92 r at (cx, cy) (every pixel, or a
// checkerboard of them on a large disc: see discStep). cloth is the cloth's
// B, G, R around the ball: its largest channel is the light level the ball
// is under.
func look(m *img, cx, cy, r float64, cloth [3]float64) ballLook {
	return lookStep(m, cx, cy, r, cloth, discStep(r))
}

// lookStep is look with the row step given: 1 every pixel, 2 a
// checkerboard.
func lookStep(m *img, cx, cy, r float64, cloth [3]float64, step int) ballLook {
	var l ballLook
	feltV := max(cloth[0], max(cloth[1], cloth[2]))
	shade := newShadowTest(cloth)
	grey := newBlendTest(cloth, 0.4) // a white smeared over the cloth
	rr := 0.92 * r
	x0, x1 := int(math.Floor(cx-rr)), int(math.Ceil(cx+rr))
	y0, y1 := int(math.Floor(cy-rr)), int(math.Ceil(cy+rr))
	var hs, hc, vs, vSum, vSq float64
	// Red-hued pixels' saturation and (G+B)/R, for red vs maroon.
	var redSat, redGBR [96]float64
	var nRed int
	var vals [64]float64
	nv := 0
	for y := y0; y <= y1; y++ {
		for x := x0 + (x0+y)&(step-1); x <= x1; x += step {
			dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
			if dx*dx+dy*dy > rr*rr {
				continue
			}
			b, g, r, ok := m.at(x, y)
			if !ok {
				continue
			}
			l.n++
			v := b + g + r
			vSum += v
			vSq += v * v
			mx := max(b, max(g, r))
			mn := min(b, min(g, r))
			sat := 0.0
			if mx > 0 {
				sat = (mx - mn) / mx
			}
			switch {
			case mx < 0.5*feltV && shade.over(b, g, r):
				// The cloth in the ball's shadow: the ball's own limb or
				// its cast shadow, neither its colour nor black.
			case mx < 0.33*feltV:
				l.black++
			case sat < 0.38 && mx > 1.1*feltV:
				l.white++
			case sat >= 0.38 && grey.over(b, g, r):
				// A white ball smeared over the cloth by motion, or its
				// shaded limb blending into it: not a colour of its own (a
				// moving cue ball on red cloth read as a maroon stripe).
				if mx > 1.1*feltV {
					l.white++
				}
			case sat >= 0.38:
				l.colour++
				h := hue(b, g, r, mx, mn)
				if hueDist(h, 357) < 20 && r > 0 && sat >= gbrMinSat {
					if nRed < len(redSat) {
						redSat[nRed], redGBR[nRed] = sat, (g+b)/r
						nRed++
					}
				}
				// Sincos is Sin's and Cos's arithmetic, once.
				sn, cs := math.Sincos(h * math.Pi / 180)
				hs += sn
				hc += cs
				if nv < len(vals) {
					vals[nv] = mx
					nv++
				} else {
					vals[(int(l.colour))%len(vals)] = mx
				}
			}
		}
	}
	if l.n == 0 {
		return l
	}
	if mean := vSum / float64(l.n); mean > 0 {
		l.shading = math.Sqrt(max(0, vSq/float64(l.n)-mean*mean)) / mean
	}
	// Fractions of the pixels that read as something: the sphere's limb
	// in its own shade is dim and unsaturated whatever the ball's colour.
	n := l.white + l.black + l.colour
	if n == 0 {
		l.n = 0
		return l
	}
	if l.colour > 0 {
		l.hue = math.Mod(math.Atan2(hs, hc)*180/math.Pi+360, 360)
		l.hueSpread = 1 - math.Hypot(hs, hc)/l.colour
		// The brighter half of the coloured pixels: the lit side, not the
		// limb in its own shade.
		sortFloats(vals[:nv])
		for _, v := range vals[nv/2 : nv] {
			vs += v
		}
		l.bright = vs / float64(nv-nv/2) / feltV
	}
	if nRed > 0 {
		l.gbr = ownColour(redSat[:nRed], redGBR[:nRed])
	}
	l.white /= n
	l.black /= n
	l.colour /= n
	return l
}

// shadowOver says whether a pixel is the cloth c in shadow: darker, with
// the cloth's chromaticity. Only a coloured cloth can tell (on a grey one a
// black ball has the shadow's colour too).
func shadowOver(b, g, r float64, c [3]float64) bool {
	t := newShadowTest(c)
	return t.over(b, g, r)
}

// shadowTest is shadowOver for one cloth colour with the cloth's own
// arithmetic done once: the disc loops ask it of every pixel. The numbers
// compared are the same.
type shadowTest struct {
	lo, hi     float64 // 0.12 and 0.8 of the cloth's brightness sum
	c0, c1, c2 float64 // the cloth's chromaticity
	ok         bool    // a coloured cloth, which can tell
}

func newShadowTest(c [3]float64) shadowTest {
	cs := c[0] + c[1] + c[2]
	t := shadowTest{lo: 0.12 * cs, hi: 0.8 * cs}
	if cs <= 0 || (max(c[0], max(c[1], c[2]))-min(c[0], min(c[1], c[2])))/cs < 0.06 {
		return t
	}
	t.c0, t.c1, t.c2, t.ok = c[0]/cs, c[1]/cs, c[2]/cs, true
	return t
}

func (t *shadowTest) over(b, g, r float64) bool {
	s := b + g + r
	if !t.ok || s < t.lo || s > t.hi {
		return false
	}
	d := math.Abs(b/s-t.c0) + math.Abs(g/s-t.c1) + math.Abs(r/s-t.c2)
	// Sensor noise moves a dark pixel's chromaticity more.
	return d < 0.05+10/s
}

// blendTest tells whether a pixel is a blend a*(k,k,k) + (1-a)*c of a grey
// and the cloth c ("grey over the cloth"), with a between 0.2 and 0.9 and
// the grey at least least times the cloth's brightest channel. With least
// 0.4: a white ball smeared over the cloth by motion, its
// edge, or its limb in its own shade. The channels of p - (1-a)*c are then
// equal; (1-a) is fitted by least squares over the channel differences. A
// grey cloth has none (its blends with white are grey anyway). A darker
// grey over the cloth is the cloth in shadow, or a ball of the cloth's own
// hue (maroon on red), and stays a colour; least 0 takes a dark grey (a
// shadow) too. The cloth's own arithmetic (its channel differences, their
// squared sum, the grey's least level) is done once, when the test is
// built: look and the namer ask it of every coloured pixel of a disc.
type blendTest struct {
	c, dc [3]float64 // the cloth, and c[i] - c[i+1 mod 3]
	den   float64    // the dc's squares summed, in index order
	least float64    // least times the cloth's brightest channel
	ok    bool       // a coloured cloth (channel differences over ~12 levels)
}

func newBlendTest(c [3]float64, least float64) blendTest {
	t := blendTest{c: c}
	for i := 0; i < 3; i++ {
		t.dc[i] = c[i] - c[(i+1)%3]
		t.den += t.dc[i] * t.dc[i]
	}
	if t.den < 400 { // a grey cloth
		return t
	}
	t.ok = true
	t.least = least * max(c[0], max(c[1], c[2]))
	return t
}

func (t *blendTest) over(b, g, r float64) bool {
	if !t.ok {
		return false
	}
	p := [3]float64{b, g, r}
	var num float64
	for i := 0; i < 3; i++ {
		num += (p[i] - p[(i+1)%3]) * t.dc[i]
	}
	s := num / t.den // 1 - a
	if s < 0.1 || s > 0.8 {
		return false
	}
	var q [3]float64
	mean := 0.0
	for i := range q {
		q[i] = p[i] - s*t.c[i]
		mean += q[i] / 3
	}
	k := mean / (1 - s)
	if k < t.least {
		return false
	}
	for i := range q {
		if math.Abs(q[i]-mean) > 8+0.06*mean {
			return false
		}
	}
	return true
}

// ownColour averages the ratios of the most saturated pixels (within 0.08
// of the most saturated): the ball's own colour. Less saturated red-hued
// pixels are blends with the cloth, the white or the shade (a moving red
// ball over blue cloth blurs into purples that read as maroon).
func ownColour(sat, ratio []float64) float64 {
	top := 0.0
	for _, v := range sat {
		top = max(top, v)
	}
	var sum, n float64
	for i, v := range sat {
		if v >= top-0.08 {
			sum += ratio[i]
			n++
		}
	}
	return sum / n
}

func hue(b, g, r, mx, mn float64) float64 {
	d := mx - mn
	if d == 0 {
		return 0
	}
	var h float64
	switch mx {
	case r:
		h = 60 * (g - b) / d
	case g:
		h = 60*(b-r)/d + 120
	default:
		h = 60*(r-g)/d + 240
	}
	if h < 0 {
		h += 360
	}
	return h
}

func hueDist(a, b float64) float64 {
	d := math.Abs(a - b)
	if d > 180 {
		d = 360 - d
	}
	return d
}

// classify names a ball from its look. feltBright is the cloth's own max
// channel relative to its sum... (see brightRef). It returns the class, the
// number (-1 when unknown) and a 0..1 confidence in that reading.
func classify(l ballLook, redCut float64) (model.Class, int, float64) {
	switch {
	case l.n == 0:
		return model.ClassSolid, -1, 0
	case l.white > 0.88 && l.colour < 0.08 && l.black < 0.08:
		return model.ClassCue, 0, min(1, (l.white-0.8)/0.15)
	case l.black > 0.45 && l.colour < 0.25:
		return model.ClassEight, 8, min(1, (l.black-0.3)/0.3)
	}
	// White share of the disc over the simulator set and held-out seeds:
	// solids (their number spot) 0-0.25, 1% above 0.20; stripes
	// 0.15-1, 2% below 0.25. 0.22 splits the overlap.
	stripe := l.white > 0.22
	cls := model.ClassSolid
	conf := min(1, math.Abs(l.white-0.22)/0.15)
	if stripe {
		cls = model.ClassStripe
		conf = min(conf, min(1, (0.88-l.white)/0.1))
	}
	if l.colour*float64(l.n) < 4 {
		return cls, -1, conf * 0.5
	}
	best, bestD, second := 0, math.Inf(1), math.Inf(1)
	for k := 1; k <= 7; k++ {
		d := hueDist(l.hue, colourHues[k])
		if k == 3 || k == 7 {
			// Same hue: brightness decides; a penalty keeps the other one
			// second-best instead of tied.
			if (k == 3) != l.isRed(redCut) {
				d += 25
			}
		}
		if d < bestD {
			best, bestD, second = k, d, bestD
		} else if d < second {
			second = d
		}
	}
	margin := min(1, (second-bestD)/20)
	n := best
	if stripe {
		n += 8
	}
	return cls, n, min(conf, margin)
}

// isRed tells red (3, 11) from maroon (7, 15): by the share of green and
// blue in the red pixels when there are enough of them, else by brightness
// against the cloth's light (which depends on the cloth's own shade).
func (l *ballLook) isRed(brightCut float64) bool {
	if l.gbr > 0 {
		return l.gbr < gbrCut
	}
	return l.bright > brightCut
}

// gbrCut separates red from maroon by (G+B)/R of their most saturated
// red pixels (ownColour). The WPA colours give 0.33 and 0.49 flat;
// shading, noise and the lamps' tint raise both: measured on the simulator
// set and three held-out seeds, red 0.37-0.48, maroon 0.51-0.74.
const gbrCut = 0.49

// gbrMinSat keeps the ratio to the ball's own colour: pixels where a
// stripe's band blends into its white (or the limb into the cloth) are
// less saturated and carry the white's green and blue, which made a red
// stripe read as maroon.
const gbrMinSat = 0.6

// sparseDiscR is the radius (px) above which a disc's colour statistics
// (look, gatherEvidence) are taken on a checkerboard, every second pixel:
// such a disc holds 600+ pixels, the lens and the sensor's demosaicing blur
// a ball's colours over 2-3 px at these sizes, so half of them give the same
// fractions and medians within a percent or two, for half the per-pixel
// work (the colour tests, the hue's Sincos); a candidate whose verdict
// the sampling could tip (near minShading or the least confidence) is
// looked at again in full (Detector.measure). Smaller discs keep every pixel:
// at r = 10 px a checkerboard would leave ~130 samples of the 8-10 px
// stripe or number spot the fractions must see.
const sparseDiscR = 15

// discStep is the sampling step along a row of a disc of radius r: 2 (a
// checkerboard, the row's start shifted by the row's parity) above
// sparseDiscR, else 1.
func discStep(r float64) int {
	if r > sparseDiscR {
		return 2
	}
	return 1
}
