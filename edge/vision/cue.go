package vision

import (
	"image"
	"image/color"
	"math"
	"unsafe"

	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// cueFinder finds the stick in the rectified not-cloth mask: with the
// detected balls painted out, the stick is the longest thin component. A
// principal-axis fit gives its line; the tip is the end nearer the cue ball
// (or, without one, the end further inside the table).
type cueFinder struct {
	rest   gocv.Mat // mask without balls
	labels gocv.Mat
	stats  gocv.Mat
	cents  gocv.Mat

	// best is the stick's label in labels after a successful find, -1
	// otherwise: the stick and the hand on it are one blob.
	best int
}

func newCueFinder() *cueFinder {
	return &cueFinder{rest: gocv.NewMat(), labels: gocv.NewMat(), stats: gocv.NewMat(), cents: gocv.NewMat(), best: -1}
}

func (c *cueFinder) close() {
	c.rest.Close()
	c.labels.Close()
	c.stats.Close()
	c.cents.Close()
}

// Stick limits in table metres: a cue is 1.47 m long; at least this much
// must be over the table to call it one, and it is at most this wide.
const (
	cueMinLength = 0.25
	cueMaxWidth  = 0.045
)

// buttClear is how far (ball radii) the stick's far end must be from
// every ball's centre.
const buttClear = 3

func (c *cueFinder) find(bf *ballFinder, tf *tableFit, balls []model.BallDetection, support []float64) *model.CueAim {
	c.best = -1
	bf.mask.CopyTo(&c.rest)
	for i, b := range balls {
		if b.Pos == nil || support[i] < roundSupport {
			continue
		}
		u, v := (b.Pos.X+bf.margin)*bf.ppm, (bf.size.Width+bf.margin-b.Pos.Y)*bf.ppm
		gocv.Circle(&c.rest, image.Pt(int(u+0.5), int(v+0.5)), int(1.35*bf.rw+1.5), color.RGBA{}, -1)
	}
	n := gocv.ConnectedComponentsWithStats(c.rest, &c.labels, &c.stats, &c.cents)
	minLen := cueMinLength * bf.ppm
	best, bestLen := -1, 0.0
	for l := 1; l < n; l++ {
		w := float64(c.stats.GetIntAt(l, int(gocv.CC_STAT_WIDTH)))
		h := float64(c.stats.GetIntAt(l, int(gocv.CC_STAT_HEIGHT)))
		area := float64(c.stats.GetIntAt(l, int(gocv.CC_STAT_AREA)))
		diag := math.Hypot(w, h)
		// A stick's area is about its length times its width (the bridge hand
		// adds some).
		if diag >= minLen && area <= diag*cueMaxWidth*bf.ppm*2.5 && diag > bestLen {
			best, bestLen = l, diag
		}
	}
	if best < 0 {
		return nil
	}
	lb, err := c.labels.DataPtrUint8()
	if err != nil || len(lb) < 4*bf.w*bf.h {
		return nil
	}
	// Labels are CV_32S; gocv v0.31 has no int32 view, so reinterpret.
	labels := unsafe.Slice((*int32)(unsafe.Pointer(&lb[0])), bf.w*bf.h)
	stride := bf.w
	// Principal axis of the component's pixels.
	x0 := int(c.stats.GetIntAt(best, int(gocv.CC_STAT_LEFT)))
	y0 := int(c.stats.GetIntAt(best, int(gocv.CC_STAT_TOP)))
	w := int(c.stats.GetIntAt(best, int(gocv.CC_STAT_WIDTH)))
	h := int(c.stats.GetIntAt(best, int(gocv.CC_STAT_HEIGHT)))
	var sn, sx, sy, sxx, syy, sxy float64
	for y := y0; y < y0+h; y++ {
		for x := x0; x < x0+w; x++ {
			if int(labels[y*stride+x]) != best {
				continue
			}
			fx, fy := float64(x)+0.5, float64(y)+0.5
			sn++
			sx += fx
			sy += fy
			sxx += fx * fx
			syy += fy * fy
			sxy += fx * fy
		}
	}
	mx, my := sx/sn, sy/sn
	cxx, cyy, cxy := sxx/sn-mx*mx, syy/sn-my*my, sxy/sn-mx*my
	th := 0.5 * math.Atan2(2*cxy, cxx-cyy)
	dx, dy := math.Cos(th), math.Sin(th)
	// Spread across the axis: a stick is thin.
	across := math.Sqrt(math.Max(0, (cxx+cyy)/2-math.Sqrt((cxx-cyy)*(cxx-cyy)/4+cxy*cxy)))
	if across*4 > cueMaxWidth*bf.ppm*2.5 {
		return nil
	}
	// Ends: extreme projections.
	lo, hi := math.Inf(1), math.Inf(-1)
	for y := y0; y < y0+h; y++ {
		for x := x0; x < x0+w; x++ {
			if int(labels[y*stride+x]) != best {
				continue
			}
			t := (float64(x)+0.5-mx)*dx + (float64(y)+0.5-my)*dy
			lo, hi = math.Min(lo, t), math.Max(hi, t)
		}
	}
	ax, ay := bf.toTable(mx+lo*dx, my+lo*dy)
	bx, by := bf.toTable(mx+hi*dx, my+hi*dy)
	a, b := model.Vec2{X: ax, Y: ay}, model.Vec2{X: bx, Y: by}
	// Tip: nearer the cue ball if one is seen, else nearer the table centre.
	target := model.Vec2{X: bf.size.Length / 2, Y: bf.size.Width / 2}
	var cue *model.Vec2
	for i := range balls {
		if balls[i].Class == model.ClassCue && balls[i].Pos != nil {
			cue = balls[i].Pos
			target = *cue
			break
		}
	}
	tip, butt := a, b
	tu, tv, su := mx+lo*dx, my+lo*dy, -1.0 // tip end in rectified pixels, outward step sign
	if dist(b, target) < dist(a, target) {
		tip, butt = b, a
		tu, tv, su = mx+hi*dx, my+hi*dy, 1
	}
	// A stick reaches back over the cloth to the player's hand or off the
	// table; the gaps of a cluster of touching balls (a rack: their discs
	// are not painted out, their outlines are shared) also make a long,
	// fairly thin blob, but it ends among its balls (two or more within
	// buttClear radii of its far end). Taken for a stick, it
	// dropped 14 of a rack's 16 balls as "under the cue".
	near := 0
	for i := range balls {
		if p := balls[i].Pos; p != nil && dist(butt, *p) < buttClear*bf.rb {
			near++
		}
	}
	if near >= 2 { // one may be a false ball on the hand itself
		return nil
	}
	// The ball discs painted out before the search also cut the stick's
	// last centimetres next to the cue ball: follow the axis on in the
	// unpainted mask while it stays not-cloth, stopping at the cue ball.
	mp, _ := bf.mask.DataPtrUint8()
	rw := bf.rw
	var cu, cv float64
	if cue != nil {
		cu, cv = (cue.X+bf.margin)*bf.ppm, (bf.size.Width+bf.margin-cue.Y)*bf.ppm
	}
	for k := 0; k < int(4*rw); k++ {
		nu, nv := tu+su*dx, tv+su*dy
		ui, vi := int(nu), int(nv)
		if ui < 0 || vi < 0 || ui >= bf.w || vi >= bf.h || mp[vi*bf.w+ui] == 0 {
			break
		}
		if cue != nil && math.Hypot(nu-cu, nv-cv) < rw {
			break
		}
		tu, tv = nu, nv
	}
	tip.X, tip.Y = bf.toTable(tu, tv)
	hx, hy := tip.X-butt.X, tip.Y-butt.Y
	aim := &model.CueAim{HeadingDeg: math.Mod(math.Atan2(hy, hx)*180/math.Pi+360, 360)}
	tp := tip
	aim.TipPos = &tp
	px, py := tf.inv.apply(tip.X, tip.Y)
	aim.Tip = model.Pixel{X: px, Y: py}
	px, py = tf.inv.apply(butt.X, butt.Y)
	aim.Butt = model.Pixel{X: px, Y: py}
	l := math.Hypot(hx, hy)
	if cue != nil && l > 0 {
		// Signed perpendicular distance of the cue ball centre from the
		// cue line (positive: the ball is left of the aim).
		aim.OffsetM = ((cue.X-tip.X)*(-hy) + (cue.Y-tip.Y)*hx) / l
	}
	aim.Confidence = math.Min(1, bestLen/(2*minLen)) * math.Min(1, 2.5-across*4/(cueMaxWidth*bf.ppm))
	if aim.Confidence < 0 {
		aim.Confidence = 0
	}
	c.best = best
	return aim
}

// touchesStick reports whether the not-cloth blob of the stick (and the
// hand holding it) reaches the ring just outside ball b's painted disc:
// a finger of the bridge hand, round or not, is joined to the stick there,
// while a ball lying free beside the stick is separated from it by cloth.
func (c *cueFinder) touchesStick(bf *ballFinder, b *model.BallDetection) bool {
	if c.best < 0 || b.Pos == nil {
		return false
	}
	lb, err := c.labels.DataPtrUint8()
	if err != nil || len(lb) < 4*bf.w*bf.h {
		return false
	}
	labels := unsafe.Slice((*int32)(unsafe.Pointer(&lb[0])), bf.w*bf.h)
	u, v := (b.Pos.X+bf.margin)*bf.ppm, (bf.size.Width+bf.margin-b.Pos.Y)*bf.ppm
	r := 1.35*bf.rw + 1.5
	for k := 0; k < 48; k++ {
		th := 2 * math.Pi * float64(k) / 48
		x, y := int(u+r*math.Cos(th)), int(v+r*math.Sin(th))
		if x >= 0 && y >= 0 && x < bf.w && y < bf.h && int(labels[y*bf.w+x]) == c.best {
			return true
		}
	}
	return false
}

func dist(a, b model.Vec2) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }
