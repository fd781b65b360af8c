package ws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// TestOutboundTable checks the server-to-client direction: what each kind
// of publication looks like on the wire.
func TestOutboundTable(t *testing.T) {
	env := newEnv(t, 0)
	c, _ := env.connect(t, dialOpts{query: "?group=projector"})
	c.send(`{"type":"subscribe","data":{"streams":["alert","config","event","trajectory","state","performance","frame"]}}`)
	c.until(TypeSubscribed)
	jpeg := []byte{0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9}
	cases := []struct {
		name    string
		publish func() *hub.Publication
		check   func(t *testing.T, m msg, p *hub.Publication)
	}{
		{"state", func() *hub.Publication {
			p, _ := env.h.Publish(hub.StreamState, model.State{Seq: 7, Phase: "idle"})
			return p
		}, func(t *testing.T, m msg, p *hub.Publication) {
			var st model.State
			json.Unmarshal(m.Data, &st)
			if m.Type != TypePublication || st.Seq != 7 || !m.Time.Equal(p.Time) || m.Epoch != env.h.Epoch() || m.Group != "" {
				t.Errorf("state on the wire: %s", m.Raw)
			}
			if !bytes.Equal(m.Raw, p.JSON()) {
				t.Errorf("wire bytes differ from the shared envelope")
			}
		}},
		{"event", func() *hub.Publication {
			p, _ := env.h.Publish(hub.StreamEvent, model.Event{Type: model.EventBallPocketed, Balls: []string{"3"}, Pocket: model.PocketTopSide})
			return p
		}, func(t *testing.T, m msg, p *hub.Publication) {
			var ev model.Event
			json.Unmarshal(m.Data, &ev)
			if ev.Type != model.EventBallPocketed || ev.Pocket != model.PocketTopSide {
				t.Errorf("event on the wire: %s", m.Raw)
			}
		}},
		{"frame is binary", func() *hub.Publication {
			p, _ := env.h.PublishBinary(hub.StreamFrame, jpeg)
			return p
		}, func(t *testing.T, m msg, p *hub.Publication) {
			if m.Bin == nil || m.Bin.Stream != hub.StreamFrame || m.Bin.Offset != p.Offset || m.Bin.Epoch != p.Epoch ||
				m.Bin.TimeUS != p.Time.UnixMicro() || !bytes.Equal(m.Bin.Payload, jpeg) || m.Compressed {
				t.Errorf("binary frame %+v", m.Bin)
			}
		}},
		{"alert", func() *hub.Publication {
			p, _ := env.h.RaiseAlert(model.Alert{Level: model.AlertError, Code: "camera_lost", Message: "camera gone"})
			return p
		}, func(t *testing.T, m msg, p *hub.Publication) {
			var a hub.AlertState
			json.Unmarshal(m.Data, &a)
			if a.ID != p.AlertID() || a.Acked || a.Code != "camera_lost" {
				t.Errorf("alert on the wire: %s", m.Raw)
			}
		}},
		{"group targeted", func() *hub.Publication {
			env.h.PublishGroup(hub.StreamTrajectory, "display", map[string]string{"for": "display"})
			p, _ := env.h.PublishGroup(hub.StreamTrajectory, "projector", map[string]string{"for": "projector"})
			return p
		}, func(t *testing.T, m msg, p *hub.Publication) {
			if m.Group != "projector" || !strings.Contains(string(m.Data), `"projector"`) || m.Offset != 2 {
				t.Errorf("group publication on the wire: %s", m.Raw)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.publish()
			m := c.next()
			if m.Stream != string(p.Stream) || m.Offset != p.Offset {
				t.Fatalf("got %s %d, want %s %d", m.Stream, m.Offset, p.Stream, p.Offset)
			}
			tc.check(t, m, p)
		})
	}
}

func TestCompression(t *testing.T) {
	env := newEnv(t, 0, func(w *config.WebSocket, _ *config.HTTP, _ *config.Hub) {
		w.Compression, w.CompressionMin = true, 256
	})
	c, g := env.connect(t, dialOpts{deflate: true})
	plain, _ := env.connect(t, dialOpts{})
	if !g.Compression || !c.inflated {
		t.Fatalf("permessage-deflate not negotiated: %+v", g)
	}
	for _, cl := range []*tclient{c, plain} {
		cl.send(`{"type":"subscribe","data":{"streams":["state","frame"]}}`)
		cl.until(TypeSubscribed)
	}
	big := map[string]string{"pad": strings.Repeat("cuecast ", 200)}
	p, _ := env.h.Publish(hub.StreamState, big)
	m := c.next()
	if !m.Compressed || !bytes.Equal(m.Raw, p.JSON()) {
		t.Errorf("large state: compressed=%v, equal=%v", m.Compressed, bytes.Equal(m.Raw, p.JSON()))
	}
	if m := plain.next(); m.Compressed || !bytes.Equal(m.Raw, p.JSON()) {
		t.Error("client without the extension got a compressed or different message")
	}
	env.h.Publish(hub.StreamState, map[string]int{"small": 1})
	if m := c.next(); m.Compressed {
		t.Error("message under the threshold was compressed")
	}
	frame := bytes.Repeat([]byte{0xff, 0xd8}, 2000)
	env.h.PublishBinary(hub.StreamFrame, frame)
	if m := c.next(); m.Compressed || m.Bin == nil || !bytes.Equal(m.Bin.Payload, frame) {
		t.Error("binary frame was compressed or altered")
	}
	// Compressed once, shared: both cache slots are filled once.
	if f1, f2 := p.Cached(hub.CacheWSDeflate, nil), p.Cached(hub.CacheWSDeflate, nil); &f1[0] != &f2[0] {
		t.Error("compressed frame not cached on the publication")
	}
	// The client may compress its messages too.
	payload := fmt.Sprintf(`{"type":"ping","data":{"pad":%q}}`, strings.Repeat("x", 1000))
	comp := newDeflateBuilder(6).compress([]byte(payload))
	writeCompressed(t, c, comp)
	if m, _ := c.until(TypePong); !strings.Contains(string(m.Data), "xxxxxxxx") {
		t.Errorf("pong to a compressed ping: %s", m.Raw)
	}
}

func TestResumeOverWebSocket(t *testing.T) {
	env := newEnv(t, 0, func(_ *config.WebSocket, _ *config.HTTP, h *config.Hub) { h.HistoryCount = 50 })
	c, _ := env.connect(t, dialOpts{})
	c.send(`{"type":"subscribe","data":{"streams":["event","state"]}}`)
	c.until(TypeSubscribed)
	for i := 1; i <= 10; i++ {
		env.h.Publish(hub.StreamEvent, i)
	}
	var last uint64
	for last < 10 {
		if m := c.next(); m.Stream == "event" {
			last = m.Offset
		}
	}
	c.nc.Close()
	// Missed while away: 11..40, interleaved with state.
	for i := 11; i <= 40; i++ {
		env.h.Publish(hub.StreamEvent, i)
		env.h.Publish(hub.StreamState, i)
	}
	c2, _ := env.connect(t, dialOpts{})
	c2.send(fmt.Sprintf(`{"type":"subscribe","id":"r","data":{"streams":["event","state"],"resume":{"event":{"epoch":%q,"offset":%d}}}}`, env.h.Epoch(), last))
	m := c2.next()
	if m.Type != TypeSubscribed {
		t.Fatalf("first message after resume is %s, want subscribed before any replay", m.Type)
	}
	var sub struct{ Streams []hub.SubscribeResult }
	json.Unmarshal(m.Data, &sub)
	if !sub.Streams[0].Recovered || sub.Streams[0].Replayed != 30 {
		t.Errorf("resume result %+v", sub.Streams[0])
	}
	go func() {
		for i := 41; i <= 45; i++ {
			env.h.Publish(hub.StreamEvent, i)
		}
	}()
	var got []uint64
	for len(got) < 35 {
		if m := c2.next(); m.Stream == "event" {
			got = append(got, m.Offset)
		}
	}
	for i, off := range got {
		if off != uint64(11+i) {
			t.Fatalf("event offsets after resume %v: want 11..45 in order, no duplicate", got)
		}
	}
	// Beyond history (50 kept): recovered false, latest value.
	for i := 46; i <= 105; i++ {
		env.h.Publish(hub.StreamEvent, i)
	}
	c3, _ := env.connect(t, dialOpts{})
	c3.send(fmt.Sprintf(`{"type":"subscribe","data":{"streams":["event"],"resume":{"event":{"epoch":%q,"offset":1}}}}`, env.h.Epoch()))
	m = c3.next()
	json.Unmarshal(m.Data, &sub)
	if sub.Streams[0].Recovered || !sub.Streams[0].Resumed {
		t.Errorf("resume beyond history: %+v", sub.Streams[0])
	}
	if m := c3.next(); m.Offset != 105 {
		t.Errorf("after failed resume got offset %d, want the latest 105", m.Offset)
	}
}

func TestAckOverWebSocket(t *testing.T) {
	env := newEnv(t, 0)
	a, _ := env.connect(t, dialOpts{})
	b, _ := env.connect(t, dialOpts{})
	for _, c := range []*tclient{a, b} {
		c.send(`{"type":"subscribe","data":{"streams":["alert"]}}`)
		c.until(TypeSubscribed)
	}
	a.send(`{"type":"command","data":{"name":"broadcast_alert","token":"s3cret","args":{"level":"warning","message":"ball on the floor"}}}`)
	res, pubs := a.until(TypeCommandResult)
	var r struct {
		Result struct {
			AlertID string `json:"alert_id"`
		}
	}
	json.Unmarshal(res.Data, &r)
	if r.Result.AlertID == "" {
		t.Fatalf("command_result %s", res.Raw)
	}
	_ = pubs
	m := b.next()
	if !strings.Contains(string(m.Data), r.Result.AlertID) {
		t.Fatalf("b got %s", m.Raw)
	}
	b.send(fmt.Sprintf(`{"type":"ack","id":3,"data":{"alert_id":%q}}`, r.Result.AlertID))
	ack, _ := b.until(TypeAcked)
	if !strings.Contains(string(ack.Data), `"acked_by"`) {
		t.Errorf("acked %s", ack.Raw)
	}
	// Every subscriber sees the ack notice.
	for {
		m := a.next()
		if m.Type == TypePublication && strings.Contains(string(m.Data), `"acked":true`) {
			break
		}
	}
	st, ok := env.h.Alert(r.Result.AlertID)
	if !ok || !st.Acked {
		t.Errorf("hub ack state %+v", st)
	}
}

// Authorization: Bearer on the upgrade authorises commands without a
// per-message token; a wrong one is refused at the upgrade.
func TestBearerToken(t *testing.T) {
	env := newEnv(t, 0)
	c, g := env.connect(t, dialOpts{header: http.Header{"Authorization": {"Bearer " + testToken}}})
	if !g.Authorized {
		t.Error("greeting: not authorized")
	}
	c.send(`{"type":"command","data":{"name":"broadcast_alert","args":{"message":"hi"}}}`)
	c.until(TypeCommandResult)
	if _, status, err := env.dial(t, dialOpts{header: http.Header{"Authorization": {"Bearer nope"}}}); err == nil || status != http.StatusUnauthorized {
		t.Errorf("wrong bearer token: status %d, err %v", status, err)
	}
}

var _ = time.Second

// A small compressed message that inflates past max_message_bytes closes
// with 1009 without inflating it all.
func TestCompressionBomb(t *testing.T) {
	env := newEnv(t, 0, func(w *config.WebSocket, _ *config.HTTP, _ *config.Hub) { w.Compression = true })
	c, _ := env.connect(t, dialOpts{deflate: true})
	bomb := newDeflateBuilder(9).compress(bytes.Repeat([]byte{' '}, 10<<20))
	if len(bomb) > 64<<10 {
		t.Fatalf("bomb is %d bytes compressed", len(bomb))
	}
	writeCompressed(t, c, bomb)
	if ce := c.expectClose(20 * time.Second); ce.Code != 1009 {
		t.Errorf("close %v, want 1009", ce)
	}
	// Garbage with RSV1 set is not deflate data: 1007.
	c2, _ := env.connect(t, dialOpts{deflate: true})
	writeCompressed(t, c2, []byte{0xff, 0xff, 0xff, 0xff, 0x00})
	if ce := c2.expectClose(20 * time.Second); ce.Code != 1007 {
		t.Errorf("close %v, want 1007", ce)
	}
}

// TestBearerTokenReload: a connection authorised by the upgrade's bearer
// token loses that authority when a reload changes http.token.
func TestBearerTokenReload(t *testing.T) {
	env := newEnv(t, 0)
	c, _ := env.connect(t, dialOpts{header: http.Header{"Authorization": {"Bearer " + testToken}}})
	cfg := config.Default()
	wsc, httpc := cfg.WebSocket, cfg.HTTP
	wsc.ConnectionsPerMinute = 100000
	httpc.Token = "rotated"
	env.s.Reload(wsc, httpc)
	c.send(`{"type":"command","id":1,"data":{"name":"broadcast_alert","args":{"message":"hi"}}}`)
	if m, _ := c.until(TypeError); m.errCode() != CodeUnauthorized {
		t.Errorf("command after the token changed: %s, want %s", m.errCode(), CodeUnauthorized)
	}
	if len(env.h.Alerts()) != 0 {
		t.Error("a command ran on a token revoked by reload")
	}
	c.send(`{"type":"command","id":2,"data":{"name":"broadcast_alert","token":"rotated","args":{"message":"hi"}}}`)
	for {
		m := c.next()
		if m.Type == TypeError {
			t.Fatalf("command with the new token: %s", m.Raw)
		}
		if m.Type == TypeCommandResult {
			break
		}
	}
}
