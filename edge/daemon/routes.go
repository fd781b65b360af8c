package daemon

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/api/apihub"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/display"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/labels/labelapi"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
	"github.com/cuecast/cuecast/edge/supervise"
	"github.com/cuecast/cuecast/edge/update"
	"github.com/cuecast/cuecast/edge/video"
	"github.com/cuecast/cuecast/edge/vision"
	"github.com/cuecast/cuecast/edge/ws"
)

// routes builds every HTTP handler once; handlers that depend on a part that
// restarts on reload reach it through the daemon, never a stale copy.
func (d *Daemon) routes() error {
	calPath := d.cfg.Vision.Calibration
	if !filepath.IsAbs(calPath) {
		calPath = filepath.Join(d.cfg.Box.StateDir, calPath)
	}
	store, err := vision.OpenCalibrationStore(calPath, d.calibrationChanged)
	if err != nil {
		// A corrupt file must not keep the box dark: run on automatic
		// table finding and say so.
		d.log.Error("camera calibration unreadable; finding the table automatically", "component", "vision", "err", err)
		d.alert(model.AlertWarning, "calibration_unreadable", err.Error(), "vision")
		os.Rename(calPath, calPath+".bad")
		if store, err = vision.OpenCalibrationStore(calPath, d.calibrationChanged); err != nil {
			return err
		}
	}
	d.calibrations = store
	calMux := http.NewServeMux()
	store.Register(calMux)
	d.mux.Handle("GET /api/v1/vision/calibration", calMux)
	d.mux.Handle("PUT /api/v1/vision/calibration", d.requireToken(calMux))

	// One encoder per quality level (video.Levels): the video goroutine
	// encodes each level only while someone watches it.
	for l, lv := range video.Levels(d.cfg.Video.Width, d.cfg.Video.Quality) {
		enc, err := vision.NewJPEGEncoder(lv.Quality, lv.Width)
		if err != nil {
			return err
		}
		d.jpeg[l] = enc
	}
	d.video = video.New(video.Options{
		Encode: d.encodeJPEG,
		Hub:    d.hub,
		Log:    d.log,
		MaxFPS: d.cfg.Video.MaxFPS,
	})
	d.goBackground(func() {
		d.video.Run(d.bgCtx)
		for _, e := range d.jpeg {
			e.Close() // only the video goroutine used them
		}
	})
	d.video.Register(d.mux)

	hubAPI := apihub.New(d.hub)
	d.openHistory()
	deps := api.Deps{
		Health:      healthAdapter{d},
		Alerts:      hubAPI,
		Connections: hubAPI,
		Delivery:    hubAPI,
		Streams:     hubAPI,
		Config:      d,
		Vision:      perfAdapter{d},
		Game:        gameAdapter{d},
		GameReset:   gameAdapter{d},
	}
	d.historyDeps(&deps)
	d.api = api.New(deps, d.log.With("component", "api"))
	d.api.Register(d.mux)

	// Firmware updates: the daemon verifies and queues an uploaded bundle;
	// a root-owned unit installs it (the sandboxed daemon cannot write slots).
	update.NewHandler(update.HandlerConfig{},
		update.TokenFunc(func() string { return d.Current().HTTP.Token }),
		d.log.With("component", "update")).Register(d.mux)

	d.ws = ws.NewServer(d.cfg.WebSocket, d.cfg.HTTP, d.hub, d.log) // names its component itself
	d.ws.Register(d.mux)
	d.registerMetrics(d.api.Registry())
	d.registerHistoryMetrics(d.api.Registry())
	d.startGame()

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
	d.registerLabels()
	return nil
}

// registerLabels mounts the labelling tool's API: a capture takes the
// camera's next frame (full resolution, undistorted when a lens is
// calibrated), keeps it as a PNG in the state directory's labels folder and
// proposes balls with a fresh detector; saves go to labels/labels.json
// there. Captures and saves need the command token.
func (d *Daemon) registerLabels() {
	root := filepath.Join(d.cfg.Box.StateDir, "labels")
	d.grab = labelapi.NewGrabber()
	labelapi.New(labelapi.Options{
		Root: root, SetPath: filepath.Join(root, "labels.json"),
		Source: "box/" + d.cfg.Box.Site + "/" + d.cfg.Box.Table, BallSet: labels.BallSetUS,
		Capture: func(ctx context.Context) (string, *model.Frame, error) {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			f, err := d.grab.Grab(ctx)
			if err != nil {
				return "", nil, fmt.Errorf("no camera frame within 5 s: %w", err)
			}
			if err := os.MkdirAll(root, 0o750); err != nil {
				return "", nil, err
			}
			name := labelapi.CaptureName(time.Now())
			if err := labelapi.WritePNG(filepath.Join(root, name), f); err != nil {
				return "", nil, err
			}
			return name, f, nil
		},
		Detect: func(f *model.Frame, det *model.Detection) error {
			cfg := d.Current()
			_, table := physics.FromConfig(cfg.Physics)
			// The grabbed frame is already undistorted: keep the saved
			// corners, not the lens.
			cal := d.calibrations.Get()
			cal.Camera = nil
			v, err := vision.NewDetector(cfg.Vision, vision.DetectorOptions{Table: table, Calibration: &cal})
			if err != nil {
				return err
			}
			defer v.Close()
			return v.Detect(f, det)
		},
		Authorize: d.display.Authorize,
		Log:       d.log,
	}).Register(d.mux)
}

// closeClients closes every WebSocket client with 1001 going-away.
func (d *Daemon) closeClients(ctx context.Context) {
	if err := d.ws.Shutdown(ctx); err != nil {
		d.log.Warn("websocket shutdown", "component", "ws", "err", err)
	}
}

func (d *Daemon) clientCount() int { return d.hub.Metrics().Clients }

// configureLive pushes the settings that apply without a restart.
func (d *Daemon) configureLive(cfg config.Config) {
	d.ws.Reload(cfg.WebSocket, cfg.HTTP)
}

// encodeJPEG runs on the video encoder goroutine only (the encoder's Mats
// are not shared).
func (d *Daemon) encodeJPEG(f *model.Frame, level int) ([]byte, error) {
	return d.jpeg[level].Encode(f)
}

// calibrationChanged hands a saved camera calibration to the running
// detector; a restarted pipeline reads it from the store.
func (d *Daemon) calibrationChanged(c *vision.Calibration) {
	d.mu.Lock()
	det := d.detector
	d.mu.Unlock()
	if det == nil {
		return
	}
	if err := det.SetCalibration(c); err != nil {
		d.log.Error("apply calibration", "component", "vision", "err", err)
	}
}

// requireToken guards a command endpoint with http.token, as the REST API
// does: Authorization: Bearer TOKEN or X-Cuecast-Token.
func (d *Daemon) requireToken(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := d.Current().HTTP.Token
		got := r.Header.Get("X-Cuecast-Token")
		if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			got = a
		}
		switch {
		case want == "":
			writeError(w, http.StatusForbidden, "commands_disabled", "commands are disabled on this box; set http.token in the config file to enable them")
		case subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1:
			writeError(w, http.StatusUnauthorized, "unauthorized", "this endpoint needs the command token: Authorization: Bearer TOKEN")
		default:
			h.ServeHTTP(w, r)
		}
	})
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// offerFrame is the frame loop's video tap. With a lens calibration the
// detector reports pixels of the undistorted image, so viewers get that
// image too: the table display's video tile, snapshots and anything drawn
// over them line up with the balls. It runs on the frame loop's goroutine,
// which Detector.Undistort requires; a failure (a calibration for another
// camera mode) leaves the raw frame, and Detect reports the same error.
func (d *Daemon) offerFrame(f *model.Frame) {
	watching, grab := d.video.Watching(), d.grab.Wanted()
	if !watching && !grab {
		return
	}
	if d.calibrations.Get().Camera != nil {
		d.mu.Lock()
		det := d.detector
		d.mu.Unlock()
		if det != nil && det.Undistort(f, &d.shown) == nil {
			f = &d.shown
		}
	}
	if grab {
		d.grab.Offer(f)
	}
	if watching {
		d.video.Offer(f)
	}
}

// healthAdapter presents the supervisor to the API.
type healthAdapter struct{ d *Daemon }

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
type perfAdapter struct{ d *Daemon }

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
