package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

func runPredictJSON(t *testing.T, input string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := predictMain(args, strings.NewReader(input), &out, &errb)
	return code, out.String(), errb.String()
}

func decodeOutput(t *testing.T, s string) predictOutput {
	t.Helper()
	var o predictOutput
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("output is not the documented JSON: %v\n%s", err, s)
	}
	return o
}

// The example of issue 5 / docs/physics.md: a centre-ball stun shot, head
// on, at 2 m/s.
func TestPredictCLIExample(t *testing.T) {
	in := `{"table": {"length": 2.54, "width": 1.27}, "balls": [{"id": "cue", "x": 0.5, "y": 0.6}, {"id": "1", "x": 1.2, "y": 0.6}],
	"shot": {"ball": "cue", "heading_deg": 0, "speed": 2.0, "tip": {"side": 0.0, "vertical": 0.0}, "elevation_deg": 0}}`
	code, out, errs := runPredictJSON(t, in)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	o := decodeOutput(t, out)
	var bb *predictEvent
	for i := range o.Events {
		if o.Events[i].Type == "ball_ball" {
			bb = &o.Events[i]
			break
		}
	}
	if bb == nil || len(bb.Balls) != 2 || bb.Balls[0] != "cue" || bb.Balls[1] != "1" {
		t.Fatalf("no cue-1 ball_ball event in %+v", o.Events)
	}
	if got := bb.Pos["1"]; got != [2]float64{1.2, 0.6} {
		t.Errorf("1 ball at impact = %v, want [1.2 0.6]", got)
	}
	// The cue ball rolls after 12v^2/(49 mu g) = 0.499 m (0.999 < 1.143 where it meets the 1 ball):
	// it arrives rolling at 5/7 * 2 m/s minus rolling resistance.
	if v := bb.VelAfter["1"][0]; v < 1.2 || v > 1.43 {
		t.Errorf("1 ball leaves at %v m/s, want about (1+e)/2 of a 1.4 m/s roll", v)
	}
	for i := 1; i < len(o.Events); i++ {
		if o.Events[i].T < o.Events[i-1].T {
			t.Errorf("events out of order at %d", i)
		}
	}
	if _, ok := o.Final["cue"]; !ok || len(o.Final)+len(o.Pocketed) != 2 {
		t.Errorf("final %v pocketed %v, want both balls accounted for", o.Final, o.Pocketed)
	}
}

// Balls may start with velocity and spin and no shot: exactly stunned here,
// so the head-on impact stops the cue ball (stop shot).
func TestPredictCLIInitialVelocity(t *testing.T) {
	in := `{"balls": [{"id": "cue", "x": 1.0, "y": 0.6, "v": [1.5, 0], "w": [0, 0, 0]}, {"id": "8", "x": 1.06, "y": 0.6}]}`
	code, out, errs := runPredictJSON(t, in)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	o := decodeOutput(t, out)
	if d := o.Final["cue"][0] - 1.06 + 2*model.BallRadius; d > 0.01 {
		t.Errorf("stunned cue ball rolled %v m past the impact, want a stop shot; final %v", d, o.Final)
	}
}

// A ball sent rolling into corner-top-right is reported pocketed there and
// not in final.
func TestPredictCLIPocket(t *testing.T) {
	v := 2.0
	c := v / math.Sqrt2
	in := `{"table": {"length": 2.54, "width": 1.27}, "balls": [{"id": "5", "x": 2.1, "y": 0.83, "v": [` +
		ftoa(c) + `,` + ftoa(c) + `], "w": [` + ftoa(-c/model.BallRadius) + `,` + ftoa(c/model.BallRadius) + `, 0]}]}`
	code, out, errs := runPredictJSON(t, in, "-indent")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	o := decodeOutput(t, out)
	if o.Pocketed["5"] != model.PocketTopRight {
		t.Errorf("pocketed = %v, want 5 in %s", o.Pocketed, model.PocketTopRight)
	}
	if _, ok := o.Final["5"]; ok {
		t.Errorf("pocketed ball also in final: %v", o.Final)
	}
	last := o.Events[len(o.Events)-1]
	if last.Type != "ball_pocket" || last.Pocket != model.PocketTopRight {
		t.Errorf("last event = %+v, want ball_pocket in %s", last, model.PocketTopRight)
	}
}

func ftoa(f float64) string { b, _ := json.Marshal(f); return string(b) }

// Bad input: a clear message on stderr, exit 2, nothing on stdout.
func TestPredictCLIBadInput(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"not json", `{"balls": [`, "not the expected JSON"},
		{"unknown field", `{"balls": [{"id": "cue", "x": 0.5, "y": 0.6, "spin": 3}]}`, "unknown field"},
		{"unknown top-level field", `{"balls": [{"id": "cue", "x": 0.5, "y": 0.6}], "speed": 2}`, "unknown field"},
		{"NaN", `{"balls": [{"id": "cue", "x": NaN, "y": 0.6}]}`, "not the expected JSON"},
		{"huge number", `{"balls": [{"id": "cue", "x": 1e999, "y": 0.6}]}`, "not the expected JSON"},
		{"overlap", `{"balls": [{"id": "cue", "x": 0.5, "y": 0.6}, {"id": "1", "x": 0.53, "y": 0.6}]}`, "overlaps"},
		{"off the table", `{"balls": [{"id": "cue", "x": 2.6, "y": 0.6}]}`, "off the playing surface"},
		{"inside the cushion", `{"balls": [{"id": "cue", "x": 0.01, "y": 0.6}]}`, "off the playing surface"},
		{"bad id", `{"balls": [{"id": "16", "x": 0.5, "y": 0.6}]}`, "is not \"cue\""},
		{"padded id", `{"balls": [{"id": "01", "x": 0.5, "y": 0.6}]}`, "is not \"cue\""},
		{"empty id", `{"balls": [{"id": "", "x": 0.5, "y": 0.6}]}`, "is not \"cue\""},
		{"duplicate id", `{"balls": [{"id": "3", "x": 0.5, "y": 0.6}, {"id": "3", "x": 1.5, "y": 0.6}]}`, "placed twice"},
		{"missing y", `{"balls": [{"id": "cue", "x": 0.5}]}`, "x and y are required"},
		{"short w", `{"balls": [{"id": "cue", "x": 0.5, "y": 0.6, "w": [1, 2]}]}`, "w has 2 components"},
		{"no balls", `{"balls": []}`, "no balls"},
		{"shot on a missing ball", `{"balls": [{"id": "cue", "x": 0.5, "y": 0.6}], "shot": {"ball": "9", "heading_deg": 0, "speed": 1}}`, "no ball \"9\""},
		{"shot without speed", `{"balls": [{"id": "cue", "x": 0.5, "y": 0.6}], "shot": {"heading_deg": 0}}`, "required"},
		{"miscue", `{"balls": [{"id": "cue", "x": 0.5, "y": 0.6}], "shot": {"heading_deg": 0, "speed": 2, "tip": {"side": 0.9, "vertical": 0}}}`, "miscue"},
		{"table too small", `{"table": {"length": 0.2, "width": 0.1}, "balls": [{"id": "cue", "x": 0.1, "y": 0.05}]}`, "length must be"},
		// Field probe: 1e308 degrees printed NaN and exited 1.
		{"heading 1e308", `{"balls": [{"id": "cue", "x": 0.6, "y": 0.6}], "shot": {"heading_deg": 1e308, "speed": 2}}`, "heading_deg 1e+308: want a direction in degrees from -360 to 360"},
		{"heading -361", `{"balls": [{"id": "cue", "x": 0.6, "y": 0.6}], "shot": {"heading_deg": -361, "speed": 2}}`, "want a direction"},
		{"two documents", `{"balls": [{"id": "cue", "x": 0.5, "y": 0.6}]} {}`, "more than one"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runPredictJSON(t, tc.in)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, errs)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			if !strings.Contains(errs, tc.want) || !strings.HasPrefix(errs, "cuecast predict: ") {
				t.Errorf("stderr = %q, want a message containing %q", errs, tc.want)
			}
			if strings.Contains(errs, "NaN") {
				t.Errorf("stderr = %q mentions NaN", errs)
			}
		})
	}
	if code, _, _ := runPredictJSON(t, `{}`, "extra-arg"); code != 2 {
		t.Errorf("stray argument: exit %d, want 2", code)
	}
}

// -config takes the table and parameters from the [physics] section: on a
// 7 ft table (1.98 m) a ball at x = 2.3 is off the table.
func TestPredictCLIConfig(t *testing.T) {
	path := t.TempDir() + "/cuecast.toml"
	if err := os.WriteFile(path, []byte("[physics]\ntable = \"7ft\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := `{"balls": [{"id": "cue", "x": 2.3, "y": 0.5}]}`
	if code, _, _ := runPredictJSON(t, in); code != 0 {
		t.Fatalf("9 ft default: exit %d, want 0", code)
	}
	code, out, errs := runPredictJSON(t, in, "-config", path)
	if code != 2 || out != "" || !strings.Contains(errs, "off the playing surface") {
		t.Errorf("7 ft config: exit %d, stdout %q, stderr %q; want 2 and an off-table error", code, out, errs)
	}
	if err := os.WriteFile(path, []byte("[physics]\nslide_friction = -1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runPredictJSON(t, in, "-config", path); code != 2 || !strings.Contains(errs, "physics.slide_friction") {
		t.Errorf("bad config: exit %d, stderr %q; want 2 naming the key", code, errs)
	}
}
