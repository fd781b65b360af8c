// Package e2e holds end-to-end checks across the simulator, the vision
// stage and the tracker: simulated frames at the daemon's resolution go
// through vision.Detector (OpenCV) and core.Tracker exactly as in the
// daemon's frame loop, and the tracker's state and events are compared
// with the simulator's ground truth.
//
// TestRealVideoEvents does the same with real broadcast clips from the
// shared footage (../shared/data, skipped without it): the file source,
// vision and the tracker against a hand-made list of shots and pocketings
// (testdata/rexlapis_shots.json; docs/vision-real.md has the figures).
//
// The package has no code of its own outside its tests. The checks are in
// the _test.go files; docs/vision.md ("Tracker on the vision stage's
// output") has the figures and the commands, including the ten-minute
// still-table soak (CUECAST_E2E_LONG=1).
package e2e
