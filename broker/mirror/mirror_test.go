package mirror

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cuecast/cuecast/broker/internal/mqtttest"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

type fakeReporter struct {
	mu     sync.Mutex
	ok     string
	err    error
	nFails int
}

func (r *fakeReporter) Progress() {}
func (r *fakeReporter) OK(d string) {
	r.mu.Lock()
	r.ok, r.err = d, nil
	r.mu.Unlock()
}
func (r *fakeReporter) Fail(err error) {
	r.mu.Lock()
	r.err = err
	r.nFails++
	r.mu.Unlock()
}
func (r *fakeReporter) state() (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ok, r.err
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// rig is a hub, a mirror and the box identity, running until the test ends.
type rig struct {
	t      *testing.T
	hub    *hub.Hub
	m      *Mirror
	rep    *fakeReporter
	cfg    config.MQTT
	box    config.Box
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

func testConfig(t testing.TB, url string) (config.MQTT, config.Box) {
	c := config.Default()
	c.Box.StateDir = t.TempDir()
	c.Box.Site, c.Box.Table = "test", "t1"
	c.MQTT.URL = url
	c.MQTT.ReconnectMin = config.Duration(100 * time.Millisecond)
	c.MQTT.ReconnectMax = config.Duration(500 * time.Millisecond)
	c.MQTT.AckTimeout = config.Duration(5 * time.Second)
	c.MQTT.ConnectTimeout = config.Duration(3 * time.Second)
	if err := c.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	return c.MQTT, c.Box
}

func startRig(t *testing.T, cfg config.MQTT, box config.Box, h *hub.Hub, edit ...func(*Mirror)) *rig {
	t.Helper()
	if h == nil {
		h = hub.New(config.Default().Hub, testLogger(t))
	}
	rep := &fakeReporter{}
	m, err := New(cfg, box, h, rep, testLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, e := range edit {
		e(m)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &rig{t: t, hub: h, m: m, rep: rep, cfg: cfg, box: box, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- m.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

func (r *rig) stop() { r.once.Do(r.stop1) }

func (r *rig) stop1() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.m.Shutdown(ctx); err != nil {
		r.t.Errorf("Shutdown: %v", err)
	}
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		r.t.Error("Run did not return after Shutdown")
	}
}

func (r *rig) waitConnected() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if !mqtttest.WaitFor(ctx, func() bool { return r.m.Status().Connected }) {
		_, err := r.rep.state()
		r.t.Fatalf("mirror not connected after 15s: %+v (reporter: %v)", r.m.Status(), err)
	}
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if !mqtttest.WaitFor(ctx, cond) {
		t.Fatalf("timed out after %s waiting for %s", d, what)
	}
}

// envelope is the hub publication as it arrives over MQTT.
type envelope struct {
	Stream string          `json:"stream"`
	Epoch  string          `json:"epoch"`
	Offset uint64          `json:"offset"`
	Data   json.RawMessage `json:"data"`
}

func TestAvailabilityOnlineThenStopped(t *testing.T) {
	b := mqtttest.New(t, "broker", mqtttest.Plain)
	b.Start()
	cfg, box := testConfig(t, b.URL())
	r := startRig(t, cfg, box, nil)
	r.waitConnected()
	avail := r.m.Topic("available")

	// A dashboard arriving later sees the retained "online".
	s := mqtttest.Subscribe(t, b.URL(), "late-dashboard", true, avail)
	waitFor(t, "retained online", 5*time.Second, func() bool {
		m, ok := s.Last(avail)
		return ok && m.Retained && string(m.Payload) == Online
	})
	if ok, err := r.rep.state(); err != nil || ok == "" {
		t.Errorf("reporter after connect: ok=%q err=%v, want OK", ok, err)
	}

	r.stop()
	waitFor(t, "stopped", 5*time.Second, func() bool {
		m, ok := s.Last(avail)
		return ok && string(m.Payload) == Stopped
	})
	// And it is what a new subscriber finds retained.
	s2 := mqtttest.Subscribe(t, b.URL(), "later-dashboard", true, avail)
	waitFor(t, "retained stopped", 5*time.Second, func() bool {
		m, ok := s2.Last(avail)
		return ok && m.Retained && string(m.Payload) == Stopped
	})
}

func TestBrokerDownAtStartDoesNotStop(t *testing.T) {
	b := mqtttest.New(t, "broker", mqtttest.Plain)
	cfg, box := testConfig(t, b.URL())
	events := "cuecast/test/t1/event"
	// A dashboard with a persistent session, then the broker goes away.
	b.Start()
	s := mqtttest.Subscribe(t, b.URL(), "dashboard", false, events)
	b.Stop()

	r := startRig(t, cfg, box, nil)
	for i := range 5 {
		r.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShotStarted, Time: time.Unix(int64(i), 0)})
	}
	waitFor(t, "a reported connect failure", 10*time.Second, func() bool {
		_, err := r.rep.state()
		return err != nil && r.m.Status().LastError != ""
	})
	waitFor(t, "5 queued", 5*time.Second, func() bool { return r.m.Status().Queued == 5 })
	if st := r.m.Status(); st.Connected {
		t.Fatalf("Status with the broker down = %+v, want disconnected", st)
	}
	b.Start()
	r.waitConnected()
	waitFor(t, "5 events", 15*time.Second, func() bool { return len(s.Messages(events)) >= 5 })
	checkInOrder(t, s.Messages(events), 5)
}

// checkInOrder checks msgs are publications with offsets 1..n in order
// (duplicates of QoS 1 redelivery allowed and reported).
func checkInOrder(t *testing.T, msgs []mqtttest.Msg, n int) {
	t.Helper()
	var next uint64 = 1
	dups := 0
	for _, m := range msgs {
		var e envelope
		if err := json.Unmarshal(m.Payload, &e); err != nil {
			t.Fatalf("payload %q: %v", m.Payload, err)
		}
		switch {
		case e.Offset == next:
			next++
		case e.Offset < next:
			dups++ // QoS 1 redelivery: at least once
		default:
			t.Fatalf("%s: offset %d after %d: a gap (lost or reordered)", m.Topic, e.Offset, next-1)
		}
	}
	if got := int(next - 1); got != n {
		t.Fatalf("received offsets 1..%d, want 1..%d", got, n)
	}
	if dups > 0 {
		t.Logf("%d duplicate deliveries (QoS 1 at least once)", dups)
	}
}

func TestEventsAndAlertsSurviveBrokerRestart(t *testing.T) {
	b := mqtttest.New(t, "broker", mqtttest.Plain)
	b.Start()
	cfg, box := testConfig(t, b.URL())
	r := startRig(t, cfg, box, nil)
	r.waitConnected()
	events, alerts := r.m.Topic("event"), r.m.Topic("alert")
	s := mqtttest.Subscribe(t, b.URL(), "dashboard", false, events, alerts)

	nEv, nAl := 0, 0
	burst := func(n int) {
		for range n {
			nEv++
			if _, err := r.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventBallCollision, Time: time.Now(), Balls: []string{"cue", fmt.Sprint(nEv%15 + 1)}}); err != nil {
				t.Fatal(err)
			}
			if nEv%10 == 0 {
				nAl++
				r.hub.RaiseAlert(model.Alert{Level: model.AlertWarning, Code: "test", Message: fmt.Sprint("alert ", nAl), Source: "test"})
			}
		}
	}
	burst(100)
	waitFor(t, "first burst delivered", 15*time.Second, func() bool { return len(s.Messages(events)) >= 100 })
	b.Stop()
	burst(150) // while the broker is down
	waitFor(t, "mirror to notice", 10*time.Second, func() bool { return !r.m.Status().Connected })
	burst(50)
	b.Start()
	r.waitConnected()
	burst(50)
	waitFor(t, fmt.Sprintf("%d events and %d alerts", nEv, nAl), 30*time.Second, func() bool {
		return len(s.Messages(events)) >= nEv && len(s.Messages(alerts)) >= nAl
	})
	checkInOrder(t, s.Messages(events), nEv)
	checkInOrder(t, s.Messages(alerts), nAl)
	if st := r.m.Status(); st.Dropped != 0 {
		t.Errorf("Status.Dropped = %d, want 0", st.Dropped)
	}
}

func TestCommands(t *testing.T) {
	b := mqtttest.New(t, "broker", mqtttest.Plain)
	b.Start()
	cfg, box := testConfig(t, b.URL())
	h := hub.New(config.Default().Hub, testLogger(t))
	p, err := h.RaiseAlert(model.Alert{Level: model.AlertError, Code: "camera_lost", Message: "camera lost", Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	alertID := p.AlertID()
	base := "cuecast/test/t1/"
	s := mqtttest.Subscribe(t, b.URL(), "dash-cmd", true, base+"cmd/+/reply", base+"snapshot")
	pub := mqtttest.Subscribe(t, b.URL(), "dash-pub", true)
	// A retained command left on the broker: the mirror receives it when it
	// subscribes, and must refuse it (it would be re-applied at every connect).
	pub.C.Publish(base+"cmd/ack", 1, true, `{"id":"r1","alert_id":"`+alertID+`"}`).Wait()

	r := startRig(t, cfg, box, h)
	jpeg := []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9}
	r.m.SetSnapshotter(func() ([]byte, error) { return jpeg, nil })
	r.waitConnected()
	waitFor(t, "reply to the retained command", 10*time.Second, func() bool { return len(s.Messages(base+"cmd/ack/reply")) > 0 })
	var rr Reply
	if m, _ := s.Last(base + "cmd/ack/reply"); json.Unmarshal(m.Payload, &rr) != nil || rr.OK || rr.ID != "r1" {
		t.Errorf("retained ack: reply %s, want refused with id r1", m.Payload)
	}
	pub.C.Publish(base+"cmd/ack", 1, true, []byte{}).Wait() // clear it

	send := func(name, payload string, retained bool) Reply {
		t.Helper()
		before := len(s.Messages(r.m.Topic("cmd/" + name + "/reply")))
		if tok := pub.C.Publish(r.m.Topic("cmd/"+name), 1, retained, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("publish command: %v", tok.Error())
		}
		var rep Reply
		waitFor(t, "reply to "+payload, 10*time.Second, func() bool {
			ms := s.Messages(r.m.Topic("cmd/" + name + "/reply"))
			if len(ms) <= before {
				return false
			}
			return json.Unmarshal(ms[len(ms)-1].Payload, &rep) == nil
		})
		return rep
	}
	acked := func() bool {
		st, _ := r.hub.Alert(alertID)
		return st.Acked
	}
	nAlerts := len(r.hub.Alerts())

	bad := []struct{ name, payload, wantID string }{
		{"ack", `{"id":"c1","alert_id":"` + alertID + `","extra":1}`, "c1"},
		{"ack", `{"id":"c2","alert_id":"` + alertID + `"} {"x":1}`, "c2"},
		{"ack", `not json`, ""},
		{"ack", `["id","c3"]`, ""},
		{"ack", `{"id":"c4"}`, "c4"},
		{"ack", `{"id":"c5","alert_id":"no-such-alert"}`, "c5"},
		{"ack", `{"id":"c6","alert_id":"` + alertID + `","by":"<script>"}`, "c6"},
		{"ack", `{"id":"c7","alert_id":` + "42" + `}`, "c7"},
		{"alert", `{"id":"c8","level":"doom","code":"x","message":"m"}`, "c8"},
		{"alert", `{"id":"c9","level":"warning","code":"Bad Code","message":"m"}`, "c9"},
		{"alert", `{"id":"c10","level":"warning","code":"ok","message":""}`, "c10"},
		{"snapshot", `{"id":"c11","now":true}`, "c11"},
		{"reboot", `{"id":"c12"}`, "c12"},
	}
	for _, c := range bad {
		rep := send(c.name, c.payload, false)
		if rep.OK || rep.Error == "" || rep.ID != c.wantID || rep.Command != c.name {
			t.Errorf("%s %s: reply %+v, want an error with id %q", c.name, c.payload, rep, c.wantID)
		}
	}
	if acked() || len(r.hub.Alerts()) != nAlerts {
		t.Fatalf("bad commands changed the hub: acked=%v alerts=%d (was %d)", acked(), len(r.hub.Alerts()), nAlerts)
	}

	if rep := send("ack", `{"id":"ok1","alert_id":"`+alertID+`","by":"venue manager"}`, false); !rep.OK || rep.ID != "ok1" {
		t.Fatalf("ack: reply %+v, want ok", rep)
	}
	if st, _ := r.hub.Alert(alertID); !st.Acked || st.AckedBy != "mqtt:venue manager" {
		t.Fatalf("alert after ack = %+v, want acked by mqtt:venue manager", st)
	}
	rep := send("alert", `{"id":"ok2","level":"warning","code":"table_booked","message":"Table booked at 21:00"}`, false)
	if !rep.OK {
		t.Fatalf("alert: reply %+v, want ok", rep)
	}
	if n := len(r.hub.Alerts()); n != nAlerts+1 {
		t.Fatalf("alerts after the alert command = %d, want %d", n, nAlerts+1)
	}
	if rep := send("snapshot", `{"id":"ok3"}`, false); !rep.OK {
		t.Fatalf("snapshot: reply %+v, want ok", rep)
	}
	waitFor(t, "snapshot", 5*time.Second, func() bool {
		m, ok := s.Last(r.m.Topic("snapshot"))
		return ok && string(m.Payload) == string(jpeg)
	})
}

func TestTLSClientCertificate(t *testing.T) {
	tf := mqtttest.NewTLS(t)
	conf := fmt.Sprintf(`
listener {{PORT}} 127.0.0.1
cafile %s
certfile %s
keyfile %s
require_certificate true
use_identity_as_username true
allow_anonymous false
persistence false
`, tf.CA, tf.ServerCert, tf.ServerKey)
	b := mqtttest.New(t, "tls-broker", conf)
	b.Start()
	url := fmt.Sprintf("ssl://127.0.0.1:%d", b.Port)

	t.Run("good", func(t *testing.T) {
		cfg, box := testConfig(t, url)
		cfg.CAFile, cfg.CertFile, cfg.KeyFile = tf.CA, tf.ClientCert, tf.ClientKey
		r := startRig(t, cfg, box, nil)
		r.waitConnected()
	})
	t.Run("wrong CA", func(t *testing.T) {
		cfg, box := testConfig(t, url)
		cfg.CAFile, cfg.CertFile, cfg.KeyFile = tf.OtherCA, tf.ClientCert, tf.ClientKey
		r := startRig(t, cfg, box, nil)
		waitFor(t, "a TLS failure reported", 10*time.Second, func() bool { return r.m.Status().LastError != "" })
		if r.m.Status().Connected {
			t.Fatal("connected to a broker whose certificate is signed by an untrusted CA")
		}
		t.Logf("reported: %s", r.m.Status().LastError)
	})
	t.Run("no client certificate", func(t *testing.T) {
		cfg, box := testConfig(t, url)
		cfg.CAFile = tf.CA
		r := startRig(t, cfg, box, nil)
		waitFor(t, "a refused connection reported", 10*time.Second, func() bool { return r.m.Status().LastError != "" })
		time.Sleep(300 * time.Millisecond)
		if r.m.Status().Connected {
			t.Fatal("connected without the client certificate the broker requires")
		}
	})
}
