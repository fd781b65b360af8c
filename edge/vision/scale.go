package vision

import (
	"image"
	"image/color"
	"math"
	"slices"

	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// The balls' size on the cloth is not the configured table's: a 7 ft bar
// table's balls are 1.28 times larger against its length than a 9 ft
// table's, a toy table's twice, a snooker table's two thirds. The detector
// therefore measures it: in a top-down view of the playing surface it runs
// the radial symmetry transform (each colour edge votes for the point one
// radius along and against its gradient) for a ladder of radii; at the
// balls' radius their rims pile their votes on their centres, at any other
// the votes spread over rings. The radius whose strongest peaks, per unit of
// rim length, are highest is the balls'. It runs when the table is fitted;
// the detections' own circle fits then refine it (Detector.learnRadius).

// scaleFinder owns the Mats of the radius estimate.
type scaleFinder struct {
	ppm           float64 // view pixels per table metre
	w, h          int
	m             gocv.Mat // 3x3 float64: view pixel -> frame pixel
	warp, gx, gy  gocv.Mat
	outside       []byte
	edges         []edgePix
	acc           []float32
	peaks, scores []float64
	// Scratch of score's peak search, kept across radii and fits.
	cands, top []scalePeak
	vals       []float64
}

// scalePeak is a cell of the vote grid with its 3x3 sum.
type scalePeak struct {
	x, y int
	v    float32
}

// edgePix is an edge pixel of the view: centre, unit gradient, vote weight.
type edgePix struct{ x, y, ux, uy, w float32 }

// Radius ladder, relative to a regulation ball on the configured table:
// a snooker table's balls (0.62 on a 9 ft table's frame) to a toy table's
// (2.6).
const (
	scaleMin   = 0.55
	scaleMax   = 2.8
	scaleStep  = 1.1
	scaleNomPx = 8.0 // a regulation ball's radius in the view, pixels
	scaleTopK  = 8   // peaks that count towards a radius's score
)

func newScaleFinder(size model.Size) *scaleFinder {
	ppm := scaleNomPx / model.BallRadius
	w := int(math.Ceil(size.Length * ppm))
	h := int(math.Ceil(size.Width * ppm))
	return &scaleFinder{ppm: ppm, w: w, h: h, m: gocv.NewMatWithSize(3, 3, gocv.MatTypeCV64F),
		warp: gocv.NewMat(), gx: gocv.NewMat(), gy: gocv.NewMat(),
		outside: make([]byte, w*h)}
}

func (s *scaleFinder) close() {
	s.m.Close()
	s.warp.Close()
	s.gx.Close()
	s.gy.Close()
}

// score is the radial symmetry's evidence for balls of radius r (view
// pixels): the edge pixels vote for the points r along and against their
// gradient into cells of about r/5 (a ball's centre stays within a cell or
// two whatever r, and large radii cost no more than small ones); the votes
// in the 3x3 cells around each of the scaleTopK strongest maxima, as a
// share of a whole rim's (2 pi r pixels, one vote each), summed. Cloth
// texture spreads its votes evenly, a ball's rim piles them on its centre
// only at its own radius.
func (s *scaleFinder) score(r float64) float64 {
	cell := math.Max(1, r/5)
	cw, ch := int(float64(s.w)/cell)+2, int(float64(s.h)/cell)+2
	if cap(s.acc) < cw*ch {
		s.acc = make([]float32, cw*ch)
	}
	acc := s.acc[:cw*ch]
	clear(acc)
	inv := float32(1 / cell)
	rr := float32(r)
	for _, e := range s.edges {
		for _, sg := range [2]float32{1, -1} {
			x, y := (e.x+sg*rr*e.ux)*inv, (e.y+sg*rr*e.uy)*inv
			if x < 0 || y < 0 {
				continue
			}
			xi, yi := int(x), int(y)
			if xi >= cw || yi >= ch {
				continue
			}
			acc[yi*cw+xi] += e.w
		}
	}
	// 3x3 sums in place of a blur: a centre's votes straddle cells.
	s.peaks = s.peaks[:0]
	type pk = scalePeak
	cands := s.cands[:0]
	sum := func(x, y int) float32 {
		var t float32
		for dy := -1; dy <= 1; dy++ {
			row := acc[(y+dy)*cw:]
			t += row[x-1] + row[x] + row[x+1]
		}
		return t
	}
	for y := 1; y < ch-1; y++ {
		for x := 1; x < cw-1; x++ {
			if acc[y*cw+x] == 0 {
				continue
			}
			v := sum(x, y)
			if v > float32(r) { // a third of a rim's votes at least... cheap pre-filter
				cands = append(cands, pk{x, y, v})
			}
		}
	}
	s.cands = cands
	sep := int(math.Ceil(r/cell)) + 1
	if !s.topPeaks(cands, sep) {
		slices.SortFunc(cands, func(a, b pk) int { return cmpF(float64(b.v), float64(a.v)) })
		s.keepPeaks(cands, sep)
	}
	score := 0.0
	for _, p := range s.peaks {
		score += p / (2 * math.Pi * r)
	}
	return score
}

// keepPeaks takes the strongest of the cells sorted by falling votes, each
// at least sep cells from those taken, up to scaleTopK, into s.peaks; it
// returns how many of the sorted cells it read.
func (s *scaleFinder) keepPeaks(sorted []scalePeak, sep int) int {
	var kept [scaleTopK]scalePeak
	nk := 0
	for i, c := range sorted {
		ok := true
		for _, q := range kept[:nk] {
			if abs(c.x-q.x) < sep && abs(c.y-q.y) < sep {
				ok = false
				break
			}
		}
		if ok {
			kept[nk] = c
			nk++
			s.peaks = append(s.peaks, float64(c.v))
			if nk == scaleTopK {
				return i + 1
			}
		}
	}
	return len(sorted)
}

// scaleTopCells is how many of the strongest cells topPeaks sorts.
const scaleTopCells = 256

// topPeaks is keepPeaks on the strongest scaleTopCells cells alone (picked
// in linear time), sparing the sort of the tens of thousands of cells the
// small radii's fine grid holds. It gives exactly the full sort's peaks
// when it can tell they are the same: the peaks were all found within
// those cells and no two cells read up to the last one taken hold equal
// votes (ties are ordered arbitrarily by a sort, and their order decides
// which of two neighbours is taken). Otherwise it returns false having
// changed nothing, and the caller sorts everything.
func (s *scaleFinder) topPeaks(cands []scalePeak, sep int) bool {
	if len(cands) <= 2*scaleTopCells {
		return false
	}
	s.vals = s.vals[:0]
	for _, c := range cands {
		s.vals = append(s.vals, float64(c.v))
	}
	thr := float32(nthFloat(s.vals, len(s.vals)-scaleTopCells))
	top := s.top[:0]
	for _, c := range cands {
		if c.v >= thr {
			top = append(top, c)
		}
	}
	s.top = top
	slices.SortFunc(top, func(a, b scalePeak) int { return cmpF(float64(b.v), float64(a.v)) })
	n := s.keepPeaks(top, sep)
	if len(s.peaks) < scaleTopK || n == len(top) {
		s.peaks = s.peaks[:0]
		return false
	}
	// top[:n] were read; top[n] is the strongest unread cell, and every
	// cell outside top is weaker than it or equal to the threshold (in top).
	for i := 0; i < n; i++ {
		if top[i].v == top[i+1].v {
			s.peaks = s.peaks[:0]
			return false
		}
	}
	return true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// estimate returns the balls' radius in the table frame's metres, and
// whether the frame showed balls clearly enough to tell.
func (s *scaleFinder) estimate(frame gocv.Mat, t *tableFit, g model.TableGeometry) (float64, bool) {
	// View pixel -> table metres (y up) -> frame pixel.
	a := homography{1 / s.ppm, 0, 0, 0, -1 / s.ppm, float64(s.h) / s.ppm, 0, 0, 1}
	m := mul3(t.inv, a)
	for i := 0; i < 9; i++ {
		s.m.SetDoubleAt(i/3, i%3, m[i])
	}
	gocv.WarpPerspectiveWithParams(frame, &s.warp, s.m, image.Pt(s.w, s.h),
		gocv.InterpolationLinear|gocv.WarpInverseMap, gocv.BorderReplicate, color.RGBA{})
	gocv.Sobel(s.warp, &s.gx, gocv.MatTypeCV16S, 1, 0, 3, 1, 0, gocv.BorderReplicate)
	gocv.Sobel(s.warp, &s.gy, gocv.MatTypeCV16S, 0, 1, 3, 1, 0, gocv.BorderReplicate)
	gxp, err1 := s.gx.DataPtrInt16()
	gyp, err2 := s.gy.DataPtrInt16()
	if err1 != nil || err2 != nil {
		return 0, false
	}
	// The pockets' holes are round too: their rims do not vote.
	for v := 0; v < s.h; v++ {
		for u := 0; u < s.w; u++ {
			x, y := (float64(u)+0.5)/s.ppm, (float64(s.h)-float64(v)-0.5)/s.ppm
			out := byte(0)
			for _, p := range g.Pockets {
				if math.Hypot(x-p.Pos.X, y-p.Pos.Y) < 2.5*p.Radius {
					out = 1
				}
			}
			s.outside[v*s.w+u] = out
		}
	}
	// The edge pixels, once: position, unit gradient, weight.
	s.edges = s.edges[:0]
	for v := 1; v < s.h-1; v++ {
		for u := 1; u < s.w-1; u++ {
			i := v*s.w + u
			if s.outside[i] != 0 {
				continue
			}
			var bx, by, bm float64
			for c := 0; c < 3; c++ {
				x, y := float64(gxp[3*i+c]), float64(gyp[3*i+c])
				if m := x*x + y*y; m > bm {
					bx, by, bm = x, y, m
				}
			}
			if bm < voteMinMag*voteMinMag {
				continue
			}
			m := math.Sqrt(bm)
			s.edges = append(s.edges, edgePix{float32(u) + 0.5, float32(v) + 0.5, float32(bx / m), float32(by / m),
				float32(math.Min(1, m/voteFullMag))})
		}
	}
	s.scores = s.scores[:0]
	var radii []float64
	for k := scaleMin; k <= scaleMax; k *= scaleStep {
		r := k * scaleNomPx
		s.scores = append(s.scores, s.score(r))
		radii = append(radii, r)
	}
	bi := 0
	for i, sc := range s.scores {
		if sc > s.scores[bi] {
			bi = i
		}
	}
	// The balls' radius stands out of the ladder: noise (cloth texture,
	// the rails' straight edges) scores more the larger the radius, so a
	// maximum at the ladder's end, or one that the larger radii nearly
	// reach, is no ball's.
	if bi == 0 || bi == len(radii)-1 || s.scores[bi] < scaleMinScore {
		return 0, false
	}
	if s.scores[bi] < scaleProminence*slices.Min(s.scores[bi:]) {
		return 0, false
	}
	r := radii[bi]
	if bi > 0 && bi < len(radii)-1 {
		// Parabola through the log-radius neighbours.
		off := parabola(float32(s.scores[bi-1]), float32(s.scores[bi]), float32(s.scores[bi+1]))
		r *= math.Pow(scaleStep, off)
	}
	return r / s.ppm, true
}

// scaleMinScore is the least score (summed peak votes per radius pixel
// over the strongest scaleTopK peaks) that shows balls.
const scaleMinScore = 1.0

// scaleProminence is how much the balls' radius must outscore the weakest
// larger one.
const scaleProminence = 1.5
