package mirror

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cuecast/cuecast/broker/internal/mqtttest"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

func TestHomeAssistantDiscoveryAndSummary(t *testing.T) {
	b := mqtttest.New(t, "broker", mqtttest.Plain)
	b.Start()
	cfg, box := testConfig(t, b.URL())
	r := startRig(t, cfg, box, nil)
	r.waitConnected()
	ha := mqtttest.Subscribe(t, b.URL(), "ha", true, "homeassistant/sensor/#", r.m.Topic("summary"))
	waitFor(t, "6 retained discovery configs", 10*time.Second, func() bool { return len(ha.Messages("")) >= 6 })
	for _, m := range ha.Messages("") {
		if !strings.HasSuffix(m.Topic, "/config") {
			continue
		}
		var c haSensor
		if err := json.Unmarshal(m.Payload, &c); err != nil {
			t.Fatalf("%s: %v", m.Topic, err)
		}
		state := r.m.Topic("summary")
		if strings.Contains(c.UniqueID, "_game_") {
			state = r.m.Topic("game") // score and turn
		}
		if !m.Retained || c.StateTopic != state || len(c.Availability) != 1 || c.Availability[0].Topic != r.m.Topic("available") || c.Device.Identifiers[0] != "cuecast_test_t1" {
			t.Errorf("discovery %s = %+v (retained %v)", m.Topic, c, m.Retained)
		}
	}
	// Home Assistant restarts: its birth message gets discovery again.
	before := len(ha.Messages(""))
	pub := mqtttest.Subscribe(t, b.URL(), "ha-birth", true)
	pub.C.Publish("homeassistant/status", 0, false, "online").Wait()
	waitFor(t, "discovery after the birth message", 10*time.Second, func() bool {
		n := 0
		for _, m := range ha.Messages("")[before:] {
			if strings.HasSuffix(m.Topic, "/config") {
				n++
			}
		}
		return n >= 4
	})

	// Summary: balls on table, frame rate from seq/captured, last event.
	t0 := time.Now()
	for i := range 4 {
		st := model.State{Seq: uint64(i * 30), Captured: t0.Add(time.Duration(i) * time.Second), Balls: make([]model.Ball, 9), Phase: "idle"}
		r.hub.Publish(hub.StreamState, st)
		time.Sleep(50 * time.Millisecond)
	}
	r.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventRackDetected, Time: t0})
	time.Sleep(1100 * time.Millisecond) // summary is at most 1 Hz
	r.hub.Publish(hub.StreamState, model.State{Seq: 150, Captured: t0.Add(5 * time.Second), Balls: make([]model.Ball, 9), Phase: "idle"})
	waitFor(t, "summary", 10*time.Second, func() bool {
		m, ok := ha.Last(r.m.Topic("summary"))
		if !ok {
			return false
		}
		var s summary
		json.Unmarshal(m.Payload, &s)
		return s.Balls == 9 && s.LastEvent == model.EventRackDetected && s.FPS == 30
	})
}

func TestSnapshotAfterConfiguredEvents(t *testing.T) {
	b := mqtttest.New(t, "broker", mqtttest.Plain)
	b.Start()
	cfg, box := testConfig(t, b.URL())
	cfg.SnapshotOn = []string{model.EventShotEnded}
	cfg.SnapshotMinInterval = config.Duration(time.Hour)
	var calls atomic.Int32
	r := startRig(t, cfg, box, nil, func(m *Mirror) {
		m.SetSnapshotter(func() ([]byte, error) {
			n := calls.Add(1)
			return []byte{0xFF, 0xD8, byte(n), 0xFF, 0xD9}, nil
		})
	})
	r.waitConnected()
	s := mqtttest.Subscribe(t, b.URL(), "snap", true, r.m.Topic("snapshot"), r.m.Topic("event"))
	r.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShotStarted, Time: time.Now()})
	r.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShotEnded, Time: time.Now()})
	waitFor(t, "a retained snapshot", 10*time.Second, func() bool {
		m, ok := s.Last(r.m.Topic("snapshot"))
		return ok && len(m.Payload) == 5 && m.Payload[2] == 1
	})
	// Within snapshot_min_interval: no second snapshot.
	r.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShotEnded, Time: time.Now()})
	waitFor(t, "3 events", 10*time.Second, func() bool { return len(s.Messages(r.m.Topic("event"))) == 3 })
	time.Sleep(300 * time.Millisecond)
	if n := calls.Load(); n != 1 {
		t.Fatalf("snapshotter called %d times, want 1 (shot_started does not trigger; the second shot_ended is within the interval)", n)
	}
}

func TestOutboxOverflowIsCountedAndAlerted(t *testing.T) {
	b := mqtttest.New(t, "broker", mqtttest.Plain)
	cfg, box := testConfig(t, b.URL())
	cfg.StoreMaxBytes = 64 << 10
	events := "cuecast/test/t1/event"
	b.Start()
	s := mqtttest.Subscribe(t, b.URL(), "dash", false, events)
	b.Stop()
	// History deep enough that a slow-consumer resume always recovers: the
	// only loss here is the outbox bound.
	h := hub.New(config.Hub{HistoryCount: 10000, HistoryAge: config.Duration(time.Hour)}, testLogger(t))
	r := startRig(t, cfg, box, h)
	waitFor(t, "the mirror subscribed to the hub", 5*time.Second, func() bool { return r.hub.Watchers(hub.StreamEvent) > 0 })
	const n = 2000 // ~200 bytes each in the outbox: several times the bound
	for i := range n {
		r.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventBallCollision, Time: time.Now(), Balls: []string{"cue", fmt.Sprint(i%15 + 1)}})
	}
	waitFor(t, "the overflow alert", 10*time.Second, func() bool {
		for _, a := range r.hub.Alerts() {
			if a.Code == "mqtt_outbox_overflow" {
				return true
			}
		}
		return false
	})
	waitFor(t, "all events handled", 10*time.Second, func() bool {
		st := r.m.Status()
		return st.Dropped > 0 && st.Queued+st.Dropped >= n+1 // + the overflow alert
	})
	st := r.m.Status()
	b.Start()
	// The newest survive, contiguous and in order, and the alert too.
	waitFor(t, "the surviving events", 30*time.Second, func() bool { return uint64(len(s.Messages(events))) >= st.Queued-1 })
	ms := s.Messages(events)
	var first, last envelope
	json.Unmarshal(ms[0].Payload, &first)
	json.Unmarshal(ms[len(ms)-1].Payload, &last)
	// Dropped counts records: the oldest events, and the overflow alert too
	// when it was queued early and overflow went on.
	if lostEvents := first.Offset - 1; lostEvents == 0 || lostEvents > st.Dropped || st.Dropped > lostEvents+1 || last.Offset != n {
		t.Fatalf("received offsets %d..%d with %d dropped, want the suffix after the dropped ones, ending at %d", first.Offset, last.Offset, st.Dropped, n)
	}
	for i := 1; i < len(ms); i++ {
		var e envelope
		json.Unmarshal(ms[i].Payload, &e)
		if e.Offset != first.Offset+uint64(i) {
			t.Fatalf("message %d has offset %d, want %d: a gap inside what was kept", i, e.Offset, first.Offset+uint64(i))
		}
	}
	t.Logf("dropped %d, delivered %d (offsets %d..%d)", st.Dropped, len(ms), first.Offset, last.Offset)
}

func TestSlowConsumerResumesFromHistory(t *testing.T) {
	b := mqtttest.New(t, "broker", mqtttest.Plain)
	b.Start()
	cfg, box := testConfig(t, b.URL())
	cfg.StoreSync = 0 // fsync every append: the hub loop is slow
	h := hub.New(config.Hub{HistoryCount: 10000, HistoryAge: config.Duration(time.Hour)}, testLogger(t))
	r := startRig(t, cfg, box, h, func(m *Mirror) { m.hubQueue = 2 })
	r.waitConnected()
	events := r.m.Topic("event")
	s := mqtttest.Subscribe(t, b.URL(), "dash", false, events)
	const n = 1000
	for i := range n {
		h.Publish(hub.StreamEvent, model.Event{Type: model.EventBallCollision, Time: time.Now(), Balls: []string{fmt.Sprint(i)}})
	}
	waitFor(t, "all events", 60*time.Second, func() bool { return len(s.Messages(events)) >= n })
	checkInOrder(t, s.Messages(events), n)
	if r.m.resumes.Load() == 0 {
		t.Skip("the mirror kept up with a 2-deep hub queue on this machine: resume path not exercised")
	}
	t.Logf("resumed %d times", r.m.resumes.Load())
}
