package ws

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/hub/filter"
)

// Client message types (docs/protocol.md, "Client to server").
const (
	TypeSubscribe   = "subscribe"
	TypeUnsubscribe = "unsubscribe"
	TypePing        = "ping"
	TypeGetStatus   = "get_status"
	TypeAck         = "ack"
	TypeCommand     = "command"
)

// Server message types.
const (
	TypeConnection    = "connection"
	TypePublication   = "publication"
	TypeSubscribed    = "subscribed"
	TypeUnsubscribed  = "unsubscribed"
	TypePong          = "pong"
	TypeStatus        = "status"
	TypeAcked         = "acked"
	TypeCommandResult = "command_result"
	TypeError         = "error"
)

// Error codes carried by error messages (docs/protocol.md, "Errors").
const (
	CodeBadJSON           = "bad_json"
	CodeBadMessage        = "bad_message"
	CodeUnknownType       = "unknown_type"
	CodeUnknownStream     = "unknown_stream"
	CodeBadArgument       = "bad_argument"
	CodeRateLimited       = "rate_limited"
	CodeUnauthorized      = "unauthorized"
	CodeUnknownCommand    = "unknown_command"
	CodeUnknownAlert      = "unknown_alert"
	CodeCommandFailed     = "command_failed"
	CodeBinaryNotAccepted = "binary_not_accepted"
	CodeInternal          = "internal"
)

// ProtocolError is an error reported to the client as an error message; the
// connection stays usable.
type ProtocolError struct {
	Code    string
	Message string
	Path    string // a filter's path into data that is at fault ("balls.size")
}

func (e *ProtocolError) Error() string { return e.Code + ": " + e.Message }

func perr(code, format string, args ...any) *ProtocolError {
	return &ProtocolError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Request is one parsed client message. Exactly the field matching Type is
// set (get_status has none).
type Request struct {
	Type        string
	ID          json.RawMessage // as sent (a JSON string or integer), nil if absent
	Subscribe   *SubscribeRequest
	Unsubscribe *UnsubscribeRequest
	Ping        json.RawMessage // the ping's data, echoed ({} when absent)
	Ack         *AckRequest
	Command     *CommandRequest
}

// SubscribeRequest is the data of a subscribe message.
type SubscribeRequest struct {
	Streams   []hub.Stream                `json:"streams"`
	Resume    map[hub.Stream]hub.Position `json:"resume,omitempty"`
	MaxRateHz map[hub.Stream]float64      `json:"max_rate_hz,omitempty"`
	Group     *string                     `json:"group,omitempty"`
	Filters   map[hub.Stream]StreamFilter `json:"filters,omitempty"`
}

// StreamFilter is one stream's filter in a subscribe (docs/protocol.md,
// "Filters"): fields to keep or drop, conditions, and for frame a quality.
type StreamFilter struct {
	filter.Spec
	Quality *string `json:"quality,omitempty"`
}

// UnsubscribeRequest is the data of an unsubscribe message.
type UnsubscribeRequest struct {
	Streams []hub.Stream `json:"streams"`
}

// AckRequest is the data of an ack message.
type AckRequest struct {
	AlertID string `json:"alert_id"`
}

// CommandRequest is the data of a command message.
type CommandRequest struct {
	Name  string          `json:"name"`
	Token string          `json:"token,omitempty"`
	Args  json.RawMessage `json:"args,omitempty"`
}

const maxIDBytes = 64

// ParseRequest parses one client text message. It never panics; every
// failure is a *ProtocolError naming what to fix. The returned request's
// byte slices do not alias b.
func ParseRequest(b []byte) (*Request, *ProtocolError) {
	if !utf8.Valid(b) {
		return nil, perr(CodeBadJSON, "message is not valid UTF-8")
	}
	var env struct {
		Type json.RawMessage `json:"type"`
		ID   json.RawMessage `json:"id"`
		Data json.RawMessage `json:"data"`
	}
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, perr(CodeBadJSON, `message is not a JSON object; want {"type":...,"data":{...}}`)
	}
	if err := json.Unmarshal(trimmed, &env); err != nil {
		return nil, perr(CodeBadJSON, "message is not valid JSON: %v", err)
	}
	var typ string
	if len(env.Type) == 0 || json.Unmarshal(env.Type, &typ) != nil || typ == "" {
		return nil, perr(CodeBadMessage, `"type" is missing or not a non-empty string`)
	}
	r := &Request{Type: typ}
	if len(env.ID) > 0 && !isNull(env.ID) {
		if err := checkID(env.ID); err != nil {
			return r, err
		}
		r.ID = bytes.Clone(env.ID)
	}
	data := env.Data
	if isNull(data) {
		data = nil
	}
	if len(data) > 0 && data[0] != '{' {
		return r, perr(CodeBadMessage, `"data" must be a JSON object`)
	}
	switch typ {
	case TypeSubscribe:
		var s SubscribeRequest
		if err := decodeData(data, &s); err != nil {
			return r, err
		}
		if len(s.Streams) == 0 {
			return r, perr(CodeBadArgument, `subscribe: "streams" must list at least one stream`)
		}
		if len(s.Streams) > 2*len(hub.Streams) {
			return r, perr(CodeBadArgument, `subscribe: "streams" lists %d names; there are %d streams`, len(s.Streams), len(hub.Streams))
		}
		if err := checkStreams(s.Streams); err != nil {
			return r, err
		}
		for st := range s.Resume {
			if !st.Valid() {
				return r, perr(CodeUnknownStream, "subscribe: resume names unknown stream %q", st)
			}
		}
		for st := range s.MaxRateHz {
			if !st.Valid() {
				return r, perr(CodeUnknownStream, "subscribe: max_rate_hz names unknown stream %q", st)
			}
		}
		if s.Group != nil {
			if err := hub.ValidGroup(*s.Group, true); err != nil {
				return r, perr(CodeBadArgument, "subscribe: %v", err)
			}
		}
		if err := checkFilters(&s); err != nil {
			return r, err
		}
		r.Subscribe = &s
	case TypeUnsubscribe:
		var u UnsubscribeRequest
		if err := decodeData(data, &u); err != nil {
			return r, err
		}
		if len(u.Streams) == 0 {
			return r, perr(CodeBadArgument, `unsubscribe: "streams" must list at least one stream`)
		}
		if err := checkStreams(u.Streams); err != nil {
			return r, err
		}
		r.Unsubscribe = &u
	case TypePing:
		r.Ping = json.RawMessage("{}")
		if len(data) > 0 {
			r.Ping = bytes.Clone(data)
		}
	case TypeGetStatus:
	case TypeAck:
		var a AckRequest
		if err := decodeData(data, &a); err != nil {
			return r, err
		}
		if a.AlertID == "" || len(a.AlertID) > 128 {
			return r, perr(CodeBadArgument, `ack: "alert_id" must be a non-empty string of at most 128 bytes`)
		}
		r.Ack = &a
	case TypeCommand:
		var c CommandRequest
		if err := decodeData(data, &c); err != nil {
			return r, err
		}
		if c.Name == "" {
			return r, perr(CodeBadArgument, `command: "name" is required`)
		}
		if len(c.Args) > 0 && isNull(c.Args) {
			c.Args = nil
		}
		c.Args = bytes.Clone(c.Args)
		r.Command = &c
	default:
		return r, perr(CodeUnknownType, "unknown message type %q (known: subscribe, unsubscribe, ping, get_status, ack, command)", truncate(typ, 64))
	}
	return r, nil
}

func decodeData(data []byte, v any) *ProtocolError {
	if len(data) == 0 {
		data = []byte("{}")
	}
	if err := json.Unmarshal(data, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return perr(CodeBadMessage, "data.%s: %s is not a valid %s", te.Field, te.Value, te.Type)
		}
		return perr(CodeBadMessage, "data: %v", err)
	}
	return nil
}

// checkFilters checks what a filter can be checked for without the hub:
// its stream is known, a quality only on frame. A filter may name a stream
// the request does not subscribe: it is kept for when it does. The hub
// checks paths and operators against the stream's data (handler.go).
func checkFilters(s *SubscribeRequest) *ProtocolError {
	for st, f := range s.Filters {
		if !st.Valid() {
			return perr(CodeUnknownStream, "subscribe: filters names unknown stream %q", truncate(string(st), 64))
		}
		if f.Quality != nil && st != hub.StreamFrame {
			return perr(CodeBadArgument, "subscribe: filters.%s.quality: only the frame stream has a quality", st)
		}
		if f.Quality != nil {
			if _, _, err := hub.ParseQuality(*f.Quality); err != nil {
				return perr(CodeBadArgument, "subscribe: filters.frame.%v", err)
			}
		}
	}
	return nil
}

func checkStreams(ss []hub.Stream) *ProtocolError {
	for _, s := range ss {
		if !s.Valid() {
			return perr(CodeUnknownStream, "unknown stream %q (known: alert, config, event, trajectory, state, performance, frame)", truncate(string(s), 64))
		}
	}
	return nil
}

// checkID accepts a JSON string of at most maxIDBytes or an integer.
func checkID(id json.RawMessage) *ProtocolError {
	if len(id) > maxIDBytes+2 {
		return perr(CodeBadMessage, `"id" is longer than %d bytes`, maxIDBytes)
	}
	switch {
	case id[0] == '"':
		var s string
		if json.Unmarshal(id, &s) == nil {
			return nil
		}
	default:
		var n int64
		if json.Unmarshal(id, &n) == nil {
			return nil
		}
	}
	return perr(CodeBadMessage, `"id" must be a string or an integer`)
}

func isNull(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary so the error message stays valid UTF-8.
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// reply is a server message other than a publication.
type reply struct {
	Type string          `json:"type"`
	ID   json.RawMessage `json:"id,omitempty"`
	Data any             `json:"data"`
}

type errorData struct {
	Code         string `json:"code"`
	Message      string `json:"message"`
	Path         string `json:"path,omitempty"`
	RequestType  string `json:"request_type,omitempty"`
	RetryAfterMS int64  `json:"retry_after_ms,omitempty"`
}

func encodeReply(typ string, id json.RawMessage, data any) []byte {
	b, err := json.Marshal(reply{Type: typ, ID: id, Data: data})
	if err != nil {
		// Only our own types are encoded here; a failure is a bug. Say so on
		// the wire rather than sending nothing.
		b, _ = json.Marshal(reply{Type: TypeError, ID: id, Data: errorData{Code: CodeInternal, Message: "ws: encoding " + typ + ": " + err.Error()}})
	}
	return b
}
