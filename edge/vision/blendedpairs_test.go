package vision

import "testing"

// TestBlendedPairs: of a yellow solid and a yellow stripe that both read
// as solids, the paler and brighter one is the stripe (its band blended
// with its caps): an assignment that named them the other way round is
// swapped; one where the pattern told them apart, where the paler one is
// not brighter, or where the two differ by less than the colour's spread,
// is kept.
func TestBlendedPairs(t *testing.T) {
	vivid := features{n: 320, colour: 0.99, dStripe: 0.14, dSolid: 0.01, oa: 0.52, ob: 0.50, bodyVal: 1.03}
	pale := features{n: 320, colour: 0.97, white: 0.03, dStripe: 0.19, dSolid: 0.03, oa: 0.38, ob: 0.36, bodyVal: 1.34}
	cases := []struct {
		name    string
		a, b    features // named 1 and 9 by the assignment
		swapped bool
		mutate  func(a, b *features)
	}{
		{"pale one named the 1", pale, vivid, true, nil},
		{"pale one named the 9", vivid, pale, false, nil},
		{"the pattern says the 9 is a stripe", pale, vivid, false, func(a, b *features) { b.dStripe = 0.005 }},
		{"the pale one is darker", pale, vivid, false, func(a, b *features) { a.bodyVal = 0.9 }},
		{"within the colour's spread", pale, vivid, false, func(a, b *features) { a.oa, a.ob = 0.47, 0.45 }},
		{"black caps", pale, vivid, false, func(a, b *features) { b.darkCaps = true }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := c.a, c.b
			if c.mutate != nil {
				c.mutate(&a, &b)
			}
			id := identifier{ft: []features{a, b, {n: 320, white: 1}}, rowCol: []int{1, 9, 0}}
			id.blendedPairs(3, &defaultBalls)
			want := []int{1, 9, 0}
			if c.swapped {
				want = []int{9, 1, 0}
			}
			for i := range want {
				if id.rowCol[i] != want[i] {
					t.Fatalf("names %v, want %v", id.rowCol, want)
				}
			}
		})
	}
}
