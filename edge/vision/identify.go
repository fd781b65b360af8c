package vision

import (
	"math"
)

// clipLevel: a channel at or above it is clipped (a specular highlight or an
// overexposed white); its colour says nothing about the ball's.
const clipLevel = 250

// whiteRef is the frame's white: per-channel levels a white ball's lit
// surface reaches under this frame's lamps and exposure. Dividing by it
// makes white (1, 1, 1) whatever the lamps' tint and the camera's gain.
type whiteRef struct {
	b, g, r float64
	// fromWhite: measured on white ball surface (cue ball, stripes' caps,
	// number spots); false when it fell back to the brightest samples.
	fromWhite bool
}

// estimateWhite finds the frame's white from the balls' swatches: samples
// that are nearly grey (min/max channel >= 0.6, which a warm or cool lamp
// still leaves white but no ball colour reaches) and bright (in the upper
// part of the whitish samples' range), unclipped. Their upper half by
// brightness is the lit white.
func estimateWhite(sw []swatch, buf []float64) (whiteRef, []float64) {
	buf = buf[:0]
	top := 0.0
	for i := range sw {
		s := &sw[i]
		for j := range s.px {
			if !s.ok[j] {
				continue
			}
			p := s.px[j]
			mx := max(p[0], p[1], p[2])
			mn := min(p[0], p[1], p[2])
			if mx >= clipLevel || mx < 30 || mn < 0.6*mx {
				continue
			}
			buf = append(buf, float64(p[0])+float64(p[1])+float64(p[2]))
			top = max(top, float64(mx))
		}
	}
	if len(buf) < 8 {
		return fallbackWhite(sw), buf
	}
	// Brightness cut: the 80th percentile of the grey samples' sums, halved
	// (the lit white is within a factor of two of its brightest part).
	sortFloats(buf)
	cut := 0.6 * buf[len(buf)*8/10]
	var wb, wg, wr, n float64
	for i := range sw {
		s := &sw[i]
		for j := range s.px {
			if !s.ok[j] {
				continue
			}
			p := s.px[j]
			mx := max(p[0], p[1], p[2])
			mn := min(p[0], p[1], p[2])
			if mx >= clipLevel || mn < 0.6*mx || float64(p[0])+float64(p[1])+float64(p[2]) < cut {
				continue
			}
			wb += float64(p[0])
			wg += float64(p[1])
			wr += float64(p[2])
			n++
		}
	}
	if n < 8 {
		return fallbackWhite(sw), buf
	}
	return whiteRef{b: wb / n, g: wg / n, r: wr / n, fromWhite: true}, buf
}

// fallbackWhite is a neutral white at the level of the balls' brightest
// unclipped channel: no white surface was seen.
func fallbackWhite(sw []swatch) whiteRef {
	top := 0.0
	for i := range sw {
		s := &sw[i]
		for j := range s.px {
			if s.ok[j] {
				if mx := float64(max(s.px[j][0], s.px[j][1], s.px[j][2])); mx < clipLevel {
					top = max(top, mx)
				}
			}
		}
	}
	if top < 60 {
		top = 60
	}
	return whiteRef{b: top, g: top, r: top}
}

// Sample kinds.
const (
	kindOff    = iota // off the frame
	kindCloth         // the cloth (a centre or radius off, a hole)
	kindWhite         // white surface (clipped white included)
	kindBlack         // black
	kindColour        // the ball's colour
	kindGrey          // dim grey: shaded white, or a colour too dark to name
)

// features are one ball's measures from its swatch, normalised by the
// frame's white.
type features struct {
	n                    int     // samples that read as white or body colour
	white, black, colour float64 // shares of n
	cloth, grey, clip    float64 // shares of the grid
	hue, sat, val        float64 // the body colour: hue (deg), saturation, value (white = 1)
	bodyVal              float64 // mean value of the body (colour and black) samples
	oa, ob               float64 // body colour on opponent axes, / value
	// Pattern misfits, shares of n: the best stripe and solid templates',
	// an all-white ball's (the body share) and a plain one's (the white).
	dStripe, dSolid float64
	kinds           [swN]uint8
	white1, body    bitset
}

// measure classifies every sample of s and computes the features. cloth is
// the cloth's B, G, R near the ball (before normalisation).
func measure(s *swatch, w whiteRef, cloth [3]float64, f *features) {
	*f = features{}
	cs := cloth[0] + cloth[1] + cloth[2] + 1
	ccb, ccg, ccr := cloth[0]/cs, cloth[1]/cs, cloth[2]/cs
	var hs, hc, sats, vals, oas, obs, cn, bv float64
	var nw, nb, nc, ncl, ngr, nclip int
	for j := range swN {
		if !s.ok[j] {
			f.kinds[j] = kindOff
			continue
		}
		p := s.px[j]
		rb, rg, rr := float64(p[0]), float64(p[1]), float64(p[2])
		if max(rb, rg, rr) >= clipLevel && min(rb, rg, rr) >= 0.75*clipLevel {
			// Clipped white: a highlight, or a white surface past the
			// sensor's range.
			f.kinds[j] = kindWhite
			f.white1.set(j)
			nw++
			nclip++
			continue
		}
		sum := rb + rg + rr + 1
		cd := math.Abs(rb/sum-ccb) + math.Abs(rg/sum-ccg) + math.Abs(rr/sum-ccr)
		if cd < 0.05 && sum > 0.45*cs && sum < 1.6*cs {
			f.kinds[j] = kindCloth
			ncl++
			continue
		}
		b, g, r := rb/w.b, rg/w.g, rr/w.r
		mx := max(b, g, r)
		mn := min(b, g, r)
		sat := 0.0
		if mx > 0 {
			sat = (mx - mn) / mx
		}
		switch {
		case mx < 0.2:
			f.kinds[j] = kindBlack
			f.body.set(j)
			nb++
			bv += mx
		case sat < 0.22 && mx > 0.55:
			f.kinds[j] = kindWhite
			f.white1.set(j)
			nw++
		case sat < 0.22:
			f.kinds[j] = kindGrey
			ngr++
		default:
			f.kinds[j] = kindColour
			f.body.set(j)
			nc++
			h := hue(b, g, r, mx, mn)
			hs += math.Sin(h * math.Pi / 180)
			hc += math.Cos(h * math.Pi / 180)
			sats += sat
			vals += mx
			bv += mx
			oas += (r - (g+b)/2) / mx
			obs += 0.866 * (g - b) / mx
			cn++
		}
	}
	f.n = nw + nb + nc
	f.cloth, f.grey, f.clip = float64(ncl)/swN, float64(ngr)/swN, float64(nclip)/swN
	if cn > 0 {
		f.hue = math.Mod(math.Atan2(hs, hc)*180/math.Pi+360, 360)
		f.sat = sats / cn
		f.val = vals / cn
		f.oa, f.ob = oas/cn, obs/cn
	}
	if f.n == 0 {
		return
	}
	if nb+nc > 0 {
		f.bodyVal = bv / float64(nb+nc)
	}
	n := float64(f.n)
	f.white, f.black, f.colour = float64(nw)/n, float64(nb)/n, float64(nc)/n
	f.dStripe = float64(bestMisfit(stripeT, &f.white1, &f.body)) / n
	f.dSolid = float64(bestMisfit(solidT, &f.white1, &f.body)) / n
}
