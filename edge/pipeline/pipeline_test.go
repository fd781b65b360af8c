package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// fakeSource yields frames, then errors from errs (one per Read) when set.
type fakeSource struct {
	mu   sync.Mutex
	seq  uint64
	errs []error
}

func (s *fakeSource) Name() string { return "fake" }
func (s *fakeSource) Close() error { return nil }
func (s *fakeSource) Read(ctx context.Context, f *model.Frame) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) > 0 {
		err := s.errs[0]
		s.errs = s.errs[1:]
		return err
	}
	s.seq++
	f.Seq, f.Captured, f.Width, f.Height = s.seq, time.Now(), 4, 4
	time.Sleep(time.Millisecond)
	return nil
}

type fakeDetector struct{}

func (fakeDetector) Detect(f *model.Frame, d *model.Detection) error {
	d.Seq = f.Seq
	d.Balls = append(d.Balls[:0], model.BallDetection{Class: model.ClassCue})
	return nil
}

type fakeTracker struct{ st model.State }

func (t *fakeTracker) Update(d *model.Detection) (*model.State, []model.Event) {
	t.st.Seq = d.Seq
	t.st.Balls = t.st.Balls[:0]
	for range d.Balls {
		t.st.Balls = append(t.st.Balls, model.Ball{ID: "cue"})
	}
	var evs []model.Event
	if d.Seq == 3 {
		evs = []model.Event{{Type: model.EventShotStarted}}
	}
	return &t.st, evs
}

type fakeSink struct {
	mu                     sync.Mutex
	states, events, frames int
	perf                   int
}

func (s *fakeSink) State(*model.State)           { s.mu.Lock(); s.states++; s.mu.Unlock() }
func (s *fakeSink) Event(model.Event)            { s.mu.Lock(); s.events++; s.mu.Unlock() }
func (s *fakeSink) Trajectory(*model.Trajectory) {}
func (s *fakeSink) Performance(*Performance)     { s.mu.Lock(); s.perf++; s.mu.Unlock() }
func (s *fakeSink) Frame(*model.Frame)           { s.mu.Lock(); s.frames++; s.mu.Unlock() }

type fakeReport struct {
	progress atomic.Int64
	fails    atomic.Int64
}

func (r *fakeReport) Progress()  { r.progress.Add(1) }
func (r *fakeReport) OK(string)  {}
func (r *fakeReport) Fail(error) { r.fails.Add(1) }

func TestRunPublishesAndRecovers(t *testing.T) {
	src := &fakeSource{errs: []error{model.ErrSourceLost, model.ErrSourceLost}}
	sink := &fakeSink{}
	rep, srcRep := &fakeReport{}, &fakeReport{}
	var alerts []string
	var amu sync.Mutex
	p, err := New(Options{
		Source: src, Detector: fakeDetector{}, Tracker: &fakeTracker{}, Sink: sink, Report: rep, SourceReport: srcRep,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), PerfEvery: 20 * time.Millisecond, Retry: time.Millisecond,
		Alert: func(level, code, msg string) { amu.Lock(); alerts = append(alerts, code); amu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	for p.Stats().Frames < 30 {
		if ctx.Err() != nil {
			t.Fatal("timed out waiting for 30 frames")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil on cancel", err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.states < 30 || sink.frames != sink.states || sink.events != 1 || sink.perf == 0 {
		t.Errorf("sink got states=%d frames=%d events=%d perf=%d", sink.states, sink.frames, sink.events, sink.perf)
	}
	if srcRep.fails.Load() != 2 || rep.fails.Load() != 0 {
		t.Errorf("source Fail reported %d times, loop Fail %d: want 2 (one per source error) and 0", srcRep.fails.Load(), rep.fails.Load())
	}
	if rep.progress.Load() < int64(sink.states)+2 {
		t.Errorf("Progress %d, want at least one per frame and per retry", rep.progress.Load())
	}
	amu.Lock()
	defer amu.Unlock()
	if len(alerts) != 2 || alerts[0] != "source_lost" || alerts[1] != "source_recovered" {
		t.Errorf("alerts = %v, want [source_lost source_recovered]", alerts)
	}
}

// A source that blocks forever stops progress: that is what lets the
// watchdog fire.
func TestStalledSourceStopsProgress(t *testing.T) {
	block := make(chan struct{})
	src := &blockingSource{after: 5, block: block}
	rep := &fakeReport{}
	p, _ := New(Options{Source: src, Detector: fakeDetector{}, Tracker: &fakeTracker{}, Sink: &fakeSink{}, Report: rep,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for p.Stats().Frames < 5 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	n := rep.progress.Load()
	time.Sleep(50 * time.Millisecond)
	if got := rep.progress.Load(); got != n {
		t.Errorf("progress moved from %d to %d while the source was stalled", n, got)
	}
	cancel()
	<-done
}

type blockingSource struct {
	n, after int
	block    chan struct{}
}

func (s *blockingSource) Name() string { return "blocking" }
func (s *blockingSource) Close() error { return nil }
func (s *blockingSource) Read(ctx context.Context, f *model.Frame) error {
	s.n++
	if s.n > s.after {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.block:
		}
	}
	f.Seq = uint64(s.n)
	return nil
}

func TestNewRequiresStages(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Fatal("New(empty) = nil error")
	}
}

// countingSource fails every Read and counts them.
type countingSource struct{ reads atomic.Int64 }

func (s *countingSource) Name() string { return "failing" }
func (s *countingSource) Close() error { return nil }
func (s *countingSource) Read(ctx context.Context, f *model.Frame) error {
	s.reads.Add(1)
	return errors.New("device gone")
}

// A loop waiting out a long source backoff (up to 30 s, more than a
// watchdog interval) is alive: it reports progress while it waits, not
// only once per retry, so systemd does not restart a daemon that is
// retrying its source (issue 13).
func TestBackoffWaitReportsProgress(t *testing.T) {
	src := &countingSource{}
	rep := &fakeReport{}
	p, _ := New(Options{Source: src, Detector: fakeDetector{}, Tracker: &fakeTracker{}, Sink: &fakeSink{}, Report: rep,
		Retry: time.Hour, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for rep.progress.Load() < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("progress %d after 20 s inside one backoff, want it to keep coming", rep.progress.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := src.reads.Load(); n != 1 {
		t.Errorf("%d reads, want 1: the progress came from the wait, not from retries", n)
	}
	cancel()
	<-done
}
