package hub

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
)

func testHub(t testing.TB, mod ...func(*config.Hub)) *Hub {
	cfg := config.Default().Hub
	for _, m := range mod {
		m(&cfg)
	}
	return New(cfg, nil)
}

// drain returns what Next yields within a short time, without blocking the
// test when nothing is queued.
func drain(t testing.TB, c *Client) []*Publication {
	t.Helper()
	var out []*Publication
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		got, err := c.Next(ctx, nil)
		cancel()
		if err != nil {
			return out
		}
		out = append(out, got...)
	}
}

func TestPublishEnvelope(t *testing.T) {
	h := testHub(t)
	p, err := h.Publish(StreamState, map[string]int{"seq": 7})
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Type, Stream, Epoch string
		Offset              uint64
		Time                time.Time
		Data                json.RawMessage
	}
	if err := json.Unmarshal(p.JSON(), &env); err != nil {
		t.Fatalf("JSON() = %s: %v", p.JSON(), err)
	}
	if env.Type != "publication" || env.Stream != "state" || env.Epoch != h.Epoch() || env.Offset != 1 || string(env.Data) != `{"seq":7}` {
		t.Errorf("JSON() = %s", p.JSON())
	}
	if !env.Time.Equal(p.Time) {
		t.Errorf("time = %v, want %v", env.Time, p.Time)
	}
	p2, _ := h.Publish(StreamState, json.RawMessage(`{"seq":8}`))
	if p2.Offset != 2 {
		t.Errorf("second offset = %d, want 2", p2.Offset)
	}
	if _, err := h.Publish("bogus", 1); err == nil {
		t.Error("Publish(bogus) succeeded")
	}
	if _, err := h.Publish(StreamState, json.RawMessage(`{`)); err == nil {
		t.Error("Publish(invalid raw JSON) succeeded")
	}
	if h.Offset(StreamState).Offset != 2 {
		t.Errorf("a failed publish moved the offset to %d", h.Offset(StreamState).Offset)
	}
}

func TestSubscribeGetsLatestThenLive(t *testing.T) {
	h := testHub(t)
	h.Publish(StreamState, 1)
	h.Publish(StreamState, 2)
	h.Publish(StreamEvent, "e1")
	c := h.Connect(ClientOptions{})
	defer c.Close()
	res, err := c.Subscribe([]Stream{StreamState, StreamEvent}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Stream != StreamEvent || res[1].Replayed != 1 || res[0].Replayed != 0 {
		t.Errorf("Subscribe = %+v", res)
	}
	got := drain(t, c)
	if len(got) != 1 || got[0].Offset != 2 || got[0].Stream != StreamState {
		t.Fatalf("first delivery = %v, want state offset 2 only", got)
	}
	h.Publish(StreamEvent, "e2")
	got = drain(t, c)
	if len(got) != 1 || string(got[0].Data) != `"e2"` {
		t.Fatalf("live = %v, want e2", got)
	}
	if h.Watchers(StreamState) != 1 || h.Watchers(StreamFrame) != 0 {
		t.Errorf("Watchers = %d, %d", h.Watchers(StreamState), h.Watchers(StreamFrame))
	}
}

// TestLatestGroupBounded: publishing to ever new group names keeps the
// latest value of at most maxLatestGroups groups per stream, the newest.
func TestLatestGroupBounded(t *testing.T) {
	h := testHub(t)
	for i := 0; i < 3*maxLatestGroups; i++ {
		if _, err := h.PublishGroup(StreamState, "g"+strconv.Itoa(i), i); err != nil {
			t.Fatal(err)
		}
	}
	h.mu.Lock()
	n := len(h.latestGroup[streamIndex(StreamState)])
	h.mu.Unlock()
	if n > maxLatestGroups {
		t.Errorf("latest values kept for %d groups, want at most %d", n, maxLatestGroups)
	}
	last := "g" + strconv.Itoa(3*maxLatestGroups-1)
	c := h.Connect(ClientOptions{Group: last})
	defer c.Close()
	if res, _ := c.Subscribe([]Stream{StreamState}, nil, nil); res[0].Replayed != 1 {
		t.Errorf("a client of the newest group got %d latest values, want 1", res[0].Replayed)
	}
}
