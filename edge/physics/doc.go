// Package physics is cuecast's billiards engine and shot predictor, in pure
// Go (no cgo, standard library plus edge/model and edge/config).
//
// Usage (the simulator and the CLI drive it like this):
//
//	sys, err := physics.NewSystem(physics.DefaultParams(), physics.StandardTable(model.Table9ft))
//	sys.AddBall("cue", model.Vec2{X: 0.6, Y: 0.635}, model.Vec2{}, physics.Vec3{})
//	sys.AddBall("1", model.Vec2{X: 1.9, Y: 0.635}, model.Vec2{}, physics.Vec3{})
//	sys.Strike("cue", physics.Shot{HeadingDeg: 0, Speed: 2, TipVertical: 0.2})
//	res, err := sys.Simulate()          // to rest; res.Events in time order
//	states := res.StateAt(0.25, nil)    // every ball, exactly, at t = 0.25 s
//	_ = res.End                         // when the last ball stopped or fell
//
// The engine is event based: between events every ball follows the closed
// form solution of its motion state (sliding, rolling, spinning, stationary,
// pocketed; see Motion), so there is no time step and no integration error.
// The next event is the earliest of the motion-state transitions (closed
// form), ball-ball impacts (first root of a quartic), ball-cushion impacts
// (quadratic for straight cushions, quartic for jaw points) and pocket
// captures (quartic). Roots are isolated through the derivative and refined
// in a bracket (roots.go), so near-double roots (grazes) are neither missed
// nor invented and balls never overlap by more than a few nanometres. Event times
// are cached per ball pair and per ball and only the entries of the balls an
// event changed are recomputed.
//
// Impacts: ball-ball with restitution and speed-dependent friction
// (Alciatore's throw model, collide.go), ball-cushion after Han (2005) with
// the cushion nose height, pockets with WPA mouths and jaw angles, jaws that
// throw a badly aimed ball back out, and a capture circle a shelf depth
// behind the mouth. The cue strike turns tip offset, elevation and speed into
// velocity and spin, with squirt (Alciatore TP A.31). Params documents every
// default and its source.
//
// Prediction: Predictor runs the same engine for the daemon's aim loop and
// fills a model.Trajectory without allocating (predict.go); AimLine is the
// cheap straight-line preview (cue ball to the first object ball with up to
// three cushion reflections).
//
// Concurrency: a System, a Result and a Predictor belong to one goroutine.
// A Result from Simulate is independent of its System; SimulateInto reuses
// the caller's Result.
package physics
