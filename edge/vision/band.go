package vision

import "math"

// A ball's outline bounds it in every direction: walking out from its
// centre along any straight line, its colour ends within about a radius
// (at the cloth, its own contact shadow, or the dark crevice where it
// touches a neighbour). A stick lying on the cloth, a rail, an arm or a
// sleeve is a band: along its length the colour at the candidate's centre
// goes on past the circle on both sides. bandReach measures how far.

// bandStep is how far apart (radii) bandReach samples along a line, and
// bandFar how far out (radii) it looks (past bandLength: a run that ends
// there is measured, not cut).
const (
	bandStep = 0.1
	bandFar  = 4.0
)

// bandLength is the reach (radii, bandReach) from which a candidate is a
// band, not a ball. On the labelled real set (issue #14) no true ball's
// colour ran further than 1.2 r on both sides (a projector's halo round a
// snooker ball; most stop at 0.6-0.9 r, where the outline is); the cue
// lying on perfectswish's cloth, arms and the carom frame's rail ran to
// the end of the search. A ball rolling in the shutter's time is a band
// too, as long as its smear: at 1.6 r the rex-lapis broadcast lost a
// rolling ball's track (a false pocketing in TestRealVideoEvents), so a
// band must run 3 r each way, past any smear but a hard break's; gloves
// and short runs (1.6-2.2 r) are left to the other tests.
const bandLength = 3.0

// bandTol is how much (B+G+R over the cloth's) a sample may differ from
// the colour at the centre and still count as the same surface: a cue's
// shading along its length, a sleeve's folds.
const bandTol = 0.18

// bandReach returns, over straight lines across the disc (directions
// through it, offset up to bandOffset radii from the centre: a stick need
// not pass through the candidate's centre), the longest distance (radii)
// the colour where a line crosses the middle of the disc goes on unbroken
// on both sides at once (the shorter side's reach). Lines whose colour is
// near the cloth's do not count (a ball of the cloth's hue is the rim
// tests' business). One stray sample (a glint, a knot in the wood) does
// not break a run; two do.
func bandReach(m *img, fe *felt, x, y, r float64, cloth [3]float64) (reach, width float64) {
	cloth = localCloth(m, fe, x, y, r, cloth)
	cs := cloth[0] + cloth[1] + cloth[2]
	if cs <= 0 {
		return 0, 0
	}
	dist := func(b, g, rr float64, c [3]float64) float64 {
		return (math.Abs(b-c[0]) + math.Abs(g-c[1]) + math.Abs(rr-c[2])) / cs
	}
	steps := int(bandFar / bandStep)
	// reach walks from (px, py) along (c, s) while the colour stays core's.
	run := func(px, py, c, s float64, core [3]float64) float64 {
		last, miss := 0.0, 0
		for k := 1; k <= steps; k++ {
			t := float64(k) * bandStep
			b, g, rr, ok := m.bilinear(px+t*r*c, py+t*r*s)
			if !ok {
				break
			}
			dc := dist(b, g, rr, core)
			if dc < bandTol && dc < dist(b, g, rr, cloth) {
				last, miss = t, 0
				continue
			}
			miss++
			if miss >= 2 {
				break
			}
		}
		return last
	}
	best := 0.0
	var bx, by, bc, bs float64
	var bcore [3]float64
	for k := 0; k < rimRays/2; k++ {
		c, s := rimRing.cos[k], rimRing.sin[k]
		for _, o := range bandOffsets {
			px, py := x-o*r*s, y+o*r*c
			var core [3]float64
			n := 0
			for _, t := range [3]float64{-0.15, 0, 0.15} {
				if b, g, rr, ok := m.bilinear(px+t*r*c, py+t*r*s); ok {
					core[0] += b
					core[1] += g
					core[2] += rr
					n++
				}
			}
			if n < 3 {
				continue
			}
			for i := range core {
				core[i] /= 3
			}
			if dist(core[0], core[1], core[2], cloth) < bandCloth {
				continue
			}
			a := run(px, py, c, s, core)
			if a <= best {
				continue
			}
			if a = math.Min(a, run(px, py, -c, -s, core)); a > best {
				best, bx, by, bc, bs, bcore = a, px, py, c, s, core
			}
		}
	}
	if best == 0 {
		return 0, 0
	}
	// The band's width: across it, at its middle and half a radius
	// either way along it, how far the same colour goes on both sides
	// (the widest of the three, so one narrow spot does not make a band
	// of a smear).
	for _, t := range [3]float64{-0.5, 0, 0.5} {
		px, py := bx+t*r*bc, by+t*r*bs
		w := run(px, py, -bs, bc, bcore) + run(px, py, bs, -bc, bcore)
		width = math.Max(width, w)
	}
	return best, width
}

// localCloth is the cloth's colour around (x, y) as seen on a ring at
// 1.8 r: the light field's cloth (cloth) is smoothed over the table and
// can be far off beside a ball (a grey cloth read 50% too bright beside a
// white ball on radar3699). The ring's cloth-coloured samples (a stick or
// a neighbouring ball covers some of it) give the brightness; with fewer
// than a quarter of them (a rack) cloth stays as given.
func localCloth(m *img, fe *felt, x, y, r float64, cloth [3]float64) [3]float64 {
	var sums [rimRays]float64
	n := 0
	for k := 0; k < rimRays; k++ {
		b, g, rr, ok := m.bilinear(x+1.8*r*rimRing.cos[k], y+1.8*r*rimRing.sin[k])
		if !ok {
			continue
		}
		if s := b + g + rr; fe.chromaDist(b, g, rr) < fe.tolAt(s) {
			sums[n] = s
			n++
		}
	}
	cs := cloth[0] + cloth[1] + cloth[2]
	if n < rimRays/4 || cs <= 0 {
		return cloth
	}
	sortFloats(sums[:n])
	k := sums[n/2] / cs
	return [3]float64{cloth[0] * k, cloth[1] * k, cloth[2] * k}
}

// bandOffsets are the lines' offsets (radii) from the centre, and
// bandCloth how far (B+G+R over the cloth's) a line's colour must be
// from the cloth's to count.
var bandOffsets = [5]float64{-0.5, -0.25, 0, 0.25, 0.5}

const bandCloth = 0.25

// stickLength and stickWidth: a candidate whose colour runs on stickLength
// radii or more on both sides (bandReach) along a band narrower than
// stickWidth radii across is a cue stick lying on the cloth. A cue is at
// most about 31 mm thick at the butt, 13 mm at the tip: 0.45-1.1 ball
// radii across (28.6 mm), while a ball rolling in the shutter's time is
// smeared into a band as wide as itself, 2 radii (less the blur at its
// edges). So the stick may be told from a smear long before a band is
// long enough to be nothing but a band (bandLength): 1.6 radii is past
// any true still ball's reach on the real set (at most 1.2).
const (
	stickLength = 1.6
	stickWidth  = 1.4
)
