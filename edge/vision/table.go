package vision

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// tableFinder finds the playing surface in a frame. It owns its Mats.
type tableFinder struct {
	size    model.Size
	cushion float64 // metres from the cushion nose to the cloth's outer edge
	small   gocv.Mat
	mask    gocv.Mat
	kernel  gocv.Mat
	// noRefine leaves the reported geometry the finder's: the config's
	// cushion_nose "outermost" (the default), and tests of what the
	// refinement must not change.
	noRefine bool
}

const findWidth = 320 // table search resolution: the outline only, refined at full size

func newTableFinder(size model.Size, cushion float64) *tableFinder {
	return &tableFinder{size: size, cushion: cushion, small: gocv.NewMat(),
		mask:   gocv.NewMat(),
		kernel: gocv.GetStructuringElement(gocv.MorphEllipse, image.Pt(5, 5))}
}

func (t *tableFinder) close() {
	t.small.Close()
	t.mask.Close()
	t.kernel.Close()
}

// tableFit is a found table: the cloth model and the geometry.
//
// A found table has two jobs, and two geometries for them. The ball
// finder searches a top-down view warped from the frame through the
// corners (ballFinder.setTable), and its bed and pocket mouths are in
// table metres: any move of the corners, even a better one, resamples
// every ball onto a new grid, and touching balls split or merge
// differently (a 0.25 % scaling of the corners, 2-4 px, cost as many ball
// floors on the labelled real set as a 0.3 % better fit:
// docs/vision-real.md). So the finder keeps the outline and noses it was
// tuned on (this fit's corners, h, inv), and what is reported (the
// Detection's table, every ball's and the cue's position in table metres,
// which the tracker, physics, projector and game use) comes from rep: the
// cushion noses found by the step-up rule (noseStepUp) on the shade-aware
// outline, 4x nearer the labelled corners. rep is nil when the two are the
// same table: fixed corners from a calibration (the technician's win over
// both), or no refinement (see tableFinder.refine and repWhy).
type tableFit struct {
	felt    felt
	corners [4]model.Pixel // playing surface (cushion noses), BL BR TR TL
	outer   [4]model.Pixel // outer edge of the cloth-covered cushions
	h       homography     // pixel -> table metres
	inv     homography     // table metres -> pixel
	rep     *tableFit      // the reported geometry; nil: this one
	repWhy  string         // where the reported corners came from
	// found are the finder's noses, refinable says the fit came from the
	// cloth's outline with cushions (refineFit may run on it).
	found     [4]noseSide
	refinable bool
}

// reported is the geometry to report: rep, or f itself.
func (f *tableFit) reported() *tableFit {
	if f.rep != nil {
		return f.rep
	}
	return f
}

var errNoTable = errors.New("vision: table: no playing surface found (is the whole table in view, and the cloth one colour?)")

// find locates the table in frame (full-resolution BGR, pix its bytes).
func (t *tableFinder) find(frame gocv.Mat, pix []byte) (tableFit, error) {
	W, H := frame.Cols(), frame.Rows()
	sw := findWidth
	if W < sw {
		sw = W
	}
	sh := int(math.Round(float64(H) * float64(sw) / float64(W)))
	gocv.Resize(frame, &t.small, image.Pt(sw, sh), 0, 0, gocv.InterpolationArea)
	sp, err := t.small.DataPtrUint8()
	if err != nil {
		return tableFit{}, fmt.Errorf("vision: table: %w", err)
	}
	fe, err := learnFelt(sp, sw, sh)
	if err != nil {
		return tableFit{}, err
	}
	quad, ok := t.outline(sp, sw, sh, &fe, false)
	if !ok {
		return tableFit{}, errNoTable
	}
	scale := float64(W) / float64(sw)
	outer := scaleQuad(quad, scale)
	// The coarse outline is good to a pixel of the search image: the nose
	// search looks well either side of it. A cushion width of 0 is the
	// installer saying the cloth's edge is the nose itself (cushions
	// unlike the cloth): then a step inside the outline is not a nose.
	if t.cushion <= 0 {
		fit, err := t.fit(fe, refineEdges(outer, pix, W, H, &fe))
		fit.repWhy = "outline: cushion width 0, the cloth's edge is the nose"
		return fit, err
	}
	fit, sides, err := t.finderFit(fe, outer, pix, W, H)
	if err != nil {
		return fit, err
	}
	fit.found, fit.refinable = sides, true
	return fit, nil
}

// refineFit sets fit.rep (see refine) for a fit that find just returned
// (t.small still holds that frame's search image) and that the detector
// adopts: a table fit, not every re-check of it (a re-check that finds the
// same table keeps the old fit, rep and all), so the video loop pays the
// refinement (about as much again as the fit: 50-90 ms at 1080p on this
// machine) once per table, not every TableRecheck.
func (t *tableFinder) refineFit(fit *tableFit, frame gocv.Mat, pix []byte) {
	if t.noRefine || !fit.refinable || t.small.Empty() {
		return
	}
	sp, err := t.small.DataPtrUint8()
	if err != nil {
		return
	}
	sw, sh := t.small.Cols(), t.small.Rows()
	t.refine(fit, fit.found, sp, sw, sh, float64(frame.Cols())/float64(sw), pix, frame.Cols(), frame.Rows())
}

// finderFit is the ball finder's geometry from the cloth's outline outer:
// the noses by the outermost-step rule, or with none found (cushions lit
// exactly like the bed) the cloth's outer edge, refined, less the
// configured cushion width.
// It also returns the noses found.
func (t *tableFinder) finderFit(fe felt, outer [4]model.Pixel, pix []byte, W, H int) (tableFit, [4]noseSide, error) {
	sides := findNoses(outer, pix, W, H, &fe, noseOutermost)
	if corners, ok := noseCorners(outer, sides); ok {
		fit, err := fitFromCorners(fe, corners, outer, t.size)
		fit.repWhy = "outline: the outermost colour step inside the cloth's outline"
		return fit, sides, err
	}
	fit, err := t.fit(fe, refineEdges(outer, pix, W, H, &fe))
	fit.repWhy = "outline: no cushion nose; the cloth's edge less the configured cushion"
	return fit, sides, err
}

// scaleQuad is the search image's quad q in frame pixels, in table order.
func scaleQuad(q [4][2]float64, scale float64) [4]model.Pixel {
	var outer [4]model.Pixel
	for i, p := range q {
		outer[i] = model.Pixel{X: p[0] * scale, Y: p[1] * scale}
	}
	return orderCorners(outer)
}

// refine sets fit.rep, the reported geometry (see tableFit): the cloth's
// outline again
// with the shade-aware felt test (isFeltShade) and the noses by the
// step-up rule (noseStepUp). It runs once per table fit, never per frame.
// Where the step-up rule finds no nose on any side (the camera cuts the
// table at the bed: radar3699; cushions lit like the bed), the reported
// corners stay the finder's, and repWhy says so: the outermost step was
// then found where the step-up rule finds none, and a cushion width
// guessed from the configuration is no better than it.
func (t *tableFinder) refine(fit *tableFit, found [4]noseSide, sp []byte, sw, sh int, scale float64, pix []byte, W, H int) {
	ppm := fit.inv.scaleAt(t.size.Length/2, t.size.Width/2) // px per table metre
	if ppm*noseFace < noseWindow {
		fit.repWhy += fmt.Sprintf(" (refinement: the table is too small in the image, %.1f px/cm, to tell the nose from the band under it)", ppm/100)
		return
	}
	quad, ok := t.outline(sp, sw, sh, &fit.felt, true)
	if !ok {
		fit.repWhy += " (refinement: no shade-aware outline)"
		return
	}
	outer := scaleQuad(quad, scale)
	sides := findNoses(outer, pix, W, H, &fit.felt, noseStepUp)
	noses := 0
	for _, s := range sides {
		if s.ok {
			noses++
		}
	}
	if noses == 0 {
		fit.repWhy += " (refinement: no step-up nose on any side)"
		return
	}
	// A ball's radius in pixels at the table's centre: the most the two
	// rules' noses can differ on one cushion (see keepFound).
	// The two outlines part by more than two cushions' width (more than
	// the shaded cloth at a rail's edge): one of them is not the table. The shade-aware one is taken only where the
	// strict one is no table's shape (carom gravitygravity 04: the
	// strict test kept the lamp's pool, a trapezoid); a table-shaped
	// strict outline stays (the shade-aware test can take in a dark
	// wooden rail with a tan cloth: the simulator's tan table, 187 px).
	if outlinesPart(fit.outer, outer, 2*t.cushion*ppm) && tableShaped(fit.corners) {
		fit.repWhy += " (refinement: the shade-aware outline leaves the table-shaped strict one by more than two cushions)"
		return
	}
	sides, kept := keepFound(fit.outer, found, outer, sides, model.BallRadius*ppm, t.cushion*ppm)
	corners, ok := noseCorners(outer, sides)
	if !ok {
		fit.repWhy += " (refinement: the noses do not meet)"
		return
	}
	rep, err := fitFromCorners(fit.felt, corners, outer, t.size)
	if err != nil {
		fit.repWhy += " (refinement: " + err.Error() + ")"
		return
	}
	rep.repWhy = "cushion noses: the step up out of the dark band under each cushion"
	if kept != "" {
		rep.repWhy += "; outermost step kept on " + kept
	}
	if b := bentSides(sides); b != "" {
		rep.repWhy += "; bent by the lens, line over the middle on " + b
	}
	fit.rep = &rep
	fit.repWhy = rep.repWhy
}

// noseFace (m) is the width of the cushion nose's rounded face seen from
// above (about 5 px on perfectswish's 700 px/m: 7 mm), and noseWindow (px)
// the width of findNoses' colour step (4 samples of 0.5 px). The step-up
// rule tells the nose from the steps either side of it (the cushion top's
// edge outside, the dark band's inner edge inside) only where the face
// spans the step's window: below that (about 290 px/m, balls under 8 px of
// radius; the labelled set shrunk 3x, TestRealSetSmall, is 210-240 px/m and
// got worse corners with it: 1.25 -> 2.96 % on noshi96, 0.50 -> 2.00 % on
// pooljk) the finder's corners are reported.
const (
	noseFace   = 0.007
	noseWindow = 2.0
)

// keepFound decides, side by side, between the finder's nose (found, on
// the outline fOuter, by the outermost-step rule) and the step-up rule's
// (step, on the shade-aware outline sOuter). On one cushion the two can
// differ by the nose's rounded face and the dark band under it: a few
// millimetres to a centimetre or two, always less than a ball's radius rpx.
// Where both outlines run along the same cushion (their outer sides closer
// than the configured cushion's width cpx: the shade-aware test takes in
// more of the shaded cloth at the rail, never a cushion's width more) and
// both found a nose, a step-up line further than rpx from the
// finder's nose is another thing: the inner edges of a row of balls frozen
// against the cushion line up like a nose and step up outwards over their
// lit tops (lukasseglias with_halo_2/13.png: 26 px in, where the finder's
// outermost step is the nose); the finder's nose is kept. Where the
// step-up rule found no nose but the finder did, the finder's is kept too
// (a nose seen beats one guessed from the other sides' depth). Where the
// outlines differ (the strict felt test lost the cloth in shade and
// followed a lamp's pool: carom gravitygravity 04) or the finder found no
// nose on the side (a black shadow on the bed: gravitygravity 02, 03), the
// step-up rule's stands. kept names the sides kept ("" for none).
func keepFound(fOuter [4]model.Pixel, found [4]noseSide, sOuter [4]model.Pixel, step [4]noseSide, rpx, cpx float64) ([4]noseSide, string) {
	out := step
	kept := ""
	names := [4]string{"bottom", "right", "top", "left"}
	for i := range out {
		if !found[i].ok {
			continue
		}
		a, b := sOuter[i], sOuter[(i+1)%4]
		fa, fb := fOuter[i], fOuter[(i+1)%4]
		if math.Max(lineDist(a, b, fa), lineDist(a, b, fb)) > cpx {
			continue // not the same cushion's outline
		}
		if step[i].ok && math.Max(lineGap(step[i].l, found[i].l, a), lineGap(step[i].l, found[i].l, b)) <= rpx {
			continue
		}
		out[i] = found[i]
		if kept != "" {
			kept += ", "
		}
		kept += names[i]
	}
	return out, kept
}

// outlinesPart says whether any side of outline b lies further than d
// from the same side of a at either end.
func outlinesPart(a, b [4]model.Pixel, d float64) bool {
	for i := range a {
		if math.Max(lineDist(b[i], b[(i+1)%4], a[i]), lineDist(b[i], b[(i+1)%4], a[(i+1)%4])) > d {
			return true
		}
	}
	return false
}

// tableShaped says whether quad q (BL BR TR TL) can be a table seen from
// above: opposite sides within shapeSlack of each other's length (a
// camera over the table, tilted by a few degrees at most, foreshortens
// the far side by a few per cent).
func tableShaped(q [4]model.Pixel) bool {
	side := func(i int) float64 { return math.Hypot(q[(i+1)%4].X-q[i].X, q[(i+1)%4].Y-q[i].Y) }
	for i := 0; i < 2; i++ {
		a, b := side(i), side(i+2)
		if math.Abs(a-b) > shapeSlack*math.Max(a, b) {
			return false
		}
	}
	return true
}

// shapeSlack: see tableShaped.
const shapeSlack = 0.15

// bentSides names the sides whose nose is a lens-bent arc's tangent
// (bentNose), "" for none.
func bentSides(sides [4]noseSide) string {
	names := [4]string{"bottom", "right", "top", "left"}
	out := ""
	for i, s := range sides {
		if s.bent {
			if out != "" {
				out += ", "
			}
			out += names[i]
		}
	}
	return out
}

// lineDist is the distance of p from the line through a and b.
func lineDist(a, b, p model.Pixel) float64 {
	l := math.Hypot(b.X-a.X, b.Y-a.Y)
	if l == 0 {
		return math.Hypot(p.X-a.X, p.Y-a.Y)
	}
	return math.Abs((p.X-a.X)*(b.Y-a.Y)-(p.Y-a.Y)*(b.X-a.X)) / l
}

// lineGap is how far line m lies from line l across l at the foot of p
// on l.
func lineGap(l, m line, p model.Pixel) float64 {
	t := (p.X-l.px)*l.dx + (p.Y-l.py)*l.dy
	x, y := l.px+t*l.dx, l.py+t*l.dy
	return math.Abs((x-m.px)*m.dy - (y-m.py)*m.dx)
}

// outline masks the cloth in the sw x sh search image sp (isFelt, or
// isFeltShade for the reported table), keeps the region under the image
// centre and returns its four corners.
func (t *tableFinder) outline(sp []byte, sw, sh int, fe *felt, shade bool) ([4][2]float64, bool) {
	if t.mask.Rows() != sh || t.mask.Cols() != sw {
		t.mask.Close()
		t.mask = gocv.NewMatWithSize(sh, sw, gocv.MatTypeCV8U)
	}
	mp, _ := t.mask.DataPtrUint8()
	for i := 0; i < sw*sh; i++ {
		b, g, r := float64(sp[3*i]), float64(sp[3*i+1]), float64(sp[3*i+2])
		if !shade && fe.isFelt(b, g, r) || shade && fe.isFeltShade(b, g, r) {
			mp[i] = 255
		} else {
			mp[i] = 0
		}
	}
	// Open removes felt-coloured specks off the table; close fills the
	// nap's noise. Balls and the cue stay holes: only the outline matters.
	gocv.MorphologyEx(t.mask, &t.mask, gocv.MorphOpen, t.kernel)
	gocv.MorphologyEx(t.mask, &t.mask, gocv.MorphClose, t.kernel)
	// Keep only the cloth-coloured region under the image centre: a floor
	// or wall of a similar colour (a grey cloth over a grey floor) is
	// separated from it by the rails.
	if !t.keepCentral(sw, sh) {
		return [4][2]float64{}, false
	}
	contours := gocv.FindContours(t.mask, gocv.RetrievalExternal, gocv.ChainApproxNone)
	defer contours.Close()
	best, bestArea := -1, 0.0
	for i := 0; i < contours.Size(); i++ {
		if a := gocv.ContourArea(contours.At(i)); a > bestArea {
			best, bestArea = i, a
		}
	}
	if best < 0 || bestArea < 0.1*float64(sw*sh) {
		return [4][2]float64{}, false
	}
	return quadFromOutline(contours.At(best).ToPoints(), sw, sh)
}

// keepCentral reduces the mask to the connected component most common in
// the central region.
func (t *tableFinder) keepCentral(w, h int) bool {
	labels := gocv.NewMat()
	defer labels.Close()
	n := gocv.ConnectedComponentsWithParams(t.mask, &labels, 8, gocv.MatTypeCV16U, gocv.CCL_DEFAULT)
	if n < 2 {
		return false
	}
	lp, err := labels.DataPtrUint16()
	if err != nil {
		return false
	}
	count := make([]int, n)
	for y := h * 3 / 10; y < h*7/10; y++ {
		for x := w * 3 / 10; x < w*7/10; x++ {
			count[lp[y*w+x]]++
		}
	}
	best := 0
	for l := 1; l < n; l++ {
		if count[l] > count[best] || best == 0 {
			best = l
		}
	}
	if count[best] == 0 {
		return false
	}
	mp, _ := t.mask.DataPtrUint8()
	for i := range mp {
		if int(lp[i]) == best {
			mp[i] = 255
		} else {
			mp[i] = 0
		}
	}
	return true
}

// fit computes the geometry from the outer cloth corners.
func (t *tableFinder) fit(fe felt, outer [4]model.Pixel) (tableFit, error) {
	L, Wd, c := t.size.Length, t.size.Width, t.cushion
	src := [4][2]float64{}
	for i, p := range outer {
		src[i] = [2]float64{p.X, p.Y}
	}
	dst := [4][2]float64{{-c, -c}, {L + c, -c}, {L + c, Wd + c}, {-c, Wd + c}}
	ho, err := homographyFrom4(src, dst)
	if err != nil {
		return tableFit{}, err
	}
	inv := ho.inverse()
	var corners [4]model.Pixel
	for i, q := range [4][2]float64{{0, 0}, {L, 0}, {L, Wd}, {0, Wd}} {
		x, y := inv.apply(q[0], q[1])
		corners[i] = model.Pixel{X: x, Y: y}
	}
	return fitFromCorners(fe, corners, outer, t.size)
}

func fitFromCorners(fe felt, corners, outer [4]model.Pixel, size model.Size) (tableFit, error) {
	h, err := tableHomography(corners, size)
	if err != nil {
		return tableFit{}, err
	}
	return tableFit{felt: fe, corners: corners, outer: outer, h: h, inv: h.inverse()}, nil
}

// quadFromOutline reduces the cloth region's outline (every boundary
// pixel of the w x h search image) to four corners: each side of the
// region's minimum-area rectangle collects the outline points facing it,
// and a line is fitted to them by RANSAC, so pockets (notches in the
// outline), an arm reaching in and a ball against the cushion do not pull
// it. Points on the image's border are no side's: where the camera crops
// the table, the side is the border itself. Corner pockets cut the corners
// off, so the corners are the lines' intersections, never outline points.
func quadFromOutline(pts []image.Point, w, h int) ([4][2]float64, bool) {
	if len(pts) < 8 {
		return [4][2]float64{}, false
	}
	pv := gocv.NewPointVectorFromPoints(pts)
	rr := gocv.MinAreaRect(pv)
	pv.Close()
	if len(rr.Points) != 4 {
		return [4][2]float64{}, false
	}
	// The rectangle's centre and its two axes (from its corner points).
	var cx, cy float64
	for _, p := range rr.Points {
		cx += float64(p.X) / 4
		cy += float64(p.Y) / 4
	}
	ax, ay := float64(rr.Points[1].X-rr.Points[0].X), float64(rr.Points[1].Y-rr.Points[0].Y)
	bx, by := float64(rr.Points[2].X-rr.Points[1].X), float64(rr.Points[2].Y-rr.Points[1].Y)
	la, lb := math.Hypot(ax, ay), math.Hypot(bx, by)
	if la < 4 || lb < 4 {
		return [4][2]float64{}, false
	}
	ax, ay, bx, by = ax/la, ay/la, bx/lb, by/lb
	// Sides: +a, +b, -a, -b (each is the side whose outward normal it is).
	var side [4][]image.Point
	for _, p := range pts {
		if p.X <= 0 || p.Y <= 0 || p.X >= w-1 || p.Y >= h-1 {
			continue
		}
		dx, dy := float64(p.X)-cx, float64(p.Y)-cy
		u, v := (dx*ax+dy*ay)/(la/2), (dx*bx+dy*by)/(lb/2)
		switch {
		case math.Abs(u) >= math.Abs(v) && u > 0:
			side[0] = append(side[0], p)
		case math.Abs(u) < math.Abs(v) && v > 0:
			side[1] = append(side[1], p)
		case math.Abs(u) >= math.Abs(v):
			side[2] = append(side[2], p)
		default:
			side[3] = append(side[3], p)
		}
	}
	normals := [4][2]float64{{ax, ay}, {bx, by}, {-ax, -ay}, {-bx, -by}}
	half := [4]float64{la / 2, lb / 2, la / 2, lb / 2}
	if q, ok := sideQuad(&side, pts, &normals, &half, w, h, 1); ok && inReach(q, w, h) {
		return q, true
	}
	// A player's arm and cue reaching in over a short side that the frame
	// crops close give that side's points a longer straight edge across
	// it than its own: a quad with that edge for a side has corners
	// thousands of pixels away (the simulator's 7 ft table at 1080p,
	// broken from the left: every ball lost from the first re-check).
	// Then only lines along each side are tried. Not always: a cloth
	// region shaped by the lamp's pool rather than the cushions (a navy
	// cloth darkening towards dim rails) has a bounding rectangle turned
	// from the table, and its sides' lines are right across it.
	if q, ok := sideQuad(&side, pts, &normals, &half, w, h, math.Sin(sideSkew)); ok && inReach(q, w, h) {
		return q, true
	}
	return [4][2]float64{}, false
}

// sideQuad fits a line to each side's outline points (the image border
// where a side has none: the frame cuts the table there) turned by at
// most asin(skew) from the side's rectangle side (skew 1: any line), and
// intersects them. A side's line must bound the cloth region: one with
// as many of the whole outline's points all (border points too) beyond it
// as on it is not the side but an edge inside the region (arms and hands
// reaching in over a side the frame crops close: the cloth runs on past
// them to the border). Arms intrude inward from a side, never outward past
// the cushion. A tenth of the region's half extent along the side's normal
// is slack for lens bend bowing a side outward and for rail highlights
// the cloth mask runs into.
func sideQuad(side *[4][]image.Point, all []image.Point, normals *[4][2]float64, half *[4]float64, w, h int, skew float64) ([4][2]float64, bool) {
	var lines [4]line
	for i := range side {
		nx, ny := normals[i][0], normals[i][1]
		// The side's length is the other axis's.
		length := 2 * half[(i+1)%4]
		bound := outerBound{all: all, margin: 0.1 * half[i]}
		l, ok := ransacLine(side[i], 1.5, int(0.25*length), nx, ny, skew, &bound)
		if !ok {
			l, ok = borderLine(nx, ny, w, h)
			if !ok {
				return [4][2]float64{}, false
			}
		}
		lines[i] = l
	}
	var q [4][2]float64
	for i := 0; i < 4; i++ {
		x, y, ok := intersect(lines[i], lines[(i+1)%4])
		if !ok {
			return [4][2]float64{}, false
		}
		q[i] = [2]float64{x, y}
	}
	return q, true
}

// inReach says whether every corner of q lies within half the image's
// size of a w x h image: a table cropped by the frame has its corners
// just past the border, not thousands of pixels off.
func inReach(q [4][2]float64, w, h int) bool {
	W, H := float64(w), float64(h)
	for _, p := range q {
		if p[0] < -W/2 || p[0] > 1.5*W || p[1] < -H/2 || p[1] > 1.5*H {
			return false
		}
	}
	return true
}

// sideSkew is how far a side's line may turn from the cloth region's
// bounding rectangle: a camera tilted by a few degrees, perspective and
// lens bend turn a side by well under 10 degrees.
const sideSkew = 20 * math.Pi / 180

// ransacLine fits a line to points with outliers: the pair of points whose
// line has the most points within tol (tried over a fixed spread of pairs,
// deterministic), then a total-least-squares fit to those. At least minIn
// points must agree. Only pairs whose line turns by at most asin(skew)
// from square to the normal (nx, ny) are tried (skew 1: any), and, with
// ob set, only lines that ob accepts.
func ransacLine(pts []image.Point, tol float64, minIn int, nx, ny, skew float64, ob *outerBound) (line, bool) {
	n := len(pts)
	if n < max(minIn, 4) {
		return line{}, false
	}
	best, bi, bj := 0, -1, -1
	// Pairs a quarter of the list or more apart (the contour runs along
	// the side), 400 at most.
	stride := max(1, n*n/(4*400))
	for k := 0; k < n*n/4; k += stride {
		i := k % n
		j := (i + n/4 + k/n) % n
		a, b := pts[i], pts[j]
		dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
		l := math.Hypot(dx, dy)
		if l < 2 || math.Abs(dx*nx+dy*ny) > skew*l {
			continue
		}
		cnt := 0
		for _, p := range pts {
			if math.Abs(float64(p.X-a.X)*dy-float64(p.Y-a.Y)*dx)/l < tol {
				cnt++
			}
		}
		if cnt > best && (ob == nil || ob.bounds(a, dx, dy, l, nx, ny, cnt)) {
			best, bi, bj = cnt, i, j
		}
	}
	if bi < 0 || best < minIn {
		return line{}, false
	}
	a, b := pts[bi], pts[bj]
	dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
	l := math.Hypot(dx, dy)
	var xs, ys []float64
	for _, p := range pts {
		if math.Abs(float64(p.X-a.X)*dy-float64(p.Y-a.Y)*dx)/l < tol {
			xs = append(xs, float64(p.X)+0.5)
			ys = append(ys, float64(p.Y)+0.5)
		}
	}
	return tls(xs, ys, nil), true
}

// outerBound tells a side's line from an edge inside the cloth region:
// fewer of the outline's points all may lie more than margin beyond it, on
// the side's outer side, than on it.
type outerBound struct {
	all    []image.Point
	margin float64
}

// bounds says whether the line through a along (dx, dy) (length l), with
// support points on it, bounds the outline on the side of the outward
// normal (nx, ny).
func (ob *outerBound) bounds(a image.Point, dx, dy, l, nx, ny float64, support int) bool {
	// The line's unit normal, turned to point outward.
	ux, uy := dy/l, -dx/l
	if ux*nx+uy*ny < 0 {
		ux, uy = -ux, -uy
	}
	out := 0
	for _, p := range ob.all {
		if float64(p.X-a.X)*ux+float64(p.Y-a.Y)*uy > ob.margin {
			if out++; out >= support {
				return false
			}
		}
	}
	return true
}

// borderLine is the image border a side with outward normal (nx, ny)
// runs into: the border the normal points at most.
func borderLine(nx, ny float64, w, h int) (line, bool) {
	W, H := float64(w), float64(h)
	switch {
	case math.Abs(nx) >= math.Abs(ny) && nx > 0:
		return line{W, 0, 0, 1}, true
	case math.Abs(nx) >= math.Abs(ny):
		return line{0, 0, 0, 1}, true
	case ny > 0:
		return line{0, H, 1, 0}, true
	default:
		return line{0, 0, 1, 0}, true
	}
}

func angDiff(a, b float64) float64 {
	d := math.Mod(b-a+3*math.Pi, 2*math.Pi) - math.Pi
	return d
}

func cmpF(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// orderCorners puts four corners in table-frame order BL, BR, TR, TL: the
// long edges run along x; of the two, the one lower in the image is the
// bottom (y = 0) rail, and its left end is the origin.
func orderCorners(c [4]model.Pixel) [4]model.Pixel {
	// Make the order counter-clockwise on screen (clockwise in y-down
	// coordinates is positive shoelace area).
	area := 0.0
	for i := 0; i < 4; i++ {
		j := (i + 1) % 4
		area += c[i].X*c[j].Y - c[j].X*c[i].Y
	}
	if area > 0 {
		c[1], c[3] = c[3], c[1]
	}
	// Now walking 0->1->2->3 is counter-clockwise as seen. Edge i runs from
	// c[i] to c[i+1]. Pick the start so edge 0 is a long edge whose
	// midpoint is lowest in the image.
	d := func(a, b model.Pixel) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }
	best, bestScore := 0, math.Inf(-1)
	for s := 0; s < 4; s++ {
		a, b := c[s], c[(s+1)%4]
		other := d(c[(s+1)%4], c[(s+2)%4])
		if d(a, b) < other {
			continue
		}
		// Counter-clockwise on screen from BL goes BR first: BL->BR heads
		// right, i.e. b.X > a.X for an upright table.
		score := (a.Y+b.Y)/2 + 1e-3*(b.X-a.X)
		if score > bestScore {
			best, bestScore = s, score
		}
	}
	var out [4]model.Pixel
	for i := range out {
		out[i] = c[(best+i)%4]
	}
	return out
}

// refineEdges moves each edge of the outer quad onto the cloth's edge at
// full resolution: along each edge it scans outward across the boundary,
// finds where the felt test flips (sub-pixel, from the chromaticity
// distance), and fits a line through the crossings; corners are the lines'
// intersections. Stretches near pockets are skipped (the cloth dips into
// them).
func refineEdges(q [4]model.Pixel, pix []byte, W, H int, fe *felt) [4]model.Pixel {
	var lines [4]line
	// The coarse outline may sit inside the cloth where it is in deep
	// shade: scan up to 3% of the image width either side.
	span := max(10, W*3/100)
	for e := 0; e < 4; e++ {
		a, b := q[e], q[(e+1)%4]
		dx, dy := b.X-a.X, b.Y-a.Y
		n := math.Hypot(dx, dy)
		ux, uy := dx/n, dy/n
		// Outward normal: the quad runs counter-clockwise on screen, so
		// outward is (-uy, ux) in y-down coordinates (down for BL->BR).
		nx, ny := -uy, ux
		long := e%2 == 0
		var xs, ys []float64
		const samples = 60
		for k := 1; k < samples; k++ {
			t := float64(k) / samples
			if t < 0.08 || t > 0.92 || long && math.Abs(t-0.5) < 0.07 {
				continue
			}
			px, py := a.X+dx*t, a.Y+dy*t
			if x, y, ok := edgeCrossing(pix, W, H, fe, px, py, nx, ny, span); ok {
				xs = append(xs, x)
				ys = append(ys, y)
			}
		}
		l, ok := fitLine(xs, ys)
		if !ok {
			lines[e] = line{a.X, a.Y, ux, uy}
			continue
		}
		lines[e] = l
	}
	out := q
	for i := 0; i < 4; i++ {
		prev := lines[(i+3)%4]
		if x, y, ok := intersect(prev, lines[i]); ok && math.Hypot(x-q[i].X, y-q[i].Y) < 3*float64(span) {
			out[i] = model.Pixel{X: x, Y: y}
		}
	}
	return out
}

// edgeCrossing scans outward along n from (px,py) - span*n (on the cloth)
// to + span*n and returns where the cloth ends, to a fraction of a pixel.
// The first sample that is, with the next one, not cloth (chromaticity off
// the felt's by more than the shade-aware tolerance, or much darker than
// the cloth where the scan started: a dark rail can share a tan cloth's
// hue) marks the edge; the crossing is then placed where the colour's L1
// distance from the inside cloth is half its distance to the outside
// colour: the 50% blend of an anti-aliased or blurred edge.
func edgeCrossing(pix []byte, W, H int, fe *felt, px, py, nx, ny float64, span int) (float64, float64, bool) {
	m := img{pix: pix, w: W, h: H}
	at := func(t float64) (float64, float64, float64, bool) { return m.bilinear(px+t*nx, py+t*ny) }
	var ib, ig, ir float64
	for k := 0; k < 3; k++ {
		b, g, r, ok := at(float64(-span + k))
		if !ok || !fe.isShadedFelt(b, g, r, fe.sum*0.12) {
			return 0, 0, false // the scan did not start on the cloth
		}
		ib, ig, ir = ib+b/3, ig+g/3, ir+r/3
	}
	sIn := ib + ig + ir
	notFelt := func(t float64) bool {
		b, g, r, ok := at(t)
		return !ok || !fe.isShadedFelt(b, g, r, 0.55*sIn)
	}
	edge := math.NaN()
	for i := -span + 3; i < span-3; i++ {
		if notFelt(float64(i)) && notFelt(float64(i+1)) {
			edge = float64(i)
			break
		}
	}
	if math.IsNaN(edge) {
		return 0, 0, false
	}
	dist := func(t float64) float64 {
		b, g, r, _ := at(t)
		return math.Abs(b-ib) + math.Abs(g-ig) + math.Abs(r-ir)
	}
	half := dist(edge+2.5) / 2
	prev := dist(edge - 2.5)
	if prev >= half {
		return 0, 0, false
	}
	for t := edge - 2; t <= edge+2.5; t += 0.5 {
		d := dist(t)
		if d >= half {
			f := (half - prev) / (d - prev)
			x := t - 0.5 + 0.5*f
			return px + x*nx, py + x*ny, true
		}
		prev = d
	}
	return 0, 0, false
}

// pocketPixels projects the table's pockets into the image.
func (f *tableFit) pocketPixels(g model.TableGeometry) []model.Pixel {
	out := make([]model.Pixel, len(g.Pockets))
	for i, p := range g.Pockets {
		x, y := f.inv.apply(p.Pos.X, p.Pos.Y)
		out[i] = model.Pixel{X: x, Y: y}
	}
	return out
}
