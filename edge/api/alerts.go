package api

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"unicode/utf8"

	"github.com/cuecast/cuecast/edge/model"
)

// broadcastAlert raises an operator alert:
// POST /api/v1/websocket/broadcast/alert?level=warning&message=...&code=...[&group=...]
// The parameters are in the query, as in the seed; the body must be empty.
// The hub checks them (the same rules and errors as over WebSocket and MQTT).
func (a *API) broadcastAlert(w http.ResponseWriter, r *http.Request) *apiError {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return badRequest("api: query: %v", err)
	}
	fields := make(map[string]string, len(q))
	for k, v := range q {
		if len(v) > 1 {
			return badRequest("api: query parameter %q given %d times", k, len(v))
		}
		fields[k] = v[0]
	}
	if e := noBody(w, r); e != nil {
		return e
	}
	if a.deps.Alerts == nil {
		return unavailable("the hub (alerts)")
	}
	raised, err := a.deps.Alerts.RaiseAlertRequest(fields, "api", a.now())
	switch {
	case errors.Is(err, ErrBadRequest):
		return badRequest("%v", err)
	case err != nil:
		return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
	}
	a.log.Info("api: alert raised", "id", raised.ID, "level", raised.Level, "code", raised.Code, "group", raised.Group, "remote", r.RemoteAddr)
	resp := map[string]any{"alert": raised.Alert}
	if raised.Group != "" {
		resp["group"] = raised.Group
	}
	a.writeJSON(w, http.StatusOK, resp)
	return nil
}

// alerts lists alerts with their ack state, newest first.
// ?unacked=true keeps only those nobody acknowledged.
func (a *API) alerts(w http.ResponseWriter, r *http.Request) *apiError {
	q, e := params(r, "unacked")
	if e != nil {
		return e
	}
	onlyUnacked, e := boolParam(q, "unacked")
	if e != nil {
		return e
	}
	if a.deps.Alerts == nil {
		return unavailable("the hub (alerts)")
	}
	all := a.deps.Alerts.Alerts()
	out := make([]AlertState, 0, len(all))
	unacked := 0
	for _, s := range all {
		if !s.Acked {
			unacked++
		} else if onlyUnacked {
			continue
		}
		out = append(out, s)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.After(out[j].Time) })
	a.writeJSON(w, http.StatusOK, map[string]any{"alerts": out, "count": len(out), "unacked": unacked})
	return nil
}

type ackRequest struct {
	By string `json:"by"`
}

// ackAlert acknowledges an alert; the optional body {"by":"name"} records who.
func (a *API) ackAlert(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	id := r.PathValue("id")
	if e := checkID(id); e != nil {
		return e
	}
	req := ackRequest{By: "api"}
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
	if req.By == "" || len(req.By) > 64 || !utf8.ValidString(req.By) {
		return badRequest(`api: "by" must be 1-64 characters of UTF-8`)
	}
	if a.deps.Alerts == nil {
		return unavailable("the hub (alerts)")
	}
	if e := a.depError(a.deps.Alerts.Ack(id, req.By), id, "alert"); e != nil {
		return e
	}
	for _, s := range a.deps.Alerts.Alerts() {
		if s.ID == id {
			a.writeJSON(w, http.StatusOK, map[string]any{"alert": s})
			return nil
		}
	}
	// Acked but already aged out of the hub's list.
	a.writeJSON(w, http.StatusOK, map[string]any{"alert": AlertState{Alert: model.Alert{ID: id}, Acked: true, AckedBy: req.By}})
	return nil
}
