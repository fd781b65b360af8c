package filter

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

var (
	eventSchema = SchemaOf(model.Event{})
	stateSchema = SchemaOf(model.State{})
	alertSchema = SchemaOf(model.Alert{}).Ordered("level", "info", "warning", "error", "critical")
)

func spec(t *testing.T, js string) Spec {
	t.Helper()
	var s Spec
	if err := json.Unmarshal([]byte(js), &s); err != nil {
		t.Fatalf("spec %s: %v", js, err)
	}
	return s
}

func mustCompile(t *testing.T, js string, schema *Schema) *Filter {
	t.Helper()
	f, err := Compile(spec(t, js), schema)
	if err != nil {
		t.Fatalf("Compile(%s) = %v", js, err)
	}
	return f
}

func doc(t *testing.T, v any) *Doc {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse(%s) = %v", b, err)
	}
	return d
}

func num(n int) *int { return &n }

func TestMatchOperators(t *testing.T) {
	pocketed := model.Event{Type: "ball_pocketed", Balls: []string{"3"}, Pocket: "side-top", Speed: 1.5}
	collision := model.Event{Type: "ball_collision", Balls: []string{"cue", "3"}}
	warn := model.Alert{Level: "warning", Code: "camera_lost"}
	info := model.Alert{Level: "info", Code: "camera_restored"}
	state := model.State{Phase: "shot", Balls: []model.Ball{
		{ID: "cue", Class: "cue", Pos: model.Vec2{X: 0.5, Y: 0.6}},
		{ID: "3", Class: "solid", Number: num(3), Pos: model.Vec2{X: 1.2, Y: 0.3}, Moving: true},
	}}
	tests := []struct {
		name   string
		schema *Schema
		spec   string
		data   any
		want   bool
	}{
		{"eq scalar shorthand hit", eventSchema, `{"where":{"type":"ball_pocketed"}}`, pocketed, true},
		{"eq scalar shorthand miss", eventSchema, `{"where":{"type":"ball_pocketed"}}`, collision, false},
		{"eq operator", eventSchema, `{"where":{"pocket":{"eq":"side-top"}}}`, pocketed, true},
		{"eq on missing field", eventSchema, `{"where":{"pocket":{"eq":"side-top"}}}`, collision, false},
		{"ne hit", eventSchema, `{"where":{"type":{"ne":"ball_collision"}}}`, pocketed, true},
		{"ne miss", eventSchema, `{"where":{"type":{"ne":"ball_collision"}}}`, collision, false},
		{"ne on missing field holds", eventSchema, `{"where":{"pocket":{"ne":"side-top"}}}`, collision, true},
		{"in hit", eventSchema, `{"where":{"type":{"in":["ball_pocketed","shot_ended"]}}}`, pocketed, true},
		{"in miss", eventSchema, `{"where":{"type":{"in":["ball_pocketed","shot_ended"]}}}`, collision, false},
		{"in through an array: any element", eventSchema, `{"where":{"balls":{"in":["cue"]}}}`, collision, true},
		{"ne through an array: no element", eventSchema, `{"where":{"balls":{"ne":"cue"}}}`, collision, false},
		{"lt hit", eventSchema, `{"where":{"speed":{"lt":2}}}`, pocketed, true},
		{"lt miss", eventSchema, `{"where":{"speed":{"lt":1.5}}}`, pocketed, false},
		{"le edge", eventSchema, `{"where":{"speed":{"le":1.5}}}`, pocketed, true},
		{"gt hit", eventSchema, `{"where":{"speed":{"gt":1}}}`, pocketed, true},
		{"gt miss", eventSchema, `{"where":{"speed":{"gt":1.5}}}`, pocketed, false},
		{"ge edge", eventSchema, `{"where":{"speed":{"ge":1.5}}}`, pocketed, true},
		{"range: two operators on one path", eventSchema, `{"where":{"speed":{"gt":1,"lt":2}}}`, pocketed, true},
		{"range miss", eventSchema, `{"where":{"speed":{"gt":1,"lt":1.2}}}`, pocketed, false},
		{"comparison on a missing number", eventSchema, `{"where":{"speed":{"ge":0}}}`, collision, false},
		{"ordered string ge hit", alertSchema, `{"where":{"level":{"ge":"warning"}}}`, warn, true},
		{"ordered string ge miss", alertSchema, `{"where":{"level":{"ge":"warning"}}}`, info, false},
		{"ordered string lt", alertSchema, `{"where":{"level":{"lt":"warning"}}}`, info, true},
		{"in levels", alertSchema, `{"where":{"level":{"in":["warning","error","critical"]}}}`, warn, true},
		{"nested array path", stateSchema, `{"where":{"balls.class":"solid"}}`, state, true},
		{"nested bool", stateSchema, `{"where":{"balls.moving":true}}`, state, true},
		{"nested number through array", stateSchema, `{"where":{"balls.pos.x":{"gt":1}}}`, state, true},
		{"null eq: a ball without number", stateSchema, `{"where":{"balls.number":null}}`, state, true},
		{"all conditions must hold", stateSchema, `{"where":{"phase":"shot","balls.class":"stripe"}}`, state, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := mustCompile(t, tc.spec, tc.schema)
			if got := f.Match(doc(t, tc.data)); got != tc.want {
				t.Errorf("Match(%s) = %v, want %v", tc.spec, got, tc.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, spec, path, msg string
		schema                *Schema
	}{
		{"unknown field", `{"fields":["balls.size"]}`, "balls.size", `unknown field "size"`, stateSchema},
		{"unknown top field", `{"exclude":["nope"]}`, "nope", `unknown field "nope" (data has:`, stateSchema},
		{"below a scalar", `{"fields":["phase.x"]}`, "phase.x", "phase is a string and has no field", stateSchema},
		{"empty segment", `{"fields":["balls..id"]}`, "balls..id", "empty segment", stateSchema},
		{"unknown where path", `{"where":{"kind":"x"}}`, "kind", `unknown field "kind"`, eventSchema},
		{"unknown operator", `{"where":{"type":{"like":"x"}}}`, "type", `unknown operator "like"`, eventSchema},
		{"no operator", `{"where":{"type":{}}}`, "type", "no operator", eventSchema},
		{"wrong kind for eq", `{"where":{"type":3}}`, "type", "type is a string; got a number", eventSchema},
		{"wrong kind in in", `{"where":{"type":{"in":["a",true]}}}`, "type", "got a boolean", eventSchema},
		{"in not a list", `{"where":{"type":{"in":"a"}}}`, "type", "want an array", eventSchema},
		{"in empty", `{"where":{"type":{"in":[]}}}`, "type", "want an array", eventSchema},
		{"order on unordered string", `{"where":{"type":{"gt":"a"}}}`, "type", "without an order", eventSchema},
		{"order on bool", `{"where":{"balls.moving":{"lt":true}}}`, "balls.moving", "without an order", stateSchema},
		{"ordered string not in order", `{"where":{"level":{"ge":"loud"}}}`, "level", `"loud" is not one of info, warning, error, critical`, alertSchema},
		{"ordered op with a number", `{"where":{"level":{"ge":2}}}`, "level", "level is a string; got a number", alertSchema},
		{"condition on an object", `{"where":{"pos":{"eq":1}}}`, "pos", "is an object", eventSchema},
		{"object operand", `{"where":{"type":{"eq":{"a":1}}}}`, "type", "want a string, a number", eventSchema},
		{"null with lt", `{"where":{"speed":{"lt":null}}}`, "speed", "null can only", eventSchema},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(spec(t, tc.spec), tc.schema)
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("Compile(%s) = %v, want an *Error", tc.spec, err)
			}
			if fe.Path != tc.path || !strings.Contains(fe.Msg, tc.msg) {
				t.Errorf("Compile(%s) = path %q msg %q, want path %q msg containing %q", tc.spec, fe.Path, fe.Msg, tc.path, tc.msg)
			}
		})
	}
}

func TestCompileLimits(t *testing.T) {
	many := make([]string, MaxPaths+1)
	for i := range many {
		many[i] = "phase"
	}
	if _, err := Compile(Spec{Fields: many}, stateSchema); err == nil {
		t.Errorf("Compile(%d paths) = nil error", len(many))
	}
	long := strings.Repeat("a", MaxPathBytes+1)
	if _, err := Compile(Spec{Fields: []string{long}}, stateSchema); err == nil {
		t.Errorf("Compile(long path) = nil error")
	}
	if f, err := Compile(Spec{}, stateSchema); f != nil || err != nil {
		t.Errorf("Compile(empty) = %v, %v; want nil, nil", f, err)
	}
	if _, err := Compile(Spec{Fields: []string{"x"}}, nil); err == nil {
		t.Errorf("Compile without schema = nil error")
	}
}

func TestKeyIsCanonical(t *testing.T) {
	a := mustCompile(t, `{"fields":["balls.pos","balls.id"],"where":{"phase":"shot","balls.class":{"in":["solid","cue"]}}}`, stateSchema)
	b := mustCompile(t, `{"where":{"balls.class":{"in":["cue","solid"]},"phase":{"eq":"shot"}},"fields":["balls.id","balls.pos","balls.id"]}`, stateSchema)
	if a.Key() != b.Key() {
		t.Errorf("equal filters have keys\n%q\n%q", a.Key(), b.Key())
	}
	c := mustCompile(t, `{"fields":["balls.id"]}`, stateSchema)
	if c.Key() == a.Key() {
		t.Errorf("different filters share key %q", c.Key())
	}
	// fields and exclude of the same path are different filters.
	d := mustCompile(t, `{"exclude":["balls.id"]}`, stateSchema)
	if c.Key() == d.Key() {
		t.Errorf("fields and exclude share key %q", c.Key())
	}
}

func TestProject(t *testing.T) {
	state := model.State{Seq: 7, Phase: "idle", Width: 1280, Balls: []model.Ball{
		{ID: "cue", Class: "cue", Pos: model.Vec2{X: 0.5, Y: 0.25}, Pixel: model.Pixel{X: 10, Y: 20}, Confidence: 0.9},
		{ID: "3", Class: "solid", Number: num(3), Pos: model.Vec2{X: 1.25, Y: 0.5}},
	}}
	tests := []struct{ spec, want string }{
		{`{"fields":["balls.id","balls.pos"]}`,
			`{"balls":[{"id":"cue","pos":{"x":0.5,"y":0.25}},{"id":"3","pos":{"x":1.25,"y":0.5}}]}`},
		{`{"fields":["balls.pos.x","phase"]}`,
			`{"balls":[{"pos":{"x":0.5}},{"pos":{"x":1.25}}],"phase":"idle"}`},
		{`{"fields":["seq","balls"],"exclude":["balls.pixel","balls.vel","balls.radius_px","balls.confidence","balls.moving","balls.number","balls.class"]}`,
			`{"seq":7,"balls":[{"id":"cue","pos":{"x":0.5,"y":0.25}},{"id":"3","pos":{"x":1.25,"y":0.5}}]}`},
		// A where-only filter leaves data as published.
		{`{"where":{"phase":"idle"}}`, ""},
	}
	for _, tc := range tests {
		f := mustCompile(t, tc.spec, stateSchema)
		d := doc(t, state)
		got := string(f.Project(d, nil))
		want := tc.want
		if want == "" {
			want = string(d.src)
		}
		if got != want {
			t.Errorf("Project(%s)\n got %s\nwant %s", tc.spec, got, want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("Project(%s) is not valid JSON: %s", tc.spec, got)
		}
	}
}

func TestProjectExcludeKeepsOrderAndBytes(t *testing.T) {
	src := `{"type":"ball_pocketed","time":"2026-12-06T10:00:00.5Z","balls":["3"],"pocket":"side-top","pos":{"x":1.250,"y":1e-3}}`
	d, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f := mustCompile(t, `{"exclude":["time"]}`, eventSchema)
	want := `{"type":"ball_pocketed","balls":["3"],"pocket":"side-top","pos":{"x":1.250,"y":1e-3}}`
	if got := string(f.Project(d, nil)); got != want {
		t.Errorf("Project = %s, want %s", got, want)
	}
}

func TestSchemaOfRecursiveAndEmbedded(t *testing.T) {
	// Event -> ShotSummary -> []Event is recursive; a path may go round it.
	if _, err := eventSchema.resolve("fields", "shot.events.shot.pocketed.3"); err != nil {
		t.Errorf("recursive path: %v", err)
	}
	type inner struct {
		A string `json:"a"`
	}
	type outer struct {
		inner
		When time.Time       `json:"when"`
		Raw  json.RawMessage `json:"raw"`
		Skip int             `json:"-"`
		N    int64           `json:"n,string"`
	}
	s := SchemaOf(outer{})
	for path, kind := range map[string]Kind{"a": KindString, "when": KindString, "raw": KindAny, "raw.any.thing": KindAny, "n": KindString} {
		got, err := s.resolve("fields", path)
		if err != nil || got.Kind != kind {
			t.Errorf("resolve(%s) = %v, %v; want kind %s", path, got, err, kind)
		}
	}
	if _, err := s.resolve("fields", "Skip"); err == nil {
		t.Errorf(`a json:"-" field resolves`)
	}
}

func TestParseRejectsBadJSON(t *testing.T) {
	for _, s := range []string{``, `{`, `{"a"}`, `{"a":1,}`, `[1 2]`, `"abc`, `tru`, `{"a":1} x`, strings.Repeat("[", maxDepth+2)} {
		if _, err := Parse([]byte(s)); err == nil {
			t.Errorf("Parse(%q) = nil error", s)
		}
	}
}

func TestEscapedKeysAndStrings(t *testing.T) {
	d, err := Parse([]byte(`{"ty\u0070e":"ball_\u0070ocketed","pocket":"side-top"}`))
	if err != nil {
		t.Fatal(err)
	}
	f := mustCompile(t, `{"where":{"type":"ball_pocketed"},"fields":["type"]}`, eventSchema)
	if !f.Match(d) {
		t.Errorf("escaped key and value do not match")
	}
	if got := string(f.Project(d, nil)); got != `{"ty\u0070e":"ball_\u0070ocketed"}` {
		t.Errorf("Project = %s", got)
	}
}
