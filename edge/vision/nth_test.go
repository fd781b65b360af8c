package vision

import (
	"math/rand"
	"slices"
	"testing"
)

// TestNthFloat checks nthFloat against a full sort for every index of
// random slices, with many ties (pixel sums repeat), sorted, reversed and
// constant runs.
func TestNthFloat(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for trial := 0; trial < 400; trial++ {
		n := 1 + rng.Intn(1100)
		a := make([]float64, n)
		levels := 1 + rng.Intn(800)
		for i := range a {
			a[i] = float64(rng.Intn(levels))
		}
		switch trial % 4 {
		case 1:
			slices.Sort(a)
		case 2:
			slices.Sort(a)
			slices.Reverse(a)
		}
		want := slices.Clone(a)
		slices.Sort(want)
		for _, k := range []int{0, n / 2, n - 1, rng.Intn(n)} {
			b := slices.Clone(a)
			if got := nthFloat(b, k); got != want[k] {
				t.Fatalf("trial %d n %d k %d: nthFloat %v, sorted %v", trial, n, k, got, want[k])
			}
		}
	}
}

// TestTopPeaks checks the scale finder's partial peak search against the
// full sort it spares: whenever it answers, its peaks are the full sort's;
// with many tied votes it must decline rather than guess.
func TestTopPeaks(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	answered := 0
	for trial := 0; trial < 300; trial++ {
		n := 100 + rng.Intn(5000)
		levels := 2 + rng.Intn(100000)
		cands := make([]scalePeak, n)
		for i := range cands {
			cands[i] = scalePeak{x: rng.Intn(300), y: rng.Intn(150), v: float32(rng.Intn(levels)) / 7}
		}
		sep := 1 + rng.Intn(12)
		var s scaleFinder
		full := slices.Clone(cands)
		slices.SortFunc(full, func(a, b scalePeak) int { return cmpF(float64(b.v), float64(a.v)) })
		s.keepPeaks(full, sep)
		want := slices.Clone(s.peaks)
		s.peaks = s.peaks[:0]
		before := slices.Clone(cands)
		if s.topPeaks(cands, sep) {
			answered++
			if !slices.Equal(s.peaks, want) {
				t.Fatalf("trial %d: topPeaks %v, full sort %v", trial, s.peaks, want)
			}
		} else if len(s.peaks) != 0 {
			t.Fatalf("trial %d: declined but left peaks %v", trial, s.peaks)
		}
		if !slices.Equal(cands, before) {
			t.Fatalf("trial %d: topPeaks reordered the cells", trial)
		}
	}
	if answered == 0 {
		t.Fatal("topPeaks never answered")
	}
	t.Logf("answered %d of 300", answered)
}
