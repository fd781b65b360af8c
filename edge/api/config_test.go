package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/config"
)

// withSecrets gives the running config an MQTT password too.
func withSecrets(t *testing.T, e *env) config.Config {
	t.Helper()
	c := e.cfg.Current()
	c.MQTT.Username = "box"
	c.MQTT.Password = "mqtt-pass"
	if err := e.cfg.Apply(t.Context(), mustTOML(t, c), false); err != nil {
		t.Fatal(err)
	}
	return e.cfg.Current()
}

func TestGetConfigRedacts(t *testing.T) {
	e := newEnv(t)
	withSecrets(t, e)
	r := e.do(req{path: "/api/v1/config"})
	var got map[string]map[string]any
	r.wantJSON(t, 200, &got)
	if got["http"]["token"] != api.Redacted || got["mqtt"]["password"] != api.Redacted {
		t.Errorf("secrets shown as %v and %v, want %q", got["http"]["token"], got["mqtt"]["password"], api.Redacted)
	}
	if bytes.Contains(r.body, []byte(testToken)) || bytes.Contains(r.body, []byte("mqtt-pass")) {
		t.Fatalf("a secret leaked: %s", r.body)
	}
	// An unset secret is shown as unset.
	hw := got["hw"]["projector"].(map[string]any)
	if hw["password"] != "" {
		t.Errorf("unset hw.projector.password shown as %v, want \"\"", hw["password"])
	}
	// Keys are the TOML file's, durations are strings.
	if got["websocket"]["connections_per_ip_per_minute"] != 10.0 || got["websocket"]["ping_interval"] != "15s" {
		t.Errorf("websocket = %v", got["websocket"])
	}
}

func TestPutConfig(t *testing.T) {
	const good = "[video]\nquality = 55\n\n[http]\ntoken = \"" + testToken + "\"\n"
	for _, tc := range []struct {
		name     string
		query    string
		ctype    string
		body     string
		status   int
		code     string
		problems []string // "key@line: substring"
		applied  bool
		quality  int // running video.quality afterwards
	}{
		{"TOML validate only", "?validate_only=true", "application/toml", good, 200, "", nil, false, 75},
		{"TOML apply", "", "application/toml", good, 200, "", nil, true, 55},
		{"TOML sniffed", "", "", good, 200, "", nil, true, 55},
		{"TOML apply, explicit false", "?validate_only=false", "text/plain; charset=utf-8", good, 200, "", nil, true, 55},
		{"out of range", "", "application/toml", "[video]\nquality = 5\n", 400, api.CodeInvalidConfig, []string{"video.quality@2: out of range"}, false, 75},
		{"out of range, validate only", "?validate_only=1", "application/toml", "\n[video]\nquality = 500\n", 400, api.CodeInvalidConfig, []string{"video.quality@3: out of range"}, false, 75},
		{"unknown key", "", "application/toml", "[video]\nqualty = 50\n", 400, api.CodeInvalidConfig, []string{"video.qualty@2: unknown key"}, false, 75},
		{"two problems", "", "application/toml", "[video]\nquality = 5\nmax_fps = 0\n", 400, api.CodeInvalidConfig, []string{"video.max_fps@3: out of range", "video.quality@2: out of range"}, false, 75},
		{"syntax error", "", "application/toml", "[video\nquality = 50\n", 400, api.CodeInvalidConfig, []string{"@1: "}, false, 75},
		{"wrong type", "", "application/toml", "[video]\nquality = \"high\"\n", 400, api.CodeInvalidConfig, []string{"video.quality@2: "}, false, 75},
		{"JSON apply", "", "application/json", `{"video":{"quality":60},"http":{"token":"` + testToken + `"}}`, 200, "", nil, true, 60},
		{"JSON integer for a float key", "", "application/json", `{"video":{"quality":62,"max_fps":20},"http":{"token":"` + testToken + `"}}`, 200, "", nil, true, 62},
		{"JSON number for a duration", "", "application/json", `{"websocket":{"ping_interval":15}}`, 400, api.CodeInvalidConfig, []string{"websocket.ping_interval@0: not a duration"}, false, 75},
		{"TOML number for a duration", "", "application/toml", "[websocket]\nping_interval = 15\n", 400, api.CodeInvalidConfig, []string{"websocket.ping_interval@2: not a duration"}, false, 75},
		{"JSON sniffed", "", "", ` {"video":{"quality":61},"http":{"token":"` + testToken + `"}}`, 200, "", nil, true, 61},
		{"JSON out of range", "", "application/json", `{"video":{"quality":5}}`, 400, api.CodeInvalidConfig, []string{"video.quality@0: out of range"}, false, 75},
		{"JSON unknown key", "", "application/json", `{"video":{"qualty":50}}`, 400, api.CodeInvalidConfig, []string{"video.qualty@0: unknown key"}, false, 75},
		{"JSON null", "", "application/json", `{"video":{"quality":null}}`, 400, api.CodeBadRequest, nil, false, 75},
		{"JSON array", "", "application/json", `[1]`, 400, api.CodeBadRequest, nil, false, 75},
		{"JSON trailing", "", "application/json", `{} {}`, 400, api.CodeBadRequest, nil, false, 75},
		{"JSON malformed", "", "application/json", `{"video":`, 400, api.CodeBadRequest, nil, false, 75},
		{"empty body", "", "application/toml", "  \n", 400, api.CodeBadRequest, nil, false, 75},
		{"bad validate_only", "?validate_only=maybe", "application/toml", good, 400, api.CodeBadRequest, nil, false, 75},
		{"misspelt parameter", "?validateonly=true", "application/toml", good, 400, api.CodeBadRequest, nil, false, 75},
		{"unsupported type", "", "application/yaml", "video:\n  quality: 50\n", 415, api.CodeUnsupportedType, nil, false, 75},
		{"too large", "", "application/toml", "# " + strings.Repeat("x", 1<<20) + "\n", 413, api.CodeTooLarge, nil, false, 75},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			before := e.cfg.Current()
			h := map[string]string{}
			if tc.ctype != "" {
				h["Content-Type"] = tc.ctype
			}
			r := e.do(req{method: "PUT", path: "/api/v1/config" + tc.query, body: tc.body, header: h, auth: true})
			if tc.code != "" {
				eb := r.wantErr(t, tc.status, tc.code)
				var got []string
				for _, p := range eb.Error.Problems {
					got = append(got, p.Key+"@"+itoa(p.Line)+": "+p.Message)
				}
				if len(got) != len(tc.problems) {
					t.Fatalf("problems = %q, want %q", got, tc.problems)
				}
				for i, want := range tc.problems {
					if !strings.HasPrefix(got[i], want[:strings.Index(want, ": ")+2]) || !strings.Contains(got[i], want[strings.Index(want, ": ")+2:]) {
						t.Errorf("problem %d = %q, want %q", i, got[i], want)
					}
				}
			} else {
				var body struct {
					Valid, Applied bool
					Config         map[string]map[string]any
				}
				r.wantJSON(t, tc.status, &body)
				if !body.Valid || body.Applied != tc.applied {
					t.Errorf("valid, applied = %v, %v; want true, %v", body.Valid, body.Applied, tc.applied)
				}
				if body.Config["http"]["token"] != api.Redacted {
					t.Errorf("answer shows token %v, want %q", body.Config["http"]["token"], api.Redacted)
				}
			}
			if n := len(e.cfg.Written()); n != b2i(tc.applied) {
				t.Errorf("documents written = %d, want %d", n, b2i(tc.applied))
			}
			after := e.cfg.Current()
			if after.Video.Quality != tc.quality {
				t.Errorf("running video.quality = %d, want %d", after.Video.Quality, tc.quality)
			}
			if !tc.applied && !reflect.DeepEqual(after, before) {
				t.Errorf("config changed by a request that was not applied")
			}
		})
	}
}

// TestConfigRoundTrip: GET, edit, PUT keeps the secrets the client never
// saw; so does an exported file put back.
func TestConfigRoundTrip(t *testing.T) {
	e := newEnv(t)
	withSecrets(t, e)

	var view map[string]map[string]any
	e.do(req{path: "/api/v1/config"}).wantJSON(t, 200, &view)
	view["video"]["quality"] = 42
	b, _ := json.Marshal(view)
	e.do(req{method: "PUT", path: "/api/v1/config", body: string(b), header: map[string]string{"Content-Type": "application/json"}, auth: true}).wantJSON(t, 200, nil)
	c := e.cfg.Current()
	if c.Video.Quality != 42 || c.HTTP.Token != testToken || c.MQTT.Password != "mqtt-pass" {
		t.Fatalf("after JSON round trip: quality %d token %q password %q; want 42, the old token and password", c.Video.Quality, c.HTTP.Token, c.MQTT.Password)
	}
	w := e.cfg.Written()
	if last := w[len(w)-1]; !bytes.Contains(last, []byte(testToken)) || bytes.Contains(last, []byte(api.Redacted)) {
		t.Errorf("written file must hold the real secrets, not the marker:\n%s", last)
	}

	r := e.do(req{path: "/api/v1/config/export"})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "application/toml") ||
		!strings.Contains(r.header.Get("Content-Disposition"), `filename="cuecast.toml"`) {
		t.Fatalf("export: %d %v", r.status, r.header)
	}
	if bytes.Contains(r.body, []byte(testToken)) || bytes.Contains(r.body, []byte("mqtt-pass")) {
		t.Fatalf("export leaked a secret:\n%s", r.body)
	}
	exported, err := config.Parse("export", r.body)
	if err != nil {
		t.Fatalf("exported file does not parse: %v\n%s", err, r.body)
	}
	if exported.Video.Quality != 42 || exported.HTTP.Token != api.Redacted {
		t.Errorf("export: quality %d token %q", exported.Video.Quality, exported.HTTP.Token)
	}
	edited := bytes.Replace(r.body, []byte("quality = 42"), []byte("quality = 43"), 1)
	e.do(req{method: "PUT", path: "/api/v1/config", body: string(edited), header: map[string]string{"Content-Type": "application/toml"}, auth: true}).wantJSON(t, 200, nil)
	c = e.cfg.Current()
	if c.Video.Quality != 43 || c.HTTP.Token != testToken || c.MQTT.Password != "mqtt-pass" {
		t.Errorf("after export round trip: quality %d token %q password %q", c.Video.Quality, c.HTTP.Token, c.MQTT.Password)
	}
}

func TestPutConfigManagerFails(t *testing.T) {
	e := newEnv(t)
	before := e.cfg.Current()
	e.cfg.Err = errors.New("config: write /etc/cuecast/cuecast.toml: read-only file system")
	r := e.do(req{method: "PUT", path: "/api/v1/config", body: "[video]\nquality = 50\n", auth: true})
	eb := r.wantErr(t, http.StatusInternalServerError, api.CodeInternal)
	if !strings.Contains(eb.Error.Message, "read-only file system") {
		t.Errorf("message %q does not carry the manager's error", eb.Error.Message)
	}
	if !reflect.DeepEqual(e.cfg.Current(), before) || len(e.cfg.Written()) != 0 {
		t.Error("a failed apply changed the config")
	}
}

func TestResetConfig(t *testing.T) {
	e := newEnv(t)
	e.do(req{method: "POST", path: "/api/v1/config/reset", body: `{"really":true}`, auth: true}).wantErr(t, 400, api.CodeBadRequest)
	e.do(req{method: "POST", path: "/api/v1/config/reset"}).wantErr(t, 401, api.CodeUnauthorized)
	if e.cfg.Current().HTTP.Token != testToken {
		t.Fatal("a rejected reset changed the config")
	}
	var body struct {
		Applied bool
		Config  map[string]map[string]any
	}
	e.do(req{method: "POST", path: "/api/v1/config/reset", auth: true}).wantJSON(t, 200, &body)
	if !body.Applied || !reflect.DeepEqual(e.cfg.Current(), config.Default()) {
		t.Errorf("after reset: applied %v, config %+v", body.Applied, e.cfg.Current())
	}
	if body.Config["http"]["token"] != "" {
		t.Errorf("reset answer shows token %v, want \"\" (defaults have none)", body.Config["http"]["token"])
	}
	// The defaults have no token: commands are now refused.
	e.do(req{method: "POST", path: "/api/v1/config/reset", auth: true}).wantErr(t, 403, api.CodeCommandsDisabled)
}

func TestConfigSchema(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{path: "/api/v1/config/schema"})
	if r.status != 200 || r.header.Get("Content-Type") != "application/schema+json" {
		t.Fatalf("schema: %d %s", r.status, r.header.Get("Content-Type"))
	}
	var s map[string]any
	if err := json.Unmarshal(r.body, &s); err != nil {
		t.Fatal(err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", s["$schema"])
	}
	prop := func(path string) map[string]any {
		t.Helper()
		cur := s
		for _, k := range strings.Split(path, ".") {
			next, ok := cur["properties"].(map[string]any)[k].(map[string]any)
			if !ok {
				t.Fatalf("schema has no %s", path)
			}
			cur = next
		}
		return cur
	}
	for _, tc := range []struct {
		key      string
		typ      string
		def      any
		min, max any // nil: must be absent
	}{
		{"video.quality", "integer", 75.0, 10.0, 100.0},
		{"video.max_fps", "number", 15.0, 0.1, 120.0},
		{"hub.history_count", "integer", 1000.0, 1.0, 1e6},
		{"websocket.max_message_bytes", "integer", 65536.0, 512.0, float64(16 << 20)},
		{"source.seed", "integer", 0.0, nil, nil},              // any value
		{"vision.detect_width", "integer", 0.0, nil, nil},      // 0 or 160..3840: not one interval
		{"websocket.ping_interval", "string", "15s", nil, nil}, // durations carry no numeric range
		{"http.token", "string", "", nil, nil},
		{"http.allowed_origins", "array", []any{}, nil, nil},
	} {
		p := prop(tc.key)
		if p["type"] != tc.typ || !reflect.DeepEqual(p["default"], tc.def) || !reflect.DeepEqual(p["minimum"], tc.min) || !reflect.DeepEqual(p["maximum"], tc.max) {
			t.Errorf("%s = type %v default %v [%v, %v]; want %v %v [%v, %v]", tc.key, p["type"], p["default"], p["minimum"], p["maximum"], tc.typ, tc.def, tc.min, tc.max)
		}
	}
	if d, _ := prop("hub.history_count")["description"].(string); !strings.Contains(d, "kept for resume") {
		t.Errorf("hub.history_count description = %q, want the doc comment", d)
	}
	if d, _ := prop("http.token")["description"].(string); !strings.Contains(d, "authorises commands") || !strings.Contains(d, api.Redacted) {
		t.Errorf("http.token description = %q, want the doc comment and the redaction note", d)
	}
	if prop("http.token")["writeOnly"] != true || prop("mqtt.password")["writeOnly"] != true {
		t.Error("secrets are not writeOnly")
	}
	if prop("websocket.ping_interval")["$comment"] != "must be positive" {
		t.Errorf("ping_interval $comment = %v", prop("websocket.ping_interval")["$comment"])
	}

	// Every key of the default file is in the schema with its default, and
	// every object is closed (unknown keys are errors in the daemon too).
	var doc map[string]any
	if err := toml.Unmarshal(mustTOML(t, config.Default()), &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(schema map[string]any, v map[string]any, path string)
	walk = func(schema map[string]any, v map[string]any, path string) {
		if schema["additionalProperties"] != false {
			t.Errorf("%s: additionalProperties = %v, want false", path, schema["additionalProperties"])
		}
		props := schema["properties"].(map[string]any)
		for k, ps := range props {
			// go-toml leaves nil maps out of the file; nothing else may be
			// in the schema and not in the defaults.
			if _, ok := v[k]; !ok && !reflect.DeepEqual(ps.(map[string]any)["default"], map[string]any{}) {
				t.Errorf("%s.%s is in the schema but not in the default file", path, k)
			}
		}
		for k, val := range v {
			ps, ok := props[k].(map[string]any)
			if !ok {
				t.Errorf("%s.%s missing from the schema", path, k)
				continue
			}
			if sub, isObj := val.(map[string]any); isObj && ps["properties"] != nil {
				walk(ps, sub, path+"."+k)
				continue
			}
			want, _ := json.Marshal(val)
			got, _ := json.Marshal(ps["default"])
			if string(got) != string(want) && !(string(want) == "[]" && string(got) == "[]") {
				t.Errorf("%s.%s default = %s, want %s", path, k, got, want)
			}
		}
	}
	walk(s, doc, "")
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
