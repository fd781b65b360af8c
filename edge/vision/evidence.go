package vision

import (
	"math"
)

// evidence is what a refined candidate's pixels say about it being a ball
// resting on the cloth: a lit, smooth sphere with a whole round outline
// that stands out from the cloth all round. The things real frames put on
// the cloth that are not balls fail one test or another: a pocket's net or
// hole (rough inside; dark), a spot or sticker (small, flat), chalk and
// worn cloth (the cloth's colour, flat, faint outline), the nose's shadow
// (no closed outline), a hand or sleeve (no round outline, no highlight).
type evidence struct {
	fitted    bool
	support   float64 // share of the rays that found the outline
	rms       float64 // circle fit's residual, radii
	size      float64 // free fitted radius / expected radius
	shading   float64 // brightness's coefficient of variation over the disc
	roughness float64 // mean |pixel - neighbours| inside, over the mean brightness
	highlight float64 // brightest pixel over the median, inside
	contrast  float64 // median colour step across the outline, over the cloth's brightness
	feltShare float64 // share of the disc the cloth's colour
	shadow    float64 // share of the disc the cloth in shadow (shadowOver)
	vote      float64 // candidate peak strength, ball radii of distance transform or votes
	black     float64 // share of the disc that is black (ballLook.black)
}

// gatherEvidence measures a candidate refined to (x, y, r) in m. cloth is
// the cloth's B, G, R there.
func gatherEvidence(m *img, fe *felt, x, y, r float64, cloth [3]float64) evidence {
	var ev evidence
	rr := 0.8 * r
	x0, x1 := int(math.Floor(x-rr)), int(math.Ceil(x+rr))
	y0, y1 := int(math.Floor(y-rr)), int(math.Ceil(y+rr))
	var sum, rough, mx float64
	var n, felty, shadowy int
	var vals [1024]float64
	nv := 0
	// A disc clear of the image's edges by a pixel (nearly every one) reads
	// its pixels and their neighbours straight from the buffer; the sums
	// are the same, in the same order, as m.at's.
	inside := x0 >= 1 && y0 >= 1 && x1+1 < m.w && y1+1 < m.h
	minFelt := 0.3 * fe.sum
	shade := newShadowTest(cloth)
	// A large disc's statistics are taken on a checkerboard (discStep), but
	// its brightest pixel over all of them: a highlight is a few pixels.
	sparse := discStep(r) == 2
	for py := y0; py <= y1; py++ {
		for px := x0; px <= x1; px++ {
			dx, dy := float64(px)+0.5-x, float64(py)+0.5-y
			if dx*dx+dy*dy > rr*rr {
				continue
			}
			var b, g, rd float64
			if inside {
				o := (py*m.w + px) * 3
				b, g, rd = float64(m.pix[o]), float64(m.pix[o+1]), float64(m.pix[o+2])
			} else {
				var ok bool
				if b, g, rd, ok = m.at(px, py); !ok {
					continue
				}
			}
			v := b + g + rd
			mx = max(mx, v)
			if sparse && (px+py)&1 != 0 {
				continue
			}
			n++
			sum += v
			if nv < len(vals) {
				vals[nv] = v
				nv++
			}
			if fe.isShadedFelt(b, g, rd, minFelt) {
				felty++
			}
			if shade.over(b, g, rd) {
				shadowy++
			}
			// Roughness: against the mean of the 4 neighbours.
			if inside {
				p, st := m.pix, 3*m.w
				o := (py*m.w + px) * 3
				var nb float64
				for _, q := range [4]int{o - 3, o + 3, o - st, o + st} {
					nb += float64(p[q]) + float64(p[q+1]) + float64(p[q+2])
				}
				rough += math.Abs(v - nb/4)
				continue
			}
			var nb float64
			cnt := 0
			for _, o := range [4][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
				if qb, qg, qr, ok := m.at(px+o[0], py+o[1]); ok {
					nb += qb + qg + qr
					cnt++
				}
			}
			if cnt > 0 {
				rough += math.Abs(v - nb/float64(cnt))
			}
		}
	}
	if n == 0 || sum == 0 {
		return ev
	}
	mean := sum / float64(n)
	ev.roughness = rough / float64(n) / mean
	ev.feltShare = float64(felty) / float64(n)
	ev.shadow = float64(shadowy) / float64(n)
	if med := nthFloat(vals[:nv], nv/2); med > 0 {
		ev.highlight = mx / med
	}
	// Contrast across the outline: inside at 0.75 r against outside at
	// 1.3 r, on 24 rays.
	var steps [24]float64
	ns := 0
	for k := 0; k < len(steps); k++ {
		c, s := contrastRing.cos[k], contrastRing.sin[k]
		ib, ig, ir, ok1 := m.bilinear(x+0.75*r*c, y+0.75*r*s)
		ob, og, or, ok2 := m.bilinear(x+1.3*r*c, y+1.3*r*s)
		if ok1 && ok2 {
			steps[ns] = math.Abs(ib-ob) + math.Abs(ig-og) + math.Abs(ir-or)
			ns++
		}
	}
	if ns > 0 {
		cs := cloth[0] + cloth[1] + cloth[2]
		if cs > 0 {
			ev.contrast = nthFloat(steps[:ns], ns/2) / cs
		}
	}
	return ev
}
