package api

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cuecast/cuecast/edge/model"
)

var alertCode = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// alertGroup is the hub's rule for group names (hub.ValidGroup); api does
// not import the hub, so it checks the query itself and answers 400.
var alertGroup = regexp.MustCompile(`^[a-z0-9_-]{1,32}$`)

const maxAlertMessage = 1000

// broadcastAlert raises an operator alert:
// POST /api/v1/websocket/broadcast/alert?level=warning&message=...&code=...[&group=...]
// The parameters are in the query, as in the seed; the body must be empty.
func (a *API) broadcastAlert(w http.ResponseWriter, r *http.Request) *apiError {
	q, e := params(r, "level", "message", "code", "group")
	if e != nil {
		return e
	}
	if e := noBody(w, r); e != nil {
		return e
	}
	al := model.Alert{Level: model.AlertInfo, Code: "operator", Source: "api", Time: a.now()}
	if v, ok := q["level"]; ok {
		switch l := strings.ToLower(v[0]); l {
		case model.AlertInfo, model.AlertWarning, model.AlertError, model.AlertCritical:
			al.Level = l
		default:
			return badRequest("api: level=%q: use info, warning, error or critical", v[0])
		}
	}
	al.Message = strings.TrimSpace(q.Get("message"))
	switch {
	case al.Message == "":
		return badRequest("api: message is required (?message=...)")
	case !utf8.ValidString(al.Message):
		return badRequest("api: message is not valid UTF-8")
	case len(al.Message) > maxAlertMessage:
		return badRequest("api: message is %d bytes; at most %d", len(al.Message), maxAlertMessage)
	}
	if v, ok := q["code"]; ok {
		if !alertCode.MatchString(v[0]) {
			return badRequest("api: code=%q: use 1-64 letters, digits, '_', '.' or '-'", v[0])
		}
		al.Code = v[0]
	}
	group := ""
	if v, ok := q["group"]; ok {
		if !alertGroup.MatchString(v[0]) {
			return badRequest("api: group=%q: use 1-32 of a-z, 0-9, '_' or '-'", v[0])
		}
		group = v[0]
	}
	if a.deps.Alerts == nil {
		return unavailable("the hub (alerts)")
	}
	raised, err := a.deps.Alerts.RaiseAlertGroup(al, group)
	if err != nil {
		return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
	}
	a.log.Info("api: alert raised", "id", raised.ID, "level", raised.Level, "code", raised.Code, "group", group, "remote", r.RemoteAddr)
	resp := map[string]any{"alert": raised}
	if group != "" {
		resp["group"] = group
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
