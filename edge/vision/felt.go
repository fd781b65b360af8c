package vision

import (
	"errors"
	"math"
	"slices"
)

// felt is the learned colour of the cloth: its chromaticity (B, G, R each
// divided by their sum), which a lighting gradient or a ball's shadow leaves
// nearly unchanged, and its typical brightness (B+G+R).
type felt struct {
	cb, cg, cr float64 // chromaticity, sums to 1
	sum        float64 // median B+G+R of felt pixels
	tol        float64 // L1 chromaticity distance still counted as felt
}

// chromaDist is the L1 distance of a pixel's chromaticity from the felt's,
// 0..2.
func (f *felt) chromaDist(b, g, r float64) float64 {
	s := b + g + r + 1
	return math.Abs(b/s-f.cb) + math.Abs(g/s-f.cg) + math.Abs(r/s-f.cr)
}

// tolAt is the chromaticity tolerance for a pixel of brightness s (B+G+R):
// sensor noise moves the chromaticity of a dark pixel more, in proportion
// to 1/s, so the tolerance learned at the cloth's median brightness grows
// in the shade.
func (f *felt) tolAt(s float64) float64 {
	if s >= f.sum {
		return f.tol
	}
	return f.tol * min(1.8, f.sum/max(s, 1))
}

// isShadedFelt is the felt test for a pixel that may be in shade, but not
// darker than minSum.
func (f *felt) isShadedFelt(b, g, r, minSum float64) bool {
	s := b + g + r
	if s < minSum {
		return false
	}
	return f.chromaDist(b, g, r) < f.tolAt(s)
}

// isFelt is the conservative felt test used to find the table's outline:
// cloth in deep shade is left out (a dark wooden rail can pass for dark
// cloth), and the edges are then refined with the shade-aware tolAt.
func (f *felt) isFelt(b, g, r float64) bool {
	s := b + g + r
	if s < 0.3*f.sum || s > 2.6*f.sum {
		return false
	}
	return f.chromaDist(b, g, r) < f.tol*1.5
}

// isFeltShade is isFelt for the reported table's outline (see
// tableFinder.refine): its chromaticity tolerance grows as the pixel
// darkens, up to 3 times at a third of the cloth's brightness. A darker
// pixel's chromaticity is noisier and drifts (the sensor's black level,
// the camera's tone curve), and a dark cloth under one lamp (a navy carom
// cloth) darkens towards its cushions until a fixed tolerance loses them
// and the outline follows the light's pool, not the table. The ball
// finder's outline keeps isFelt (its view is warped through that outline:
// see tableFit.rep).
func (f *felt) isFeltShade(b, g, r float64) bool {
	s := b + g + r
	if s < 0.3*f.sum || s > 2.6*f.sum {
		return false
	}
	return f.chromaDist(b, g, r) < 1.5*f.darkTol(s)
}

// darkTol is the chromaticity tolerance of the reported outline's tests
// (isFeltShade, the step-up cushion noses) for a pixel of brightness s:
// tol, growing as 1/s in the shade up to 3 times (tolAt's growth, capped
// further out: these tests also ask for the cloth's shape or a step, not
// only its colour).
func (f *felt) darkTol(s float64) float64 {
	return f.tol * math.Min(3, math.Max(1, f.sum/math.Max(s, 1)))
}

// learnFelt finds the dominant chromaticity among the pixels of the central
// region of a packed BGR image (the camera looks at the table, so the cloth
// fills the middle): a 2D histogram over (b, g) chromaticity, its peak, then
// the mean and spread of the pixels near the peak.
func learnFelt(pix []byte, w, h int) (felt, error) {
	const bins = 64
	var hist [bins * bins]int32
	x0, x1, y0, y1 := w*3/10, w*7/10, h*3/10, h*7/10
	bin := func(v float64) int {
		i := int(v * bins)
		if i >= bins {
			i = bins - 1
		}
		return i
	}
	var n int
	for y := y0; y < y1; y++ {
		row := pix[y*w*3:]
		for x := x0; x < x1; x++ {
			b, g, r := float64(row[3*x]), float64(row[3*x+1]), float64(row[3*x+2])
			s := b + g + r
			if s < 45 { // too dark to have a reliable colour
				continue
			}
			hist[bin(b/s)*bins+bin(g/s)]++
			n++
		}
	}
	if n < 100 {
		return felt{}, errors.New("vision: learn felt: the centre of the image is black (lens cap, lights off?)")
	}
	// Peak of the 3x3-smoothed histogram.
	best, bi, bj := int32(-1), 0, 0
	for i := 1; i < bins-1; i++ {
		for j := 1; j < bins-1; j++ {
			var v int32
			for di := -1; di <= 1; di++ {
				for dj := -1; dj <= 1; dj++ {
					v += hist[(i+di)*bins+j+dj]
				}
			}
			if v > best {
				best, bi, bj = v, i, j
			}
		}
	}
	pb, pg := (float64(bi)+0.5)/bins, (float64(bj)+0.5)/bins
	var sb, sg, sr float64
	var sums []float64
	var dists []float64
	for y := y0; y < y1; y += 2 {
		row := pix[y*w*3:]
		for x := x0; x < x1; x += 2 {
			b, g, r := float64(row[3*x]), float64(row[3*x+1]), float64(row[3*x+2])
			s := b + g + r
			if s < 45 {
				continue
			}
			if math.Abs(b/s-pb) < 2.0/bins && math.Abs(g/s-pg) < 2.0/bins {
				sb += b / s
				sg += g / s
				sr += r / s
				sums = append(sums, s)
			}
		}
	}
	if len(sums) < 50 {
		return felt{}, errors.New("vision: learn felt: no dominant colour in the centre of the image (is the camera looking at the table?)")
	}
	k := float64(len(sums))
	f := felt{cb: sb / k, cg: sg / k, cr: sr / k}
	slices.Sort(sums)
	f.sum = sums[len(sums)/2]
	// Spread of the felt's own chromaticity (nap, noise, tint gradient).
	for y := y0; y < y1; y += 2 {
		row := pix[y*w*3:]
		for x := x0; x < x1; x += 2 {
			b, g, r := float64(row[3*x]), float64(row[3*x+1]), float64(row[3*x+2])
			if s := b + g + r; s >= 45 && f.chromaDist(b, g, r) < 0.08 {
				dists = append(dists, f.chromaDist(b, g, r))
			}
		}
	}
	slices.Sort(dists)
	p90 := dists[len(dists)*9/10]
	f.tol = max(0.06, 2.5*p90)
	return f, nil
}

// saturation is the spread of the cloth's chromaticity: 0 for a grey
// cloth, 0.2 and more for green, blue or red.
func (f *felt) saturation() float64 {
	return max(f.cb, max(f.cg, f.cr)) - min(f.cb, min(f.cg, f.cr))
}

// darkRatio is how much darker than the cloth around it a pixel must be to
// count as not cloth whatever its colour. On a coloured cloth a shadow
// keeps the cloth's colour and a dark ball (the eight, a navy or maroon
// one) does not, so only the deepest shadow-coloured pixels count: a ball's
// hard shadow under a side light is not part of the ball. On a grey cloth
// colour cannot tell a black ball from a shadow, and brightness must.
func (f *felt) darkRatio() float64 {
	t := min(1, max(0, (f.saturation()-0.06)/0.1))
	return darkRatioGrey - (darkRatioGrey-darkRatioColour)*t
}

// isShadow says whether a pixel darker than the cloth (of brightness
// clothSum there) is the cloth in shadow rather than a dark ball: on a
// coloured cloth, its chromaticity is the cloth's and it is not black.
func (f *felt) isShadow(b, g, r, clothSum float64) bool {
	s := b + g + r
	if s >= 0.8*clothSum || s < 0.12*clothSum || f.saturation() < 0.06 {
		return false
	}
	return f.chromaDist(b, g, r) < 1.5*f.tolAt(s)
}
