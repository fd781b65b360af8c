package hub

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// One set of rules for a client's alert, from a REST query or from JSON
// (WebSocket, MQTT): the field probe found three (message limits of 500, 1000
// and 1024 bytes, three code charsets, unknown fields refused on one only).
func TestAlertRequestRulesSameFromFieldsAndJSON(t *testing.T) {
	long := strings.Repeat("x", MaxAlertMessage+1)
	for _, tc := range []struct {
		name   string
		fields map[string]string
		json   string
		want   string // substring of the error; "" = accepted
		norm   AlertRequest
	}{
		{"defaults", map[string]string{"message": " hi "}, `{"message":" hi "}`, "",
			AlertRequest{Level: "info", Code: "operator", Message: "hi"}},
		{"all fields, level in capitals", map[string]string{"level": "WARNING", "code": "venue.closing-2", "message": "closing", "group": "display"},
			`{"level":"WARNING","code":"venue.closing-2","message":"closing","group":"display"}`, "",
			AlertRequest{Level: "warning", Code: "venue.closing-2", Message: "closing", Group: "display"}},
		{"longest message", map[string]string{"message": long[1:]}, `{"message":"` + long[1:] + `"}`, "", AlertRequest{Level: "info", Code: "operator", Message: long[1:]}},
		{"no message", map[string]string{"level": "info"}, `{"level":"info"}`, "alert: message is required", AlertRequest{}},
		{"blank message", map[string]string{"message": "  "}, `{"message":"  "}`, "alert: message is required", AlertRequest{}},
		{"long message", map[string]string{"message": long}, `{"message":"` + long + `"}`, "alert: message is 1001 bytes; at most 1000", AlertRequest{}},
		{"bad UTF-8", map[string]string{"message": "a\xffb"}, "{\"message\":\"a\xffb\"}", "alert: message is not valid UTF-8", AlertRequest{}},
		{"control character", map[string]string{"message": "a\nb"}, `{"message":"a\nb"}`, "alert: message contains a control character", AlertRequest{}},
		{"bad level", map[string]string{"level": "loud", "message": "x"}, `{"level":"loud","message":"x"}`, `alert: level "loud": use info, warning, error or critical`, AlertRequest{}},
		{"bad code", map[string]string{"code": "has space", "message": "x"}, `{"code":"has space","message":"x"}`, `alert: code "has space": use 1-64 letters`, AlertRequest{}},
		{"long code", map[string]string{"code": strings.Repeat("c", 65), "message": "x"}, `{"code":"` + strings.Repeat("c", 65) + `","message":"x"}`, "alert: code", AlertRequest{}},
		{"unknown field", map[string]string{"priority": "1", "message": "x"}, `{"priority":"1","message":"x"}`, `alert: unknown field "priority" (known: level, code, message, group)`, AlertRequest{}},
		{"bad group", map[string]string{"group": "Display", "message": "x"}, `{"group":"Display","message":"x"}`, `alert: group "Display"`, AlertRequest{}},
		{"empty group", map[string]string{"group": "", "message": "x"}, `{"group":"","message":"x"}`, "alert: group is empty", AlertRequest{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fromFields, errF := AlertFromFields(tc.fields)
			fromJSON, errJ := DecodeAlert([]byte(tc.json))
			for how, got := range map[string]struct {
				r   AlertRequest
				err error
			}{"fields": {fromFields, errF}, "JSON": {fromJSON, errJ}} {
				if tc.want == "" {
					if got.err != nil || got.r != tc.norm {
						t.Errorf("%s: %+v, %v; want %+v", how, got.r, got.err, tc.norm)
					}
					continue
				}
				if got.err == nil || !strings.Contains(got.err.Error(), tc.want) || !errors.Is(got.err, ErrBadAlert) {
					t.Errorf("%s: error %v, want ErrBadAlert containing %q", how, got.err, tc.want)
				}
			}
			if tc.want != "" && errF != nil && errJ != nil && errF.Error() != errJ.Error() {
				t.Errorf("fields and JSON disagree: %q vs %q", errF, errJ)
			}
		})
	}
}

func TestDecodeAlertJSONShape(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{``, "want a JSON object"},
		{`["message"]`, "want a JSON object"},
		{`{"message":"x"} {}`, "data after the JSON object"},
		{`{"message":42}`, "message must be a string"},
		{`{"message":"x"`, "not a JSON object"},
		{`{"message":"` + strings.Repeat("x", maxAlertJSON) + `"}`, "bytes of JSON; at most"},
	} {
		if _, err := DecodeAlert([]byte(tc.json)); err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrBadAlert) {
			t.Errorf("DecodeAlert(%.40q) = %v, want %q", tc.json, err, tc.want)
		}
	}
	// The transport's envelope is skipped, not checked.
	if r, err := DecodeAlert([]byte(`{"id":7,"message":"x"}`), "id"); err != nil || r.Message != "x" {
		t.Errorf("DecodeAlert with envelope id = %+v, %v", r, err)
	}
	if _, err := DecodeAlert([]byte(`{"id":"r1","message":"x"}`)); err == nil {
		t.Error("DecodeAlert without envelope accepted an id")
	}
}

func TestRaiseRequestChecksAndRaisesNothingOnError(t *testing.T) {
	h := testHub(t)
	if _, err := h.RaiseRequest(AlertRequest{Message: "x", Code: "bad code"}, "test", time.Time{}); !errors.Is(err, ErrBadAlert) {
		t.Fatalf("RaiseRequest(bad code) = %v, want ErrBadAlert", err)
	}
	if n := len(h.Alerts()); n != 0 {
		t.Fatalf("%d alerts after a refused request", n)
	}
	p, err := h.RaiseRequest(AlertRequest{Message: " closing ", Level: "Error", Group: "display"}, "api", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := h.Alert(p.AlertID())
	want := model.Alert{ID: p.AlertID(), Level: "error", Code: "operator", Message: "closing", Source: "api", Time: st.Time}
	if st.Alert != want || st.Group != "display" || st.Time.IsZero() {
		t.Errorf("raised %+v (group %q), want %+v for display", st.Alert, st.Group, want)
	}
}
