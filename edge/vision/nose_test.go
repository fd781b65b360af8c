package vision

import (
	"math"
	"testing"
)

// bentSide builds one side's nose candidates, one per station at depth
// depth(along) (px), on a side 1600 px long lying along the x axis with
// its inside downwards (+y), plus a weaker rival step 6 px further out at
// every station (the cushion top's own edge).
func bentSide(depth func(along float64) float64) ([]noseCand, sideFrame) {
	fr := sideFrame{mx: 800, my: 100, ux: 1, uy: 0, nx: 0, ny: 1}
	var c []noseCand
	for k := 0; k < noseStations; k++ {
		t := 0.12 + 0.76*(float64(k)+0.5)/noseStations
		if math.Abs(t-0.5) < 0.08 {
			continue // the side pocket, as findNoses skips it
		}
		along := (t - 0.5) * 1600
		for _, d := range []float64{depth(along), depth(along) - 6} {
			s := 30.0
			if d != depth(along) {
				s = 15
			}
			c = append(c, noseCand{x: fr.mx + along*fr.ux + d*fr.nx, y: fr.my + along*fr.uy + d*fr.ny,
				depth: d, along: along, strength: s, station: k})
		}
	}
	return c, fr
}

// TestBentNose: a nose the lens bent into an arc (flat over one half,
// rising 8 px at the other end: gravitygravity 04's bottom cushion) is
// reported as the line over the arc's middle half, not the straight half
// extrapolated; a straight nose, and one bent by less than noseBentMin,
// stay the straight-line search's.
func TestBentNose(t *testing.T) {
	arc := func(a float64) float64 { return 20 + 8*(a/608)*(a/608) }
	c, fr := bentSide(arc)
	f := noseLine(c, -90, 120, noseOutermost, fr)
	if !f.ok || f.bent {
		t.Fatalf("outermost rule: %+v, want a straight line", f)
	}
	s := noseLine(c, -90, 120, noseStepUp, fr)
	if !s.ok || !s.bent {
		t.Fatalf("step-up rule on an arc: %+v, want the bent nose", s)
	}
	// The line over the middle half: parallel to the side (the arc is
	// symmetric), at the arc's mean depth over the stations there.
	mid, n := 0.0, 0
	for _, x := range c {
		if x.strength == 30 && math.Abs(x.along) <= noseBentMid*608 {
			mid += x.depth
			n++
		}
	}
	mid /= float64(n)
	if mid < 20.3 {
		t.Fatalf("test premise: the middle half's mean depth %.2f, want the arc's bow in it", mid)
	}
	for _, along := range []float64{-800, 0, 800} {
		x := fr.mx + along
		y := s.l.py + (x-s.l.px)*s.l.dy/s.l.dx
		if want := fr.my + mid; math.Abs(y-want) > 0.3 {
			t.Errorf("line over the middle at along %.0f: y %.2f, want %.2f", along, y, want)
		}
	}
	for name, depth := range map[string]func(float64) float64{
		"straight": func(a float64) float64 { return 20 + 0.01*a },
		"slight":   func(a float64) float64 { return 20 + 0.5*(a/608)*(a/608) },
	} {
		c, fr := bentSide(depth)
		s := noseLine(c, -90, 120, noseStepUp, fr)
		if !s.ok || s.bent {
			t.Errorf("%s nose: %+v, want the straight line", name, s)
		}
	}
}

// TestBedCloth: a stretch of bed that is cloth gives the felt model its
// own colour; a ball across it, or something that is no cloth, gives none.
func TestBedCloth(t *testing.T) {
	fe := felt{cb: 0.5, cg: 0.25, cr: 0.25, sum: 180, tol: 0.08}
	bed := make([][3]float64, 40)
	for i := range bed {
		bed[i] = [3]float64{51, 19, 17} // a dim cool blue at the rail
	}
	var lf felt
	if !bedCloth(bed, &fe, &lf) {
		t.Fatal("a dim stretch of the cloth taken for no cloth")
	}
	if d := lf.chromaDist(51, 19, 17); d > 0.01 {
		t.Errorf("bed colour %.3f from its own model", d)
	}
	if fe.chromaDist(51, 19, 17) < fe.darkTol(87) {
		t.Fatal("test premise: the dim cloth should fail the table's felt test")
	}
	ball := append([][3]float64(nil), bed...)
	for i := 10; i < 20; i++ {
		ball[i] = [3]float64{200, 200, 200}
	}
	if bedCloth(ball, &fe, &lf) {
		t.Error("a stretch with a white ball across it taken for bed")
	}
	red := make([][3]float64, 40)
	for i := range red {
		red[i] = [3]float64{20, 20, 120}
	}
	if bedCloth(red, &fe, &lf) {
		t.Error("a red stretch taken for blue cloth's bed")
	}
}

// TestMidDrop: on a drop blurred over 10 px whose gradient has two peaks
// (a resampled frame's stair), both peaks lie on one drop whose halfway
// point is the same; on a sharp step the halfway point is the step.
func TestMidDrop(t *testing.T) {
	prof := make([][3]float64, 80)
	for i := range prof {
		// 300 outside, 150 inside; falling over samples 30-50, faster
		// over 33-37 and 43-47 than between.
		v := 300.0
		switch {
		case i >= 50:
			v = 150
		case i >= 30:
			f := float64(i-30) / 20
			v = 300 - 150*(f+0.04*math.Sin(4*math.Pi*f))
		}
		prof[i] = [3]float64{v / 3, v / 3, v / 3}
	}
	grad := profGrad(prof)
	var peaks []int
	for i := 3; i < len(prof)-3; i++ {
		if grad[i] > 0 && grad[i] >= grad[i-1] && grad[i] > grad[i+1] {
			peaks = append(peaks, i)
		}
	}
	if len(peaks) < 2 {
		t.Fatalf("test premise: peaks %v, want two on the drop", peaks)
	}
	a, b := midDrop(prof, grad, peaks[0], 24), midDrop(prof, grad, peaks[len(peaks)-1], 24)
	if a.hi != b.hi || a.lo != b.lo {
		t.Errorf("peaks %v on drops %+v and %+v, want one", peaks, a, b)
	}
	if math.Abs(a.mid-40) > 1 {
		t.Errorf("halfway at %.2f, want about 40", a.mid)
	}
	for i := range prof {
		v := 300.0
		if i > 40 {
			v = 150
		}
		prof[i] = [3]float64{v / 3, v / 3, v / 3}
	}
	grad = profGrad(prof)
	if d := midDrop(prof, grad, 40, 24); math.Abs(d.mid-40.5) > 0.01 {
		t.Errorf("sharp step's halfway at %.2f, want 40.5", d.mid)
	}
}

// profGrad is findNoses' colour step over 4 samples.
func profGrad(prof [][3]float64) []float64 {
	g := make([]float64, len(prof))
	for i := 2; i < len(prof)-2; i++ {
		a, c := prof[i-2], prof[i+2]
		g[i] = math.Abs(c[0]-a[0]) + math.Abs(c[1]-a[1]) + math.Abs(c[2]-a[2])
	}
	return g
}
