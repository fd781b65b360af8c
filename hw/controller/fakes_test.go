package controller

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/hw/led"
)

// fakeStrip records every frame written.
type fakeStrip struct {
	n      int
	mu     sync.Mutex
	frames [][]led.RGB
	fail   error
	wake   chan struct{}
}

func newFakeStrip(n int) *fakeStrip { return &fakeStrip{n: n, wake: make(chan struct{}, 1)} }

func (s *fakeStrip) Len() int { return s.n }
func (s *fakeStrip) Write(px []led.RGB) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.frames = append(s.frames, append([]led.RGB(nil), px...))
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

func (s *fakeStrip) setFail(err error) { s.mu.Lock(); s.fail = err; s.mu.Unlock() }

func (s *fakeStrip) last() []led.RGB {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.frames) == 0 {
		return nil
	}
	return s.frames[len(s.frames)-1]
}

func (s *fakeStrip) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.frames) }

// waitFor waits until the latest frame satisfies ok.
func (s *fakeStrip) waitFor(t *testing.T, what string, ok func([]led.RGB) bool) []led.RGB {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		if px := s.last(); px != nil && ok(px) {
			return px
		}
		select {
		case <-s.wake:
		case <-deadline:
			t.Fatalf("no frame with %s; last frame %v", what, s.last())
		}
	}
}

// fakeFeed is a hub feed the test pushes publications into.
type fakeFeed struct {
	nexts  atomic.Int32 // calls of Next: the n-th call means n-1 batches were handed on
	ch     chan *hub.Publication
	closed chan struct{}
	once   sync.Once
}

func newFakeFeed() *fakeFeed {
	return &fakeFeed{ch: make(chan *hub.Publication, 16), closed: make(chan struct{})}
}

func (f *fakeFeed) Next(ctx context.Context, buf []*hub.Publication) ([]*hub.Publication, error) {
	f.nexts.Add(1)
	select {
	case p := <-f.ch:
		return append(buf, p), nil
	case <-f.closed:
		return buf, hub.ErrClosed
	case <-ctx.Done():
		return buf, ctx.Err()
	}
}
func (f *fakeFeed) Close() { f.once.Do(func() { close(f.closed) }) }

func (f *fakeFeed) event(t *testing.T, ev model.Event) {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	f.ch <- &hub.Publication{Stream: hub.StreamEvent, Data: b}
}

func (f *fakeFeed) alert(t *testing.T, a hub.AlertState) {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	f.ch <- &hub.Publication{Stream: hub.StreamAlert, Data: b}
}

// fakeAlerts records raised alerts.
type fakeAlerts struct {
	mu sync.Mutex
	a  []model.Alert
}

func (f *fakeAlerts) RaiseAlert(a model.Alert) (*hub.Publication, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.a = append(f.a, a)
	return &hub.Publication{}, nil
}

func (f *fakeAlerts) codes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var c []string
	for _, a := range f.a {
		c = append(c, a.Code)
	}
	return c
}

func (f *fakeAlerts) find(code string) (model.Alert, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.a {
		if a.Code == code {
			return a, true
		}
	}
	return model.Alert{}, false
}

func (f *fakeAlerts) waitFor(t *testing.T, code string) model.Alert {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if a, ok := f.find(code); ok {
			return a
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("no alert %q; have %q", code, f.codes())
	return model.Alert{}
}

// fakeReporter keeps the last report.
type fakeReporter struct {
	mu     sync.Mutex
	ok     string
	err    error
	nFails int
}

func (r *fakeReporter) OK(d string) { r.mu.Lock(); r.ok, r.err = d, nil; r.mu.Unlock() }
func (r *fakeReporter) Fail(err error) {
	r.mu.Lock()
	r.err, r.ok = err, ""
	r.nFails++
	r.mu.Unlock()
}
func (r *fakeReporter) last() (string, error) { r.mu.Lock(); defer r.mu.Unlock(); return r.ok, r.err }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

var errTest = errors.New("spi write failed")

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func blockUntil(t *testing.T, clk *clockwork.FakeClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := clk.BlockUntilContext(ctx, n); err != nil {
		t.Fatalf("waiting for %d clock waiters: %v", n, err)
	}
}
