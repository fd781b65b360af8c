package vision

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// The playing surface ends at the cushion noses, not at the cloth's outer
// edge: seen from above, the cloth runs on over the cushions' tops to the
// rails, so the outline of the cloth-coloured region is a cushion's width
// (about a ball's diameter: 4-6 cm on a full-size table, more on a toy one)
// outside the playing surface. The nose itself shows as a sharp step in
// brightness between two stretches of cloth: the bed, often with the
// cushion's shadow on it, and the cushion's top, lit at another angle. The
// step is sharp (the nose overhangs the bed), the shadow's edge is soft, and
// the cloth's outer edge has the rail, not cloth, beyond it.
//
// Two rules pick the nose (noseRule). noseOutermost, the ball finder's
// since it was written, takes the outermost strong step. noseStepUp, the
// reported table's (tableFinder.refine), knows which way the step goes:
// outwards the nose is always a step up, from the dark band under the
// cushion (its shadow on the bed, its undercut face) to the lit cushion;
// the band's inner edge, a step down, is the shadow's and not the table's,
// and a step further out is the lit cushion top's own edge over its
// rounded face. A lamp low over the other side throws a shadow too dark to
// show the cloth's colour (gravitygravity's short cushions): the bed is
// then past it. The step-up rule judges "cloth" against the bed at the
// same place as well as against the table's cloth (bedCloth: a lamp's pool
// and the dim rails differ in colour), and follows a nose the lens bent
// into an arc (bentNose); a nose blurred over several pixels gives one
// candidate per station, its drop's halfway point (midDrop), unless its
// peaks follow an arc. On the labelled real set the step-up rule's corners
// are 0.10 % of the diagonal off (median; 0.26 % worst) against 0.39 % for
// the outermost step's; the
// finder keeps the outermost step's because every corner move resamples
// its view (docs/vision-real.md, "Two tables", "Blurred noses").

// noseRule is which of the two rules above findNoses follows.
type noseRule int

const (
	noseOutermost noseRule = iota // the ball finder's outline
	noseStepUp                    // the reported table
)

// Nose search limits, as shares of the outline's shortest side: the scan
// starts noseOut outside the outer edge (which may be found a little off)
// and runs noseDepth inwards (a 9 ft table's cushion is 4% of its width, a
// toy table's up to 8%).
const (
	noseOut   = 0.1
	noseDepth = 0.13
)

// noseStations is how many places along each side the nose is looked for;
// noseMinShare of them must agree on one line.
const (
	noseStations = 48
	noseMinShare = 0.3
)

// noseCand is one sharp cloth-to-cloth step across a side: where it is
// (image pixels), its depth from the outer edge and how sharp it is.
type noseCand struct {
	x, y, depth, strength float64
	along                 float64 // distance along the side from its middle, px
	station               int
	drop                  drop // the brightness drop it lies on (noseStepUp)
}

// noseSide is the cushion nose found along one side of the outline: the
// line and the nose's mean distance inside the outer edge; ok says enough
// of the side agreed on it.
type noseSide struct {
	l     line
	depth float64
	ok    bool
	bent  bool // the line over the middle of a lens-bent nose (bentNose)
}

// findNoses finds the cushion-nose line inside each side of the cloth's
// outer outline q (BL BR TR TL, counter-clockwise on screen); side i runs
// q[i] -> q[i+1].
func findNoses(q [4]model.Pixel, pix []byte, W, H int, fe *felt, rule noseRule) (sides [4]noseSide) {
	short := math.Inf(1)
	for i := 0; i < 4; i++ {
		short = math.Min(short, math.Hypot(q[(i+1)%4].X-q[i].X, q[(i+1)%4].Y-q[i].Y))
	}
	m := img{pix: pix, w: W, h: H}
	s0, s1 := -noseOut*short, noseDepth*short
	const step = 0.5
	n := int((s1 - s0) / step)
	if n < 16 {
		return sides
	}
	prof := make([][3]float64, n)
	felty := make([]bool, n)
	loose := make([]bool, n)
	dark := make([]bool, n)   // deep shadow: no colour to test (noseStepUp)
	feltIn := make([]bool, n) // cloth somewhere further in (noseStepUp)
	grad := make([]float64, n)
	var cands, peaks []noseCand
	// The bed well inside the cushion (the scan's innermost quarter): the
	// cloth as this stretch of the table is lit (see bedCloth).
	inner := n * 3 / 4
	var lf felt
	// Distances in samples that scale with the table's size in the image
	// (3 and 8 px for a table 600 px wide).
	unit := math.Max(1, short/600)
	near, far := int(6*unit), int(16*unit)
	for e := 0; e < 4; e++ {
		a, b := q[e], q[(e+1)%4]
		dx, dy := b.X-a.X, b.Y-a.Y
		l := math.Hypot(dx, dy)
		ux, uy := dx/l, dy/l
		nx, ny := uy, -ux // inward: the outline runs counter-clockwise on screen
		long := e%2 == 0
		cands, peaks = cands[:0], peaks[:0]
		win := 0.008 * l
		for k := 0; k < noseStations; k++ {
			t := 0.12 + 0.76*(float64(k)+0.5)/noseStations
			if long && math.Abs(t-0.5) < 0.08 {
				continue // the side pocket
			}
			px, py := a.X+dx*t, a.Y+dy*t
			// Profile across the side, averaged over a short stretch
			// along it (the nap's and the sensor's noise).
			for i := 0; i < n; i++ {
				s := s0 + float64(i)*step
				var c [3]float64
				for j := -3; j <= 3; j++ {
					o := float64(j) / 3 * win
					bb, gg, rr, ok := m.bilinear(px+s*nx+o*ux, py+s*ny+o*uy)
					if !ok {
						// Off the image: a frame cropped at the rail.
						// Treat as not cloth.
						bb, gg, rr = 0, 0, 0
					}
					c[0] += bb / 7
					c[1] += gg / 7
					c[2] += rr / 7
				}
				prof[i] = c
			}
			local := rule == noseStepUp && bedCloth(prof[inner:], fe, &lf)
			for i, c := range prof {
				sum := c[0] + c[1] + c[2]
				if rule == noseStepUp {
					d := fe.chromaDist(c[0], c[1], c[2])
					if local {
						d = math.Min(d, lf.chromaDist(c[0], c[1], c[2]))
					}
					felty[i] = sum >= 0.12*fe.sum && d < fe.darkTol(sum)
					loose[i] = sum > 0.08*fe.sum && d < 2*fe.darkTol(sum)
					dark[i] = sum < noseShadow*fe.sum
				} else {
					felty[i] = fe.isShadedFelt(c[0], c[1], c[2], 0.12*fe.sum)
					loose[i] = sum > 0.08*fe.sum && fe.chromaDist(c[0], c[1], c[2]) < 2*fe.tolAt(sum)
				}
			}
			feltIn[n-1] = felty[n-1]
			for i := n - 2; i >= 0; i-- {
				feltIn[i] = felty[i] || feltIn[i+1]
			}
			// Colour steps over 2 px (4 samples), sharp ones only.
			for i := range grad {
				grad[i] = 0
			}
			for i := 2; i < n-2; i++ {
				a, c := prof[i-2], prof[i+2]
				grad[i] = math.Abs(c[0]-a[0]) + math.Abs(c[1]-a[1]) + math.Abs(c[2]-a[2])
			}
			minStep := 0.04 * fe.sum
			// Up to four strongest local maxima with cloth on both sides.
			var best [4]noseCand
			for i := near + far; i < n-2*far; i++ {
				g := grad[i]
				if g < minStep || g < grad[i-1] || g <= grad[i+1] {
					continue
				}
				if rule == noseStepUp {
					// The nose bounds the dark band under the cushion on
					// its outer side: brighter outwards (the lit
					// cushion), darker inwards (its shadow or undercut
					// face on the bed).
					o, in := prof[i-2], prof[i+2]
					if rise := o[0] + o[1] + o[2] - in[0] - in[1] - in[2]; rise < noseRise*g {
						continue
					}
				}
				// Cloth on the bed's side: loosely just past the step
				// (the nose's shadow), properly a little further in.
				// Under the step-up rule, a cushion lit from across the
				// table throws a shadow too dark for a colour: then the
				// cloth is further in, past the shadow.
				if loose[i+near] {
					if !felty[i+far] && !felty[i+2*far] {
						continue
					}
				} else if rule != noseStepUp || !(dark[i+near] && feltIn[i+far]) {
					continue
				}
				// Cloth outside too, mostly: the cushion's top; the rail's
				// edge has the rail beyond.
				outside := 0
				for j := i - near - far; j < i-near; j++ {
					if felty[j] {
						outside++
					}
				}
				if outside < far/2 {
					continue
				}
				pos := float64(i) + float64(parabola(float32(grad[i-1]), float32(g), float32(grad[i+1])))
				at := func(pos float64) noseCand {
					s := s0 + pos*step
					return noseCand{x: px + s*nx, y: py + s*ny, depth: s, along: (t - 0.5) * l, strength: g, station: k}
				}
				c := at(pos)
				if rule == noseStepUp {
					c.drop = midDrop(prof, grad, i, far)
					c.drop.mid = at(c.drop.mid).depth
				}
				for j := range best {
					if c.strength > best[j].strength {
						copy(best[j+1:], best[j:len(best)-1])
						best[j] = c
						break
					}
				}
			}
			for j, c := range best {
				if c.strength <= 0 {
					continue
				}
				peaks = append(peaks, c)
				if sharedDrop(best[:j], c) {
					continue
				}
				if sharedDrop(best[j+1:], c) {
					// Several peaks on one drop: none is the steepest
					// point (see midDrop); the halfway point stands for
					// them all.
					ds := c.drop.mid - c.depth
					c.x, c.y, c.depth = c.x+ds*nx, c.y+ds*ny, c.drop.mid
				}
				cands = append(cands, c)
			}
		}
		fr := sideFrame{mx: (a.X + b.X) / 2, my: (a.Y + b.Y) / 2, ux: ux, uy: uy, nx: nx, ny: ny}
		sides[e] = noseLine(cands, s0, s1, rule, fr)
		if len(peaks) > len(cands) {
			// Some peaks were merged into their drop's halfway point.
			// Where the peaks themselves follow one arc, the nose is
			// bent and not blurred past its peaks: keep their arc (see
			// bentNose; merging at some stations and not at others
			// breaks an arc into pieces).
			if sp := noseLine(peaks, s0, s1, rule, fr); sp.bent {
				sides[e] = sp
			}
		}
	}
	return sides
}

// noseLine picks the nose among the candidate steps of one side. The
// straight lines many stations agree on (each station counted once, by its
// strongest step on the line; an exhaustive pair search, the candidates
// being a few per station) are, from the rail inwards: the cushion top's
// own shading if any, the nose, and the soft inner edge of the nose's
// shadow on the bed. Under noseOutermost the nose is the outermost of the
// strong ones: the lit cushion top ends there, and a shadow band inside it
// is the bed's. Under noseStepUp (every candidate brighter outwards, so no
// shadow's inner edge among them) it is the innermost: the outer ones are
// the cushion top's own edge over the rounded nose face (4-6 px wide from
// above on a webcam's table); inside the nose is the bed, whose shadow band
// gets darker outwards, never brighter. It returns the total-least-squares
// line through the agreeing steps and their mean depth.
func noseLine(c []noseCand, dmin, dmax float64, rule noseRule, fr sideFrame) noseSide {
	stations := map[int]bool{}
	for _, x := range c {
		stations[x.station] = true
	}
	need := int(math.Max(6, noseMinShare*float64(len(stations))))
	var lines []noseSide
	var scores []float64
	used := make([]bool, len(c))
	for round := 0; round < 3; round++ {
		f, score := bestNose(c, used, need, dmin, dmax)
		if !f.ok {
			break
		}
		l := f.l
		lines = append(lines, f)
		scores = append(scores, score)
		// Take the line's neighbourhood out of the next round.
		for i, x := range c {
			if math.Abs((x.x-l.px)*l.dy-(x.y-l.py)*l.dx) < 3*noseTol {
				used[i] = true
			}
		}
	}
	if len(lines) == 0 {
		return noseSide{}
	}
	best := 0
	for i, f := range lines {
		if scores[i] < noseRival*scores[0] {
			continue
		}
		if rule == noseStepUp && f.depth > lines[best].depth || rule != noseStepUp && f.depth < lines[best].depth {
			best = i
		}
	}
	if rule == noseStepUp {
		return bentNose(c, lines[best], fr)
	}
	return lines[best]
}

// noseTol is how far (px) a step may lie from a line and still agree with
// it; noseRival is the share of the strongest line's score that an outer
// line needs to be taken as the nose instead.
const (
	noseTol   = 1.5
	noseRival = 0.5
	// noseRise is the share of a step-up candidate's colour step that must
	// be brightness rising outwards.
	noseRise = 0.5
	// noseShadow: darker than this share of the cloth's brightness is a
	// shadow whose colour is not worth testing.
	noseShadow = 0.3
)

// bestNose is one round of noseLine's search over the candidates not used:
// a Hough transform over lines within noseMaxTurn of the outer edge's
// direction (the coarse outline may be a little turned), each candidate
// voting with its strength; then the stations on the best line, each
// counted once by its strongest step, must number at least need.
func bestNose(c []noseCand, used []bool, need int, dmin, dmax float64) (noseSide, float64) {
	const (
		angles = 601
		bin    = 1.0 // px
	)
	// Candidate coordinates in the side's frame: along (from its middle)
	// and depth (inwards). A line at angle th to the side is the points
	// with depth*cos(th) - along*sin(th) = rho.
	span := 0.0
	for _, x := range c {
		span = math.Max(span, math.Abs(x.along))
	}
	lo := dmin - span*math.Sin(noseMaxTurn) - 2
	nb := int((dmax+span*math.Sin(noseMaxTurn)+2-lo)/bin) + 1
	acc := make([]float64, angles*nb)
	var cs, sn [angles]float64
	for j := range cs {
		th := noseMaxTurn * (2*float64(j)/(angles-1) - 1)
		cs[j], sn[j] = math.Cos(th), math.Sin(th)
	}
	for k, x := range c {
		if used[k] {
			continue
		}
		for j := 0; j < angles; j++ {
			i := int((x.depth*cs[j] - x.along*sn[j] - lo) / bin)
			if i >= 0 && i < nb {
				acc[j*nb+i] += x.strength
			}
		}
	}
	best, bj, bi := 0.0, -1, -1
	for j := 0; j < angles; j++ {
		for i := 1; i < nb-1; i++ {
			// A step within noseTol of the line may fall in either
			// neighbouring bin.
			v := acc[j*nb+i-1] + acc[j*nb+i] + acc[j*nb+i+1]
			if v > best {
				best, bj, bi = v, j, i
			}
		}
	}
	if bj < 0 {
		return noseSide{}, 0
	}
	rho := lo + (float64(bi)+0.5)*bin
	var seen [noseStations]int
	for k := range seen {
		seen[k] = -1
	}
	for k, x := range c {
		if used[k] || math.Abs(x.depth*cs[bj]-x.along*sn[bj]-rho) > noseTol {
			continue
		}
		if s := seen[x.station]; s < 0 || x.strength > c[s].strength {
			seen[x.station] = k
		}
	}
	var xs, ys []float64
	depth, score := 0.0, 0.0
	for _, k := range seen {
		if k >= 0 {
			xs = append(xs, c[k].x)
			ys = append(ys, c[k].y)
			depth += c[k].depth
			score += c[k].strength
		}
	}
	if len(xs) < need {
		return noseSide{}, 0
	}
	fl, ok := fitLine(xs, ys)
	if !ok {
		return noseSide{}, 0
	}
	return noseSide{l: fl, depth: depth / float64(len(xs)), ok: true}, score
}

// noseMaxTurn is how far (radians) the nose may turn from the coarse
// outline's side.
const noseMaxTurn = 15 * math.Pi / 180

// noseCorners turns the nose lines into the playing surface's corners. A
// side whose nose was not found takes its outer edge moved in by the found
// sides' mean depth; with none found it fails (the caller falls back on
// the configured cushion width).
func noseCorners(outer [4]model.Pixel, sides [4]noseSide) ([4]model.Pixel, bool) {
	var sum float64
	found := 0
	var lines [4]line
	for i, s := range sides {
		if s.ok {
			sum += s.depth
			lines[i] = s.l
			found++
		}
	}
	if found == 0 {
		return outer, false
	}
	mean := sum / float64(found)
	for i := range lines {
		if sides[i].ok {
			continue
		}
		a, b := outer[i], outer[(i+1)%4]
		l := math.Hypot(b.X-a.X, b.Y-a.Y)
		ux, uy := (b.X-a.X)/l, (b.Y-a.Y)/l
		lines[i] = line{a.X + mean*uy, a.Y - mean*ux, ux, uy}
	}
	var c [4]model.Pixel
	for i := 0; i < 4; i++ {
		x, y, good := intersect(lines[(i+3)%4], lines[i])
		if !good {
			return outer, false
		}
		c[i] = model.Pixel{X: x, Y: y}
	}
	return c, true
}

// sideFrame is one side's own coordinates: a nose candidate at (along,
// depth) lies at m + along*u + depth*n in the image.
type sideFrame struct{ mx, my, ux, uy, nx, ny float64 }

// A lens that is not quite rectilinear (a wide webcam, an action camera:
// barrel distortion) images a straight cushion nose as a gentle arc bowed
// away from the image's centre, by up to a few per cent of the side's
// half-length near the frame's edges (carom gravitygravity 04: 16 px over
// 790). A straight-line search then finds the longest nearly straight
// stretch of the arc (one half of the side) and extrapolates it to the
// corners, off by the bow. bentNose looks for the arc: a Hough search like
// bestNose's over the candidates with the parabola depth = bow *
// (along/span)^2 taken off them, for bows up to noseMaxBow of the span. An
// arc is taken only where it is clearly the nose bent rather than
// something else: it carries most of the straight line's stations
// (noseBentKeep), noseBentGain more stations than the line, on both halves
// of the side (a curve seen on one half only is extrapolation), and bows
// by at least noseBentMin px. The reported line is then the straight line
// fitted to the arc's stations over the side's middle half (noseBentMid of
// the half-length either side of the middle): the part of the cushion
// nearest the image centre, least bent by the lens, and where a ball on
// the cushion is most often placed. Over that stretch it is the straight
// line nearest the arc (the tangent at the very middle lies outside the
// rest of it by up to the bow over the stretch, a quarter of the whole
// bow), and its slope is the nose's own there, not a parabola's (a lens
// bends a side by more than its square term: gravitygravity 04's tangent
// turned 0.003 from the nose's middle). The labelled corners of a bent
// table are drawn the same way: lines fitted over each cushion's middle
// (docs/vision-real.md, "Bent noses", "Blurred noses"). With fewer than
// three stations on either side of the middle, the arc's tangent there.
func bentNose(c []noseCand, f noseSide, fr sideFrame) noseSide {
	onLine := map[int]bool{}
	span := 0.0
	for _, x := range c {
		span = math.Max(span, math.Abs(x.along))
		if math.Abs((x.x-f.l.px)*f.l.dy-(x.y-f.l.py)*f.l.dx) <= noseTol {
			onLine[x.station] = true
		}
	}
	if span <= 0 || len(onLine) < 4 {
		return f
	}
	// The straight line's slope in the side's frame: the arcs searched
	// are those whose tangent at the middle turns at most noseBentTurn
	// from it.
	lu := f.l.dx*fr.ux + f.l.dy*fr.uy
	ln := f.l.dx*fr.nx + f.l.dy*fr.ny
	if lu < 0 {
		lu, ln = -lu, -ln
	}
	th0 := math.Atan2(ln, lu)
	const (
		angles  = 121
		bin     = 1.0 // px
		bowStep = 0.5 // px
	)
	maxBow := noseMaxBow * span
	nbow := int(maxBow / bowStep)
	var cs, sn [angles]float64
	for j := range cs {
		th := th0 + noseBentTurn*(2*float64(j)/(angles-1)-1)
		cs[j], sn[j] = math.Cos(th), math.Sin(th)
	}
	dmin, dmax := math.Inf(1), math.Inf(-1)
	for _, x := range c {
		dmin, dmax = math.Min(dmin, x.depth), math.Max(dmax, x.depth)
	}
	lo := dmin - maxBow - span*math.Sin(math.Abs(th0)+noseBentTurn) - 2
	nb := int((dmax+maxBow+span*math.Sin(math.Abs(th0)+noseBentTurn)+2-lo)/bin) + 1
	acc := make([]float64, angles*nb)
	var (
		bestIn    []int
		bestScore float64
	)
	for k := -nbow; k <= nbow; k++ {
		if k == 0 {
			continue // the straight line: f
		}
		bow := float64(k) * bowStep
		for i := range acc {
			acc[i] = 0
		}
		for _, x := range c {
			a := x.along / span
			d := x.depth - bow*a*a
			for j := 0; j < angles; j++ {
				i := int((d*cs[j] - x.along*sn[j] - lo) / bin)
				if i >= 0 && i < nb {
					acc[j*nb+i] += x.strength
				}
			}
		}
		score, bj, bi := 0.0, -1, -1
		for j := 0; j < angles; j++ {
			for i := 1; i < nb-1; i++ {
				if v := acc[j*nb+i-1] + acc[j*nb+i] + acc[j*nb+i+1]; v > score {
					score, bj, bi = v, j, i
				}
			}
		}
		if bj < 0 || score <= bestScore {
			continue
		}
		rho := lo + (float64(bi)+0.5)*bin
		in := onCurve(c, func(x noseCand) float64 {
			a := x.along / span
			return (x.depth-bow*a*a)*cs[bj] - x.along*sn[bj] - rho
		})
		keep := 0
		for _, i := range in {
			if onLine[c[i].station] {
				keep++
			}
		}
		if float64(keep) < noseBentKeep*float64(len(onLine)) {
			continue
		}
		bestIn, bestScore = in, score
	}
	if bestIn == nil || float64(len(bestIn)) < noseBentGain*float64(len(onLine)) {
		return f
	}
	// Least squares over the arc's stations, once more over those within
	// noseTol of the first fit.
	q, ok := fitArc(c, bestIn, span)
	if !ok {
		return f
	}
	in := onCurve(c, func(x noseCand) float64 {
		a := x.along / span
		return x.depth - (q[0] + q[1]*a + q[2]*a*a)
	})
	if q, ok = fitArc(c, in, span); !ok || math.Abs(q[2]) < noseBentMin {
		return f
	}
	neg, pos := 0, 0
	depth := 0.0
	for _, i := range in {
		if c[i].along < 0 {
			neg++
		} else {
			pos++
		}
		depth += c[i].depth
	}
	if float64(neg) < noseBentHalf*float64(len(in)) || float64(pos) < noseBentHalf*float64(len(in)) {
		return f
	}
	// The tangent at the middle: depth q0 + q1*along/span.
	dx, dy := fr.ux+q[1]/span*fr.nx, fr.uy+q[1]/span*fr.ny
	l := math.Hypot(dx, dy)
	out := noseSide{
		l:     line{px: fr.mx + q[0]*fr.nx, py: fr.my + q[0]*fr.ny, dx: dx / l, dy: dy / l},
		depth: depth / float64(len(in)),
		ok:    true,
		bent:  true,
	}
	// The line over the arc's middle half (see above), where enough of
	// it was seen on both sides of the middle.
	var xs, ys []float64
	neg, pos = 0, 0
	for _, i := range in {
		if math.Abs(c[i].along) <= noseBentMid*span {
			xs = append(xs, c[i].x)
			ys = append(ys, c[i].y)
			if c[i].along < 0 {
				neg++
			} else {
				pos++
			}
		}
	}
	if neg < 3 || pos < 3 {
		return out
	}
	if ml, ok := fitLine(xs, ys); ok {
		out.l = ml
	}
	return out
}

// onCurve is the candidates within noseTol of a curve (off: a candidate's
// signed distance from it), one per station: its strongest.
func onCurve(c []noseCand, off func(noseCand) float64) []int {
	var seen [noseStations]int
	for k := range seen {
		seen[k] = -1
	}
	for k, x := range c {
		if math.Abs(off(x)) > noseTol {
			continue
		}
		if s := seen[x.station]; s < 0 || x.strength > c[s].strength {
			seen[x.station] = k
		}
	}
	var in []int
	for _, k := range seen {
		if k >= 0 {
			in = append(in, k)
		}
	}
	return in
}

// fitArc fits depth = q0 + q1*a + q2*a^2 (a = along/span) to the
// candidates in by least squares.
func fitArc(c []noseCand, in []int, span float64) ([3]float64, bool) {
	var m [3][4]float64
	for _, i := range in {
		a := c[i].along / span
		p := [3]float64{1, a, a * a}
		for r := 0; r < 3; r++ {
			for k := 0; k < 3; k++ {
				m[r][k] += p[r] * p[k]
			}
			m[r][3] += p[r] * c[i].depth
		}
	}
	// The normal equations, solved as refine.go's circle fit solves its own.
	q, ok := solve3(m)
	return q, ok && len(in) >= 6
}

// Bent-nose limits (see bentNose): the largest bow searched, as a share of
// the side's half-length, and its step; how far the arc's tangent may turn
// from the straight line; the share of the line's stations the arc must
// keep, how many times the line's stations it must carry, the least share
// on each half of the side and the least bow (px) worth bending for; the
// share of the half-length either side of the middle that the reported
// line is fitted over.
const (
	noseMaxBow   = 0.03
	noseBentTurn = 3 * math.Pi / 180
	noseBentKeep = 2.0 / 3
	noseBentGain = 1.25
	noseBentHalf = 0.25
	noseBentMin  = 1.0
	noseBentMid  = 0.5
)

// bedCloth sets lf to the felt model with the chromaticity of the bed
// seen in prof (a stretch of one station's profile well inside the
// cushion), and says whether that bed is cloth at all (loosely the table's
// cloth, not a ball or a hand). The cushion is covered with the bed's
// cloth and lit by the same lamp, but a table under a warm lamp's pool has
// a cooler, dimmer cloth at the rails than the middle where the felt model
// was learned (carom gravitygravity 04's left cushion: (51,19,17) against
// the middle's warmer blue, outside the felt tolerance on both the bed and
// the cushion top, so the nose between them was not seen over most of the
// side); compared with its own bed, the cushion top is cloth.
func bedCloth(prof [][3]float64, fe *felt, lf *felt) bool {
	var c [3]float64
	for _, p := range prof {
		c[0] += p[0]
		c[1] += p[1]
		c[2] += p[2]
	}
	n := float64(len(prof))
	if n == 0 {
		return false
	}
	c[0], c[1], c[2] = c[0]/n, c[1]/n, c[2]/n
	sum := c[0] + c[1] + c[2]
	if sum < 0.12*fe.sum || fe.chromaDist(c[0], c[1], c[2]) >= 2*fe.darkTol(sum) {
		return false
	}
	// The spread along the stretch: a ball or an edge across it is no
	// bed to compare with.
	for _, p := range prof {
		if s := p[0] + p[1] + p[2]; math.Abs(s-sum) > 0.25*sum {
			return false
		}
	}
	*lf = *fe
	s := sum + 1
	lf.cb, lf.cg, lf.cr = c[0]/s, c[1]/s, c[2]/s
	return true
}

// drop is one monotonic fall of brightness inwards across a side, from
// the lit cushion top (sample hi) to the dark band under the nose (lo),
// and the depth where it crosses halfway (mid).
type drop struct {
	hi, lo int
	mid    float64
}

// sharedDrop says whether any of cs lies on the same drop as c.
func sharedDrop(cs []noseCand, c noseCand) bool {
	for _, x := range cs {
		if x.strength > 0 && x.drop.lo > x.drop.hi && x.drop.hi == c.drop.hi && x.drop.lo == c.drop.lo {
			return true
		}
	}
	return false
}

// midDrop is the drop through the step-up candidate i of prof: followed
// outwards while brightness keeps rising and inwards while it keeps
// falling, as long as it stays steep (midSteep of the candidate's step),
// at most max samples each way; mid is in samples. A sharp nose has one
// steepest point on its drop, the gradient's peak; a nose blurred over
// several pixels (a soft lens, a frame's edge, a resampled video frame)
// has a few local peaks of nearly equal strength along the drop, each a
// line of its own, stair-stepped where the resampling locks them to pixel
// columns (perfectswish balls_near_the_cue_1's left side, cut by the
// frame: 10-12 px of blur). The halfway point is the same for all of them.
func midDrop(prof [][3]float64, grad []float64, i, max int) drop {
	sum := func(j int) float64 { return prof[j][0] + prof[j][1] + prof[j][2] }
	steep := midSteep * grad[i]
	hi := i
	for hi > 0 && hi > i-max && sum(hi-1) > sum(hi) && grad[hi-1] >= steep {
		hi--
	}
	lo := i
	for lo < len(prof)-1 && lo < i+max && sum(lo+1) < sum(lo) && grad[lo+1] >= steep {
		lo++
	}
	half := (sum(hi) + sum(lo)) / 2
	for k := hi; k < lo; k++ {
		if a, b := sum(k), sum(k+1); a >= half && b <= half && a > b {
			return drop{hi, lo, float64(k) + (a-half)/(a-b)}
		}
	}
	return drop{hi, lo, float64(i)}
}

// midSteep: a drop ends where its step falls below this share of the
// candidate's.
const midSteep = 0.3
