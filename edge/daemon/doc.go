// Package daemon assembles cuecastd: it builds every part (frame source and
// loop, hub, HTTP edge, WebSocket, video, display, game, MQTT mirror,
// hardware), starts them in order, applies config reloads (SIGHUP or REST)
// as a whole or not at all, and stops them in order. cmd/cuecastd keeps
// only flags and signals, so tests build and drive the whole daemon
// in-process (Options.OpenCamera is the camera's hardware fake).
//
// Parts (part.go): each has one lifecycle, start, reload (it decides what
// its own section's change means) and shutdown (safe twice). A new part
// implements the interface, takes a health handle in newHandles and joins
// startOrder and stopOrder in New.
//
// Health (health.go): every part reports through a typed handle the
// supervisor handed out once (supervise.Component); nothing matches
// component names. The frame loop's handle gates the watchdog, and the
// frame source's is its Child, so a camera being retried keeps the watchdog
// fed while a wedged read starves it. READY=1 follows the HTTP listener and
// either the first frame or the source's first failure: a box without its
// camera serves, says "waiting for camera" in STATUS and /api/v1/health, and
// keeps a camera alert standing on every surface until frames flow.
//
// Config (reload.go): a new config is validated, its listen address bound,
// then (REST) the file written atomically, and only then swapped in; any
// failure before the swap changes nothing, file included.
//
// Concurrency: New, Start and Shutdown are called by one goroutine (main).
// Reload and the REST config calls (Apply, Reset, Current) may run
// concurrently with each other and with the running parts; reloads are
// serialised. Every goroutine the daemon starts is owned by a part or by the
// daemon's background group and is waited for by Shutdown.
package daemon
