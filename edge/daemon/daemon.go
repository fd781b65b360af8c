package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/display"
	"github.com/cuecast/cuecast/edge/game"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/hub/filter"
	"github.com/cuecast/cuecast/edge/labels/labelapi"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/recorder"
	"github.com/cuecast/cuecast/edge/store"
	"github.com/cuecast/cuecast/edge/supervise"
	"github.com/cuecast/cuecast/edge/video"
	"github.com/cuecast/cuecast/edge/vision"
	"github.com/cuecast/cuecast/edge/ws"
	"github.com/cuecast/cuecast/hw/controller"
)

// Daemon owns every long-lived part and the order they start and stop in.
type Daemon struct {
	path       string // config file (may not exist: defaults)
	ov         Overrides
	openCamera func(dev string) (model.Source, error) // Options.OpenCamera
	level      *slog.LevelVar
	log        *slog.Logger

	sup    *supervise.Supervisor
	health handles // the parts' health handles, handed out once in New
	hub    *hub.Hub
	mux    *http.ServeMux
	api    *api.API
	fatal  chan error // a part that cannot go on; main calls Abort and exits

	// The parts, each with one lifecycle (part.go). startOrder is the order
	// Start brings them up and Reload visits them; Shutdown stops the
	// frame loop first (no new data), then closes clients (WebSockets with
	// 1001, HTTP), then MQTT says `stopped`, then the hardware goes to its
	// safe state, then the game service saves and stops, then the history
	// recorder and store write what they hold.
	web        *webPart
	pipe       *pipelinePart
	mqtt, hw   *runner
	startOrder []part
	stopOrder  []part

	video   *video.Video
	ws      *ws.Server
	display *display.Display
	alerts  *sourceAlerts
	game    *game.Service

	history  *store.Store       // nil when history is off
	recorder *recorder.Recorder // with history

	calibrations *vision.CalibrationStore
	venues       *vision.VenueStore                 // the taught ball colours (venue.go)
	jpeg         [hub.NumLevels]*vision.JPEGEncoder // per quality level; used by the video goroutine only
	grab         *labelapi.Grabber                  // hands the labelling page a camera frame

	firstFrame   chan struct{} // closed after the first state publication
	firstOnce    sync.Once
	sourceWait   chan struct{} // closed when the source first reports a failure
	sourceWaitMu sync.Once

	reloadMu sync.Mutex // serialises SIGHUP and REST config changes

	mu  sync.Mutex // guards cfg
	cfg config.Config

	hwMu  sync.Mutex // guards hwCtl
	hwCtl *controller.Controller

	// bg runs the daemon's own housekeeping goroutines (supervisor, video
	// encoder, awaitReady, retired HTTP listeners); Shutdown cancels and
	// waits for them last.
	bgCtx    context.Context
	bgCancel context.CancelFunc
	bg       sync.WaitGroup

	started  bool
	shutOnce sync.Once
}

// Options are what main hands the daemon: the loaded config, where it came
// from, the flag overrides and the logger whose level follows log.level.
type Options struct {
	Config    config.Config
	Path      string // config file (may not exist: built-in defaults)
	Overrides Overrides
	Level     *slog.LevelVar // set from log.level on every reload; may be nil
	Log       *slog.Logger

	// OpenCamera replaces the V4L2 camera behind source.kind
	// "camera:DEV" (the hardware fake of tests: unplugged, replugged,
	// wedged). The retrying, reporting and alerting around it are the
	// daemon's own. Nil opens the real device.
	OpenCamera func(dev string) (model.Source, error)
}

// New builds the daemon's parts and routes without starting anything.
func New(o Options) (*Daemon, error) {
	if o.Level == nil {
		o.Level = new(slog.LevelVar)
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	cfg, log := o.Config, o.Log
	if err := checkStatePaths(o.Path, cfg); err != nil {
		return nil, err
	}
	d := &Daemon{
		path: o.Path, ov: o.Overrides, level: o.Level, log: log, cfg: cfg, openCamera: o.OpenCamera,
		mux:        http.NewServeMux(),
		fatal:      make(chan error, 1),
		firstFrame: make(chan struct{}),
		sourceWait: make(chan struct{}),
	}
	d.bgCtx, d.bgCancel = context.WithCancel(context.Background())
	d.sup = supervise.New(supervise.Options{Log: log, Status: d.statusLine})
	// The hub names its component itself; alerts and acks are kept in
	// box.state_dir (hub.alert_store) so a restart loses none.
	d.hub = hub.New(cfg.Hub, log, hub.WithAlertStore(cfg.Hub.AlertStorePath(cfg.Box)),
		// Subscription filters check paths against what the game stream
		// carries; the hub knows the other streams' types itself.
		hub.WithSchema(hub.StreamGame, filter.SchemaOf(game.Snapshot{})))
	d.alerts = &sourceAlerts{hub: d.hub, log: log}
	d.health = newHandles(d.sup, d.onSourceWaiting, d.alerts.clear)
	if err := d.routes(); err != nil {
		return nil, err
	}
	d.web = &webPart{d: d}
	d.mqtt = &runner{name: "mqtt", log: log, build: d.buildMQTT, changed: mqttChanged}
	d.hw = &runner{name: "hw", log: log, build: d.buildHW, changed: hwChanged}
	d.pipe = &pipelinePart{runner: runner{name: "vision", log: log, changed: pipelineChanged}}
	d.pipe.build = d.buildPipeline
	hist := &historyPart{d: d}
	d.startOrder = []part{d.web, d.mqtt, d.hw, gamePart{d}, hist, d.pipe}
	d.stopOrder = []part{d.pipe, d.web, d.mqtt, d.hw, gamePart{d}, hist}
	return d, nil
}

// Start brings the daemon up: HTTP first (so a technician can look while the
// camera warms up), then the consumers, then the frame loop. READY=1 is sent
// once the listener is up and either the first frame has been processed or
// the frame source reported that it is waiting (no camera): the daemon
// serves, and says what it waits for, rather than letting systemd time it
// out and restart it in a loop.
func (d *Daemon) Start(ctx context.Context) error {
	d.started = true
	d.goBackground(func() { d.sup.Run(d.bgCtx) })
	d.goBackground(func() {
		d.video.Run(d.bgCtx)
		d.closeEncoders() // only the video goroutine used them
	})
	cfg := d.Current()
	for _, p := range d.startOrder {
		if err := p.start(ctx, cfg); err != nil {
			return err
		}
		if p == part(d.web) {
			d.publishConfig()
		}
	}
	d.goBackground(func() { d.awaitReady(d.bgCtx) })
	return nil
}

// Fatal delivers an error a part cannot recover from in-process; main then
// calls Abort and exits non-zero.
func (d *Daemon) Fatal() <-chan error { return d.fatal }

// Abort asks systemd to act now (WATCHDOG=trigger) for err, then stops
// everything before ctx ends.
func (d *Daemon) Abort(ctx context.Context, err error) {
	d.sup.Trigger(err.Error())
	d.Shutdown(ctx)
}

// Addr is the HTTP listener's address ("" before Start).
func (d *Daemon) Addr() string { return d.web.addr() }

// goBackground runs f as one of the daemon's own goroutines.
func (d *Daemon) goBackground(f func()) {
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		f()
	}()
}

func (d *Daemon) awaitReady(ctx context.Context) {
	select {
	case <-ctx.Done():
		return
	case <-d.firstFrame:
	case <-d.sourceWait:
	}
	d.sup.Ready()
	d.hwReady()
}

// onFirstFrame is called by the hub sink after the first state publication.
func (d *Daemon) onFirstFrame() { d.firstOnce.Do(func() { close(d.firstFrame) }) }

// onSourceWaiting is called when the frame source reports a failure (no
// camera at boot, camera unplugged): enough to be ready, since the daemon
// serves and reports it.
func (d *Daemon) onSourceWaiting() { d.sourceWaitMu.Do(func() { close(d.sourceWait) }) }

// fail hands a fatal error to main without blocking.
func (d *Daemon) fail(err error) {
	select {
	case d.fatal <- err:
	default:
	}
}

// Shutdown stops everything in order before ctx ends (see stopOrder):
// STOPPING=1; the frame source and loop; WebSocket clients closed with 1001
// going-away, HTTP; MQTT (`stopped`); hardware to its safe state; the
// daemon's own goroutines. Safe twice, and after a failed Start.
func (d *Daemon) Shutdown(ctx context.Context) {
	d.shutOnce.Do(func() {
		d.sup.Stopping()
		for _, p := range d.stopOrder {
			p.shutdown(ctx)
		}
		if !d.started {
			// The video goroutine never ran; the encoders are still ours.
			d.closeEncoders()
		}
		d.bgCancel()
		done := make(chan struct{})
		go func() { d.bg.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			d.log.Warn("background goroutines did not stop in time", "component", "daemon")
		}
		d.log.Info("stopped", "component", "daemon")
	})
}

// publishConfig puts the running config (secrets redacted by their json:"-"
// tags) on the `config` stream.
func (d *Daemon) publishConfig() {
	if _, err := d.hub.Publish(hub.StreamConfig, d.Current()); err != nil {
		d.log.Error("publish config", "component", "config", "err", err)
	}
}

// alert raises an alert on the hub for people to see.
func (d *Daemon) alert(level, code, msg, source string) {
	a := model.Alert{Level: level, Code: code, Message: msg, Source: source, Time: time.Now()}
	if _, err := d.hub.RaiseAlert(a); err != nil {
		d.log.Error("raise alert", "component", "hub", "code", code, "err", err)
	}
}

// Current returns the running config (for the REST API).
func (d *Daemon) Current() config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// clientCount is the WebSocket clients (not the MQTT mirror or the
// hardware controller, which are hub clients too).
func (d *Daemon) clientCount() int { return d.ws.Stats().Connections }

// checkStatePaths refuses a config whose alert store would land on a file
// another part owns: the config file itself (box.state_dir may be the
// config's directory) or the camera calibration. The config package already
// keeps hub.alert_store a plain name in box.state_dir; this is the part
// only the daemon can check, knowing where its config file is.
func checkStatePaths(cfgPath string, cfg config.Config) error {
	store := cfg.Hub.AlertStorePath(cfg.Box)
	if store == "" {
		return nil
	}
	taken := map[string]string{calibrationPath(cfg): "vision.calibration"}
	if cfgPath != "" {
		taken[absPath(cfgPath)] = "the config file"
	}
	if owner, ok := taken[absPath(store)]; ok {
		return &config.Error{Problems: []config.Problem{{File: cfgPath, Key: "hub.alert_store",
			Msg: fmt.Sprintf("%q in box.state_dir is %s: name another file", cfg.Hub.AlertStore, owner)}}}
	}
	return nil
}
