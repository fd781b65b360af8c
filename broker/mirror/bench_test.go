package mirror

import (
	"encoding/json"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/cuecast/cuecast/broker/internal/mqtttest"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// benchState is a realistic state: 16 balls.
func benchState(seq uint64) model.State {
	st := model.State{Seq: seq, Captured: time.Now(), Table: model.Standard(model.Table9ft), Width: 1280, Height: 720, Phase: "aiming"}
	for i := range 16 {
		n := i
		st.Balls = append(st.Balls, model.Ball{ID: model.BallID(i), Class: model.ClassOf(i), Number: &n,
			Pos: model.Vec2{X: 0.1 * float64(i), Y: 0.5}, Pixel: model.Pixel{X: 40 * float64(i), Y: 300}, RadiusPx: 11, Confidence: 0.97})
	}
	return st
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLatency measures hub publish -> MQTT subscriber latency through
// a local Mosquitto: state at 60 Hz (unthrottled: max_rate 0) and a burst of
// 10 events every half second. b.N is the number of 60 Hz frames; run with
// -benchtime=600x (10 s). The subscriber runs in this process.
func BenchmarkLatency(b *testing.B) {
	br := mqtttest.New(b, "broker", mqtttest.Plain)
	br.Start()
	cfg, box := testConfig(b, br.URL())
	cfg.Streams.State.MaxRate = 0
	h := hub.New(benchHubCfg(), testLogger(b))
	m, err := New(cfg, box, h, &fakeReporter{}, testLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	stages := map[string][]time.Duration{}
	m.trace = func(stage string, payload []byte) {
		now := time.Now()
		var e struct {
			Time time.Time `json:"time"`
		}
		if json.Unmarshal(payload, &e) != nil || e.Time.IsZero() {
			return // summary, snapshot: not hub publications
		}
		mu.Lock()
		stages[stage] = append(stages[stage], now.Sub(e.Time))
		mu.Unlock()
	}
	done := make(chan struct{})
	go func() { m.Run(b.Context()); close(done) }()
	defer func() { m.Shutdown(b.Context()); <-done }()
	for !m.Status().Connected {
		time.Sleep(10 * time.Millisecond)
	}

	record := func(_ mqtt.Client, msg mqtt.Message) {
		now := time.Now()
		var e struct {
			Stream string    `json:"stream"`
			Time   time.Time `json:"time"`
		}
		if json.Unmarshal(msg.Payload(), &e) != nil || e.Time.IsZero() {
			return
		}
		mu.Lock()
		lat[e.Stream] = append(lat[e.Stream], now.Sub(e.Time))
		mu.Unlock()
	}
	sub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(br.URL()).SetClientID("bench-sub"))
	if tok := sub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	defer sub.Disconnect(100)
	tok := sub.SubscribeMultiple(map[string]byte{m.Topic("state"): 0, m.Topic("event"): 1}, record)
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatal(tok.Error())
	}
	time.Sleep(200 * time.Millisecond) // the retained state from before, if any, is not measured
	mu.Lock()
	clear(lat)
	clear(stages)
	mu.Unlock()

	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	tick := time.NewTicker(time.Second / 60)
	defer tick.Stop()
	events := 0
	for i := range b.N {
		h.Publish(hub.StreamState, benchState(uint64(i)))
		if i%30 == 0 {
			for range 10 {
				events++
				h.Publish(hub.StreamEvent, model.Event{Type: model.EventBallCollision, Time: time.Now(), Balls: []string{"cue", "3"}})
			}
		}
		<-tick.C
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := len(lat["event"])
		mu.Unlock()
		if n >= events {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	total := 0
	for _, s := range []string{"state", "event"} {
		d := lat[s]
		total += len(d)
		if len(d) == 0 {
			b.Fatalf("no %s received", s)
		}
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, s+"-p50-ms")
		b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, s+"-p99-ms")
	}
	if len(lat["event"]) < events {
		b.Errorf("received %d of %d events", len(lat["event"]), events)
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-us/msg(incl-sub)")
	b.ReportMetric(float64(total)/float64(b.N), "msgs/frame")
	// Inside the daemon: hub publish -> handed to paho (the rest is paho's
	// socket write, Mosquitto and the subscriber, all sharing the machine).
	for _, s := range []string{"hub->paho(latest)", "hub->paho(queued)"} {
		d := stages[s]
		if len(d) == 0 {
			continue
		}
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		b.ReportMetric(float64(d[len(d)*99/100].Microseconds())/1000, s+"-p99-ms")
	}
}

// BenchmarkMirrorCPU is the mirror's cost per message without a subscriber
// in the process: b.N states and b.N events through hub -> mirror -> broker.
// CPU is the process's user+system time (hub, mirror, paho) per message.
func BenchmarkMirrorCPU(b *testing.B) {
	for _, stream := range []hub.Stream{hub.StreamState, hub.StreamEvent} {
		b.Run(string(stream), func(b *testing.B) {
			br := mqtttest.New(b, "broker", mqtttest.Plain)
			br.Start()
			cfg, box := testConfig(b, br.URL())
			cfg.Streams.State.MaxRate = 0
			cfg.HADiscovery = false // no summary decoding: the mirror alone
			h := hub.New(benchHubCfg(), testLogger(b))
			m, err := New(cfg, box, h, &fakeReporter{}, testLogger(b))
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			go func() { m.Run(b.Context()); close(done) }()
			defer func() { m.Shutdown(b.Context()); <-done }()
			for !m.Status().Connected {
				time.Sleep(10 * time.Millisecond)
			}
			// Pre-encoded: the hub's JSON encoding of the state is the
			// producer's cost (the WebSocket clients share it), not the mirror's.
			st, _ := json.Marshal(benchState(1))
			ev, _ := json.Marshal(model.Event{Type: model.EventBallCollision, Time: time.Now(), Balls: []string{"cue", "3"}})
			base := m.Status().Published
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				if stream == hub.StreamState {
					h.Publish(stream, json.RawMessage(st))
					// 2 kHz: fast, but slow enough that latest-wins rarely
					// conflates, so most states are mirrored.
					time.Sleep(500 * time.Microsecond)
				} else {
					h.Publish(stream, json.RawMessage(ev))
				}
			}
			if stream == hub.StreamEvent {
				for m.Status().Published-base < uint64(b.N) {
					time.Sleep(time.Millisecond)
				}
			} else {
				time.Sleep(50 * time.Millisecond)
			}
			cpu := cpuTime() - cpu0
			b.StopTimer()
			n := m.Status().Published - base
			b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-us/msg")
			b.ReportMetric(float64(n)/float64(b.N), "mirrored/published")
		})
	}
}

func benchHubCfg() config.Hub {
	c := config.Default().Hub
	c.HistoryCount = 100000
	return c
}
