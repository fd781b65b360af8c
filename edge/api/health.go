package api

import (
	"net/http"
	"time"
)

// Overall health statuses in GET /api/v1/health.
const (
	StatusOK       = "ok"       // ready, live, every component OK
	StatusDegraded = "degraded" // ready and live, some component failing
	StatusStarting = "starting"
	StatusStopping = "stopping"
	StatusStalled  = "stalled" // a loop that matters stopped making progress
)

type healthResponse struct {
	Status     string            `json:"status"`
	Phase      Phase             `json:"phase"`
	Live       bool              `json:"live"`
	LiveDetail string            `json:"live_detail,omitempty"`
	Started    time.Time         `json:"started"`
	UptimeS    float64           `json:"uptime_s"`
	Clients    *int              `json:"clients"`           // null when the WebSocket server is not wired
	MQTT       *ComponentHealth  `json:"mqtt"`              // the MQTT mirror, null if the daemon has none
	Source     *ComponentHealth  `json:"source"`            // the frame source
	Waiting    string            `json:"waiting,omitempty"` // what the daemon serves without (a camera)
	Failing    []string          `json:"failing"`           // names of components not OK
	Components []ComponentHealth `json:"components"`
	Time       time.Time         `json:"time"`
}

// overall folds a report into one status. Order matters: a stalled loop is
// worse than a failing component, and a daemon that is not ready yet says so
// rather than "degraded" while its components come up.
func overall(h HealthReport) (status string, failing []string) {
	failing = []string{}
	for _, c := range h.Components {
		if !c.OK {
			failing = append(failing, c.Name)
		}
	}
	switch {
	case h.Phase == PhaseStopping:
		return StatusStopping, failing
	case h.Phase != PhaseReady:
		return StatusStarting, failing
	case !h.Live:
		return StatusStalled, failing
	case len(failing) > 0:
		return StatusDegraded, failing
	}
	return StatusOK, failing
}

// report reads the supervisor; a zero Phase (a source that never set one)
// counts as starting.
func (a *API) report() HealthReport {
	h := a.deps.Health.Health()
	if h.Phase == "" {
		h.Phase = PhaseStarting
	}
	return h
}

// healthRequest checks a health probe (no query parameters, a supervisor
// wired) and returns the report.
func (a *API) healthRequest(r *http.Request) (HealthReport, *apiError) {
	if _, e := params(r); e != nil {
		return HealthReport{}, e
	}
	if a.deps.Health == nil {
		return HealthReport{}, unavailable("the supervisor (health)")
	}
	return a.report(), nil
}

// health answers 200 while the daemon is ready and live (even degraded: a
// dead broker does not make the table display useless), 503 otherwise.
func (a *API) health(w http.ResponseWriter, r *http.Request) *apiError {
	h, e := a.healthRequest(r)
	if e != nil {
		return e
	}
	now := a.now()
	resp := healthResponse{
		Phase: h.Phase, Live: h.Live, LiveDetail: h.LiveDetail, Started: h.Started, Time: now,
		Components: h.Components, MQTT: h.MQTT, Source: h.Source, Waiting: h.Waiting,
	}
	if resp.Components == nil {
		resp.Components = []ComponentHealth{}
	}
	resp.Status, resp.Failing = overall(h)
	if !h.Started.IsZero() {
		resp.UptimeS = now.Sub(h.Started).Seconds()
	}
	if a.deps.Connections != nil {
		n := len(a.deps.Connections.Connections())
		resp.Clients = &n
	}
	status := http.StatusOK
	if resp.Status != StatusOK && resp.Status != StatusDegraded {
		status = http.StatusServiceUnavailable
	}
	a.writeJSON(w, status, resp)
	return nil
}

// ready is the readiness probe: 200 from READY until shutdown begins.
func (a *API) ready(w http.ResponseWriter, r *http.Request) *apiError {
	h, e := a.healthRequest(r)
	if e != nil {
		return e
	}
	status := http.StatusOK
	if h.Phase != PhaseReady {
		status = http.StatusServiceUnavailable
	}
	a.writeJSON(w, status, map[string]any{"ready": h.Phase == PhaseReady, "phase": h.Phase})
	return nil
}

// live is the liveness probe: 200 while the loops progress, whatever the
// phase (a starting daemon is alive), 503 when one stalled.
func (a *API) live(w http.ResponseWriter, r *http.Request) *apiError {
	h, e := a.healthRequest(r)
	if e != nil {
		return e
	}
	status := http.StatusOK
	if !h.Live {
		status = http.StatusServiceUnavailable
	}
	body := map[string]any{"live": h.Live}
	if h.LiveDetail != "" {
		body["detail"] = h.LiveDetail
	}
	a.writeJSON(w, status, body)
	return nil
}
