package ws

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// requestCases is the one table of client messages: what ParseRequest
// makes of each (parse: "" = accepted, else the error code) and what the
// server answers on the wire (reply type, and error code for errors). It
// seeds FuzzParseRequest.
var requestCases = []struct {
	name  string
	in    string
	parse string // ParseRequest error code, "" if accepted
	reply string // reply type on the wire
	code  string // error code on the wire
}{
	{"seed subscribe", `{"type":"subscribe","data":{"streams":["state"]}}`, "", TypeSubscribed, ""},
	{"subscribe full", `{"type":"subscribe","id":1,"data":{"streams":["event","alert"],"resume":{"event":{"epoch":"x","offset":3}},"max_rate_hz":{},"group":"display"}}`, "", TypeSubscribed, ""},
	{"subscribe rate", `{"type":"subscribe","id":"r","data":{"streams":["state","frame"],"max_rate_hz":{"state":10,"frame":2.5}}}`, "", TypeSubscribed, ""},
	{"unknown stream", `{"type":"subscribe","id":1,"data":{"streams":["balls"]}}`, CodeUnknownStream, TypeError, CodeUnknownStream},
	{"unknown resume stream", `{"type":"subscribe","data":{"streams":["state"],"resume":{"balls":{"epoch":"x","offset":1}}}}`, CodeUnknownStream, TypeError, CodeUnknownStream},
	{"resume not subscribed", `{"type":"subscribe","data":{"streams":["state"],"resume":{"event":{"epoch":"x","offset":1}}}}`, "", TypeError, CodeBadArgument},
	{"empty streams", `{"type":"subscribe","data":{"streams":[]}}`, CodeBadArgument, TypeError, CodeBadArgument},
	{"no data", `{"type":"subscribe"}`, CodeBadArgument, TypeError, CodeBadArgument},
	{"streams not a list", `{"type":"subscribe","data":{"streams":"state"}}`, CodeBadMessage, TypeError, CodeBadMessage},
	{"rate on never-dropped", `{"type":"subscribe","data":{"streams":["event"],"max_rate_hz":{"event":5}}}`, "", TypeError, CodeBadArgument},
	{"rate negative", `{"type":"subscribe","data":{"streams":["state"],"max_rate_hz":{"state":-1}}}`, "", TypeError, CodeBadArgument},
	// Field probe: 1e-10 Hz overflowed the interval into no throttle at all.
	{"rate too small to throttle", `{"type":"subscribe","data":{"streams":["state"],"max_rate_hz":{"state":1e-10}}}`, "", TypeError, CodeBadArgument},
	{"rate not a number", `{"type":"subscribe","data":{"streams":["state"],"max_rate_hz":{"state":"fast"}}}`, CodeBadMessage, TypeError, CodeBadMessage},
	{"bad group", `{"type":"subscribe","data":{"streams":["state"],"group":"Bad Group"}}`, CodeBadArgument, TypeError, CodeBadArgument},
	{"offset negative", `{"type":"subscribe","data":{"streams":["event"],"resume":{"event":{"epoch":"x","offset":-1}}}}`, CodeBadMessage, TypeError, CodeBadMessage},
	// Filters (docs/protocol.md, "Filters"): the example shape, every operator, every error.
	{"filters: the documented example", `{"type":"subscribe","data":{"streams":["event","state"],"filters":{"event":{"where":{"type":{"in":["ball_pocketed","shot_ended"]}}},"state":{"fields":["balls.id","balls.pos"]},"alert":{"where":{"level":{"in":["warning","error","critical"]}}},"frame":{"quality":"640"}}}}`, "", TypeSubscribed, ""},
	{"filters: eq shorthand", `{"type":"subscribe","data":{"streams":["event"],"filters":{"event":{"where":{"type":"ball_pocketed"}}}}}`, "", TypeSubscribed, ""},
	{"filters: eq", `{"type":"subscribe","data":{"streams":["event"],"filters":{"event":{"where":{"pocket":{"eq":"side-top"}}}}}}`, "", TypeSubscribed, ""},
	{"filters: ne", `{"type":"subscribe","data":{"streams":["event"],"filters":{"event":{"where":{"type":{"ne":"ball_collision"}}}}}}`, "", TypeSubscribed, ""},
	{"filters: lt le", `{"type":"subscribe","data":{"streams":["event"],"filters":{"event":{"where":{"speed":{"lt":3,"le":2}}}}}}`, "", TypeSubscribed, ""},
	{"filters: gt ge", `{"type":"subscribe","data":{"streams":["state"],"filters":{"state":{"where":{"balls.pos.x":{"gt":0.1,"ge":0.2}}}}}}`, "", TypeSubscribed, ""},
	{"filters: ordered alert level", `{"type":"subscribe","data":{"streams":["alert"],"filters":{"alert":{"where":{"level":{"ge":"warning"}}}}}}`, "", TypeSubscribed, ""},
	{"filters: exclude", `{"type":"subscribe","data":{"streams":["state"],"filters":{"state":{"exclude":["balls.pixel","corners"]}}}}`, "", TypeSubscribed, ""},
	{"filters: quality auto", `{"type":"subscribe","data":{"streams":["frame"],"filters":{"frame":{"quality":"auto"}}}}`, "", TypeSubscribed, ""},
	{"filters: clear with {}", `{"type":"subscribe","data":{"streams":["event"],"filters":{"event":{}}}}`, "", TypeSubscribed, ""},
	{"filters: unknown stream", `{"type":"subscribe","data":{"streams":["state"],"filters":{"balls":{"fields":["id"]}}}}`, CodeUnknownStream, TypeError, CodeUnknownStream},
	{"filters: quality on state", `{"type":"subscribe","data":{"streams":["state"],"filters":{"state":{"quality":"640"}}}}`, CodeBadArgument, TypeError, CodeBadArgument},
	{"filters: unknown quality", `{"type":"subscribe","data":{"streams":["frame"],"filters":{"frame":{"quality":"4k"}}}}`, CodeBadArgument, TypeError, CodeBadArgument},
	{"filters: unknown path", `{"type":"subscribe","data":{"streams":["state"],"filters":{"state":{"fields":["balls.size"]}}}}`, "", TypeError, CodeBadArgument},
	{"filters: unknown operator", `{"type":"subscribe","data":{"streams":["event"],"filters":{"event":{"where":{"type":{"like":"ball_%"}}}}}}`, "", TypeError, CodeBadArgument},
	{"filters: operand of the wrong kind", `{"type":"subscribe","data":{"streams":["event"],"filters":{"event":{"where":{"type":{"eq":3}}}}}}`, "", TypeError, CodeBadArgument},
	{"filters: order on an unordered string", `{"type":"subscribe","data":{"streams":["event"],"filters":{"event":{"where":{"type":{"gt":"a"}}}}}}`, "", TypeError, CodeBadArgument},
	{"filters: in not a list", `{"type":"subscribe","data":{"streams":["event"],"filters":{"event":{"where":{"type":{"in":"shot_ended"}}}}}}`, "", TypeError, CodeBadArgument},
	{"filters: not an object", `{"type":"subscribe","data":{"streams":["event"],"filters":{"event":["type"]}}}`, CodeBadMessage, TypeError, CodeBadMessage},
	{"filters: fields not strings", `{"type":"subscribe","data":{"streams":["state"],"filters":{"state":{"fields":[1]}}}}`, CodeBadMessage, TypeError, CodeBadMessage},
	{"unsubscribe", `{"type":"unsubscribe","data":{"streams":["frame"]}}`, "", TypeUnsubscribed, ""},
	{"unsubscribe unknown", `{"type":"unsubscribe","data":{"streams":["nope"]}}`, CodeUnknownStream, TypeError, CodeUnknownStream},
	{"ping", `{"type":"ping","id":"p1","data":{"t":1732559400123}}`, "", TypePong, ""},
	{"ping bare", `{"type":"ping"}`, "", TypePong, ""},
	{"get_status", `{"type":"get_status"}`, "", TypeStatus, ""},
	{"get_status null data", `{"type":"get_status","data":null}`, "", TypeStatus, ""},
	{"ack unknown", `{"type":"ack","data":{"alert_id":"nope"}}`, "", TypeError, CodeUnknownAlert},
	{"ack empty", `{"type":"ack","data":{}}`, CodeBadArgument, TypeError, CodeBadArgument},
	{"command no token", `{"type":"command","data":{"name":"broadcast_alert","args":{"message":"x"}}}`, "", TypeError, CodeUnauthorized},
	{"command wrong token", `{"type":"command","data":{"name":"broadcast_alert","token":"guess","args":{"message":"x"}}}`, "", TypeError, CodeUnauthorized},
	{"command unknown", `{"type":"command","data":{"name":"reboot","token":"s3cret"}}`, "", TypeError, CodeUnknownCommand},
	{"command bad args", `{"type":"command","data":{"name":"broadcast_alert","token":"s3cret","args":{"level":"warning"}}}`, "", TypeError, CodeBadArgument},
	{"command bad level", `{"type":"command","data":{"name":"broadcast_alert","token":"s3cret","args":{"level":"loud","message":"x"}}}`, "", TypeError, CodeBadArgument},
	{"command ok", `{"type":"command","id":4,"data":{"name":"broadcast_alert","token":"s3cret","args":{"level":"warning","message":"closing soon","code":"closing"}}}`, "", TypeCommandResult, ""},
	{"command no name", `{"type":"command","data":{"token":"s3cret"}}`, CodeBadArgument, TypeError, CodeBadArgument},
	{"malformed json", `{"type":"subscribe","data":`, CodeBadJSON, TypeError, CodeBadJSON},
	{"array", `[1,2]`, CodeBadJSON, TypeError, CodeBadJSON},
	{"empty", ``, CodeBadJSON, TypeError, CodeBadJSON},
	{"invalid utf8", "{\"type\":\"ping\",\"data\":{\"x\":\"\xff\"}}", CodeBadJSON, TypeError, CodeBadJSON},
	{"no type", `{"data":{}}`, CodeBadMessage, TypeError, CodeBadMessage},
	{"type not string", `{"type":5}`, CodeBadMessage, TypeError, CodeBadMessage},
	{"unknown type", `{"type":"dance"}`, CodeUnknownType, TypeError, CodeUnknownType},
	{"data not object", `{"type":"ping","data":[1]}`, CodeBadMessage, TypeError, CodeBadMessage},
	{"id object", `{"type":"ping","id":{"a":1}}`, CodeBadMessage, TypeError, CodeBadMessage},
	{"id too long", `{"type":"ping","id":"` + strings.Repeat("x", 80) + `"}`, CodeBadMessage, TypeError, CodeBadMessage},
	{"id float", `{"type":"ping","id":1.5}`, CodeBadMessage, TypeError, CodeBadMessage},
	{"unknown fields ignored", `{"type":"get_status","v":2,"data":{"verbose":true}}`, "", TypeStatus, ""},
}

func TestParseRequestTable(t *testing.T) {
	for _, tc := range requestCases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRequest([]byte(tc.in))
			got := ""
			if err != nil {
				got = err.Code
				if err.Message == "" {
					t.Error("error without a message")
				}
			}
			if got != tc.parse {
				t.Fatalf("ParseRequest(%s) code = %q (%v), want %q", tc.in, got, err, tc.parse)
			}
			if err == nil {
				var typ struct{ Type string }
				json.Unmarshal([]byte(tc.in), &typ)
				if r.Type != typ.Type {
					t.Errorf("Type = %q, want %q", r.Type, typ.Type)
				}
			}
		})
	}
}

// TestProtocolTableOverWebSocket sends every case on one connection: each
// is answered as documented and the connection stays usable throughout.
func TestProtocolTableOverWebSocket(t *testing.T) {
	env := newEnv(t, 0)
	c, g := env.connect(t, dialOpts{})
	if g.ClientID == "" || g.Epoch != env.h.Epoch() || g.Protocol != 1 || len(g.Streams) != len(hub.Streams) || g.Limits.MaxMessageBytes != 64<<10 {
		t.Errorf("greeting = %+v", g)
	}
	for _, tc := range requestCases {
		c.send(tc.in)
		m, skipped := c.until(tc.reply)
		for _, s := range skipped {
			if s.Type != TypePublication {
				t.Errorf("%s: unexpected %s %s before %s", tc.name, s.Type, s.Data, tc.reply)
			}
		}
		if tc.code != "" && m.errCode() != tc.code {
			t.Errorf("%s: error code %q (%s), want %q", tc.name, m.errCode(), m.Data, tc.code)
		}
		var in struct{ ID json.RawMessage }
		json.Unmarshal([]byte(tc.in), &in)
		if tc.parse == "" && len(in.ID) > 0 && string(m.ID) != string(in.ID) {
			t.Errorf("%s: reply id %s, want %s", tc.name, m.ID, in.ID)
		}
	}
	// Binary messages from clients are refused the same way.
	wsutil.WriteClientMessage(c.nc, ws.OpBinary, []byte{1, 2, 3})
	if m, _ := c.until(TypeError); m.errCode() != CodeBinaryNotAccepted {
		t.Errorf("binary message: %s", m.Data)
	}
	c.send(`{"type":"get_status"}`)
	st, _ := c.until(TypeStatus)
	var status struct {
		Errors  uint64
		Streams []string
	}
	json.Unmarshal(st.Data, &status)
	if status.Errors == 0 {
		t.Errorf("status errors = 0 after bad messages: %s", st.Data)
	}
}

func TestPingEchoAndStatus(t *testing.T) {
	env := newEnv(t, 0)
	c, _ := env.connect(t, dialOpts{query: "?group=display"})
	c.send(`{"type":"ping","id":"p1","data":{"t":42}}`)
	m := c.next()
	var pong struct {
		ServerTime time.Time       `json:"server_time"`
		Echo       json.RawMessage `json:"echo"`
	}
	json.Unmarshal(m.Data, &pong)
	if m.Type != TypePong || string(m.ID) != `"p1"` || string(pong.Echo) != `{"t":42}` || pong.ServerTime.IsZero() {
		t.Errorf("pong = %s", m.Raw)
	}
	env.h.Publish(hub.StreamState, map[string]int{"seq": 1})
	c.send(`{"type":"subscribe","data":{"streams":["state"],"max_rate_hz":{"state":30}}}`)
	c.until(TypeSubscribed)
	if p := c.next(); p.Stream != "state" || p.Offset != 1 {
		t.Errorf("after subscribe got %s", p.Raw)
	}
	// The writer records a delivery after its write returns, which can be
	// after the client has read it: ask again until it is counted.
	var st status
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c.send(`{"type":"get_status"}`)
		m, _ = c.until(TypeStatus)
		st = status{}
		json.Unmarshal(m.Data, &st)
		if st.Delivered >= 1 || time.Now().After(deadline) {
			break
		}
	}
	if st.Group != "display" || len(st.Streams) != 1 || st.Positions[hub.StreamState] != 1 || st.Offsets[hub.StreamState] != 1 || st.MaxRateHz[hub.StreamState] != 30 || st.Delivered != 1 {
		t.Errorf("status = %s", m.Data)
	}
}

// TestAckOtherGroupsAlert: a client cannot acknowledge an alert raised for
// another group (it was never shown one); the alert stays unacknowledged.
func TestAckOtherGroupsAlert(t *testing.T) {
	env := newEnv(t, 0)
	c, _ := env.connect(t, dialOpts{query: "?group=display"})
	p, err := env.h.RaiseAlertGroup(model.Alert{Message: "lamp hours"}, "technician")
	if err != nil {
		t.Fatal(err)
	}
	c.send(`{"type":"ack","id":1,"data":{"alert_id":"` + p.AlertID() + `"}}`)
	if m, _ := c.until(TypeError); m.errCode() != CodeUnknownAlert {
		t.Errorf("ack of another group's alert: %s, want %s", m.errCode(), CodeUnknownAlert)
	}
	if st, _ := env.h.Alert(p.AlertID()); st.Acked {
		t.Error("a display client acknowledged a technician alert")
	}
}

// Field probe: the same bad alert was refused (or raised) differently over
// REST, WebSocket and MQTT. broadcast_alert now answers with the hub's own
// error for it (hub.DecodeAlert), and raises nothing.
func TestBroadcastAlertSameErrorAsTheHub(t *testing.T) {
	env := newEnv(t, 0)
	c, _ := env.connect(t, dialOpts{})
	for _, args := range []string{
		`{"message":"` + strings.Repeat("x", hub.MaxAlertMessage+1) + `"}`,
		`{"message":"x","code":"Bad Code!"}`,
		`{"message":"x","level":"loud"}`,
		`{"message":"x","priority":1}`,
		`{"message":"x","group":""}`,
		`{"message":"a\u0007b"}`,
		`{"code":"no_message"}`,
	} {
		_, herr := hub.DecodeAlert([]byte(args))
		if herr == nil {
			t.Fatalf("hub accepts %s", args)
		}
		c.send(`{"type":"command","data":{"name":"broadcast_alert","token":"` + testToken + `","args":` + args + `}}`)
		m, _ := c.until(TypeError)
		var d errorData
		json.Unmarshal(m.Data, &d)
		if d.Code != CodeBadArgument || d.Message != "broadcast_alert: "+herr.Error() {
			t.Errorf("args %.60s: error %s %q, want bad_argument %q", args, d.Code, d.Message, "broadcast_alert: "+herr.Error())
		}
	}
	if n := len(env.h.Alerts()); n != 0 {
		t.Errorf("%d alerts raised by refused commands", n)
	}
}
