package daemon

import (
	"log/slog"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/pipeline"
)

// hubSink publishes the frame loop's output on the hub. It is called from the
// loop goroutine only; Publish encodes once and queues per client, so nothing
// here waits for a consumer.
type hubSink struct {
	hub   *hub.Hub
	log   *slog.Logger
	first func()             // called after the first state (READY gate)
	frame func(*model.Frame) // the video tap; may be nil
}

var _ pipeline.Sink = (*hubSink)(nil)

func (s *hubSink) publish(stream hub.Stream, v any) {
	if _, err := s.hub.Publish(stream, v); err != nil {
		// Publishing our own types cannot fail to encode unless a value is
		// NaN/Inf: a bug worth a log line, never a reason to stop the loop.
		s.log.Error("publish", "component", "pipeline", "stream", string(stream), "err", err)
	}
}

func (s *hubSink) State(st *model.State) {
	s.publish(hub.StreamState, st)
	if s.first != nil {
		s.first()
	}
}

func (s *hubSink) Event(ev model.Event) { s.publish(hub.StreamEvent, ev) }

func (s *hubSink) Trajectory(tr *model.Trajectory) { s.publish(hub.StreamTrajectory, tr) }

func (s *hubSink) Performance(p *pipeline.Performance) { s.publish(hub.StreamPerformance, p) }

func (s *hubSink) Frame(f *model.Frame) {
	if s.frame != nil {
		s.frame(f)
	}
}
