package ws

import (
	"encoding/json"
	"testing"
)

// FuzzParseRequest: the parser never panics, every refusal carries a
// documented code and a message, and every acceptance is a known type with
// its payload set. Seeded from requestCases; the normal test run uses only
// the seeds (go test -fuzz=FuzzParseRequest ./edge/ws explores).
func FuzzParseRequest(f *testing.F) {
	for _, tc := range requestCases {
		f.Add([]byte(tc.in))
	}
	codes := map[string]bool{CodeBadJSON: true, CodeBadMessage: true, CodeUnknownType: true, CodeUnknownStream: true, CodeBadArgument: true}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRequest(b)
		if err != nil {
			if !codes[err.Code] || err.Message == "" {
				t.Fatalf("ParseRequest(%q) error %+v: undocumented code or no message", b, err)
			}
			return
		}
		switch r.Type {
		case TypeSubscribe:
			if r.Subscribe == nil || len(r.Subscribe.Streams) == 0 {
				t.Fatalf("subscribe without streams: %q", b)
			}
			for _, s := range r.Subscribe.Streams {
				if !s.Valid() {
					t.Fatalf("accepted unknown stream %q", s)
				}
			}
		case TypeUnsubscribe:
			if r.Unsubscribe == nil || len(r.Unsubscribe.Streams) == 0 {
				t.Fatalf("unsubscribe without streams: %q", b)
			}
		case TypePing:
			if !json.Valid(r.Ping) {
				t.Fatalf("ping echo %q is not JSON", r.Ping)
			}
		case TypeGetStatus:
		case TypeAck:
			if r.Ack == nil || r.Ack.AlertID == "" {
				t.Fatalf("ack without id: %q", b)
			}
		case TypeCommand:
			if r.Command == nil || r.Command.Name == "" {
				t.Fatalf("command without name: %q", b)
			}
		default:
			t.Fatalf("accepted unknown type %q", r.Type)
		}
		if len(r.ID) > maxIDBytes+2 {
			t.Fatalf("accepted id %q", r.ID)
		}
		// The reply envelope with that id must be valid JSON.
		if !json.Valid(encodeReply(TypePong, r.ID, r.Ping)) {
			t.Fatalf("reply with id %q is not JSON", r.ID)
		}
	})
}
