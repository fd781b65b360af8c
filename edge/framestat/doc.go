// Package framestat measures what tells one camera's pictures of a pool
// table from another's: the cloth's colour and how much it varies, sensor
// noise, how sharp a ball's rim is, JPEG block edges, ball sizes, clipped
// highlights, vignetting and the white balance. It exists to put real
// overhead frames and the simulator's (edge/sim) side by side, so that
// figures measured on the simulator can be judged against real cameras
// (docs/sim.md, "Real and simulated frames side by side").
//
// The measures are blind: Measure finds the cloth and the balls itself,
// with simple colour rules, and never uses the simulator's truth or the
// detector (edge/vision), so a real frame and a simulated one are measured
// the same way and the detector under test does not grade itself. They are
// statistics for comparing sources, not a detector: touching balls, balls
// on a cloth of their own colour and anything joined to the rails are
// skipped, not counted.
//
// Why a package of its own: the simulator (edge/sim) must not learn to
// read real footage, and the detector (edge/vision) must not be the judge
// of the frames it is scored on; framestat imports neither (TestDeps).
// Its side-by-side test reads the real frames in ../shared/data/overhead
// (never in the repository) and skips with a message when they are absent.
//
// Pure Go, no cgo. Measure is a function of its input; call it from any
// goroutine.
package framestat
