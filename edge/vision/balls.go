package vision

import (
	"image"
	"image/color"
	"math"
	"slices"
	"unsafe"

	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// ballFinder finds balls in a table-rectified, downscaled view: a top-down
// image of the playing surface at ppm pixels per metre, where every ball
// has the same radius and the masks (outside the cloth, pocket holes) are
// fixed. Candidates found there are refined in the full-resolution frame.
type ballFinder struct {
	ppm    float64 // rectified pixels per table metre
	rb     float64 // the balls' radius, table metres (see scale.go)
	rw     float64 // the balls' radius, rectified pixels (rb * ppm)
	margin float64 // metres of cushion kept around the playing surface
	size   model.Size
	w, h   int

	warp  gocv.Mat // rectified BGR
	mask  gocv.Mat // 8-bit, 255 where not felt
	dist  gocv.Mat // float32 distance to felt
	hier  gocv.Mat // contour hierarchy for holeCandidates
	m     gocv.Mat // 3x3 float64: rectified pixel -> frame pixel
	maps  warpMaps // m's warp maps, cached (warp.go)
	votes gocv.Mat // float32 radial symmetry votes
	vblur gocv.Mat // votes smoothed

	// feltSum is the expected B+G+R of the cloth at each rectified pixel
	// (the lighting gradient), learned from frames; see learnField.
	feltSum []float32
	// brightThr and darkThr are the per-pixel brightness limits of the
	// cloth derived from feltSum: brightest channel above brightThr, or
	// B+G+R below darkThr, is not cloth.
	brightThr, darkThr []float32
	// outside marks rectified pixels that are never a ball's: beyond the
	// cushions or in a pocket's hole.
	outside []byte // 1 or 0
	fitted  bool
	pockets []model.Pocket

	cands []cand
	peaks []cand // distance-transform peaks, before merging into cands
}

type cand struct {
	u, v, d float64 // rectified position and distance-transform value
}

// newBallFinder builds the finder for balls of radius rb (table metres) at
// ppm rectified pixels per metre.
func newBallFinder(size model.Size, ppm, rb float64) *ballFinder {
	margin := 1.05 * rb
	w := int(math.Ceil((size.Length + 2*margin) * ppm))
	h := int(math.Ceil((size.Width + 2*margin) * ppm))
	return &ballFinder{ppm: ppm, rb: rb, rw: rb * ppm, margin: margin, size: size, w: w, h: h,
		warp: gocv.NewMat(), mask: gocv.NewMatWithSize(h, w, gocv.MatTypeCV8U),
		dist: gocv.NewMat(), hier: gocv.NewMat(),
		m:     gocv.NewMatWithSize(3, 3, gocv.MatTypeCV64F),
		votes: gocv.NewMatWithSize(h, w, gocv.MatTypeCV32F), vblur: gocv.NewMat(),
		feltSum: make([]float32, w*h), outside: make([]byte, w*h),
		brightThr: make([]float32, w*h), darkThr: make([]float32, w*h)}
}

func (b *ballFinder) close() {
	b.warp.Close()
	b.mask.Close()
	b.dist.Close()
	b.hier.Close()
	b.m.Close()
	b.maps.close()
	b.votes.Close()
	b.vblur.Close()
}

// toTable maps a rectified pixel to table metres.
func (b *ballFinder) toTable(u, v float64) (float64, float64) {
	return u/b.ppm - b.margin, float64(b.h)/b.ppm - v/b.ppm - b.margin
}

// setTable installs a table fit: the rectifying map and the static masks.
func (b *ballFinder) setTable(t *tableFit, g model.TableGeometry) {
	// Rectified pixel -> table metres (y flipped so the picture is upright).
	a := homography{1 / b.ppm, 0, -b.margin, 0, -1 / b.ppm, float64(b.h)/b.ppm - b.margin, 0, 0, 1}
	m := mul3(t.inv, a)
	for i := 0; i < 9; i++ {
		b.m.SetDoubleAt(i/3, i%3, m[i])
	}
	b.pockets = g.Pockets
	L, W := b.size.Length, b.size.Width
	for v := 0; v < b.h; v++ {
		for u := 0; u < b.w; u++ {
			x, y := b.toTable(float64(u)+0.5, float64(v)+0.5)
			out := byte(0)
			// Beyond the noses a ball can only be in a pocket's throat.
			if x < 0 || y < 0 || x > L || y > W {
				out = 1
				for _, p := range g.Pockets {
					if math.Hypot(x-p.Pos.X, y-p.Pos.Y) < p.Radius*b.rb/model.BallRadius+b.rb {
						out = 0
					}
				}
			}
			b.outside[v*b.w+u] = out
		}
	}
	b.fitted = false
}

// canCentre says whether a ball's centre can be at table point (x, y). On
// the bed it is at least noseClear radii from every cushion nose: a ball
// frozen on a cushion touches the nose above its equator, its centre 0.96 r
// away (the nose's shadow along the cushion is where false balls sit). In a
// pocket's mouth it may be past the noses: in a side pocket's up to half a
// radius, in a corner's up to jawDepth radii beyond the line between the
// jaws' tips (further, it has dropped). Pockets are
// scaled with the balls: a toy table's are as large against its balls as a
// full-size one's.
func (b *ballFinder) canCentre(x, y float64) bool {
	L, W := b.size.Length, b.size.Width
	m := noseClear * b.rb
	if x >= m && y >= m && x <= L-m && y <= W-m {
		return true
	}
	k := b.rb / model.BallRadius
	for _, p := range b.pockets {
		dx, dy := x-p.Pos.X, y-p.Pos.Y
		corner := (p.Pos.X < 0.01 || p.Pos.X > L-0.01) && (p.Pos.Y < 0.01 || p.Pos.Y > W-0.01)
		if corner {
			// Mirror the corner to the origin, the bed at x, y >= 0. The
			// jaws' tips are on the noses p.Radius*sqrt2 from the corner
			// (the mouth, 2 p.Radius wide, is the line between them, at
			// p.Radius along the diagonal).
			if p.Pos.X > L/2 {
				dx = -dx
			}
			if p.Pos.Y > W/2 {
				dy = -dy
			}
			diag, lat := (dx+dy)/math.Sqrt2, math.Abs(dx-dy)/math.Sqrt2
			if lat < p.Radius*k && diag >= p.Radius*k-jawDepth*b.rb {
				return true
			}
			continue
		}
		// A side pocket: across its mouth, up to half a radius past the
		// nose.
		along, out := math.Abs(dx), -dy
		if p.Pos.Y > W/2 {
			out = dy
		}
		if along < p.Radius*k && out < 0.5*b.rb {
			return true
		}
	}
	return false
}

// jawDepth is how far (ball radii) past the line between a corner pocket's
// jaws a ball can rest on the pocket's shelf, wedged between the jaws.
const jawDepth = 1.5

// noseClear is how close (ball radii) to a cushion nose a ball's centre
// may be on the bed: 0.96 for a ball touching it, less the table corners'
// error.
const noseClear = 0.8

func mul3(a, c homography) homography {
	var r homography
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			r[3*i+j] = a[3*i]*c[j] + a[3*i+1]*c[3+j] + a[3*i+2]*c[6+j]
		}
	}
	return r
}

// rectify warps frame into the top-down view.
func (b *ballFinder) rectify(frame *frameView) []byte {
	if warpMapsUsable {
		var m [9]float64
		for i := range m {
			m[i] = b.m.GetDoubleAt(i/3, i%3)
		}
		if err := b.maps.warpPix(frame.pix, frame.w, frame.h, &b.warp, m, b.w, b.h); err != nil {
			// Not expected (the view is checked): the Mat's way, as
			// before warpPix.
			if fm, err := frame.mat(); err == nil {
				b.maps.warp(fm, &b.warp, m, b.w, b.h)
			}
		}
	} else if fm, err := frame.mat(); err == nil {
		gocv.WarpPerspectiveWithParams(fm, &b.warp, b.m, image.Pt(b.w, b.h),
			gocv.InterpolationLinear|gocv.WarpInverseMap, gocv.BorderConstant, color.RGBA{})
	}
	p, _ := b.warp.DataPtrUint8()
	return p
}

// learnField estimates the cloth's brightness over the table from the
// rectified image: the mean B+G+R of felt-coloured pixels in 12x12 cells,
// holes filled from neighbours, interpolated bilinearly. Balls are not
// felt-coloured and mostly fall out; a cell full of them borrows its
// neighbours' light.
func (b *ballFinder) learnField(p []byte, fe *felt) {
	const cell = 12
	cw, ch := (b.w+cell-1)/cell, (b.h+cell-1)/cell
	sum := make([]float64, cw*ch)
	cnt := make([]float64, cw*ch)
	for v := 0; v < b.h; v++ {
		for u := 0; u < b.w; u++ {
			i := v*b.w + u
			if b.outside[i] != 0 {
				continue
			}
			bb, gg, rr := float64(p[3*i]), float64(p[3*i+1]), float64(p[3*i+2])
			s := bb + gg + rr
			if s > 0.2*fe.sum && s < 3*fe.sum && fe.chromaDist(bb, gg, rr) < fe.tolAt(s) {
				c := (v/cell)*cw + u/cell
				sum[c] += s
				cnt[c]++
			}
		}
	}
	val := make([]float64, cw*ch)
	ok := make([]bool, cw*ch)
	for c := range val {
		if cnt[c] >= cell*cell/4 {
			val[c], ok[c] = sum[c]/cnt[c], true
		}
	}
	for pass := 0; pass < cw+ch; pass++ {
		changed := false
		for cy := 0; cy < ch; cy++ {
			for cx := 0; cx < cw; cx++ {
				c := cy*cw + cx
				if ok[c] {
					continue
				}
				var s, n float64
				for _, d := range [4][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
					x, y := cx+d[0], cy+d[1]
					if x >= 0 && y >= 0 && x < cw && y < ch && ok[y*cw+x] {
						s += val[y*cw+x]
						n++
					}
				}
				if n > 0 {
					val[c] = s / n
					changed = true
				}
			}
		}
		for c := range val {
			if !ok[c] && val[c] > 0 {
				ok[c] = true
			}
		}
		if !changed {
			break
		}
	}
	for c := range val {
		if !ok[c] {
			val[c] = fe.sum
		}
	}
	cmax := max(fe.cb, max(fe.cg, fe.cr))
	dark := fe.darkRatio()
	for v := 0; v < b.h; v++ {
		fy := (float64(v)+0.5)/cell - 0.5
		y0 := clampI(int(math.Floor(fy)), 0, ch-1)
		y1 := clampI(y0+1, 0, ch-1)
		ty := min(max(fy-float64(y0), 0), 1)
		for u := 0; u < b.w; u++ {
			fx := (float64(u)+0.5)/cell - 0.5
			x0 := clampI(int(math.Floor(fx)), 0, cw-1)
			x1 := clampI(x0+1, 0, cw-1)
			tx := min(max(fx-float64(x0), 0), 1)
			top := val[y0*cw+x0]*(1-tx) + val[y0*cw+x1]*tx
			bot := val[y1*cw+x0]*(1-tx) + val[y1*cw+x1]*tx
			fs := top*(1-ty) + bot*ty
			b.feltSum[v*b.w+u] = float32(fs)
			b.brightThr[v*b.w+u] = float32(brightRatio * fs * cmax)
			b.darkThr[v*b.w+u] = float32(dark * fs)
		}
	}
	b.fitted = true
}

// clothAt is the cloth's expected B, G, R at table position p (metres):
// the learned chromaticity at the light field's level there.
func (b *ballFinder) clothAt(p *model.Vec2, fe *felt) [3]float64 {
	fs := fe.sum
	if p != nil && b.fitted {
		u := clampI(int((p.X+b.margin)*b.ppm), 0, b.w-1)
		v := clampI(int((b.size.Width+b.margin-p.Y)*b.ppm), 0, b.h-1)
		fs = float64(b.feltSum[v*b.w+u])
	}
	return [3]float64{fs * fe.cb, fs * fe.cg, fs * fe.cr}
}

func clampI(x, lo, hi int) int {
	if x < lo {
		return lo
	}
	if x > hi {
		return hi
	}
	return x
}

// Thresholds of the not-felt test, relative to the local cloth: a ball's
// shadow darkens the cloth without changing its chromaticity, so only a
// pixel much darker than a shadow (the black ball, a dark stripe) counts.
const (
	brightRatio     = 1.3
	darkRatioGrey   = 0.42
	darkRatioColour = 0.33
)

// candidates builds the not-felt mask of the rectified image and returns
// one candidate per ball-sized peak of its distance transform.
func (b *ballFinder) candidates(p []byte, fe *felt) []cand {
	// Not cloth: chromaticity off the felt's by more than the shade-aware
	// tolerance (felt.tolAt), brightest channel well above the cloth's
	// there, or much darker than the cloth's shadow (see the thresholds'
	// comment). The per-pixel loop is in C (kernels.cpp) so it vectorises.
	mp, _ := b.mask.DataPtrUint8()
	feltMask(p, b.brightThr, b.darkThr, b.outside, mp, fe)
	if err := distanceL2(b.mask, &b.dist); err != nil {
		return b.cands[:0]
	}
	dp, _ := b.dist.DataPtrFloat32()
	rw := b.rw
	lo, hi := float32(0.55*rw), float32(1.6*rw)
	b.peaks = b.peaks[:0]
	w := b.w
	for v := 1; v < b.h-1; v++ {
		for u := 1; u < w-1; u++ {
			i := v*w + u
			d := dp[i]
			if d < lo || d > hi {
				continue
			}
			// A plateau keeps its first pixel: >= on the earlier
			// neighbours, > on the later ones.
			if d < dp[i-w-1] || d < dp[i-w] || d < dp[i-w+1] || d < dp[i-1] ||
				d <= dp[i+1] || d <= dp[i+w-1] || d <= dp[i+w] || d <= dp[i+w+1] {
				continue
			}
			// Sub-pixel peak by a parabola through the neighbours.
			fu := float64(u) + parabola(dp[i-1], d, dp[i+1])
			fv := float64(v) + parabola(dp[i-w], d, dp[i+w])
			b.peaks = append(b.peaks, cand{fu + 0.5, fv + 0.5, float64(d)})
		}
	}
	// Strongest first; drop weaker peaks inside a kept ball (two touching
	// balls are 2r apart, one ball's ridge peaks are closer than r).
	slices.SortFunc(b.peaks, func(a, c cand) int {
		if a.d > c.d {
			return -1
		}
		if a.d < c.d {
			return 1
		}
		return 0
	})
	kept := b.peaks[:0]
	for _, c := range b.peaks {
		ok := true
		for _, k := range kept {
			if math.Hypot(c.u-k.u, c.v-k.v) < 1.3*rw {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, c)
		}
	}
	// The outline votes come first: they put one candidate on each ball of
	// a packed rack, where the mask is one blob and its distance peaks fall
	// between balls. A distance peak on a voted ball only lends it its
	// size; one a radius away from voted balls is such an in-between peak
	// and is dropped; the rest (balls whose outline voted too little) stay.
	b.cands = b.voteCandidates(b.cands[:0], rw)
	nv := len(b.cands)
	for _, c := range kept {
		add := true
		for j := range b.cands[:nv] {
			k := &b.cands[j]
			dd := math.Hypot(c.u-k.u, c.v-k.v)
			if dd < 0.6*rw {
				k.d = max(k.d, c.d)
			}
			if dd < 1.3*rw {
				add = false
			}
		}
		if add {
			b.cands = append(b.cands, c)
		}
	}
	b.cands = b.holeCandidates(b.cands, rw)
	return b.cands
}

// Radial symmetry thresholds (rectified view, Sobel 3x3 of 8-bit colour):
// gradients below voteMinMag are cloth texture and noise; at voteFullMag an
// edge pixel casts a whole vote. After the 5x5 Gaussian (sigma 1) a ball's
// centre collects 7.3-11 on average over the simulator set at 6 px per
// radius, 4.3 at the least (the eight in a rack on grey cloth under the dim
// rig). Cloth, rails and shadows peak below 4 (about one such peak per
// frame); the stick, the hand and the sleeve reach 6, and the refinement
// and dropOnCue judge those. voteMin lets a candidate in; voteSolid is the
// vote of a clear outline, for the confidence's shape term.
const (
	voteMinMag  = 12
	voteFullMag = 60
	voteMin     = 3.5
	voteSolid   = 8
)

// voteCandidates finds balls by the symmetry of their outline: every edge
// pixel votes for the points one ball radius along and against its
// gradient (kernels.cpp), so each ball's rim piles votes on its centre
// whatever its colour against the cloth or its neighbours: a maroon ball
// on red cloth (darker, same chromaticity), and each ball of a packed rack,
// where the not-cloth mask is one blob without a distance peak per ball.
func (b *ballFinder) voteCandidates(kept []cand, rw float64) []cand {
	// The kernel takes the 3x3 Sobel of each row itself (the same
	// integers as OpenCV's, and only where the votes read them).
	bgr, err1 := b.warp.DataPtrUint8()
	ap, err2 := b.votes.DataPtrFloat32()
	if err1 != nil || err2 != nil {
		return kept
	}
	radialVotes(bgr, b.outside, b.w, b.h, float32(rw), voteMinMag, voteFullMag, ap)
	gocv.GaussianBlur(b.votes, &b.vblur, image.Pt(5, 5), 1, 1, gocv.BorderConstant)
	vp, err := b.vblur.DataPtrFloat32()
	if err != nil {
		return kept
	}
	thr := float32(voteMin)
	w := b.w
	n0 := len(kept)
	for v := 2; v < b.h-2; v++ {
		for u := 2; u < w-2; u++ {
			i := v*w + u
			a := vp[i]
			if a < thr || b.outside[i] != 0 {
				continue
			}
			peak := true
			for dv := -2; dv <= 2 && peak; dv++ {
				for du := -2; du <= 2; du++ {
					j := i + dv*w + du
					if j != i && (vp[j] > a || vp[j] == a && j < i) {
						peak = false
						break
					}
				}
			}
			if !peak {
				continue
			}
			fu := float64(u) + parabola(vp[i-1], a, vp[i+1]) + 0.5
			fv := float64(v) + parabola(vp[i-w], a, vp[i+w]) + 0.5
			// Two peaks closer than 0.6 r are one ball's (the 5x5
			// neighbourhood is smaller than that at 6 px per radius).
			dup := false
			for _, k := range kept[n0:] {
				if math.Hypot(fu-k.u, fv-k.v) < 0.6*rw {
					dup = true
					break
				}
			}
			if !dup {
				kept = append(kept, cand{fu, fv, rw * min(1, float64(a)/voteSolid)})
			}
		}
	}
	return kept
}

// holeCandidates adds a candidate for every ball-sized round hole in the
// mask: a ball the colour of the cloth (the green six on green cloth, the
// maroon seven on red) is not itself "not cloth", but the balls around it
// in a rack, or its own darker limb and shadow, ring it.
func (b *ballFinder) holeCandidates(kept []cand, rw float64) []cand {
	contours := gocv.FindContoursWithParams(b.mask, &b.hier, gocv.RetrievalCComp, gocv.ChainApproxSimple)
	defer contours.Close()
	ball := math.Pi * rw * rw
	// The hierarchy is one row of (next, previous, child, parent) int32
	// quadruples, read in place: GetVeciAt is a cgo call and an allocation
	// per contour, and a busy table's mask has hundreds.
	n := contours.Size()
	hb, err := b.hier.DataPtrUint8() // gocv v0.31 has no DataPtrInt32
	if n == 0 || err != nil || len(hb) < 16*n || b.hier.Type() != gocv.MatTypeCV32SC4 {
		return kept
	}
	hier := unsafe.Slice((*int32)(unsafe.Pointer(&hb[0])), 4*n) // C memory, aligned by OpenCV
	for i := 0; i < n; i++ {
		if hier[4*i+3] < 0 {
			continue // an outer boundary, not a hole
		}
		c := contours.At(i)
		area := gocv.ContourArea(c)
		if area < 0.35*ball || area > 1.6*ball {
			continue
		}
		peri := gocv.ArcLength(c, true)
		if 4*math.Pi*area/(peri*peri) < 0.4 {
			continue // not round
		}
		var sx, sy float64
		pts := c.ToPoints()
		for _, p := range pts {
			sx += float64(p.X)
			sy += float64(p.Y)
		}
		u, v := sx/float64(len(pts))+0.5, sy/float64(len(pts))+0.5
		dup := false
		for _, k := range kept {
			if math.Hypot(u-k.u, v-k.v) < 1.3*rw {
				dup = true
				break
			}
		}
		if !dup {
			kept = append(kept, cand{u, v, 0.75 * rw})
		}
	}
	return kept
}

func parabola(a, b, c float32) float64 {
	den := a - 2*b + c
	if den >= 0 {
		return 0
	}
	return float64(0.5 * (a - c) / den)
}

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
