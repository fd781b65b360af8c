package physics

import (
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// Benchmarks for docs/bench/physics.md. Goals (issue 5): a full shot to
// rest with 16 balls <= 1 ms median; an aim update <= 50 us with 0
// allocations.

// A 9 ft break: 15-ball rack with 0.1 mm gaps, cue ball at 9 m/s.
func BenchmarkBreak16(b *testing.B) {
	s := newSys(b, DefaultParams(), model.Table9ft)
	rack(b, s, 1e-4)
	if err := s.Strike("cue", Shot{HeadingDeg: 0.5, Speed: 9, TipVertical: 0.1}); err != nil {
		b.Fatal(err)
	}
	var res Result
	if err := s.SimulateInto(&res); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SimulateInto(&res); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(res.Events)), "events")
}

// A positional shot with all 16 balls spread over the table: the cue ball
// runs through several balls and cushions.
func BenchmarkSpread16(b *testing.B) {
	s := newSys(b, DefaultParams(), model.Table9ft)
	pos := [][2]float64{{0.4, 0.3}, {0.9, 0.9}, {1.2, 0.35}, {1.6, 1.0}, {2.0, 0.5}, {2.3, 1.1}, {0.3, 1.0}, {1.0, 0.6},
		{1.4, 0.7}, {1.9, 0.2}, {2.2, 0.8}, {0.6, 0.5}, {0.7, 1.1}, {1.7, 0.55}, {2.4, 0.3}, {0.2, 0.6}}
	for i, p := range pos {
		if _, err := s.AddBall(model.BallID(i), model.Vec2{X: p[0], Y: p[1]}, model.Vec2{}, Vec3{}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Strike("cue", Shot{HeadingDeg: 38, Speed: 4, TipSide: 0.3, TipVertical: 0.2}); err != nil {
		b.Fatal(err)
	}
	var res Result
	if err := s.SimulateInto(&res); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SimulateInto(&res); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(res.Events)), "events")
}

// pooltool's reference case: a three-cushion shot (three balls, the cue
// ball around the table with side spin).
func BenchmarkThreeCushion(b *testing.B) {
	s := newSys(b, DefaultParams(), model.Table9ft)
	add(b, s, "cue", 0.5, 0.3, 0, 0, Vec3{})
	add(b, s, "1", 0.9, 0.5, 0, 0, Vec3{})
	add(b, s, "2", 2.0, 1.0, 0, 0, Vec3{})
	if err := s.Strike("cue", Shot{HeadingDeg: 24, Speed: 4, TipSide: -0.3, TipVertical: 0.2}); err != nil {
		b.Fatal(err)
	}
	var res Result
	if err := s.SimulateInto(&res); err != nil {
		b.Fatal(err)
	}
	cushions := 0
	for _, e := range res.Events {
		if e.Type == EvBallCushion && e.A == 0 {
			cushions++
		}
	}
	if cushions < 3 {
		b.Fatalf("cue ball touched %d cushions, want a 3-cushion shot", cushions)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.SimulateInto(&res); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(res.Events)), "events")
}

func sixteen() []model.Ball {
	pos := [][2]float64{{0.4, 0.3}, {0.9, 0.9}, {1.2, 0.35}, {1.6, 1.0}, {2.0, 0.5}, {2.3, 1.1}, {0.3, 1.0}, {1.0, 0.6},
		{1.4, 0.7}, {1.9, 0.2}, {2.2, 0.8}, {0.6, 0.5}, {0.7, 1.1}, {1.7, 0.55}, {2.4, 0.3}, {0.2, 0.6}}
	balls := make([]model.Ball, len(pos))
	for i, p := range pos {
		balls[i] = ball(model.BallID(i), p[0], p[1])
	}
	return balls
}

// The daemon's per-frame prediction with the full engine, 16 balls.
func BenchmarkPredict16(b *testing.B) {
	p := newPredictor(b)
	balls := sixteen()
	var tr model.Trajectory
	for range 3 {
		if err := p.Predict(balls, model.CueAim{HeadingDeg: 38}, 2, 0, 0, &tr); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Predict(balls, model.CueAim{HeadingDeg: 38}, 2, 0, 0, &tr); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Result().Events)), "events")
}

// The aim update: cue ball to the first object ball, up to 3 cushions.
func BenchmarkAimLine16(b *testing.B) {
	p := newPredictor(b)
	balls := sixteen()
	var a Aim
	p.AimLine(balls, 200, 3, &a)
	b.ReportAllocs()
	for b.Loop() {
		p.AimLine(balls, 200, 3, &a)
	}
}
