package apihub_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/api/apihub"
	"github.com/cuecast/cuecast/edge/api/apitest"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
)

const token = "tok"

type client struct {
	t   *testing.T
	url string
}

// call sends a request to the real server and decodes a JSON answer into v.
func (c client) call(method, path, body string, auth bool, v any) int {
	c.t.Helper()
	r, err := http.NewRequest(method, c.url+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if auth {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// next waits (bounded) for the client's next publications.
func next(t *testing.T, c *hub.Client) []*hub.Publication {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ps, err := c.Next(ctx, nil)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return ps
}

// realHubAPI serves the REST API over a real HTTP server backed by a real
// hub, until the test ends.
func realHubAPI(t *testing.T) (*hub.Hub, apihub.Adapter, client) {
	h := hub.New(config.Default().Hub, nil)
	ad := apihub.New(h)
	cfg := config.Default()
	cfg.HTTP.Token = token
	a := api.New(api.Deps{Alerts: ad, Connections: ad, Delivery: ad, Streams: ad, Config: apitest.NewConfig(cfg)}, nil)
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		http.DefaultClient.CloseIdleConnections()
	})
	return h, ad, client{t, srv.URL}
}

// TestWithRealHub drives the REST API over a real HTTP server into a real
// hub and checks what a hub client and the hub itself see.
func TestWithRealHub(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	// Registered first, so it runs after realHubAPI's cleanup.
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })

	h, _, c := realHubAPI(t)

	disp := h.Connect(hub.ClientOptions{ID: "disp1", Group: "display", Remote: "10.0.0.9:5000", Transport: "ws"})
	if _, err := disp.Subscribe([]hub.Stream{hub.StreamAlert}, nil, nil); err != nil {
		t.Fatal(err)
	}

	// Broadcast an alert over REST; the hub client receives it.
	var raised struct{ Alert api.AlertState }
	if st := c.call("POST", "/api/v1/websocket/broadcast/alert?level=warning&message=cue+ball+missing&code=vision.cue", "", true, &raised); st != 200 {
		t.Fatalf("broadcast status %d", st)
	}
	id := raised.Alert.ID
	if !strings.HasPrefix(id, h.Epoch()) || raised.Alert.Level != "warning" || raised.Alert.Source != "api" {
		t.Errorf("raised = %+v, want a hub-assigned id and the request's fields", raised.Alert)
	}
	ps := next(t, disp)
	if len(ps) != 1 || ps[0].Stream != hub.StreamAlert || !strings.Contains(string(ps[0].Data), `"message":"cue ball missing"`) {
		t.Fatalf("client got %d publications, first %s", len(ps), ps[0].Data)
	}
	disp.RecordDelivery(ps[0], len(ps[0].JSON()), time.Now())

	// The connection is listed with what the hub knows.
	var conns struct {
		Count       int
		Connections []api.ConnectionInfo
	}
	c.call("GET", "/api/v1/websocket/connections", "", false, &conns)
	if conns.Count != 1 || conns.Connections[0].ID != "disp1" || conns.Connections[0].Group != "display" ||
		!slices.Equal(conns.Connections[0].Streams, []string{"alert"}) || conns.Connections[0].Messages != 1 {
		t.Errorf("connections = %+v", conns)
	}

	// Subscribe it to event over REST: the next event reaches it.
	if st := c.call("POST", "/api/v1/websocket/connections/disp1/subscribe", `{"streams":["event"]}`, true, nil); st != 200 {
		t.Fatalf("subscribe status %d", st)
	}
	if _, err := h.Publish(hub.StreamEvent, map[string]string{"type": "shot_started"}); err != nil {
		t.Fatal(err)
	}
	ps = next(t, disp)
	if len(ps) != 1 || ps[0].Stream != hub.StreamEvent {
		t.Fatalf("after REST subscribe: got %v", ps)
	}
	disp.RecordDelivery(ps[0], len(ps[0].JSON()), time.Now())

	// Unknown stream: 400 and the subscriptions are unchanged.
	if st := c.call("POST", "/api/v1/websocket/connections/disp1/subscribe", `{"streams":["video"]}`, true, nil); st != 400 {
		t.Errorf("unknown stream status %d, want 400", st)
	}
	if got := disp.Info().Streams; !slices.Equal(got, []hub.Stream{hub.StreamAlert, hub.StreamEvent}) {
		t.Errorf("streams after a rejected subscribe = %v", got)
	}

	// Delivery figures come from the hub's measurement.
	var wsh struct {
		Level   string
		Latency api.LatencyStats
	}
	c.call("GET", "/api/v1/websocket/health", "", false, &wsh)
	if wsh.Latency.Samples != 2 || wsh.Level == api.LevelUnknown {
		t.Errorf("websocket health = %+v, want 2 samples and a level", wsh)
	}

	// Ack over REST: the hub records it and publishes the new state.
	if st := c.call("POST", "/api/v1/alerts/"+id+"/ack", `{"by":"coach"}`, true, nil); st != 200 {
		t.Fatalf("ack status %d", st)
	}
	if st, _ := h.Alert(id); !st.Acked || st.AckedBy != "coach" {
		t.Errorf("hub alert state = %+v, want acked by coach", st)
	}
	ps = next(t, disp)
	if len(ps) != 1 || !strings.Contains(string(ps[0].Data), `"acked":true`) {
		t.Errorf("ack notice = %v", ps)
	}
	var alerts struct {
		Alerts  []api.AlertState
		Unacked int
	}
	c.call("GET", "/api/v1/alerts", "", false, &alerts)
	if len(alerts.Alerts) != 1 || !alerts.Alerts[0].Acked || alerts.Alerts[0].AckedAt.IsZero() || alerts.Unacked != 0 {
		t.Errorf("alerts = %+v", alerts)
	}
	if st := c.call("POST", "/api/v1/alerts/"+h.Epoch()+"-a99/ack", "", true, nil); st != 404 {
		t.Errorf("ack of an unknown alert: %d, want 404", st)
	}

	// Prometheus sees the hub's counters.
	resp, err := http.Get(c.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`cuecast_hub_published_total{stream="alert"} 2`, // raise and ack notice
		`cuecast_ws_messages_total{stream="event"} 1`,
		`cuecast_ws_clients 1`,
		`cuecast_alerts_unacked 0`,
	} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(string(body), "cuecast_ws_delivery_latency_seconds_bucket") {
		t.Error("a cumulative histogram was exported although the hub keeps only a window")
	}

	// Disconnect over REST: the client's Next ends with ErrDisconnected.
	if st := c.call("POST", "/api/v1/websocket/connections/disp1/disconnect", `{"reason":"maintenance"}`, true, nil); st != 200 {
		t.Fatalf("disconnect status %d", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := disp.Next(ctx, nil); !errors.Is(err, hub.ErrDisconnected) || hub.DisconnectedReason(err) != "maintenance" {
		t.Errorf("Next after disconnect: %v (reason %q), want ErrDisconnected with reason maintenance", err, hub.DisconnectedReason(err))
	}
	if st := c.call("GET", "/api/v1/websocket/connections/disp1", "", false, nil); st != 404 {
		t.Errorf("GET disconnected client: %d, want 404", st)
	}
	if st := c.call("POST", "/api/v1/websocket/connections/disp1/unsubscribe", `{"streams":["event"]}`, true, nil); st != 404 {
		t.Errorf("unsubscribe disconnected client: %d, want 404", st)
	}
}

// TestGroupAlertWithRealHub: POST .../broadcast/alert?group= reaches the
// group's clients only, and the alert is listed with its group.
func TestGroupAlertWithRealHub(t *testing.T) {
	h, ad, c := realHubAPI(t)

	disp := h.Connect(hub.ClientOptions{ID: "disp1", Group: "display"})
	proj := h.Connect(hub.ClientOptions{ID: "proj1", Group: "projector"})
	defer disp.Close()
	defer proj.Close()
	for _, cl := range []*hub.Client{disp, proj} {
		if _, err := cl.Subscribe([]hub.Stream{hub.StreamAlert}, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if st := c.call("POST", "/api/v1/websocket/broadcast/alert?message=projector+only&group=projector", "", true, nil); st != 200 {
		t.Fatalf("group broadcast status %d", st)
	}
	if ps := next(t, proj); len(ps) != 1 || ps[0].Group != "projector" {
		t.Fatalf("projector client got %d publications, want the group alert", len(ps))
	}
	if q := disp.Queued(); q != 0 {
		t.Errorf("display client has %d queued after an alert for group projector", q)
	}
	if all := ad.Alerts(); len(all) != 1 || all[0].Group != "projector" {
		t.Errorf("Alerts() = %+v, want one for group projector", all)
	}
	if st := c.call("POST", "/api/v1/websocket/broadcast/alert?message=x&group=No+Such", "", true, nil); st != 400 {
		t.Errorf("bad group: status %d, want 400", st)
	}
}

// Regression (issue 13): cuecast_ws_clients and
// /api/v1/websocket/connections counted the MQTT mirror and the hardware
// controller, which are hub clients but not WebSocket connections.
func TestWebSocketConnectionsExcludeMirrorAndHW(t *testing.T) {
	h := hub.New(config.Default().Hub, nil)
	ad := apihub.ForTransport(h, "ws")
	cfg := config.Default()
	cfg.HTTP.Token = token
	a := api.New(api.Deps{Connections: ad, Delivery: ad, Config: apitest.NewConfig(cfg)}, nil)
	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := client{t, srv.URL}

	browser := h.Connect(hub.ClientOptions{Transport: "ws", Remote: "192.0.2.7:5000"})
	mirror := h.Connect(hub.ClientOptions{Transport: "mqtt", Remote: "tcp://127.0.0.1:1883"})
	hw := h.Connect(hub.ClientOptions{ID: "hw", Transport: "hw"})
	defer browser.Close()
	defer mirror.Close()
	defer hw.Close()

	var list struct {
		Connections []api.ConnectionInfo `json:"connections"`
	}
	if code := c.call("GET", "/api/v1/websocket/connections", "", false, &list); code != 200 {
		t.Fatalf("connections: HTTP %d", code)
	}
	if len(list.Connections) != 1 || list.Connections[0].ID != browser.ID() {
		t.Fatalf("connections = %+v, want only the WebSocket client %s", list.Connections, browser.ID())
	}
	for _, id := range []string{mirror.ID(), hw.ID()} {
		if code := c.call("GET", "/api/v1/websocket/connections/"+id, "", false, nil); code != 404 {
			t.Errorf("GET connection %s (not a WebSocket): HTTP %d, want 404", id, code)
		}
		if code := c.call("POST", "/api/v1/websocket/connections/"+id+"/disconnect", "", true, nil); code != 404 {
			t.Errorf("disconnect %s (not a WebSocket): HTTP %d, want 404", id, code)
		}
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "\ncuecast_ws_clients 1\n") {
		t.Errorf("/metrics: cuecast_ws_clients is not 1:\n%s", grepLines(string(b), "cuecast_ws_clients"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Field probe: the same bad alert was refused differently over REST,
// WebSocket and MQTT. Over REST it now gets 400 with the hub's own text
// (hub.AlertFromFields), exactly what the other two show.
func TestBroadcastAlertSameErrorAsTheHub(t *testing.T) {
	h, _, c := realHubAPI(t)
	for _, q := range []url.Values{
		{"message": {strings.Repeat("x", hub.MaxAlertMessage+1)}},
		{"message": {"x"}, "code": {"Bad Code!"}},
		{"message": {"x"}, "level": {"loud"}},
		{"message": {"x"}, "priority": {"1"}},
		{"message": {"x"}, "group": {""}},
		{"message": {"a\x07b"}},
		{"message": {"a\xffb"}},
		{"code": {"no_message"}},
	} {
		fields := map[string]string{}
		for k, v := range q {
			fields[k] = v[0]
		}
		_, herr := hub.AlertFromFields(fields)
		if herr == nil {
			t.Fatalf("hub accepts %v", q)
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		if st := c.call("POST", "/api/v1/websocket/broadcast/alert?"+q.Encode(), "", true, &e); st != 400 || e.Error.Code != api.CodeBadRequest || e.Error.Message != herr.Error() {
			t.Errorf("%.60s: %d %+v, want 400 %q", q.Encode(), st, e.Error, herr)
		}
	}
	if n := len(h.Alerts()); n != 0 {
		t.Errorf("%d alerts raised by refused requests", n)
	}
}
