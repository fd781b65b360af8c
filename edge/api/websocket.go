package api

import (
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Delivery-latency levels of GET /api/v1/websocket/health (the seed's).
const (
	LevelExcellent = "EXCELLENT" // < 20 ms
	LevelGood      = "GOOD"      // < 50 ms
	LevelFair      = "FAIR"      // < 100 ms
	LevelPoor      = "POOR"      // < 200 ms
	LevelCritical  = "CRITICAL"  // >= 200 ms
	LevelUnknown   = "UNKNOWN"   // nothing delivered in the window: no measurement
)

// LatencyLevel grades a delivery latency. Bounds are exclusive: exactly
// 20 ms is GOOD.
func LatencyLevel(d time.Duration) string {
	switch {
	case d < 20*time.Millisecond:
		return LevelExcellent
	case d < 50*time.Millisecond:
		return LevelGood
	case d < 100*time.Millisecond:
		return LevelFair
	case d < 200*time.Millisecond:
		return LevelPoor
	}
	return LevelCritical
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

var levelThresholdsMS = map[string]float64{LevelExcellent: 20, LevelGood: 50, LevelFair: 100, LevelPoor: 200}

// wsHealth grades the recent average delivery latency. The average, not the
// p99, because that is what the seed reported and what its dashboards expect;
// p99 and jitter are in the body for anyone who wants the tail.
func (a *API) wsHealth(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	if a.deps.Delivery == nil {
		return unavailable("the WebSocket server's delivery statistics")
	}
	st := a.deps.Delivery.DeliveryStats()
	level := LevelUnknown
	if st.Recent.Samples > 0 {
		level = LatencyLevel(msDuration(st.Recent.AvgMS))
	}
	resp := map[string]any{
		"level":         level,
		"healthy":       level != LevelCritical && level != LevelPoor,
		"basis":         "recent average delivery latency (publish to socket write)",
		"latency":       st.Recent,
		"window_s":      st.Window.Seconds(),
		"thresholds_ms": levelThresholdsMS,
		"messages":      st.Messages,
		"errors":        st.Errors,
		"drops":         st.Drops,
		"disconnects":   st.Disconnects,
	}
	if a.deps.Connections != nil {
		resp["connections"] = len(a.deps.Connections.Connections())
	}
	a.writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) wsMetrics(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	if a.deps.Delivery == nil {
		return unavailable("the WebSocket server's delivery statistics")
	}
	st := a.deps.Delivery.DeliveryStats()
	streams := st.Streams
	if streams == nil {
		streams = []StreamDelivery{}
	}
	resp := map[string]any{
		"window_s":    st.Window.Seconds(),
		"latency":     st.Recent,
		"messages":    st.Messages,
		"bytes":       st.Bytes,
		"errors":      st.Errors,
		"drops":       st.Drops,
		"disconnects": st.Disconnects,
		"streams":     streams,
	}
	if a.deps.Connections != nil {
		resp["connections"] = len(a.deps.Connections.Connections())
	}
	a.writeJSON(w, http.StatusOK, resp)
	return nil
}

func (a *API) connections(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	if a.deps.Connections == nil {
		return unavailable("the WebSocket server (connections)")
	}
	cs := a.deps.Connections.Connections()
	if cs == nil {
		cs = []ConnectionInfo{}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Connected.Before(cs[j].Connected) })
	a.writeJSON(w, http.StatusOK, map[string]any{"count": len(cs), "connections": cs})
	return nil
}

// connID validates the {id} path segment.
func connID(r *http.Request) (string, *apiError) {
	id := r.PathValue("id")
	if e := checkID(id); e != nil {
		return "", e
	}
	return id, nil
}

func checkID(id string) *apiError {
	if id == "" || len(id) > 128 {
		return badRequest("api: id must be 1 to 128 characters")
	}
	for _, c := range id {
		if !unicode.IsPrint(c) || unicode.IsSpace(c) {
			return badRequest("api: id %q has a space or control character", id)
		}
	}
	return nil
}

func (a *API) connection(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	id, e := connID(r)
	if e != nil {
		return e
	}
	if a.deps.Connections == nil {
		return unavailable("the WebSocket server (connections)")
	}
	c, ok := a.deps.Connections.Connection(id)
	if !ok {
		return notFoundConn(id)
	}
	a.writeJSON(w, http.StatusOK, c)
	return nil
}

func notFoundConn(id string) *apiError {
	return errorf(http.StatusNotFound, CodeNotFound, "api: no connection %q (GET /api/v1/websocket/connections lists them)", id)
}

type streamsRequest struct {
	Streams []string `json:"streams"`
}

// streamsBody reads {"streams":[...]} and checks every name before anything
// is changed.
func (a *API) streamsBody(w http.ResponseWriter, r *http.Request) ([]string, *apiError) {
	var req streamsRequest
	if e := decodeJSON(w, r, 16<<10, &req); e != nil {
		return nil, e
	}
	if len(req.Streams) == 0 {
		return nil, badRequest(`api: "streams" must list at least one stream`)
	}
	out := make([]string, 0, len(req.Streams))
	for _, s := range req.Streams {
		if !a.streams[s] {
			return nil, badRequest("api: unknown stream %q (known: %s)", s, a.streamList())
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (a *API) streamList() string {
	names := make([]string, 0, len(a.streams))
	for s := range a.streams {
		names = append(names, s)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func (a *API) subscribe(w http.ResponseWriter, r *http.Request) *apiError {
	return a.changeSubscription(w, r, true)
}

func (a *API) unsubscribe(w http.ResponseWriter, r *http.Request) *apiError {
	return a.changeSubscription(w, r, false)
}

func (a *API) changeSubscription(w http.ResponseWriter, r *http.Request, sub bool) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	id, e := connID(r)
	if e != nil {
		return e
	}
	streams, e := a.streamsBody(w, r)
	if e != nil {
		return e
	}
	if a.deps.Connections == nil {
		return unavailable("the WebSocket server (connections)")
	}
	var err error
	if sub {
		err = a.deps.Connections.Subscribe(id, streams)
	} else {
		err = a.deps.Connections.Unsubscribe(id, streams)
	}
	if e := a.depError(err, id, "connection"); e != nil {
		return e
	}
	c, ok := a.deps.Connections.Connection(id)
	if !ok { // it went away in between
		return notFoundConn(id)
	}
	a.writeJSON(w, http.StatusOK, c)
	return nil
}

// depError maps an error from a dependency: unknown ids are 404, anything
// else is the component's failure (500) with its message, which our
// components write for people.
func (a *API) depError(err error, id, what string) *apiError {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return errorf(http.StatusNotFound, CodeNotFound, "api: no %s %q: %v", what, id, err)
	}
	return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
}

type disconnectRequest struct {
	Reason string `json:"reason"`
}

// disconnect closes a client; the body is optional ({"reason": "..."}).
func (a *API) disconnect(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	id, e := connID(r)
	if e != nil {
		return e
	}
	req := disconnectRequest{Reason: "disconnected by an administrator"}
	if r.ContentLength != 0 {
		b, e := readBody(w, r, 4096)
		if e != nil {
			return e
		}
		if len(b) > 0 {
			if e := strictJSON(b, &req); e != nil {
				return e
			}
		}
	}
	// The reason travels in a WebSocket close frame, whose payload is at
	// most 123 bytes of text.
	if len(req.Reason) > 120 {
		return badRequest("api: reason is %d bytes; a close frame allows at most 120", len(req.Reason))
	}
	if a.deps.Connections == nil {
		return unavailable("the WebSocket server (connections)")
	}
	if e := a.depError(a.deps.Connections.Disconnect(id, req.Reason), id, "connection"); e != nil {
		return e
	}
	a.log.Info("api: client disconnected", "id", id, "reason", req.Reason, "remote", r.RemoteAddr)
	a.writeJSON(w, http.StatusOK, map[string]any{"disconnected": id, "reason": req.Reason})
	return nil
}
