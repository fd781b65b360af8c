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
// Commands (every POST and PUT) need the token configured as http.token, sent
// as "Authorization: Bearer TOKEN" or "X-Cuecast-Token: TOKEN". The token is
// read from ConfigManager.Current on every request, so a reload that changes it
// takes effect at once. With no token configured commands are refused (403).
//
// Errors are JSON: {"error":{"code":"...","message":"..."}} with the matching
// status. Handlers check everything (query parameters, JSON fields, stream
// names, sizes) before they call a dependency: bad input changes nothing.
//
// Concurrency: an *API is safe for concurrent use by any number of requests
// and scrapes once Register has returned; it starts no goroutines.
package api
