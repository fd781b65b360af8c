package ws

import (
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
)

type sample struct {
	stream string
	offset uint64
	lat    time.Duration
	at     time.Time
}

// TestStalledClientDoesNotDelayOthers: one client subscribes and then never
// reads, with small socket buffers on both sides. While it is conflated and
// then disconnected (4008), the other clients' delivery latency stays in
// its normal range, they receive every event and lose no state.
func TestStalledClientDoesNotDelayOthers(t *testing.T) {
	const writeTimeout = 3 * time.Second
	env := newEnv(t, 8<<10, func(w *config.WebSocket, _ *config.HTTP, _ *config.Hub) {
		w.QueueSize = 16
		w.WriteTimeout = config.Duration(writeTimeout)
	})
	const normal = 4
	var (
		mu      sync.Mutex
		samples [normal][]sample
		wg      sync.WaitGroup
	)
	clients := make([]*tclient, normal)
	for i := range clients {
		c, _ := env.connect(t, dialOpts{})
		c.send(`{"type":"subscribe","data":{"streams":["state","event"]}}`)
		c.until(TypeSubscribed)
		clients[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				m, err := c.read(10 * time.Second)
				if err != nil {
					return // closed by the test
				}
				now := time.Now()
				mu.Lock()
				samples[i] = append(samples[i], sample{m.Stream, m.Offset, now.Sub(m.Time), now})
				mu.Unlock()
			}
		}()
	}

	state := map[string]string{"pad": strings.Repeat("s", 1000)} // ~1 KiB like the real state
	publish := func(d time.Duration) {
		tick := time.NewTicker(time.Second / 60)
		defer tick.Stop()
		end := time.Now().Add(d)
		for i := 0; time.Now().Before(end); i++ {
			<-tick.C
			env.h.Publish(hub.StreamState, state)
			if i%3 == 0 {
				env.h.Publish(hub.StreamEvent, map[string]int{"i": i})
			}
		}
	}

	publish(500 * time.Millisecond) // baseline
	stallStart := time.Now()
	stalled, _ := env.connect(t, dialOpts{rcvbuf: 4 << 10})
	stalled.send(`{"type":"subscribe","data":{"streams":["state","event"]}}`)
	stalled.until(TypeSubscribed)
	// From here on the stalled client never reads.
	deadline := time.Now().Add(30 * time.Second)
	for env.s.Stats().Closes[CloseSlowConsumer] == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("stalled client not disconnected within 30s: %+v", env.s.Stats())
		}
		publish(100 * time.Millisecond)
	}
	stallEnd := time.Now()
	publish(300 * time.Millisecond) // after
	// Wait (not sleep) for the last event and state to reach every client:
	// a loaded machine may take a while, which is not what is tested here.
	lastEvent := env.h.Offset(hub.StreamEvent).Offset
	lastState := env.h.Offset(hub.StreamState).Offset
	got := func(i int, stream string, off uint64) bool {
		mu.Lock()
		defer mu.Unlock()
		for _, s := range samples[i] {
			if s.stream == stream && s.offset == off {
				return true
			}
		}
		return false
	}
	deadline = time.Now().Add(30 * time.Second)
	for i := range clients {
		for !got(i, "event", lastEvent) || !got(i, "state", lastState) {
			if time.Now().After(deadline) {
				t.Fatalf("client %d did not receive event %d and state %d within 30s", i, lastEvent, lastState)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, c := range clients {
		c.nc.Close()
	}
	wg.Wait()

	if m := env.h.Metrics(); m.SlowConsumers != 1 {
		t.Errorf("hub SlowConsumers = %d, want 1", m.SlowConsumers)
	}
	var base, during []time.Duration
	for i := range samples {
		var events, states []uint64
		for _, s := range samples[i] {
			switch {
			case s.at.Before(stallStart):
				base = append(base, s.lat)
			case s.at.Before(stallEnd):
				during = append(during, s.lat)
			}
			if s.stream == "event" {
				events = append(events, s.offset)
			} else {
				states = append(states, s.offset)
			}
		}
		if uint64(len(events)) != lastEvent || !contiguous(events) {
			t.Errorf("client %d: %d events (contiguous %v), want all %d", i, len(events), contiguous(events), lastEvent)
		}
		// At 60 Hz a reading client keeps up: state is conflated only for
		// a client that falls a whole publication behind. A writer the
		// scheduler delays 100 ms on a loaded 2-core machine loses six;
		// allow a quarter (the latency check below is what proves the
		// stalled client held nobody up).
		if missed := lastState - uint64(len(states)); missed > lastState/4 {
			t.Errorf("client %d: missed %d of %d states", i, missed, lastState)
		}
	}
	pb, pd := pct(base), pct(during)
	t.Logf("latency baseline p50 %v p99 %v max %v (%d); while stalled p50 %v p99 %v max %v (%d); stall lasted %v",
		pb[0], pb[1], pb[2], len(base), pd[0], pd[1], pd[2], len(during), stallEnd.Sub(stallStart).Round(time.Millisecond))
	// A fan-out that waited on the stalled client would hold the others for
	// up to write_timeout; their worst case must stay far below it.
	if pd[2] > writeTimeout/3 {
		t.Errorf("worst latency of the other clients while one stalled: %v (write_timeout %v)", pd[2], writeTimeout)
	}
	if len(during) == 0 {
		t.Error("no deliveries to the other clients while one stalled")
	}
}

func contiguous(offs []uint64) bool {
	for i, o := range offs {
		if o != uint64(i+1) {
			return false
		}
	}
	return true
}

// pct returns p50, p99 and max.
func pct(d []time.Duration) [3]time.Duration {
	if len(d) == 0 {
		return [3]time.Duration{}
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return [3]time.Duration{s[len(s)/2], s[(len(s)*99)/100], s[len(s)-1]}
}
