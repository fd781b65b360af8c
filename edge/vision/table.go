package vision

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"

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
type tableFit struct {
	felt    felt
	corners [4]model.Pixel // playing surface (cushion noses), BL BR TR TL
	outer   [4]model.Pixel // outer edge of the cloth-covered cushions
	h       homography     // pixel -> table metres
	inv     homography     // table metres -> pixel
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
	if t.mask.Rows() != sh || t.mask.Cols() != sw {
		t.mask.Close()
		t.mask = gocv.NewMatWithSize(sh, sw, gocv.MatTypeCV8U)
	}
	mp, _ := t.mask.DataPtrUint8()
	for i := 0; i < sw*sh; i++ {
		if fe.isFelt(float64(sp[3*i]), float64(sp[3*i+1]), float64(sp[3*i+2])) {
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
		return tableFit{}, errNoTable
	}
	contours := gocv.FindContours(t.mask, gocv.RetrievalExternal, gocv.ChainApproxSimple)
	defer contours.Close()
	best, bestArea := -1, 0.0
	for i := 0; i < contours.Size(); i++ {
		if a := gocv.ContourArea(contours.At(i)); a > bestArea {
			best, bestArea = i, a
		}
	}
	if best < 0 || bestArea < 0.1*float64(sw*sh) {
		return tableFit{}, errNoTable
	}
	hull := gocv.NewMat()
	defer hull.Close()
	gocv.ConvexHull(contours.At(best), &hull, true, true)
	hpts := make([]image.Point, hull.Rows())
	for i := range hpts {
		v := hull.GetVeciAt(i, 0)
		hpts[i] = image.Pt(int(v[0]), int(v[1]))
	}
	quad, ok := quadFromHull(hpts)
	if !ok {
		return tableFit{}, errNoTable
	}
	scale := float64(W) / float64(sw)
	var outer [4]model.Pixel
	for i, p := range quad {
		outer[i] = model.Pixel{X: (p[0] + 0.5) * scale, Y: (p[1] + 0.5) * scale}
	}
	outer = orderCorners(outer)
	outer = refineEdges(outer, pix, W, H, &fe)
	return t.fit(fe, outer)
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

// quadFromHull reduces a convex hull to four corners: the hull's four
// longest sides (after merging nearly collinear neighbours) are the table's
// edges, and their intersections the corners. Corner pockets cut the
// corners off, so the hull's own vertices there are not the corners and
// approxPolyDP would pick a chamfer point.
func quadFromHull(pts []image.Point) ([4][2]float64, bool) {
	n := len(pts)
	if n < 4 {
		return [4][2]float64{}, false
	}
	type seg struct {
		ax, ay, bx, by float64
		len, ang       float64
		order          int
	}
	var segs []seg
	for i := 0; i < n; i++ {
		a, b := pts[i], pts[(i+1)%n]
		dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
		l := math.Hypot(dx, dy)
		if l == 0 {
			continue
		}
		ang := math.Atan2(dy, dx)
		if k := len(segs) - 1; k >= 0 && math.Abs(angDiff(segs[k].ang, ang)) < 6*math.Pi/180 {
			s := &segs[k]
			s.bx, s.by = float64(b.X), float64(b.Y)
			s.len = math.Hypot(s.bx-s.ax, s.by-s.ay)
			s.ang = math.Atan2(s.by-s.ay, s.bx-s.ax)
			continue
		}
		segs = append(segs, seg{float64(a.X), float64(a.Y), float64(b.X), float64(b.Y), l, ang, len(segs)})
	}
	// The last segment may continue the first.
	if k := len(segs) - 1; k > 0 && math.Abs(angDiff(segs[k].ang, segs[0].ang)) < 6*math.Pi/180 {
		segs[0].ax, segs[0].ay = segs[k].ax, segs[k].ay
		segs[0].len = math.Hypot(segs[0].bx-segs[0].ax, segs[0].by-segs[0].ay)
		segs = segs[:k]
	}
	if len(segs) < 4 {
		return [4][2]float64{}, false
	}
	byLen := slices.Clone(segs)
	slices.SortFunc(byLen, func(a, b seg) int { return cmpF(b.len, a.len) })
	top := byLen[:4]
	slices.SortFunc(top, func(a, b seg) int { return a.order - b.order })
	var q [4][2]float64
	for i := 0; i < 4; i++ {
		a, b := top[(i+3)%4], top[i]
		la := line{a.ax, a.ay, math.Cos(a.ang), math.Sin(a.ang)}
		lb := line{b.ax, b.ay, math.Cos(b.ang), math.Sin(b.ang)}
		x, y, ok := intersect(la, lb)
		if !ok {
			return [4][2]float64{}, false
		}
		q[i] = [2]float64{x, y}
	}
	return q, true
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
