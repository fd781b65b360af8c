package api

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// API serves the REST endpoints and /metrics. Create it with New.
type API struct {
	deps    Deps
	log     *slog.Logger
	now     func() time.Time
	streams map[string]bool // valid stream names
	mux     *http.ServeMux  // the /api/v1/ routes only
	reg     *prometheus.Registry
	metrics http.Handler
	exports exports // prepared history exports
}

// defaultStreams are the design's streams, in the hub's priority order.
var defaultStreams = []string{"alert", "config", "event", "trajectory", "state", "frame", "performance", "game"}

// New builds the API over deps. It registers the process and Go collectors
// and the API's own collectors on deps.Registry (or a new registry). Like
// prometheus.MustRegister it panics if someone else already registered
// different collectors under our metric names: that is a wiring bug found at
// the first start, not a runtime condition.
func New(deps Deps, log *slog.Logger) *API {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &API{deps: deps, log: log, now: deps.Now, reg: deps.Registry, mux: http.NewServeMux(), streams: map[string]bool{}}
	if a.now == nil {
		a.now = time.Now
	}
	names := deps.StreamNames
	if names == nil {
		names = defaultStreams
	}
	for _, s := range names {
		a.streams[s] = true
	}
	if a.reg == nil {
		a.reg = prometheus.NewRegistry()
	}
	for _, c := range []prometheus.Collector{
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
		newCollector(a),
	} {
		if err := a.reg.Register(c); err != nil {
			// The caller may hand us a registry that already has the
			// process and Go collectors; that is fine. Anything else is
			// two components claiming the same metric names.
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				continue
			}
			panic("api: prometheus Register: " + err.Error() + " (two components export the same metric names)")
		}
	}
	a.metrics = promhttp.HandlerFor(a.reg, promhttp.HandlerOpts{
		ErrorLog:      slogPromLogger{log},
		ErrorHandling: promhttp.ContinueOnError, // one bad collector must not hide the rest
	})
	a.routes()
	return a
}

// Registry is where other components register their collectors; it is the
// registry /metrics serves.
func (a *API) Registry() *prometheus.Registry { return a.reg }

// Register adds the API's routes to mux: everything under /api/v1/ and
// GET /metrics. More specific /api/v1/... patterns registered by others on the
// same mux still win over ours.
func (a *API) Register(mux *http.ServeMux) {
	mux.Handle("/api/v1/", a)
	mux.Handle("GET /metrics", a.metrics)
}

func (a *API) routes() {
	a.get("GET /api/v1/health", a.health)
	a.get("GET /api/v1/health/ready", a.ready)
	a.get("GET /api/v1/health/live", a.live)

	a.get("GET /api/v1/websocket/health", a.wsHealth)
	a.get("GET /api/v1/websocket/metrics", a.wsMetrics)
	a.get("GET /api/v1/websocket/connections", a.connections)
	a.get("GET /api/v1/websocket/connections/{id}", a.connection)
	a.command("POST /api/v1/websocket/connections/{id}/subscribe", a.subscribe)
	a.command("POST /api/v1/websocket/connections/{id}/unsubscribe", a.unsubscribe)
	a.command("POST /api/v1/websocket/connections/{id}/disconnect", a.disconnect)
	a.command("POST /api/v1/websocket/broadcast/alert", a.broadcastAlert)

	a.get("GET /api/v1/alerts", a.alerts)
	a.command("POST /api/v1/alerts/{id}/ack", a.ackAlert)

	a.get("GET /api/v1/config", a.getConfig)
	a.handle("PUT /api/v1/config", a.putConfig, Route{Command: true, MaxBody: maxConfigBody})
	a.command("POST /api/v1/config/reset", a.resetConfig)
	a.get("GET /api/v1/config/export", a.exportConfig)
	a.get("GET /api/v1/config/schema", a.configSchema)

	a.get("GET /api/v1/vision/performance", a.visionPerformance)

	a.gameRoutes()
	a.historyRoutes()
}

// get registers a read-only endpoint behind the edge (edge.go).
func (a *API) get(pattern string, h handlerFunc) { a.handle(pattern, h, Route{}) }

// command registers an endpoint that changes something: the edge checks the
// token before the handler sees the request or its body.
func (a *API) command(pattern string, h handlerFunc) { a.handle(pattern, h, Route{Command: true}) }

// ServeHTTP routes /api/v1/ requests. It exists so unknown paths and wrong
// methods get the same JSON error body as everything else (ServeMux's own 404
// and 405 are plain text).
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.mux.Handler(r); pattern != "" {
		a.mux.ServeHTTP(w, r) // sets r.PathValue
		return
	}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		r2 := *r
		r2.Method = m
		if _, p := a.mux.Handler(&r2); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		e := errorf(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "api: %s is not allowed on %s", r.Method, r.URL.Path)
		e.Allow = allow
		a.writeError(w, r, e)
		return
	}
	a.writeError(w, r, errorf(http.StatusNotFound, CodeNotFound, "api: no endpoint %s; see docs/api.md for the list", r.URL.Path))
}

// slogPromLogger routes promhttp's error log to slog.
type slogPromLogger struct{ log *slog.Logger }

func (l slogPromLogger) Println(v ...any) { l.log.Warn("api: /metrics scrape error", "err", v) }
