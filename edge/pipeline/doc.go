// Package pipeline runs the frame loop: source -> detector -> tracker ->
// predictor -> sink. It is plain Go with no cgo and no transport: every stage
// is a small interface the daemon fills (vision, core, physics, and a sink
// that publishes on the hub), so the loop tests with fakes.
//
// One goroutine (Run) owns the loop and every buffer in it: the frame, the
// detection and the trajectory are reused from frame to frame, and a sink
// that keeps anything past its call copies it. Nothing in the loop waits for
// a consumer: the sink's methods must not block (the hub queues per client).
//
// Progress is reported once per loop iteration, including iterations that
// only handled a source error, so the systemd watchdog keeps quiet while a
// lost camera is being retried but fires when the loop itself wedges.
package pipeline
