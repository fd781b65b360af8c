// Package api is cuecast's HTTP interface: the REST API under /api/v1/
// (health, WebSocket health, metrics and per-connection admin, alerts,
// configuration, vision performance) and Prometheus metrics at /metrics.
//
// The package owns no state of its own beyond the Prometheus registry. Every
// figure it serves is read, at request or scrape time, from the component that
// owns it, through the small interfaces declared in deps.go (HealthSource,
// DeliveryStatsSource, ConnectionAdmin, AlertCenter, ConfigManager,
// StreamStatsSource, PerformanceSource). The daemon's main adapts the real
// components to them; tests use the fakes in package apitest. A dependency left
// nil makes its endpoints answer 503 "unavailable" instead of panicking, so a
// partly wired daemon still serves the rest.
//
// The API is the daemon's one HTTP edge for /api/v1: its own routes and the
// routes other packages mount with Handle/HandleFunc (camera and projector
// calibration, firmware upload, state, and whatever the game layer adds)
// all run behind the same middleware (edge.go, Route): one auth check, one
// body reader with size and time limits, one error envelope.
//
// Commands (every POST and PUT) need the token configured as http.token, sent
// as "Authorization: Bearer TOKEN" (scheme case-insensitive) or
// "X-Cuecast-Token: TOKEN". Both sides are hashed before a constant-time
// compare. The token is checked before the handler runs and before any byte
// of the body is read; a refused request is answered at once and its
// connection closed. The token is read from ConfigManager.Current on every
// request, so a reload that changes it takes effect at once. With no token
// configured commands are refused (403).
//
// Errors are JSON: {"error":{"code":"...","message":"..."}} with the matching
// status. Handlers check everything (query parameters, JSON fields, stream
// names, sizes) before they call a dependency: bad input changes nothing.
//
// Server (server.go) is the HTTP listener itself: header, request, write and
// idle timeouts, a cap on concurrent connections (limit.go), and Stream for
// the long-lived responses (/ws, /stream.mjpg) that set their own deadlines.
//
// Concurrency: an *API is safe for concurrent use by any number of requests
// and scrapes once Register has returned (Handle and HandleFunc are called
// before that, during assembly); it starts no goroutines. A Server owns the
// goroutine that serves its listener; Shutdown stops it and is safe twice.
package api
