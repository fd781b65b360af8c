package hub

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// TestRegistryInvariantConcurrent hammers subscribe, unsubscribe, group
// changes, disconnects and slow-consumer removals from many goroutines while
// publishers run, checking that the by-stream index never drifts from the
// registry. Run with -race.
func TestRegistryInvariantConcurrent(t *testing.T) {
	h := testHub(t)
	stop := make(chan struct{})
	var pubs, workers sync.WaitGroup
	for _, s := range []Stream{StreamState, StreamEvent, StreamConfig} {
		pubs.Add(1)
		go func() {
			defer pubs.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				h.Publish(s, i)
				if i%50 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		}()
	}
	deadline := time.Now().Add(400 * time.Millisecond)
	for w := 0; w < 8; w++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for time.Now().Before(deadline) {
				// Small queues so some clients overflow and are removed by
				// the publisher (the slow-consumer path) concurrently.
				c := h.Connect(ClientOptions{QueueSize: 4 + r.IntN(8)})
				for range 1 + r.IntN(20) {
					s := Streams[r.IntN(numStreams)]
					switch r.IntN(5) {
					case 0, 1:
						c.Subscribe([]Stream{s}, nil, nil)
					case 2:
						c.Unsubscribe(s)
					case 3:
						c.SetGroup([]string{"", "display", "projector"}[r.IntN(3)])
					case 4:
						c.Poll(nil)
					}
				}
				if r.IntN(2) == 0 {
					c.Disconnect()
				} else {
					c.Close()
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { workers.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		if msg := h.checkInvariant(); msg != "" {
			t.Fatal(msg)
		}
	}
	close(stop)
	pubs.Wait()
	if msg := h.checkInvariant(); msg != "" {
		t.Fatal(msg)
	}
	if n := len(h.Clients()); n != 0 {
		t.Errorf("%d clients left registered after every one closed", n)
	}
	for _, s := range Streams {
		if w := h.Watchers(s); w != 0 {
			t.Errorf("Watchers(%s) = %d after every client closed", s, w)
		}
	}
}

func TestSlowConsumerRemoved(t *testing.T) {
	h := testHub(t)
	var ended error
	slow := h.Connect(ClientOptions{QueueSize: 4, OnEnd: func(err error) { ended = err }})
	fast := h.Connect(ClientOptions{QueueSize: 4})
	defer fast.Close()
	slow.Subscribe([]Stream{StreamEvent, StreamState}, nil, nil)
	fast.Subscribe([]Stream{StreamEvent, StreamState}, nil, nil)
	for i := 0; i < 10; i++ {
		h.Publish(StreamEvent, i)
		h.Publish(StreamState, i)
		if got := drain(t, fast); len(got) != 2 {
			t.Fatalf("fast client got %d publications, want 2", len(got))
		}
	}
	if _, err := slow.Next(t.Context(), nil); !errors.Is(err, ErrSlowConsumer) {
		t.Errorf("slow Next = %v, want ErrSlowConsumer", err)
	}
	if !errors.Is(ended, ErrSlowConsumer) {
		t.Errorf("OnEnd got %v", ended)
	}
	if h.Watchers(StreamEvent) != 1 || h.Client(slow.ID()) != nil {
		t.Error("slow consumer still registered")
	}
	if m := h.Metrics(); m.SlowConsumers != 1 {
		t.Errorf("SlowConsumers = %d", m.SlowConsumers)
	}
	// A replay larger than the queue is allowed (it is history), and live
	// traffic still has the queue's headroom behind it.
	c := h.Connect(ClientOptions{QueueSize: 4})
	defer c.Close()
	res, _ := c.Subscribe([]Stream{StreamEvent}, map[Stream]Position{StreamEvent: {h.Epoch(), 0}}, nil)
	if !res[0].Recovered || res[0].Replayed != 10 {
		t.Fatalf("replay %+v", res[0])
	}
	for i := 0; i < 4; i++ {
		h.Publish(StreamEvent, i)
	}
	if got := drain(t, c); len(got) != 14 || c.Err() != nil {
		t.Errorf("got %d after replay + 4 live, err %v", len(got), c.Err())
	}
}

func TestUnsubscribeDropsQueued(t *testing.T) {
	h := testHub(t)
	c := h.Connect(ClientOptions{})
	defer c.Close()
	c.Subscribe([]Stream{StreamEvent, StreamState, StreamConfig}, nil, nil)
	h.Publish(StreamEvent, 1)
	h.Publish(StreamConfig, 1)
	h.Publish(StreamState, 1)
	c.Unsubscribe(StreamEvent, StreamState, "bogus")
	got := drain(t, c)
	if len(got) != 1 || got[0].Stream != StreamConfig {
		t.Errorf("after unsubscribe got %v", got)
	}
	if s := c.Streams(); len(s) != 1 || s[0] != StreamConfig {
		t.Errorf("Streams() = %v", s)
	}
	c.Disconnect()
	if _, err := c.Next(t.Context(), nil); !errors.Is(err, ErrDisconnected) {
		t.Errorf("Next after Disconnect = %v", err)
	}
	c.Close() // no effect, no panic
	if !errors.Is(c.Err(), ErrDisconnected) {
		t.Errorf("Err = %v", c.Err())
	}
	if _, err := c.Subscribe([]Stream{StreamState}, nil, nil); !errors.Is(err, ErrDisconnected) {
		t.Errorf("Subscribe after end = %v", err)
	}
	if h.checkInvariant() != "" || h.Watchers(StreamConfig) != 0 {
		t.Error("ended client still indexed")
	}
}

func TestSubscribeInvalidChangesNothing(t *testing.T) {
	h := testHub(t)
	c := h.Connect(ClientOptions{})
	defer c.Close()
	for _, tc := range []struct {
		streams []Stream
		resume  map[Stream]Position
		rate    map[Stream]float64
	}{
		{nil, nil, nil},
		{[]Stream{StreamState, "bogus"}, nil, nil},
		{[]Stream{StreamState}, map[Stream]Position{StreamEvent: {}}, nil},
		{[]Stream{StreamState}, nil, map[Stream]float64{StreamFrame: 1}},
		{[]Stream{StreamState, StreamEvent}, nil, map[Stream]float64{StreamEvent: 1}},
	} {
		if _, err := c.Subscribe(tc.streams, tc.resume, tc.rate); err == nil {
			t.Errorf("Subscribe(%v, %v, %v) succeeded", tc.streams, tc.resume, tc.rate)
		}
	}
	if len(c.Streams()) != 0 || h.Watchers(StreamState) != 0 {
		t.Errorf("a refused subscribe changed subscriptions: %v", c.Streams())
	}
}

// TestDisconnectReason: the reason reaches OnEnd and Next, and the error
// still matches ErrDisconnected; a second end changes nothing.
func TestDisconnectReason(t *testing.T) {
	h := testHub(t)
	var ended error
	c := h.Connect(ClientOptions{OnEnd: func(err error) { ended = err }})
	c.DisconnectReason("maintenance")
	c.DisconnectReason("other")
	c.Close()
	_, err := c.Next(t.Context(), nil)
	for _, e := range []error{err, ended} {
		if !errors.Is(e, ErrDisconnected) || DisconnectedReason(e) != "maintenance" {
			t.Errorf("ended with %v (reason %q), want ErrDisconnected with reason maintenance", e, DisconnectedReason(e))
		}
	}
	if DisconnectedReason(ErrDisconnected) != "" || DisconnectedReason(ErrClosed) != "" {
		t.Error("DisconnectedReason of a plain error is not empty")
	}
}

// TestSubscribeGroupAtomic: a refused SubscribeGroup leaves the group as it
// was; an accepted one moves the client and subscribes in one step.
func TestSubscribeGroupAtomic(t *testing.T) {
	h := testHub(t)
	c := h.Connect(ClientOptions{Group: "a"})
	defer c.Close()
	if _, err := c.Subscribe([]Stream{StreamAlert}, nil, nil); err != nil {
		t.Fatal(err)
	}
	b, bad := "b", "Not Valid"
	for _, tc := range []struct {
		group   *string
		streams []Stream
	}{
		{&b, []Stream{"bogus"}},
		{&b, nil},
		{&bad, []Stream{StreamEvent}},
	} {
		if _, err := c.SubscribeGroup(tc.group, tc.streams, nil, nil); err == nil {
			t.Errorf("SubscribeGroup(%q, %v) succeeded", *tc.group, tc.streams)
		}
		if g := c.Group(); g != "a" {
			t.Fatalf("refused SubscribeGroup(%q, %v) moved the client to %q", *tc.group, tc.streams, g)
		}
	}
	h.RaiseAlertGroup(model.Alert{Message: "for b"}, "b")
	if n := c.Queued(); n != 0 {
		t.Errorf("%d queued for a client of group a after an alert for b", n)
	}
	if _, err := c.SubscribeGroup(&b, []Stream{StreamEvent}, nil, nil); err != nil || c.Group() != "b" {
		t.Fatalf("SubscribeGroup(b): %v, group %q", err, c.Group())
	}
}

// blockingHandler is a slog handler whose writes block until release is
// closed, like a stalled journald behind stderr.
type blockingHandler struct {
	slog.Handler
	release chan struct{}
	entered chan struct{}
}

func (b blockingHandler) Handle(ctx context.Context, r slog.Record) error {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	<-b.release
	return nil
}
func (b blockingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (b blockingHandler) WithAttrs([]slog.Attr) slog.Handler       { return b }

// TestSlowConsumerLogOutsideLock: logging a slow-consumer cut must not
// hold the hub: while the log write is stuck, other publishers and clients
// carry on.
func TestSlowConsumerLogOutsideLock(t *testing.T) {
	bh := blockingHandler{Handler: slog.DiscardHandler, release: make(chan struct{}), entered: make(chan struct{}, 1)}
	h := New(config.Default().Hub, slog.New(bh))
	slow := h.Connect(ClientOptions{QueueSize: 1})
	slow.Subscribe([]Stream{StreamEvent}, nil, nil)
	go func() {
		h.Publish(StreamEvent, 1)
		h.Publish(StreamEvent, 2) // overflows slow: logged
	}()
	select {
	case <-bh.entered:
	case <-time.After(20 * time.Second):
		t.Fatal("the slow consumer was not logged")
	}
	done := make(chan struct{})
	go func() {
		h.Publish(StreamState, 1)
		h.Watchers(StreamEvent)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Error("a publisher waited for another publisher's blocked log write")
	}
	close(bh.release)
	<-done
}
