package vision

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// bareRing is the share of the ring just outside the circle (x, y, r),
// at 1.35 r and 1.7 r, that is not the cloth, lit or shaded.
func bareRing(m *img, fe *felt, x, y, r float64) float64 {
	n, bare := 0, 0
	for _, f := range [2]float64{1.35, 1.7} {
		for k := 0; k < rimRays; k++ {
			b, g, rr, ok := m.bilinear(x+f*r*rimRing.cos[k], y+f*r*rimRing.sin[k])
			if !ok {
				continue
			}
			n++
			if !fe.isFelt(b, g, rr) && !fe.isFeltShade(b, g, rr) {
				bare++
			}
		}
	}
	if n == 0 {
		return 0
	}
	return float64(bare) / float64(n)
}

// bareReach follows what is not the cloth (lit or shaded) outwards from
// the ring around detection b, on a grid of a third of its radius, and
// says whether it runs on past the table's rails (offMargin metres past
// the cushions' noses: a person leaning over the table, an arm, a sleeve)
// and how many ball areas of it lie on the playing surface. It stops after
// reachCells cells, or once both say a person (bedBalls is then the count
// so far).
func (d *Detector) bareReach(m *img, tf *tableFit, fe *felt, b *model.BallDetection) (off bool, bedBalls float64) {
	s := math.Max(2, b.RadiusPx/3)
	gw, gh := int(float64(m.w)/s)+1, int(float64(m.h)/s)+1
	seen := d.reach.start(gw * gh)
	queue := d.reach.queue[:0]
	defer func() { d.reach.queue = queue[:0] }()
	bare := func(cx, cy int) bool {
		px, py := (float64(cx)+0.5)*s, (float64(cy)+0.5)*s
		if math.Hypot(px-b.Pixel.X, py-b.Pixel.Y) < 1.2*b.RadiusPx {
			return false // the detection's own disc
		}
		bb, g, r, ok := m.at(int(px), int(py))
		return ok && !fe.isFelt(bb, g, r) && !fe.isFeltShade(bb, g, r)
	}
	push := func(cx, cy int) {
		if cx < 0 || cy < 0 || cx >= gw || cy >= gh {
			return
		}
		k := cy*gw + cx
		if seen[k] != d.reach.stamp && bare(cx, cy) {
			seen[k] = d.reach.stamp
			queue = append(queue, k)
		}
	}
	for k := 0; k < rimRays; k++ {
		x := b.Pixel.X + 1.35*b.RadiusPx*rimRing.cos[k]
		y := b.Pixel.Y + 1.35*b.RadiusPx*rimRing.sin[k]
		push(int(x/s), int(y/s))
	}
	cellArea := s * s
	ballArea := math.Pi * b.RadiusPx * b.RadiusPx
	bed := 0
	for i := 0; i < len(queue) && i < reachCells; i++ {
		cx, cy := queue[i]%gw, queue[i]/gw
		tx, ty := tf.h.apply((float64(cx)+0.5)*s, (float64(cy)+0.5)*s)
		switch {
		case tx < -offMargin || ty < -offMargin || tx > d.geo.Length+offMargin || ty > d.geo.Width+offMargin:
			// Off the table: the walk goes no further from here. Past
			// the rails everything is "not cloth" (rails, floor, the
			// room), and walking it led round to whatever else reached
			// in over a rail: a ball by a pocket counted a player
			// leaning in at the far end as its own, and each walk from a
			// ball by the cushions covered the whole room (a fifth of a
			// busy frame's time).
			off = true
			if float64(bed)*cellArea >= personBed*ballArea {
				return off, float64(bed) * cellArea / ballArea // a person's
			}
			continue
		case tx >= 0 && ty >= 0 && tx <= d.geo.Length && ty <= d.geo.Width:
			bed++
		}
		if off && float64(bed)*cellArea >= personBed*ballArea {
			break // a person's: no need to walk the rest
		}
		push(cx+1, cy)
		push(cx-1, cy)
		push(cx, cy+1)
		push(cx, cy-1)
	}
	return off, float64(bed) * cellArea / ballArea
}

// offMargin is how far past the cushions' noses (metres) a blob must run
// to be off the table: past a cushion (5 cm) and a rail's inner edge.
const offMargin = 0.12

// reachCells bounds bareReach's walk.
const reachCells = 60000

// reachWalk holds bareReach's grid marks and queue between calls, so a
// walk allocates nothing once the grid has been sized: a cell is seen when
// its mark is the walk's stamp.
type reachWalk struct {
	seen  []uint32
	stamp uint32
	queue []int
}

// start sizes the marks for n cells and begins a new walk.
func (w *reachWalk) start(n int) []uint32 {
	if cap(w.seen) < n {
		w.seen = make([]uint32, n)
		w.stamp = 0
	}
	w.seen = w.seen[:n]
	w.stamp++
	if w.stamp == 0 { // wrapped: clear the marks
		clear(w.seen)
		w.stamp = 1
	}
	return w.seen
}
