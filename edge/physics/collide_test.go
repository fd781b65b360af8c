package physics

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Impacts never create energy, whatever the spins: a property test over
// random states of the two impact models (and the resting-contact paths
// that replace them at low speed).
func TestImpactEnergy(t *testing.T) {
	p := DefaultParams()
	rng := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 200000; k++ {
		scale := math.Pow(10, -4+5*rng.Float64())
		v := v2{rng.NormFloat64() * scale, rng.NormFloat64() * scale}
		w := Vec3{rng.NormFloat64() * scale / R, rng.NormFloat64() * scale / R, rng.NormFloat64() * scale / R}
		a := rng.Float64() * 2 * math.Pi
		n := v2{math.Cos(a), math.Sin(a)}
		before := energy(v, w, &p)
		v2_, w2 := ballCushion(v, w, n, &p)
		if after := energy(v2_, w2, &p); after > before*(1+1e-12) {
			t.Fatalf("cushion: v=%v w=%v n=%v: energy %.6g -> %.6g", v, w, n, before, after)
		}
		u := v2{rng.NormFloat64() * scale, rng.NormFloat64() * scale}
		wu := Vec3{rng.NormFloat64() * scale / R, rng.NormFloat64() * scale / R, rng.NormFloat64() * scale / R}
		before += energy(u, wu, &p)
		a1, a2, b1, b2 := ballBall(v, u, w, wu, n, &p)
		if after := energy(a1, b1, &p) + energy(a2, b2, &p); after > before*(1+1e-12) {
			t.Fatalf("ball-ball: energy %.6g -> %.6g", before, after)
		}
	}
}
