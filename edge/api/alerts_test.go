package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/model"
)

func TestBroadcastAlert(t *testing.T) {
	const path = "/api/v1/websocket/broadcast/alert"
	for _, tc := range []struct {
		name  string
		query string
		body  string
		code  string // "" = accepted
		want  model.Alert
	}{
		{"all parameters", "level=warning&message=Table+2+closing&code=venue.closing", "", "",
			model.Alert{Level: "warning", Message: "Table 2 closing", Code: "venue.closing", Source: "api"}},
		{"level is case-insensitive (seed sent WARNING)", "level=CRITICAL&message=x", "", "",
			model.Alert{Level: "critical", Message: "x", Code: "operator", Source: "api"}},
		{"defaults", "message=" + url.QueryEscape("hello, table"), "", "",
			model.Alert{Level: "info", Message: "hello, table", Code: "operator", Source: "api"}},
		{"no message", "level=info", "", api.CodeBadRequest, model.Alert{}},
		{"blank message", "message=++", "", api.CodeBadRequest, model.Alert{}},
		{"bad level", "level=panic&message=x", "", api.CodeBadRequest, model.Alert{}},
		{"bad code", "message=x&code=has+space", "", api.CodeBadRequest, model.Alert{}},
		{"long message", "message=" + strings.Repeat("x", 1001), "", api.CodeBadRequest, model.Alert{}},
		{"invalid UTF-8", "message=%ff%fe", "", api.CodeBadRequest, model.Alert{}},
		{"unknown parameter", "message=x&priority=1", "", api.CodeBadRequest, model.Alert{}},
		{"body instead of query", "", `{"message":"x"}`, api.CodeBadRequest, model.Alert{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.do(req{method: "POST", path: path + "?" + tc.query, body: tc.body, auth: true})
			if tc.code != "" {
				r.wantErr(t, 400, tc.code)
				if n := len(e.alerts.Alerts()); n != 0 {
					t.Errorf("%d alerts raised by a rejected request", n)
				}
				return
			}
			var got struct{ Alert model.Alert }
			r.wantJSON(t, 200, &got)
			want := tc.want
			want.ID, want.Time = "a1", t0.Add(1*60e9)
			if got.Alert != want {
				t.Errorf("alert = %+v, want %+v", got.Alert, want)
			}
			if all := e.alerts.Alerts(); len(all) != 1 || all[0].Alert != want {
				t.Errorf("hub holds %+v, want one %+v", all, want)
			}
		})
	}
}

func TestAlertsAndAck(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{"first", "second", "third"} {
		e.do(req{method: "POST", path: "/api/v1/websocket/broadcast/alert?message=" + m, auth: true}).wantJSON(t, 200, nil)
	}
	type list struct {
		Alerts  []api.AlertState `json:"alerts"`
		Count   int              `json:"count"`
		Unacked int              `json:"unacked"`
	}
	var l list
	e.do(req{path: "/api/v1/alerts"}).wantJSON(t, 200, &l)
	if l.Count != 3 || l.Unacked != 3 {
		t.Fatalf("alerts = %+v, want 3 unacked", l)
	}

	// Ack a2 as "coach".
	var acked struct{ Alert api.AlertState }
	e.do(req{method: "POST", path: "/api/v1/alerts/a2/ack", body: `{"by":"coach"}`, auth: true}).wantJSON(t, 200, &acked)
	if !acked.Alert.Acked || acked.Alert.AckedBy != "coach" || acked.Alert.ID != "a2" || acked.Alert.Message != "second" {
		t.Errorf("ack answer = %+v", acked.Alert)
	}
	// Ack with no body records "api".
	e.do(req{method: "POST", path: "/api/v1/alerts/a3/ack", auth: true}).wantJSON(t, 200, &acked)
	if acked.Alert.AckedBy != "api" {
		t.Errorf("acked_by = %q, want api", acked.Alert.AckedBy)
	}

	for _, tc := range []struct {
		name   string
		r      req
		status int
		code   string
	}{
		{"unknown id", req{method: "POST", path: "/api/v1/alerts/a9/ack", auth: true}, 404, api.CodeNotFound},
		{"no token", req{method: "POST", path: "/api/v1/alerts/a1/ack"}, 401, api.CodeUnauthorized},
		{"unknown field", req{method: "POST", path: "/api/v1/alerts/a1/ack", body: `{"by":"x","note":"y"}`, auth: true}, 400, api.CodeBadRequest},
		{"empty by", req{method: "POST", path: "/api/v1/alerts/a1/ack", body: `{"by":""}`, auth: true}, 400, api.CodeBadRequest},
		{"malformed", req{method: "POST", path: "/api/v1/alerts/a1/ack", body: `{by}`, auth: true}, 400, api.CodeBadRequest},
		{"bad filter", req{path: "/api/v1/alerts?unacked=maybe"}, 400, api.CodeBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) { e.do(tc.r).wantErr(t, tc.status, tc.code) })
	}

	l = list{}
	e.do(req{path: "/api/v1/alerts"}).wantJSON(t, 200, &l)
	if l.Count != 3 || l.Unacked != 1 {
		t.Errorf("after acks: count %d unacked %d, want 3 and 1", l.Count, l.Unacked)
	}
	l = list{}
	e.do(req{path: "/api/v1/alerts?unacked=true"}).wantJSON(t, 200, &l)
	if l.Count != 1 || l.Alerts[0].ID != "a1" || l.Alerts[0].Acked {
		t.Errorf("unacked filter = %+v, want only a1", l)
	}
}

// TestBroadcastAlertGroup: ?group= raises the alert for one group; a bad
// group is refused with 400 and raises nothing.
func TestBroadcastAlertGroup(t *testing.T) {
	const path = "/api/v1/websocket/broadcast/alert?message=x&group="
	for _, bad := range []string{"", "Display", "has+space", strings.Repeat("g", 33), "a%2Fb"} {
		e := newEnv(t)
		e.do(req{method: "POST", path: path + bad, auth: true}).wantErr(t, 400, api.CodeBadRequest)
		if n := len(e.alerts.Alerts()); n != 0 {
			t.Errorf("group=%q: %d alerts raised by a rejected request", bad, n)
		}
	}
	e := newEnv(t)
	var got struct {
		Alert model.Alert
		Group string
	}
	e.do(req{method: "POST", path: path + "projector", auth: true}).wantJSON(t, 200, &got)
	if got.Group != "projector" || got.Alert.Message != "x" {
		t.Errorf("response %+v, want the alert and group projector", got)
	}
	if all := e.alerts.Alerts(); len(all) != 1 || all[0].Group != "projector" {
		t.Errorf("hub holds %+v, want one alert for group projector", all)
	}
}
