package daemon

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
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
	"github.com/cuecast/cuecast/edge/update"
	"github.com/cuecast/cuecast/edge/video"
	"github.com/cuecast/cuecast/edge/vision"
	"github.com/cuecast/cuecast/edge/ws"
)

// maxBundle bounds a firmware upload (update.HandlerConfig's default).
const maxBundle = 4 << 30

// routes builds every HTTP handler once; handlers that depend on a part that
// restarts on reload reach it through the daemon, never a stale copy.
//
// The routing table: every /api/v1 route goes through the API's edge (one
// auth check before any body byte, one body reader with limits, one error
// envelope), including those of the calibration store, the display and the
// update handler, which are mounted from private muxes so nothing reaches
// them around the edge. /ws and /stream.mjpg are wrapped in api.Stream (they
// set their own deadlines); pages and static assets are the display's.
func (d *Daemon) routes() error {
	cfg := d.Current()
	calPath := calibrationPath(cfg)
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
	if err := d.openVenues(cfg); err != nil {
		return err
	}

	// One encoder per quality level (video.Levels): the video goroutine
	// encodes each level only while someone watches it.
	for l, lv := range video.Levels(cfg.Video.Width, cfg.Video.Quality) {
		enc, err := vision.NewJPEGEncoder(lv.Quality, lv.Width)
		if err != nil {
			d.closeEncoders()
			return err
		}
		d.jpeg[l] = enc
	}
	d.video = video.New(video.Options{
		Encode: d.encodeJPEG,
		Hub:    d.hub,
		Log:    d.log,
		MaxFPS: cfg.Video.MaxFPS,
	})
	d.ws = ws.NewServer(cfg.WebSocket, cfg.HTTP, d.hub, d.log) // names its component itself
	d.newGame(cfg)
	d.display = display.New(display.Options{
		StateDir: cfg.Box.StateDir,
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

	// Only WebSocket clients are listed and counted as such: the MQTT
	// mirror and the hardware controller are hub clients too.
	hubAPI := apihub.ForTransport(d.hub, ws.Transport)
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

	calMux := http.NewServeMux()
	store.Register(calMux)
	d.api.Handle("GET /api/v1/vision/calibration", calMux, api.Route{})
	d.api.Handle("PUT /api/v1/vision/calibration", calMux, api.Route{Command: true})

	dispMux := http.NewServeMux()
	d.display.Register(dispMux)
	d.api.Handle("GET /api/v1/projector/calibration", dispMux, api.Route{})
	d.api.Handle("PUT /api/v1/projector/calibration", dispMux, api.Route{Command: true, MaxBody: 4 << 10})
	d.api.Handle("GET /api/v1/state", dispMux, api.Route{})

	// Firmware updates: the daemon verifies and queues an uploaded bundle;
	// a root-owned unit installs it (the sandboxed daemon cannot write
	// slots). A bundle is large: a long body timeout, and time after it to
	// verify the bundle and answer, still bounded.
	updMux := http.NewServeMux()
	update.NewHandler(update.HandlerConfig{MaxBytes: maxBundle},
		update.TokenFunc(func() string { return d.Current().HTTP.Token }),
		d.log.With("component", "update")).Register(updMux)
	d.api.Handle("POST /api/v1/update", updMux, api.Route{Command: true, MaxBody: maxBundle, BodyTimeout: 30 * time.Minute, Timeout: 45 * time.Minute})
	d.api.Handle("GET /api/v1/update", updMux, api.Route{})

	d.registerLabels(cfg)
	d.registerVenue(cfg)

	d.api.Register(d.mux) // /api/v1/ and /metrics
	d.registerMetrics(d.api.Registry())
	d.registerHistoryMetrics(d.api.Registry())

	vidMux := http.NewServeMux()
	d.video.Register(vidMux)
	d.mux.Handle("GET /stream.mjpg", api.Stream(vidMux))
	d.mux.Handle("GET /snapshot.jpg", vidMux)
	d.mux.Handle("GET /ws", api.Stream(d.ws))
	d.mux.Handle("/", dispMux) // pages, static assets, settings; /api/v1/ is the API's
	return nil
}

// registerLabels mounts the labelling tool's API behind the edge: a
// capture takes the camera's next frame (full resolution, undistorted when
// a lens is calibrated), keeps it as a PNG in the state directory's labels
// folder and proposes balls with a fresh detector; saves go to
// labels/labels.json there. Captures and saves need the command token; a
// snap (fit a ball near a point of the captured frame) changes nothing.
func (d *Daemon) registerLabels(cfg config.Config) {
	root := filepath.Join(cfg.Box.StateDir, "labels")
	d.grab = labelapi.NewGrabber()
	mux := http.NewServeMux()
	labelapi.New(labelapi.Options{
		Root: root, SetPath: filepath.Join(root, "labels.json"),
		Source: "box/" + cfg.Box.Site + "/" + cfg.Box.Table, BallSet: labels.BallSetUS,
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
	}).Register(mux)
	d.api.Handle("GET /api/v1/label/frame", mux, api.Route{})
	d.api.Handle("GET /api/v1/label/image", mux, api.Route{})
	d.api.Handle("POST /api/v1/label/snap", mux, api.Route{MaxBody: 1 << 10})
	d.api.Handle("POST /api/v1/label/capture", mux, api.Route{Command: true})
	d.api.Handle("PUT /api/v1/label/frame", mux, api.Route{Command: true, MaxBody: 1 << 20})
}

// closeEncoders closes the JPEG encoders (the video goroutine's when it
// ran, else Shutdown's).
func (d *Daemon) closeEncoders() {
	for _, e := range d.jpeg {
		if e != nil {
			e.Close()
		}
	}
}

// calibrationPath is vision.calibration resolved against box.state_dir.
func calibrationPath(cfg config.Config) string {
	p := cfg.Vision.Calibration
	if !filepath.IsAbs(p) {
		p = filepath.Join(cfg.Box.StateDir, p)
	}
	return absPath(p)
}

// absPath cleans p and makes it absolute (as is when that fails).
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return filepath.Clean(p)
}

// encodeJPEG runs on the video encoder goroutine only (the encoder's Mats
// are not shared).
func (d *Daemon) encodeJPEG(f *model.Frame, level int) ([]byte, error) {
	return d.jpeg[level].Encode(f)
}

// calibrationChanged hands a saved camera calibration to the running
// detector; a restarted pipeline reads it from the store.
func (d *Daemon) calibrationChanged(c *vision.Calibration) {
	_, det := d.pipe.running()
	if det == nil {
		return
	}
	if err := det.SetCalibration(c); err != nil {
		d.log.Error("apply calibration", "component", "vision", "err", err)
	}
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
		if _, det := d.pipe.running(); det != nil && det.Undistort(f, &d.pipe.shown) == nil {
			f = &d.pipe.shown
		}
	}
	if grab {
		d.grab.Offer(f)
	}
	if watching {
		d.video.Offer(f)
	}
}

// perfAdapter presents the frame loop's figures to the API.
type perfAdapter struct{ d *Daemon }

func (p perfAdapter) Performance() (api.Performance, bool) {
	pl, _ := p.d.pipe.running()
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
