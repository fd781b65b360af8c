// Package daemon assembles cuecastd: it builds every part (frame source and
// loop, hub, HTTP edge, WebSocket, video, display, MQTT mirror, hardware),
// starts them in order, applies config reloads (SIGHUP or REST) as a whole
// or not at all, and stops them in order. cmd/cuecastd keeps only flags and
// signals, so tests build and drive the whole daemon in-process.
//
// Concurrency: New, Start and Shutdown are called by one goroutine (main).
// Reload and the REST config calls (Apply, Reset, Current) may run
// concurrently with each other and with the running parts; reloads are
// serialised. Every goroutine the daemon starts is owned by a part or by the
// daemon's background group and is waited for by Shutdown.
package daemon
