package framestat

import (
	"math"
	"slices"
)

// blob is a hole in the cloth: something lying on it.
type blob struct {
	area           int
	sx, sy         float64 // sums of x, y
	x0, y0, x1, y1 int     // inclusive bounds
	cx, cy, r      float64
}

// balls returns the holes in the cloth that look like single balls: round,
// ball-sized, not joined to the rails (an arm reaching in, a ball in a
// pocket's jaw) and shaded like a sphere (a paper spot is flat).
func (f *frame) balls() []blob {
	// Outside: everything in the box reachable from its border without
	// crossing the cloth.
	bw, bh := f.x1-f.x0, f.y1-f.y0
	label := make([]int32, bw*bh) // 0 unvisited, -1 cloth or outside, >0 hole id
	at := func(x, y int) int { return (y-f.y0)*bw + x - f.x0 }
	var queue []int32
	push := func(x, y int) {
		k := at(x, y)
		if label[k] == 0 && !f.cloth[y*f.w+x] {
			label[k] = -1
			queue = append(queue, int32(k))
		}
	}
	for x := f.x0; x < f.x1; x++ {
		push(x, f.y0)
		push(x, f.y1-1)
	}
	for y := f.y0; y < f.y1; y++ {
		push(f.x0, y)
		push(f.x1-1, y)
	}
	for len(queue) > 0 {
		k := int(queue[len(queue)-1])
		queue = queue[:len(queue)-1]
		x, y := k%bw+f.x0, k/bw+f.y0
		if x > f.x0 {
			push(x-1, y)
		}
		if x < f.x1-1 {
			push(x+1, y)
		}
		if y > f.y0 {
			push(x, y-1)
		}
		if y < f.y1-1 {
			push(x, y+1)
		}
	}
	var blobs []blob
	for y := f.y0; y < f.y1; y++ {
		for x := f.x0; x < f.x1; x++ {
			k := at(x, y)
			if label[k] != 0 || f.cloth[y*f.w+x] {
				continue
			}
			id := int32(len(blobs) + 1)
			b := blob{x0: x, y0: y, x1: x, y1: y}
			label[k] = id
			queue = append(queue[:0], int32(k))
			for len(queue) > 0 {
				k := int(queue[len(queue)-1])
				queue = queue[:len(queue)-1]
				px, py := k%bw+f.x0, k/bw+f.y0
				b.area++
				b.sx, b.sy = b.sx+float64(px), b.sy+float64(py)
				b.x0, b.x1 = min(b.x0, px), max(b.x1, px)
				b.y0, b.y1 = min(b.y0, py), max(b.y1, py)
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						nx, ny := px+dx, py+dy
						if nx < f.x0 || ny < f.y0 || nx >= f.x1 || ny >= f.y1 {
							continue
						}
						if j := at(nx, ny); label[j] == 0 && !f.cloth[ny*f.w+nx] {
							label[j] = id
							queue = append(queue, int32(j))
						}
					}
				}
			}
			blobs = append(blobs, b)
		}
	}
	maxR := 0.12 * float64(min(bw, bh))
	var out []blob
	for _, b := range blobs {
		if b.area < 78 { // r < 5 px: a speck, not a ball
			continue
		}
		b.cx, b.cy = b.sx/float64(b.area), b.sy/float64(b.area)
		b.r = math.Sqrt(float64(b.area) / math.Pi)
		w, h := float64(b.x1-b.x0+1), float64(b.y1-b.y0+1)
		if b.r > maxR || w/h < 0.75 || w/h > 1.33 {
			continue
		}
		// Round: the blob fills the disc its farthest pixel spans.
		far := math.Max(math.Max(b.cx-float64(b.x0), float64(b.x1)-b.cx), math.Max(b.cy-float64(b.y0), float64(b.y1)-b.cy)) + 0.5
		if float64(b.area)/(math.Pi*far*far) < 0.7 {
			continue
		}
		// Shaded like a sphere, not a flat sticker or stain: some channel
		// varies over the disc (a burnt-out ball still shades in the
		// channels that did not clip).
		if !f.shaded(b.cx, b.cy, 0.8*b.r) {
			continue
		}
		out = append(out, b)
	}
	return out
}

// shaded reports whether some channel's coefficient of variation over the
// disc is at least 0.05.
func (f *frame) shaded(cx, cy, r float64) bool {
	var sum, sq [3]float64
	n := 0.0
	f.disc(cx, cy, r, func(i int) {
		p := f.pix[i*3:]
		for c := 0; c < 3; c++ {
			v := float64(p[c])
			sum[c] += v
			sq[c] += v * v
		}
		n++
	})
	for c := 0; c < 3; c++ {
		m := sum[c] / n
		if m > 10 && math.Sqrt(max(sq[c]/n-m*m, 0))/m >= 0.05 {
			return true
		}
	}
	return false
}

// disc calls fn with the index of every pixel centred within r of (cx, cy).
func (f *frame) disc(cx, cy, r float64, fn func(i int)) {
	for y := max(int(cy-r), 0); y <= min(int(cy+r)+1, f.h-1); y++ {
		for x := max(int(cx-r), 0); x <= min(int(cx+r)+1, f.w-1); x++ {
			if dx, dy := float64(x)-cx, float64(y)-cy; dx*dx+dy*dy <= r*r {
				fn(y*f.w + x)
			}
		}
	}
}

// sample is the bilinear R, G, B at (x, y).
func (f *frame) sample(x, y float64) (c [3]float64, ok bool) {
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	if x0 < 0 || y0 < 0 || x0+1 >= f.w || y0+1 >= f.h {
		return c, false
	}
	tx, ty := x-float64(x0), y-float64(y0)
	for k, wgt := range [4]float64{(1 - tx) * (1 - ty), tx * (1 - ty), (1 - tx) * ty, tx * ty} {
		p := f.pix[((y0+k/2)*f.w+x0+k%2)*3:]
		c[0] += wgt * float64(p[2])
		c[1] += wgt * float64(p[1])
		c[2] += wgt * float64(p[0])
	}
	return c, true
}

// rim measures a ball's outline along rays from its centre: the radius at
// the steepest colour change and the rim's width (contrast over steepest
// slope, scaled to a Gaussian edge's 10-90 % rise). ok is false when too
// few rays cross a clear edge.
func (f *frame) rim(b blob) (radius float64, widths []float64, ok bool) {
	const rays, step = 32, 0.25
	var radii []float64
	for k := 0; k < rays; k++ {
		a := 2 * math.Pi * float64(k) / rays
		dx, dy := math.Cos(a), math.Sin(a)
		s0, s1 := 0.05*b.r, 1.9*b.r+2
		n := int((s1-s0)/step) + 1
		prof := make([][3]float64, n)
		good := true
		for i := range prof {
			s := s0 + float64(i)*step
			c, in := f.sample(b.cx+dx*s, b.cy+dy*s)
			if !in {
				good = false
				break
			}
			prof[i] = c
		}
		if !good {
			continue
		}
		// Smooth over half a pixel, then the steepest point between 0.6 r
		// and 1.4 r.
		sm := make([][3]float64, n)
		for i := range prof {
			var acc [3]float64
			cnt := 0.0
			for j := max(0, i-1); j <= min(n-1, i+1); j++ {
				for c := 0; c < 3; c++ {
					acc[c] += prof[j][c]
				}
				cnt++
			}
			for c := 0; c < 3; c++ {
				sm[i][c] = acc[c] / cnt
			}
		}
		best, bestG := -1, 0.0
		for i := 2; i < n-2; i++ {
			s := s0 + float64(i)*step
			if s < 0.6*b.r || s > 1.4*b.r {
				continue
			}
			if g := dist3(sm[i+1], sm[i-1]) / (2 * step); g > bestG {
				best, bestG = i, g
			}
		}
		if best < 0 {
			continue
		}
		// Contrast across the rim, taken as far out on either side as the
		// rim is wide: a blurred rim needs the plateaus beyond its blur,
		// a sharp one must not reach into the ball's own shading (the
		// limb darkens towards the rim) or the shadow beside it.
		var contrast, width float64
		d := 1.5
		for it := 0; it < 4; it++ {
			di := int(d / step)
			if best-di < 0 || best+di >= n {
				break
			}
			contrast = dist3(prof[best-di], prof[best+di])
			width = 1.0226 * contrast / bestG
			d = math.Min(math.Max(1.5, 1.25*width), 0.5*b.r)
		}
		if contrast < 30 || width == 0 {
			continue
		}
		radii = append(radii, s0+float64(best)*step)
		widths = append(widths, width)
	}
	if len(radii) < rays*5/8 {
		return 0, nil, false
	}
	slices.Sort(radii)
	// One ball's outline is a circle: the crossings mostly agree (stripes,
	// numbers and the shadow move some). Touching balls that make a
	// lobed blob give crossings at several radii.
	med := radii[len(radii)/2]
	if radii[len(radii)*3/4]-radii[len(radii)/4] > math.Max(0.2*med, 1.5) {
		return 0, nil, false
	}
	return med, widths, true
}

func dist3(a, b [3]float64) float64 {
	return math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
}

// ballStats fills the ball measures.
func (f *frame) ballStats(s *Stats) {
	s.EdgeWidth, s.RadiusMin, s.RadiusMedian, s.RadiusMax = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	s.Clipped, s.WhiteRB = math.NaN(), math.NaN()
	var radii, widths []float64
	var pixels, clipped int
	var wr, wb float64
	var whites int
	type found struct {
		b      blob
		r      float64
		widths []float64
	}
	var all []found
	for _, b := range f.balls() {
		if r, wd, ok := f.rim(b); ok {
			all = append(all, found{b, r, wd})
		}
	}
	// Balls in one frame are all about one size: a blob far smaller than
	// the median (a paper spot is 0.44 of a ball) or far larger is
	// something else.
	var rs []float64
	for _, fb := range all {
		rs = append(rs, fb.r)
	}
	mr := medianOf(rs)
	for _, fb := range all {
		if len(all) >= 3 && (fb.r < 0.65*mr || fb.r > 1.5*mr) {
			continue
		}
		radii = append(radii, fb.r)
		widths = append(widths, fb.widths...)
		f.disc(fb.b.cx, fb.b.cy, 0.9*fb.r, func(i int) {
			pixels++
			rr, gg, bb := f.rgbAt(i)
			hi, lo := max(rr, gg, bb), min(rr, gg, bb)
			if hi >= 250 {
				clipped++
				return
			}
			if hi < 245 && lo > 0.8*hi && 0.299*rr+0.587*gg+0.114*bb >= 150 {
				wr, wb, whites = wr+rr, wb+bb, whites+1
			}
		})
	}
	s.Balls = len(radii)
	if len(radii) == 0 {
		return
	}
	slices.Sort(radii)
	s.RadiusMin, s.RadiusMedian, s.RadiusMax = radii[0], radii[len(radii)/2], radii[len(radii)-1]
	s.EdgeWidth = medianOf(widths)
	s.Clipped = float64(clipped) / float64(pixels)
	if whites >= 20 && wb > 0 {
		s.WhiteRB = wr / wb
	}
}
