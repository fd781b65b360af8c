package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/cuecast/cuecast/edge/api"
)

func TestRouting(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		r      req
		status int
		code   string
		allow  []string
	}{
		{"unknown path", req{path: "/api/v1/nope"}, 404, api.CodeNotFound, nil},
		{"unknown connection sub-path", req{path: "/api/v1/websocket/connections/c1/zap"}, 404, api.CodeNotFound, nil},
		{"POST on a GET endpoint", req{method: "POST", path: "/api/v1/health", auth: true}, 405, api.CodeMethodNotAllowed, []string{"GET"}},
		{"DELETE on config", req{method: "DELETE", path: "/api/v1/config", auth: true}, 405, api.CodeMethodNotAllowed, []string{"GET", "PUT"}},
		{"GET on a command", req{path: "/api/v1/config/reset"}, 405, api.CodeMethodNotAllowed, []string{"POST"}},
		{"unknown query parameter", req{path: "/api/v1/health?verbose=1"}, 400, api.CodeBadRequest, nil},
		{"repeated query parameter", req{path: "/api/v1/alerts?unacked=true&unacked=false"}, 400, api.CodeBadRequest, nil},
		{"malformed query", req{path: "/api/v1/alerts?unacked=%zz"}, 400, api.CodeBadRequest, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eb := e.do(tc.r).wantErr(t, tc.status, tc.code)
			if tc.allow != nil && !slices.Equal(eb.Error.Allow, tc.allow) {
				t.Errorf("allow = %v, want %v", eb.Error.Allow, tc.allow)
			}
		})
	}
}

// TestUnwired: every endpoint answers 503 "unavailable" (not a panic, not a
// fake zero) when its dependency is not wired.
func TestUnwired(t *testing.T) {
	a := api.New(api.Deps{}, nil)
	mux := http.NewServeMux()
	a.Register(mux)
	e := &env{t: t, mux: mux}
	for _, r := range []req{
		{path: "/api/v1/health"}, {path: "/api/v1/health/ready"}, {path: "/api/v1/health/live"},
		{path: "/api/v1/websocket/health"}, {path: "/api/v1/websocket/metrics"},
		{path: "/api/v1/websocket/connections"}, {path: "/api/v1/websocket/connections/c1"},
		{path: "/api/v1/alerts"}, {path: "/api/v1/config"}, {path: "/api/v1/config/export"},
		{path: "/api/v1/vision/performance"},
	} {
		t.Run(r.path, func(t *testing.T) { e.do(r).wantErr(t, 503, api.CodeUnavailable) })
	}
	// Without a config manager there is no token: commands are refused.
	e.do(req{method: "POST", path: "/api/v1/websocket/broadcast/alert?message=x", auth: true}).wantErr(t, 403, api.CodeCommandsDisabled)
	// The schema needs nothing but the config package.
	if r := e.do(req{path: "/api/v1/config/schema"}); r.status != 200 {
		t.Errorf("schema status = %d, want 200", r.status)
	}
	// /metrics still serves the process and Go collectors.
	if r := e.do(req{path: "/metrics"}); r.status != 200 {
		t.Errorf("/metrics status = %d, want 200", r.status)
	}
}

func TestAuth(t *testing.T) {
	const path = "/api/v1/websocket/broadcast/alert?message=hello"
	for _, tc := range []struct {
		name       string
		configured string
		header     map[string]string
		status     int
		code       string
	}{
		{"bearer", testToken, map[string]string{"Authorization": "Bearer " + testToken}, 200, ""},
		{"bearer lower-case scheme", testToken, map[string]string{"Authorization": "bearer " + testToken}, 200, ""},
		{"x-cuecast-token", testToken, map[string]string{"X-Cuecast-Token": testToken}, 200, ""},
		{"no token sent", testToken, nil, 401, api.CodeUnauthorized},
		{"wrong token", testToken, map[string]string{"Authorization": "Bearer nope"}, 401, api.CodeUnauthorized},
		{"token prefix", testToken, map[string]string{"Authorization": "Bearer " + testToken[:5]}, 401, api.CodeUnauthorized},
		{"token with suffix", testToken, map[string]string{"X-Cuecast-Token": testToken + "x"}, 401, api.CodeUnauthorized},
		{"empty bearer", testToken, map[string]string{"Authorization": "Bearer "}, 401, api.CodeUnauthorized},
		{"basic scheme", testToken, map[string]string{"Authorization": "Basic " + testToken}, 401, api.CodeUnauthorized},
		{"none configured, none sent", "", nil, 403, api.CodeCommandsDisabled},
		{"none configured, empty sent", "", map[string]string{"X-Cuecast-Token": ""}, 403, api.CodeCommandsDisabled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.cfg.Current()
			c.HTTP.Token = tc.configured
			if err := e.cfg.Apply(t.Context(), mustTOML(t, c), false); err != nil {
				t.Fatal(err)
			}
			r := e.do(req{method: "POST", path: path, header: tc.header})
			if tc.status == 200 {
				r.wantJSON(t, 200, nil)
				if n := len(e.alerts.Alerts()); n != 1 {
					t.Errorf("alerts raised = %d, want 1", n)
				}
				return
			}
			eb := r.wantErr(t, tc.status, tc.code)
			if n := len(e.alerts.Alerts()); n != 0 {
				t.Errorf("alerts raised = %d, want 0 after a refused command", n)
			}
			if tc.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if tc.status == 403 && !contains(eb.Error.Message, "http.token") {
				t.Errorf("403 message %q does not say to set http.token", eb.Error.Message)
			}
		})
	}
}

// TestAuthFollowsReload: the token is read per request, so a reload that
// changes it applies to the next command.
func TestAuthFollowsReload(t *testing.T) {
	e := newEnv(t)
	c := e.cfg.Current()
	c.HTTP.Token = "new-token"
	if err := e.cfg.Apply(t.Context(), mustTOML(t, c), false); err != nil {
		t.Fatal(err)
	}
	e.do(req{method: "POST", path: "/api/v1/alerts/a1/ack", auth: true}).wantErr(t, 401, api.CodeUnauthorized)
	e.do(req{method: "POST", path: "/api/v1/alerts/a1/ack", header: map[string]string{"X-Cuecast-Token": "new-token"}}).wantErr(t, 404, api.CodeNotFound)
}
