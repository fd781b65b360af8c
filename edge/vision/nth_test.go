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
