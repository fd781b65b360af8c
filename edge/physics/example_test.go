package physics_test

import (
	"fmt"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
)

// A centre-ball shot at 2 m/s into a ball 0.7 m away on a 9 ft table.
func ExampleSystem() {
	sys, err := physics.NewSystem(physics.DefaultParams(), physics.StandardTable(model.Table9ft))
	if err != nil {
		panic(err)
	}
	sys.AddBall("cue", model.Vec2{X: 0.5, Y: 0.6}, model.Vec2{}, physics.Vec3{})
	sys.AddBall("1", model.Vec2{X: 1.2, Y: 0.6}, model.Vec2{}, physics.Vec3{})
	if err := sys.Strike("cue", physics.Shot{HeadingDeg: 0, Speed: 2}); err != nil {
		panic(err)
	}
	res, err := sys.Simulate()
	if err != nil {
		panic(err)
	}
	for _, e := range res.Events[:4] {
		fmt.Printf("%.3f s %-18s x=%.3f\n", e.T, e.Name(), e.Pos[0].X)
	}
	st := res.StateAt(0.2, nil)
	fmt.Printf("at 0.2 s the cue ball is %s at x=%.3f, v=%.3f m/s\n", st[0].Motion, st[0].Pos.X, st[0].Vel.X)
	// Output:
	// 0.000 s cue_strike         x=0.500
	// 0.291 s sliding_to_rolling x=0.999
	// 0.392 s ball_ball          x=1.143
	// 0.577 s sliding_to_rolling x=1.183
	// at 0.2 s the cue ball is sliding at x=0.861, v=1.608 m/s
}
