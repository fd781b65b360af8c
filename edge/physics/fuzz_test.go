package physics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// checkResult asserts the invariants every simulation must keep: events in
// time order, no NaN, no two balls overlapping by more than a micrometre,
// no ball off the table unless pocketed, kinetic energy (translational and
// rotational) never increasing across an event nor over time, and every
// ball at rest at the end.
func checkResult(t *testing.T, s *System, res *Result) {
	t.Helper()
	const overlapTol = 1e-6
	n := len(res.IDs)
	var st []BallState
	prevKE := math.Inf(1)
	prevT := 0.0
	check := func(when float64, what string) {
		st = res.StateAt(when, st)
		ke := 0.0
		for i := range st {
			b := &st[i]
			for _, x := range [...]float64{b.Pos.X, b.Pos.Y, b.Vel.X, b.Vel.Y, b.Spin.X, b.Spin.Y, b.Spin.Z} {
				if !finite(x) {
					t.Fatalf("%s t=%.6f: ball %s has a non-finite state %+v", what, when, b.ID, *b)
				}
			}
			if b.Motion == Pocketed {
				continue
			}
			if !s.tab.inBounds(v2{b.Pos.X, b.Pos.Y}, s.p.BallRadius, overlapTol) {
				t.Fatalf("%s t=%.6f: ball %s at (%.6f, %.6f) left the table", what, when, b.ID, b.Pos.X, b.Pos.Y)
			}
			ke += energy(v2{b.Vel.X, b.Vel.Y}, b.Spin, &s.p)
			for j := 0; j < i; j++ {
				if st[j].Motion == Pocketed {
					continue
				}
				d := math.Hypot(b.Pos.X-st[j].Pos.X, b.Pos.Y-st[j].Pos.Y)
				if d < 2*s.p.BallRadius-overlapTol {
					t.Fatalf("%s t=%.6f: balls %s and %s overlap by %.3g m", what, when, b.ID, st[j].ID, 2*s.p.BallRadius-d)
				}
			}
		}
		if ke > prevKE*(1+1e-9)+1e-12 {
			t.Fatalf("%s t=%.6f: kinetic energy rose from %.12f to %.12f J", what, when, prevKE, ke)
		}
		prevKE = ke
	}
	for k, e := range res.Events {
		if e.T < prevT {
			t.Fatalf("event %d (%s) at %.9f is before the previous one at %.9f", k, e.Name(), e.T, prevT)
		}
		if e.Type != EvCueStrike {
			if e.KEAfter > e.KEBefore*(1+1e-9)+1e-12 {
				t.Fatalf("event %d (%s, t=%.6f): energy rose from %.12f to %.12f J", k, e.Name(), e.T, e.KEBefore, e.KEAfter)
			}
			check(0.5*(prevT+e.T), "between events")
		}
		check(e.T, e.Name())
		prevT = e.T
	}
	st = res.Final(st)
	for i := 0; i < n; i++ {
		if m := st[i].Motion; m != Stationary && m != Pocketed {
			t.Fatalf("ball %s is %v at the end (t=%.3f)", st[i].ID, m, res.End)
		}
	}
}

// unit maps any float to [0, 1) (fuzzers hand us NaN and 1e308).
func unit(x float64) float64 {
	if !finite(x) {
		return 0.5
	}
	f := math.Abs(math.Mod(x, 1))
	return f
}

// placeRandom puts n balls at random legal places (no overlap, on the
// table) and returns the system.
func placeRandom(t testing.TB, s *System, rng *rand.Rand, n int) {
	L, W := s.tab.l, s.tab.w
	for i := 0; i < n; i++ {
		for try := 0; try < 200; try++ {
			p := model.Vec2{X: R + rng.Float64()*(L-2*R), Y: R + rng.Float64()*(W-2*R)}
			if _, err := s.AddBall(model.BallID(i), p, model.Vec2{}, Vec3{}); err == nil {
				break
			}
		}
	}
}

func fuzzShot(t *testing.T, seed uint64, nb uint8, size uint8, heading, speed, side, vert, elev float64) {
	sizes := []model.Size{model.Table7ft, model.Table8ft, model.Table9ft, {Length: 2.0, Width: 1.4}}
	s, err := NewSystem(DefaultParams(), StandardTable(sizes[int(size)%len(sizes)]))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	if seed%4 == 1 {
		// A rack, frozen or with gaps up to 0.1 mm: clusters of balls in
		// contact, where impacts happen at the same instant.
		gap := 0.0
		if seed%8 == 5 {
			gap = 1e-4 * rng.Float64()
		}
		rack(t, s, gap)
	} else {
		placeRandom(t, s, rng, 1+int(nb)%16)
	}
	// Some seeds also give object balls a push, so moving balls meet.
	if seed%3 == 0 {
		for i := 1; i < s.Len(); i++ {
			s.balls[i].v = v2{rng.NormFloat64(), rng.NormFloat64()}
			s.balls[i].w = Vec3{rng.NormFloat64() * 30, rng.NormFloat64() * 30, rng.NormFloat64() * 30}
		}
	}
	a, b := -0.6+1.2*unit(side), -0.6+1.2*unit(vert)
	if a*a+b*b > 0.64 {
		a, b = a*0.7, b*0.7
	}
	sh := Shot{HeadingDeg: 360 * unit(heading), Speed: 0.05 + 11*unit(speed), TipSide: a, TipVertical: b, ElevationDeg: 60 * unit(elev)}
	if err := s.Strike("cue", sh); err != nil {
		t.Fatal(err)
	}
	res, err := s.Simulate()
	lastRes = res
	if err != nil {
		t.Fatalf("shot %+v with %d balls: %v", sh, s.Len(), err)
	}
	lastRes = res
	checkResult(t, s, res)
}

var lastRes *Result // the last fuzzed result, for debugging a failure

// FuzzSimulate: random legal tables and shots. Run with
// go test -fuzz=FuzzSimulate ./edge/physics; the seeds run in every go test.
func FuzzSimulate(f *testing.F) {
	f.Add(uint64(1), uint8(15), uint8(2), 10.0, 0.9, 0.3, -0.8, 0.0)
	f.Add(uint64(2), uint8(1), uint8(0), 45.0, 0.5, 0.5, 0.5, 0.0)
	f.Add(uint64(3), uint8(8), uint8(1), 200.0, 0.99, 0.1, 0.9, 0.6)
	f.Add(uint64(4), uint8(4), uint8(3), 271.0, 0.2, 0.0, 0.0, 0.0)
	f.Add(uint64(5), uint8(15), uint8(2), 181.0, 0.7, 0.9, 0.1, 0.95)
	f.Add(uint64(6), uint8(12), uint8(0), 33.3, 0.01, 0.5, 0.5, 0.0)
	f.Add(uint64(9), uint8(15), uint8(2), 0.0, 1.0, 0.5, 0.5, 0.0)
	for i := uint64(10); i < 40; i++ {
		f.Add(i, uint8(i), uint8(i/3), float64(i)*37, float64(i)*0.031, float64(i)*0.17, float64(i)*0.23, float64(i)*0.07)
	}
	f.Fuzz(fuzzShot)
}

// rack places a 15-ball triangle (apex on the foot spot) with gap between
// neighbours, and the cue ball on the head string.
func rack(t testing.TB, s *System, gap float64) {
	L, W := s.tab.l, s.tab.w
	apex := model.Vec2{X: 0.75 * L, Y: W / 2}
	d := 2*R + gap
	k := 1
	for row := 0; row < 5; row++ {
		for j := 0; j <= row; j++ {
			p := model.Vec2{X: apex.X + float64(row)*d*math.Sqrt(3)/2, Y: apex.Y + (float64(j)-float64(row)/2)*d}
			if _, err := s.AddBall(model.BallID(k), p, model.Vec2{}, Vec3{}); err != nil {
				t.Fatal(err)
			}
			k++
		}
	}
	if _, err := s.AddBall("cue", model.Vec2{X: 0.25 * L, Y: W / 2}, model.Vec2{}, Vec3{}); err != nil {
		t.Fatal(err)
	}
}

// A full break: 16 balls, hard hit, the rack frozen (every ball touching
// its neighbours: the impacts happen at one instant and are resolved in
// sequence) or packed with 0.1 mm gaps (a chain of near-simultaneous
// impacts).
func TestBreak(t *testing.T) {
	for _, size := range []model.Size{model.Table7ft, model.Table8ft, model.Table9ft} {
		for _, gap := range []float64{0, 1e-4} {
			s := newSys(t, DefaultParams(), size)
			rack(t, s, gap)
			if err := s.Strike("cue", Shot{HeadingDeg: 0.5, Speed: 9, TipVertical: 0.1}); err != nil {
				t.Fatal(err)
			}
			res := run(t, s)
			checkResult(t, s, res)
			moved := 0
			fin := res.Final(nil)
			for i := range fin {
				if fin[i].Motion == Pocketed || math.Hypot(fin[i].Pos.X-s.balls[i].r.x, fin[i].Pos.Y-s.balls[i].r.y) > 0.1 {
					moved++
				}
			}
			// Impacts that are simultaneous in a real rack are resolved one
			// at a time here (as in pooltool), so the spread depends on the
			// exact gaps; most of the rack must still move.
			if moved < 8 {
				t.Errorf("%v gap %v: break moved only %d of 16 balls", size, gap, moved)
			}
			t.Logf("%v gap %v: %d events, rest after %.2f s, %d balls moved", size, gap, len(res.Events), res.End, moved)
		}
	}
}
