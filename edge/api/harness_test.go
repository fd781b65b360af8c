package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/api/apitest"
	"github.com/cuecast/cuecast/edge/config"
)

const testToken = "s3cret-token"

var t0 = time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)

// env is an API over fresh fakes, served by a plain ServeMux as the daemon
// does.
type env struct {
	t      *testing.T
	api    *api.API
	mux    *http.ServeMux
	health *apitest.Health
	deliv  *apitest.Delivery
	conns  *apitest.Connections
	alerts *apitest.Alerts
	cfg    *apitest.Config
	hubst  *apitest.Streams
	vision *apitest.Vision
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := config.Default()
	c.HTTP.Token = testToken
	e := &env{
		t: t, health: &apitest.Health{}, deliv: &apitest.Delivery{}, conns: &apitest.Connections{},
		alerts: &apitest.Alerts{Now: func() time.Time { return t0 }}, cfg: apitest.NewConfig(c),
		hubst: &apitest.Streams{}, vision: &apitest.Vision{},
	}
	e.api = api.New(api.Deps{
		Health: e.health, Delivery: e.deliv, Connections: e.conns, Alerts: e.alerts,
		Config: e.cfg, Streams: e.hubst, Vision: e.vision,
		Now: func() time.Time { return t0.Add(time.Minute) },
	}, nil)
	e.mux = http.NewServeMux()
	e.api.Register(e.mux)
	return e
}

// req describes one request; auth adds the right token.
type req struct {
	method, path, body string
	header             map[string]string
	auth               bool
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(r req) resp {
	e.t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	hr := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	if r.body == "" {
		hr.ContentLength = 0
		hr.Body = http.NoBody
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	if r.auth {
		hr.Header.Set("Authorization", "Bearer "+testToken)
	}
	w := httptest.NewRecorder()
	e.mux.ServeHTTP(w, hr)
	b, _ := io.ReadAll(w.Result().Body)
	return resp{w.Code, w.Result().Header, b}
}

// errBody is the JSON error envelope.
type errBody struct {
	Error struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Problems []struct {
			File    string `json:"file"`
			Line    int    `json:"line"`
			Key     string `json:"key"`
			Message string `json:"message"`
		} `json:"problems"`
		Allow []string `json:"allow"`
	} `json:"error"`
}

// wantErr checks status, the JSON error envelope and its code.
func (r resp) wantErr(t *testing.T, status int, code string) errBody {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var eb errBody
	if err := json.Unmarshal(r.body, &eb); err != nil {
		t.Fatalf("error body %s: %v", r.body, err)
	}
	if eb.Error.Code != code || eb.Error.Message == "" {
		t.Fatalf("error = %+v, want code %q and a message", eb.Error, code)
	}
	return eb
}

// wantJSON checks status and decodes the body into v.
func (r resp) wantJSON(t *testing.T, status int, v any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("body %s: %v", r.body, err)
		}
	}
}
