package framestat

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Stats are one frame's measures. A measure that could not be taken (no
// flat cloth, no isolated ball) is NaN.
type Stats struct {
	Width, Height int
	// Cloth is the median colour of the playing cloth, 8-bit R, G, B.
	Cloth [3]float64
	// ChromaSpread is the robust standard deviation of the cloth's
	// chromaticity (r = R/(R+G+B), g = G/(R+G+B)) times 1000: how far the
	// cloth's hue and saturation wander over the table (lamps of mixed
	// colour, wear, chroma noise). Shading leaves chromaticity alone.
	ChromaSpread float64
	// Noise is the fine-grain noise in cloth, green channel (8-bit levels,
	// the unit of the simulator's NoiseSigma): the robust standard
	// deviation of a pixel minus the mean of its eight neighbours, scaled
	// to a per-pixel sigma. Noise that a lens, a
	// demosaic or a codec smoothed into blobs counts less, as it does for
	// an edge detector.
	Noise float64
	// EdgeWidth is a ball rim's width in px: the rim's contrast over its
	// steepest slope, scaled so that a step blurred by a Gaussian gives its
	// 10-90 % rise (2.56 sigma). Median over rays and balls.
	EdgeWidth float64
	// Blockiness is the mean luma step across the most marked 8-px grid
	// line over the mean step between other columns (rows), averaged over
	// both directions: 1 means no block edges; JPEG and H.264 raise it.
	Blockiness float64
	// Balls is how many isolated round balls were measured; their radii
	// (px) are RadiusMin, RadiusMedian and RadiusMax. Touching balls are
	// skipped, but a tight round cluster (seven in a hexagon) can pass for
	// one big ball when it is alone in the frame: compare frames by their
	// median.
	Balls                              int
	RadiusMin, RadiusMedian, RadiusMax float64
	// Clipped is the share of ball pixels (within 0.9 r) with a channel at
	// 250 or more: highlights and white balls burnt out.
	Clipped float64
	// Vignette is the cloth's median brightness near the table's four
	// corners over its brightness at the centre (lamps' falloff and the
	// lens's vignetting together, as the detector sees them).
	Vignette float64
	// WhiteRB is R/B of the bright, unsaturated, unclipped ball pixels
	// (mostly the cue ball and white stripes): above 1 a warm cast, below
	// 1 a cool one.
	WhiteRB float64
}

// Measure takes the statistics of one frame, packed 8-bit BGR (the layout
// of model.Frame.Pix), w x h. It fails when the frame is too small or no
// cloth is found around its centre.
func Measure(pix []byte, w, h int) (Stats, error) {
	if w < 64 || h < 48 || len(pix) < w*h*3 {
		return Stats{}, fmt.Errorf("framestat: frame %dx%d with %d bytes: want at least 64x48 and w*h*3 bytes", w, h, len(pix))
	}
	s := Stats{Width: w, Height: h}
	f := newFrame(pix[:w*h*3], w, h)
	if !f.findCloth() {
		return s, errors.New("framestat: no cloth found around the frame's centre")
	}
	f.clothStats(&s)
	s.Noise = f.noise()
	s.Blockiness = f.blockiness()
	s.Vignette = f.vignette()
	f.ballStats(&s)
	return s, nil
}

// frame is one image under measurement.
type frame struct {
	pix  []byte // packed BGR
	w, h int
	luma []float32
	// cloth marks the table's cloth component; box is its bounding box
	// (x0, y0 inclusive, x1, y1 exclusive).
	cloth              []bool
	x0, y0, x1, y1     int
	feltR, feltG       float64 // the cloth's chromaticity
	feltSum            float64 // median R+G+B of the cloth at the centre
	chromaTol          float64
	clothPix, clothMed [3]float64
}

func newFrame(pix []byte, w, h int) *frame {
	f := &frame{pix: pix, w: w, h: h, luma: make([]float32, w*h)}
	for i := range f.luma {
		p := pix[i*3:]
		f.luma[i] = 0.114*float32(p[0]) + 0.587*float32(p[1]) + 0.299*float32(p[2])
	}
	return f
}

// rgbAt returns the pixel's R, G, B.
func (f *frame) rgbAt(i int) (r, g, b float64) {
	p := f.pix[i*3:]
	return float64(p[2]), float64(p[1]), float64(p[0])
}

// findCloth learns the cloth's chromaticity from the frame's central 40 %
// (its histogram's peak), marks pixels of that chromaticity and brightness,
// and keeps the connected region that covers most of the centre: the
// playing cloth.
func (f *frame) findCloth() bool {
	const bins = 64
	hist := make([]float64, bins*bins)
	cx0, cx1 := f.w*3/10, f.w*7/10
	cy0, cy1 := f.h*3/10, f.h*7/10
	for y := cy0; y < cy1; y++ {
		for x := cx0; x < cx1; x++ {
			r, g, b := f.rgbAt(y*f.w + x)
			sum := r + g + b
			if sum < 60 || max(r, g, b) >= 250 {
				continue
			}
			hist[min(int(r/sum*bins), bins-1)*bins+min(int(g/sum*bins), bins-1)]++
		}
	}
	best, bestV := -1, 0.0
	for i := 1; i < bins-1; i++ {
		for j := 1; j < bins-1; j++ {
			v := 0.0
			for di := -1; di <= 1; di++ {
				for dj := -1; dj <= 1; dj++ {
					v += hist[(i+di)*bins+j+dj]
				}
			}
			if v > bestV {
				best, bestV = i*bins+j, v
			}
		}
	}
	if best < 0 || bestV == 0 {
		return false
	}
	// Refine: the mean chromaticity of central pixels near the peak, then
	// their spread sets the tolerance.
	pr, pg := (float64(best/bins)+0.5)/bins, (float64(best%bins)+0.5)/bins
	var sr, sg, n float64
	var sums, dists []float64
	for y := cy0; y < cy1; y += 2 {
		for x := cx0; x < cx1; x += 2 {
			r, g, b := f.rgbAt(y*f.w + x)
			sum := r + g + b
			if sum < 60 || max(r, g, b) >= 250 {
				continue
			}
			cr, cg := r/sum, g/sum
			if d := math.Hypot(cr-pr, cg-pg); d < 2.5/bins {
				sr, sg, n = sr+cr, sg+cg, n+1
				sums = append(sums, sum)
			}
		}
	}
	if n < 50 {
		return false
	}
	f.feltR, f.feltG = sr/n, sg/n
	f.feltSum = medianOf(sums)
	for y := cy0; y < cy1; y += 2 {
		for x := cx0; x < cx1; x += 2 {
			r, g, b := f.rgbAt(y*f.w + x)
			sum := r + g + b
			if sum < 60 || max(r, g, b) >= 250 {
				continue
			}
			if d := math.Hypot(r/sum-f.feltR, g/sum-f.feltG); d < 0.08 {
				dists = append(dists, d)
			}
		}
	}
	// The median radial distance of a 2-D Gaussian is 1.18 sigma.
	sigma := medianOf(dists) / 1.1774
	f.chromaTol = math.Min(math.Max(4.5*sigma, 0.02), 0.08)

	mask := make([]bool, f.w*f.h)
	for i := range mask {
		mask[i] = f.isCloth(i)
	}
	// The component with the most pixels in the central region: a pale
	// hot spot or a ball at the very centre must not pick a speck.
	f.cloth = make([]bool, f.w*f.h)
	comp := make([]int32, f.w*f.h) // 0 unvisited, else component id
	var queue []int32
	bestID, bestN := int32(0), 0
	id := int32(0)
	for y := cy0; y < cy1; y++ {
		for x := cx0; x < cx1; x++ {
			i := y*f.w + x
			if !mask[i] || comp[i] != 0 {
				continue
			}
			id++
			comp[i] = id
			queue = append(queue[:0], int32(i))
			central := 0
			for len(queue) > 0 {
				i := int(queue[len(queue)-1])
				queue = queue[:len(queue)-1]
				x, y := i%f.w, i/f.w
				if x >= cx0 && x < cx1 && y >= cy0 && y < cy1 {
					central++
				}
				for _, j := range [4]int{i - 1, i + 1, i - f.w, i + f.w} {
					if j < 0 || j >= len(mask) || (j == i-1 && x == 0) || (j == i+1 && x == f.w-1) {
						continue
					}
					if mask[j] && comp[j] == 0 {
						comp[j] = id
						queue = append(queue, int32(j))
					}
				}
			}
			if central > bestN {
				bestID, bestN = id, central
			}
		}
	}
	if bestN == 0 {
		return false
	}
	f.x0, f.y0, f.x1, f.y1 = f.w, f.h, 0, 0
	for i, c := range comp {
		if c != bestID {
			continue
		}
		f.cloth[i] = true
		x, y := i%f.w, i/f.w
		f.x0, f.x1 = min(f.x0, x), max(f.x1, x+1)
		f.y0, f.y1 = min(f.y0, y), max(f.y1, y+1)
	}
	return (f.x1-f.x0)*(f.y1-f.y0) >= f.w*f.h/20
}

// isCloth reports whether pixel i has the cloth's chromaticity and a
// brightness the cloth takes under the lamps and in ball shadows.
func (f *frame) isCloth(i int) bool {
	r, g, b := f.rgbAt(i)
	sum := r + g + b
	if sum < 0.3*f.feltSum || sum > 1.7*f.feltSum || sum < 30 {
		return false
	}
	return math.Hypot(r/sum-f.feltR, g/sum-f.feltG) < f.chromaTol
}

// clothStats fills the cloth's colour and chromaticity spread.
func (f *frame) clothStats(s *Stats) {
	var ch [3][]float64
	var cr, cg []float64
	step := max(1, (f.x1-f.x0)*(f.y1-f.y0)/200000)
	k := 0
	for y := f.y0; y < f.y1; y++ {
		for x := f.x0; x < f.x1; x++ {
			i := y*f.w + x
			if !f.cloth[i] {
				continue
			}
			if k++; k%step != 0 {
				continue
			}
			r, g, b := f.rgbAt(i)
			ch[0], ch[1], ch[2] = append(ch[0], r), append(ch[1], g), append(ch[2], b)
			sum := r + g + b
			cr, cg = append(cr, r/sum), append(cg, g/sum)
		}
	}
	for c := range ch {
		s.Cloth[c] = medianOf(ch[c])
	}
	s.ChromaSpread = 1000 * math.Hypot(robustSigma(cr), robustSigma(cg))
}

// noise is the robust sigma of green minus its eight neighbours' mean,
// over cloth pixels whose neighbourhood is all cloth.
func (f *frame) noise() float64 {
	var e []float64
	step := max(1, (f.x1-f.x0)*(f.y1-f.y0)/300000)
	k := 0
	for y := max(f.y0, 1); y < min(f.y1, f.h-1); y++ {
		for x := max(f.x0, 1); x < min(f.x1, f.w-1); x++ {
			i := y*f.w + x
			if !f.cloth[i] {
				continue
			}
			if k++; k%step != 0 {
				continue
			}
			var sum int
			flat := true
			for dy := -1; dy <= 1 && flat; dy++ {
				for dx := -1; dx <= 1; dx++ {
					j := i + dy*f.w + dx
					if !f.cloth[j] {
						flat = false
						break
					}
					if dx != 0 || dy != 0 {
						sum += int(f.pix[j*3+1])
					}
				}
			}
			if flat {
				e = append(e, float64(f.pix[i*3+1])-float64(sum)/8)
			}
		}
	}
	if len(e) < 100 {
		return math.NaN()
	}
	// Var(x - mean of 8 others) = sigma^2 (1 + 1/8) for independent noise.
	return robustSigma(e) / math.Sqrt(9.0/8)
}

// blockiness compares luma steps across each of the 8 grid phases.
func (f *frame) blockiness() float64 {
	var sum [2][8]float64
	var cnt [2][8]float64
	for y := f.y0; y < f.y1-1; y++ {
		for x := f.x0; x < f.x1-1; x++ {
			i := y*f.w + x
			if !f.cloth[i] {
				continue
			}
			if f.cloth[i+1] {
				d := math.Abs(float64(f.luma[i+1] - f.luma[i]))
				sum[0][x%8] += d
				cnt[0][x%8]++
			}
			if f.cloth[i+f.w] {
				d := math.Abs(float64(f.luma[i+f.w] - f.luma[i]))
				sum[1][y%8] += d
				cnt[1][y%8]++
			}
		}
	}
	b := 0.0
	for dir := 0; dir < 2; dir++ {
		var m [8]float64
		best := 0
		for p := 0; p < 8; p++ {
			if cnt[dir][p] == 0 {
				return math.NaN()
			}
			m[p] = sum[dir][p] / cnt[dir][p]
			if m[p] > m[best] {
				best = p
			}
		}
		rest := 0.0
		for p := 0; p < 8; p++ {
			if p != best {
				rest += m[p]
			}
		}
		rest /= 7
		if rest == 0 {
			return math.NaN()
		}
		b += m[best] / rest / 2
	}
	return b
}

// vignette is the corners' cloth brightness over the centre's.
func (f *frame) vignette() float64 {
	bw, bh := f.x1-f.x0, f.y1-f.y0
	cell := func(x0, y0 int) float64 {
		var v []float64
		for y := y0; y < y0+bh/5; y++ {
			for x := x0; x < x0+bw/5; x++ {
				if i := y*f.w + x; f.cloth[i] {
					v = append(v, float64(f.luma[i]))
				}
			}
		}
		if len(v) < 50 {
			return math.NaN()
		}
		return medianOf(v)
	}
	c := cell(f.x0+bw*2/5, f.y0+bh*2/5)
	var corners, n float64
	for _, p := range [4][2]int{{f.x0, f.y0}, {f.x1 - bw/5, f.y0}, {f.x0, f.y1 - bh/5}, {f.x1 - bw/5, f.y1 - bh/5}} {
		if v := cell(p[0], p[1]); !math.IsNaN(v) {
			corners, n = corners+v, n+1
		}
	}
	if n == 0 || !(c > 0) {
		return math.NaN()
	}
	return corners / n / c
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

// robustSigma is the standard deviation of the central 98 % of v, scaled
// to a Gaussian's sigma: the bulk's spread, unmoved by a few outliers (a
// ball's rim, a spot). Unlike the median absolute deviation it stays
// meaningful for values a codec quantised to a few levels (mostly 0).
func robustSigma(v []float64) float64 {
	if len(v) < 2 {
		return math.NaN()
	}
	v = slices.Clone(v)
	slices.Sort(v)
	cut := len(v) / 100
	v = v[cut : len(v)-cut]
	var m, q float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	for _, x := range v {
		q += (x - m) * (x - m)
	}
	// A Gaussian cut at its 1 % and 99 % points keeps 0.8735 of its variance.
	return math.Sqrt(q / float64(len(v)) / 0.8735)
}
