package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/supervise"
	"github.com/cuecast/cuecast/edge/video"
)

// routes builds every HTTP handler once; handlers that depend on a part that
// restarts on reload reach it through the daemon, never a stale copy.
func (d *daemon) routes() error {
	d.video = video.New(video.Options{
		Encode: d.encodeJPEG,
		Hub:    d.hub,
		Log:    d.log,
		MaxFPS: d.cfg.Video.MaxFPS,
	})
	go d.video.Run(d.rootCtx)
	d.video.Register(d.mux)

	d.api = api.New(api.Deps{
		Health:  healthAdapter{d},
		Alerts:  alertAdapter{d.hub},
		Config:  d,
		Streams: streamStats{d.hub},
		Vision:  perfAdapter{d},
	}, d.log.With("component", "api"))
	d.api.Register(d.mux)
	return d.routesMore()
}

// offerFrame is the frame loop's video tap.
func (d *daemon) offerFrame(f *model.Frame) { d.video.Offer(f) }

// healthAdapter presents the supervisor to the API.
type healthAdapter struct{ d *daemon }

func (h healthAdapter) Health() api.HealthReport {
	s := h.d.sup.Health()
	r := api.HealthReport{Started: h.d.sup.Started(), Phase: api.PhaseStarting}
	switch {
	case s.Status == "stopping":
		r.Phase = api.PhaseStopping
	case s.Ready:
		r.Phase = api.PhaseReady
	}
	max := 5 * time.Second
	if wd := h.d.sup.WatchdogInterval(); wd > 0 {
		max = wd
	}
	r.Live = h.d.sup.Live(max)
	if !r.Live {
		r.LiveDetail = fmt.Sprintf("the frame loop made no progress in %s", max)
	}
	for _, c := range s.Components {
		ch := api.ComponentHealth{Name: c.Name, OK: c.State == supervise.StateOK || c.State == supervise.StateDisabled, Since: c.Since, LastProgress: c.LastProgress}
		if c.State == supervise.StateFailed {
			ch.Error = c.Detail
		} else {
			ch.Detail = c.Detail
			if c.State == supervise.StateDisabled {
				ch.Detail = "disabled: " + c.Detail
			}
		}
		r.Components = append(r.Components, ch)
	}
	return r
}

// alertAdapter presents the hub's alerts to the API.
type alertAdapter struct{ h *hub.Hub }

func (a alertAdapter) RaiseAlert(al model.Alert) (model.Alert, error) {
	p, err := a.h.RaiseAlert(al)
	if err != nil {
		return al, err
	}
	st, _ := a.h.Alert(p.AlertID())
	return st.Alert, nil
}

func (a alertAdapter) Ack(id, by string) error {
	err := a.h.Ack(id, by)
	if errors.Is(err, hub.ErrUnknownAlert) {
		return fmt.Errorf("%w: %v", api.ErrNotFound, err)
	}
	return err
}

func (a alertAdapter) Alerts() []api.AlertState {
	all := a.h.Alerts()
	out := make([]api.AlertState, len(all))
	for i, s := range all {
		out[i] = api.AlertState{Alert: s.Alert, Acked: s.Acked, AckedBy: s.AckedBy}
		if s.AckedAt != nil {
			out[i].AckedAt = *s.AckedAt
		}
	}
	return out
}

// streamStats presents the hub's per-stream bookkeeping to the API.
type streamStats struct{ h *hub.Hub }

func (s streamStats) StreamStats() []api.StreamStats {
	m := s.h.Metrics()
	out := make([]api.StreamStats, len(m.Streams))
	for i, st := range m.Streams {
		out[i] = api.StreamStats{Stream: string(st.Stream), Offset: st.Offset, History: st.History, Watchers: st.Subscribers, Published: st.Published}
	}
	return out
}

// perfAdapter presents the frame loop's figures to the API.
type perfAdapter struct{ d *daemon }

func (p perfAdapter) Performance() (api.Performance, bool) {
	p.d.mu.Lock()
	pl := p.d.pipeline
	p.d.mu.Unlock()
	if pl == nil {
		return api.Performance{}, false
	}
	st := pl.Stats()
	if st.Frames == 0 {
		return api.Performance{}, false
	}
	perf := pl.LastPerformance()
	return api.Performance{
		FPS: st.FPS, Frames: st.Frames, Dropped: st.Dropped, Timings: st.Last, Avg: st.Timings,
		Updated: st.LastFrame, CPUPct: perf.CPUPercent, MemBytes: perf.RSSBytes,
	}, true
}

var _ = context.Background
var _ http.Handler
