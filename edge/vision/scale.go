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
	votes, vblur  gocv.Mat
	outside       []byte
	peaks, scores []float64
}

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
		votes: gocv.NewMatWithSize(h, w, gocv.MatTypeCV32F), vblur: gocv.NewMat(),
		outside: make([]byte, w*h)}
}

func (s *scaleFinder) close() {
	s.m.Close()
	s.warp.Close()
	s.gx.Close()
	s.gy.Close()
	s.votes.Close()
	s.vblur.Close()
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
	ap, err3 := s.votes.DataPtrFloat32()
	if err1 != nil || err2 != nil || err3 != nil {
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
	s.scores = s.scores[:0]
	var radii []float64
	for k := scaleMin; k <= scaleMax; k *= scaleStep {
		r := k * scaleNomPx
		radialVotes(gxp, gyp, s.outside, s.w, s.h, float32(r), voteMinMag, voteFullMag, ap)
		sig := math.Max(1, r/6)
		ks := 2*int(math.Ceil(2*sig)) + 1
		gocv.GaussianBlur(s.votes, &s.vblur, image.Pt(ks, ks), sig, sig, gocv.BorderConstant)
		vp, err := s.vblur.DataPtrFloat32()
		if err != nil {
			return 0, false
		}
		s.peaks = topPeaks(s.peaks[:0], vp, s.w, s.h, int(math.Max(2, r)), scaleTopK)
		// The votes gathered near the peak (the blurred density times the
		// Gaussian's area) per unit of rim length: a whole outline's
		// votes grow with r.
		score := 0.0
		for _, p := range s.peaks {
			score += p * 2 * math.Pi * sig * sig / (2 * math.Pi * r)
		}
		s.scores = append(s.scores, score)
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

// topPeaks appends the k strongest local maxima of v (w x h), at least sep
// pixels apart, strongest first.
func topPeaks(dst []float64, v []float32, w, h, sep, k int) []float64 {
	type pk struct {
		u, v int
		a    float32
	}
	var cands []pk
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			i := y*w + x
			a := v[i]
			if a <= 0.5 || a < v[i-1] || a < v[i+1] || a < v[i-w] || a < v[i+w] {
				continue
			}
			cands = append(cands, pk{x, y, a})
		}
	}
	slices.SortFunc(cands, func(a, b pk) int { return cmpF(float64(b.a), float64(a.a)) })
	var kept []pk
	for _, c := range cands {
		ok := true
		for _, q := range kept {
			if (c.u-q.u)*(c.u-q.u)+(c.v-q.v)*(c.v-q.v) < sep*sep {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, c)
			dst = append(dst, float64(c.a))
			if len(kept) == k {
				break
			}
		}
	}
	return dst
}
