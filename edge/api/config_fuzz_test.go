package api_test

import (
	"bytes"
	"net/http"
	"reflect"
	"testing"

	"github.com/cuecast/cuecast/edge/config"
)

// FuzzPutConfig: whatever the body, PUT /api/v1/config answers 200 and
// applies exactly what config.Parse makes of the written document, or answers
// 4xx and changes nothing. Never a 500, never a panic.
//
//	go test ./edge/api -run '^$' -fuzz FuzzPutConfig -fuzztime 60s
func FuzzPutConfig(f *testing.F) {
	for _, seed := range []struct{ ctype, body string }{
		{"application/toml", "[video]\nquality = 55\n"},
		{"application/toml", "[video]\nquality = 5\n"},
		{"application/toml", "[websocket]\nping_interval = 15\n"},
		{"application/toml", "[http]\ntoken = \"REDACTED\"\n"},
		{"application/toml", "[video\n"},
		{"application/json", `{"video":{"quality":60,"max_fps":20}}`},
		{"application/json", `{"http":{"token":"REDACTED"},"mqtt":{"password":"REDACTED","username":"u"}}`},
		{"application/json", `{"video":{"quality":null}}`},
		{"application/json", `{"hw":{"led":{"pockets":{"corner-bottom-left":[0,9]},"count":20,"driver":"apa102"}}}`},
		{"", `{"a":[1,{"b":2}]}`},
		{"", "  "},
	} {
		f.Add(seed.ctype, seed.body)
	}
	f.Fuzz(func(t *testing.T, ctype, body string) {
		e := newEnv(t)
		withSecrets(t, e)
		before := e.cfg.Current()
		nWritten := len(e.cfg.Written())
		h := map[string]string{}
		if ctype != "" {
			h["Content-Type"] = ctype
		}
		r := e.do(req{method: "PUT", path: "/api/v1/config", body: body, header: h, auth: true})
		switch {
		case r.status == http.StatusOK:
			w := e.cfg.Written()
			if len(w) != nWritten+1 {
				t.Fatalf("200 but %d documents written", len(w)-nWritten)
			}
			want, err := config.Parse("x", w[len(w)-1])
			if err != nil {
				t.Fatalf("200 but the written document does not parse: %v", err)
			}
			if !reflect.DeepEqual(e.cfg.Current(), want) {
				t.Fatal("running config is not the written document")
			}
			if bytes.Contains(w[len(w)-1], []byte(`"REDACTED"`)) || bytes.Contains(w[len(w)-1], []byte(`'REDACTED'`)) {
				t.Fatalf("the redaction marker was written to the file:\n%s", w[len(w)-1])
			}
		case r.status >= 400 && r.status < 500:
			if !reflect.DeepEqual(e.cfg.Current(), before) || len(e.cfg.Written()) != nWritten {
				t.Fatalf("%d but the config changed", r.status)
			}
		default:
			t.Fatalf("status %d: %s", r.status, r.body)
		}
	})
}
