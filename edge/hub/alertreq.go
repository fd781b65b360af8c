package hub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cuecast/cuecast/edge/model"
)

// Alerts that clients raise (REST ?level=&message=, the WebSocket
// broadcast_alert command, the MQTT cmd/alert command) are checked here,
// once, by the same rules: the same bad alert gets the same error whichever
// way it came. Each transport only frames the error (HTTP 400, bad_argument,
// an MQTT reply with ok false).

// ErrBadAlert is wrapped by every refusal of a client's alert: nothing was
// raised.
var ErrBadAlert = errors.New("bad alert")

// Limits of a client's alert.
const (
	MaxAlertMessage = 1000 // bytes of UTF-8, after trimming surrounding space
	MaxAlertCode    = 64
	// maxAlertJSON bounds an encoded request: a message of MaxAlertMessage
	// bytes, every one escaped as \u00XX, and the other fields fit.
	maxAlertJSON = 8 * 1024
)

// alertFields are the names a client's alert may have, in this order in
// messages.
var alertFields = []string{"level", "code", "message", "group"}

// AlertRequest is an alert as a client asks for it. Use AlertFromFields or
// DecodeAlert to build one from client input: they apply the rules.
type AlertRequest struct {
	Level   string // info (default), warning, error, critical; any case
	Code    string // default "operator"; 1-64 of A-Z a-z 0-9 _ . -
	Message string // required; surrounding space trimmed; at most 1000 bytes of UTF-8, no control characters
	Group   string // "" (absent): every client; else a group name (ValidGroup)
}

// alertError is a refused client alert: its text is what every transport
// shows, and it matches ErrBadAlert.
type alertError struct{ msg string }

func (e *alertError) Error() string        { return "alert: " + e.msg }
func (e *alertError) Is(target error) bool { return target == ErrBadAlert }

func badAlert(format string, args ...any) error {
	return &alertError{fmt.Sprintf(format, args...)}
}

// AlertFromFields builds and checks a request from named values (a REST
// query's parameters). A name not in alertFields is an error.
func AlertFromFields(fields map[string]string) (AlertRequest, error) {
	var unknown []string
	for k := range fields {
		if !slices.Contains(alertFields, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return AlertRequest{}, badAlert("unknown field %q (known: %s)", truncate(unknown[0], 64), strings.Join(alertFields, ", "))
	}
	r := AlertRequest{Level: fields["level"], Code: fields["code"], Message: fields["message"], Group: fields["group"]}
	if g, ok := fields["group"]; ok && g == "" {
		return AlertRequest{}, badAlert("group is empty: leave it out to alert every client")
	}
	return r.Check()
}

// DecodeAlert builds and checks a request from one JSON object whose members
// are level, code, message and group, each a string (the WebSocket command's args, the MQTT
// command's payload). envelope names members the transport itself reads
// beside them (MQTT's correlation "id"): they are skipped, not checked.
func DecodeAlert(b []byte, envelope ...string) (AlertRequest, error) {
	if len(b) > maxAlertJSON {
		return AlertRequest{}, badAlert("%d bytes of JSON; at most %d", len(b), maxAlertJSON)
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return AlertRequest{}, badAlert("want a JSON object with %s", strings.Join(alertFields, ", "))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return AlertRequest{}, badAlert("not a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return AlertRequest{}, badAlert("data after the JSON object")
	}
	fields := make(map[string]string, len(raw))
	for k, v := range raw {
		if slices.Contains(envelope, k) {
			continue
		}
		if !slices.Contains(alertFields, k) {
			fields[k] = "" // AlertFromFields names it
			continue
		}
		if !utf8.Valid(v) {
			// encoding/json would quietly turn the bad bytes into U+FFFD.
			return AlertRequest{}, badAlert("%s is not valid UTF-8", k)
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return AlertRequest{}, badAlert("%s must be a string", k)
		}
		fields[k] = s
	}
	return AlertFromFields(fields)
}

// Check applies the rules to r and returns it normalised (level lower case,
// defaults filled in, message trimmed).
func (r AlertRequest) Check() (AlertRequest, error) {
	for _, f := range [...]struct{ name, v string }{{"level", r.Level}, {"code", r.Code}, {"message", r.Message}, {"group", r.Group}} {
		if !utf8.ValidString(f.v) {
			return r, badAlert("%s is not valid UTF-8", f.name)
		}
	}
	switch l := strings.ToLower(r.Level); l {
	case "":
		r.Level = model.AlertInfo
	case model.AlertInfo, model.AlertWarning, model.AlertError, model.AlertCritical:
		r.Level = l
	default:
		return r, badAlert("level %q: use info, warning, error or critical", truncate(r.Level, 64))
	}
	if r.Code == "" {
		r.Code = "operator"
	} else if !validCode(r.Code) {
		return r, badAlert("code %q: use 1-%d letters, digits, '_', '.' or '-'", truncate(r.Code, 64), MaxAlertCode)
	}
	r.Message = strings.TrimSpace(r.Message)
	switch {
	case r.Message == "":
		return r, badAlert("message is required")
	case len(r.Message) > MaxAlertMessage:
		return r, badAlert("message is %d bytes; at most %d", len(r.Message), MaxAlertMessage)
	case strings.IndexFunc(r.Message, unicode.IsControl) >= 0:
		// One plain sentence for a display: no line breaks, tabs or
		// terminal escapes.
		return r, badAlert("message contains a control character (line break, tab, escape)")
	}
	if err := ValidGroup(r.Group, true); err != nil {
		return r, badAlert("%v", strings.TrimPrefix(err.Error(), "hub: "))
	}
	return r, nil
}

func validCode(c string) bool {
	if len(c) > MaxAlertCode {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '.' || b == '-') {
			return false
		}
	}
	return true
}

// truncate keeps an echoed value short (it may be megabytes of junk).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// RaiseRequest checks r and raises it for r.Group (everyone if empty) with
// source (the transport and client: "api", "ws:<client id>", "mqtt") at
// time at (zero: now). It is the one way the transports raise a client's
// alert. A refused request wraps ErrBadAlert and raises nothing.
func (h *Hub) RaiseRequest(r AlertRequest, source string, at time.Time) (*Publication, error) {
	r, err := r.Check()
	if err != nil {
		return nil, err
	}
	return h.RaiseAlertGroup(model.Alert{Level: r.Level, Code: r.Code, Message: r.Message, Source: source, Time: at}, r.Group)
}
