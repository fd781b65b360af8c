package main

import (
	"context"
	"fmt"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/api/apihub"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/display"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/supervise"
	"github.com/cuecast/cuecast/edge/video"
	"github.com/cuecast/cuecast/edge/ws"
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

	hubAPI := apihub.New(d.hub)
	d.api = api.New(api.Deps{
		Health:      healthAdapter{d},
		Alerts:      hubAPI,
		Connections: hubAPI,
		Delivery:    hubAPI,
		Streams:     hubAPI,
		Config:      d,
		Vision:      perfAdapter{d},
	}, d.log.With("component", "api"))
	d.api.Register(d.mux)

	d.ws = ws.NewServer(d.cfg.WebSocket, d.cfg.HTTP, d.hub, d.log.With("component", "ws"))
	d.ws.Register(d.mux)

	d.display = display.New(display.Options{
		StateDir: d.cfg.Box.StateDir,
		Config:   d.Current,
		State: func() []byte {
			if p := d.hub.Latest(hub.StreamState); p != nil {
				return p.Data
			}
			return nil
		},
		Changed: d.publishConfig,
		Log:     d.log,
	})
	d.display.Register(d.mux)
	return nil
}

// closeClients closes every WebSocket client with 1001 going-away.
func (d *daemon) closeClients(ctx context.Context) {
	if err := d.ws.Shutdown(ctx); err != nil {
		d.log.Warn("websocket shutdown", "component", "ws", "err", err)
	}
}

func (d *daemon) clientCount() int { return d.hub.Metrics().Clients }

// configureLive pushes the settings that apply without a restart.
func (d *daemon) configureLive(cfg config.Config) {
	d.ws.Reload(cfg.WebSocket, cfg.HTTP)
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
		ch := api.ComponentHealth{Name: c.Name, OK: c.State == supervise.StateOK || c.State == supervise.StateDisabled,
			Disabled: c.State == supervise.StateDisabled, Since: c.Since, LastProgress: c.LastProgress}
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
