package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// Detector finds the table, balls and cue in a frame, filling dst (reusing
// its slices) and dst.Timings (table, balls, cue).
type Detector interface {
	Detect(f *model.Frame, dst *model.Detection) error
}

// Tracker turns detections into table state and game events. The returned
// state and events are valid until the next Update.
type Tracker interface {
	Update(det *model.Detection) (*model.State, []model.Event)
}

// Predictor predicts the shot being aimed, filling dst. It reports false when
// nobody is aiming (no trajectory to publish).
type Predictor interface {
	Predict(st *model.State, dst *model.Trajectory) bool
}

// Sink receives the loop's output. Methods are called from the loop
// goroutine and must not block; arguments are valid only during the call.
type Sink interface {
	State(st *model.State)
	Event(ev model.Event)
	Trajectory(tr *model.Trajectory)
	Performance(p *Performance)
	// Frame offers the raw frame (e.g. to a JPEG encoder that only works while
	// someone watches).
	Frame(f *model.Frame)
}

// Reporter is the supervisor's view of the loop.
type Reporter interface {
	Progress()
	OK(detail string)
	Fail(err error)
}

// Options configure a Pipeline.
type Options struct {
	Source    model.Source
	Detector  Detector
	Tracker   Tracker
	Predictor Predictor // optional
	Sink      Sink
	Report    Reporter // the loop ("vision"): gates the watchdog
	// SourceReport hears about the source alone ("source"); optional.
	SourceReport Reporter
	Log          *slog.Logger
	// TargetFPS caps processing; frames arriving faster are read and dropped
	// (seed integration.target_fps). 0 processes every frame.
	TargetFPS float64
	// Alert raises an alert for people (source lost, detector failing).
	Alert func(level, code, msg string)
	// PerfEvery is how often Performance is emitted (default 500 ms).
	PerfEvery time.Duration
	// Retry is the first backoff after a source error; it doubles to 30 s.
	Retry time.Duration
}

// Pipeline is the frame loop. Stats is safe to call from any goroutine.
type Pipeline struct {
	o Options

	mu    sync.Mutex // guards stats and perf
	stats Stats
	perf  Performance // the last one emitted
}

// Stats is what the STATUS line, /metrics and /api/v1/vision/performance show.
type Stats struct {
	Frames      uint64             `json:"frames"`
	Dropped     uint64             `json:"dropped"` // skipped by the target-fps cap
	FPS         float64            `json:"fps"`
	Balls       int                `json:"balls"`
	Phase       string             `json:"phase"`
	Timings     model.StageTimings `json:"timings"` // mean over the last window
	Last        model.StageTimings `json:"last"`    // the latest frame
	SourceError string             `json:"source_error,omitempty"`
	LastFrame   time.Time          `json:"last_frame"`
	// LatencyP99MS is capture-to-published latency, p99 over the last window.
	LatencyP99MS float64 `json:"latency_p99_ms"`
}

// LastPerformance returns the last Performance emitted (zero before the first).
func (p *Pipeline) LastPerformance() Performance {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.perf
}

// New checks the options and returns a Pipeline.
func New(o Options) (*Pipeline, error) {
	if o.Source == nil || o.Detector == nil || o.Tracker == nil || o.Sink == nil {
		return nil, errors.New("pipeline: source, detector, tracker and sink are required")
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.PerfEvery <= 0 {
		o.PerfEvery = 500 * time.Millisecond
	}
	if o.Retry <= 0 {
		o.Retry = 500 * time.Millisecond
	}
	if o.Alert == nil {
		o.Alert = func(string, string, string) {}
	}
	if o.SourceReport == nil {
		o.SourceReport = nopReporter{}
	}
	return &Pipeline{o: o}, nil
}

// Stats returns a copy of the current statistics.
func (p *Pipeline) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Run loops until ctx ends. It returns nil on cancellation; it never returns
// on a source error (it retries with backoff and reports).
func (p *Pipeline) Run(ctx context.Context) error {
	var (
		frame   model.Frame
		det     model.Detection
		traj    model.Trajectory
		win     window
		backoff = p.o.Retry
		minGap  time.Duration
		lastAt  time.Time
		failing bool
		healthy bool // Report.OK sent since the last failure
	)
	if p.o.TargetFPS > 0 {
		// Allow 10% jitter so a 30 fps source is not halved by a 30 fps cap.
		minGap = time.Duration(float64(time.Second) / p.o.TargetFPS * 0.9)
	}
	win.reset(time.Now())
	for {
		t0 := time.Now()
		err := p.o.Source.Read(ctx, &frame)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			healthy = false
			p.sourceError(ctx, err, &backoff, &failing)
			continue
		}
		if !healthy {
			p.o.SourceReport.OK(fmt.Sprintf("%s %dx%d", p.o.Source.Name(), frame.Width, frame.Height))
		}
		if failing {
			failing = false
			backoff = p.o.Retry
			p.o.Log.Info("source recovered", "component", "pipeline", "source", p.o.Source.Name())
			p.o.Alert(model.AlertInfo, "source_recovered", "camera/source is delivering frames again: "+p.o.Source.Name())
			p.setSourceError("")
		}
		// Pace by capture time when the source stamps it: the loop's own
		// timing jitters with scheduling and would drop good frames.
		at := frame.Captured
		if at.IsZero() {
			at = t0
		}
		if minGap > 0 && !lastAt.IsZero() && at.Sub(lastAt) < minGap {
			p.mu.Lock()
			p.stats.Dropped++
			p.mu.Unlock()
			p.o.Report.Progress()
			continue
		}
		lastAt = at
		capture := time.Since(t0)

		det.Timings = model.StageTimings{CaptureMS: ms(capture)}
		if err := p.o.Detector.Detect(&frame, &det); err != nil {
			healthy = false
			p.o.Report.Fail(fmt.Errorf("detect frame %d: %w", frame.Seq, err))
			p.o.Report.Progress()
			continue
		}
		tTrack := time.Now()
		st, events := p.o.Tracker.Update(&det)
		det.Timings.TrackingMS = ms(time.Since(tTrack))

		tPub := time.Now()
		for _, ev := range events {
			p.o.Sink.Event(ev)
		}
		if p.o.Predictor != nil && p.o.Predictor.Predict(st, &traj) {
			p.o.Sink.Trajectory(&traj)
		}
		p.o.Sink.State(st)
		p.o.Sink.Frame(&frame)
		det.Timings.PublishMS = ms(time.Since(tPub))

		now := time.Now()
		latency := now.Sub(frame.Captured)
		if frame.Captured.IsZero() {
			latency = now.Sub(t0)
		}
		win.add(&det.Timings, latency)
		p.mu.Lock()
		p.stats.Frames++
		p.stats.Balls = len(st.Balls)
		p.stats.Phase = st.Phase
		p.stats.LastFrame = now
		p.stats.Last = det.Timings
		p.mu.Unlock()
		p.o.Report.Progress()
		if !healthy {
			healthy = true
			p.o.Report.OK(fmt.Sprintf("processing %s", p.o.Source.Name()))
		}

		if now.Sub(win.start) >= p.o.PerfEvery {
			perf := p.performance(&win, now)
			p.o.Sink.Performance(&perf)
			win.reset(now)
		}
	}
}

func (p *Pipeline) setSourceError(msg string) {
	p.mu.Lock()
	p.stats.SourceError = msg
	p.mu.Unlock()
}

// sourceError reports a failed Read and waits out the backoff. Progress is
// reported: the loop is alive and retrying, which is not a hang.
func (p *Pipeline) sourceError(ctx context.Context, err error, backoff *time.Duration, failing *bool) {
	p.o.Report.Progress()
	if errors.Is(err, io.EOF) {
		if !*failing {
			p.o.Log.Warn("source ended", "component", "pipeline", "source", p.o.Source.Name())
			p.o.Alert(model.AlertWarning, "source_ended", "the video source ended: "+p.o.Source.Name())
			p.o.SourceReport.Fail(fmt.Errorf("source %s ended (set source.loop = true to repeat a file)", p.o.Source.Name()))
			p.setSourceError("ended")
			*failing = true
		}
	} else {
		if !*failing {
			p.o.Alert(model.AlertError, "source_lost", fmt.Sprintf("camera/source failed: %v; retrying", err))
			*failing = true
		}
		p.o.SourceReport.Fail(err)
		p.setSourceError(err.Error())
	}
	// The backoff reaches 30 s, longer than a watchdog interval: the wait
	// reports progress every 250 ms, since a loop waiting out a backoff is
	// alive (a wedged Read, which never gets here, is not).
	t := time.NewTimer(*backoff)
	tick := time.NewTicker(250 * time.Millisecond)
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case <-t.C:
			break wait
		case <-tick.C:
			p.o.Report.Progress()
		}
	}
	t.Stop()
	tick.Stop()
	if *backoff *= 2; *backoff > 30*time.Second {
		*backoff = 30 * time.Second
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

type nopReporter struct{}

func (nopReporter) Progress()  {}
func (nopReporter) OK(string)  {}
func (nopReporter) Fail(error) {}
