package vision

import (
	"math"
	"testing"
)

// A sample of white grows into itself and its neighbours on the grid: two
// on its ring, two on each ring next to it (none inside the first ring).
func TestGrownOnGrid(t *testing.T) {
	for _, c := range []struct{ j, want int }{{0, 5}, {5*swAngles + 7, 7}, {(swRings-1)*swAngles + 3, 5}} {
		var m bitset
		m.set(c.j)
		g := grownOnGrid(&m)
		if n := popcount(&g); n != c.want {
			t.Errorf("sample %d grew to %d samples, want %d", c.j, n, c.want)
		}
		for _, k := range swNear[c.j] {
			if k >= 0 && !g.has(int(k)) {
				t.Errorf("sample %d: neighbour %d not grown", c.j, k)
			}
		}
	}
	// Neighbours are mutual: the grid has no one-way edges.
	for j := range swN {
		for _, k := range swNear[j] {
			if k < 0 {
				continue
			}
			found := false
			for _, l := range swNear[k] {
				found = found || int(l) == j
			}
			if !found {
				t.Fatalf("%d lists %d as a neighbour, not back", j, k)
			}
		}
	}
}

// A stripe's band blends with its caps at their edge (paler there): on a
// ball large enough for the grid to resolve the blend the body colour is
// the print's, inside the band; on a small one, every body sample counts.
func TestBodyColourAwayFromWhite(t *testing.T) {
	var f features
	for j := range swN {
		if math.Abs(swY[j]) > 0.45 { // the caps
			f.white1.set(j)
		}
	}
	edge := grownOnGrid(&f.white1)
	const print, blend = 0.7, 0.3
	for j := range swN {
		if f.white1.has(j) {
			continue
		}
		f.body.set(j)
		oa := float32(print)
		if edge.has(j) {
			oa = blend
		}
		f.bv[f.nBody], f.boa[f.nBody], f.bob[f.nBody], f.bj[f.nBody] = 0.8, oa, 0, int16(j)
		f.nBody++
	}
	f.bodyColour(20)
	if math.Abs(f.oa-print) > 1e-6 {
		t.Errorf("r 20 px: body chroma %.3f, want the print's %.2f", f.oa, print)
	}
	f.bodyColour(8)
	if f.oa >= print-0.05 || f.oa <= blend {
		t.Errorf("r 8 px: body chroma %.3f, want the blend of all samples (between %.2f and %.2f)", f.oa, blend, print)
	}
}
