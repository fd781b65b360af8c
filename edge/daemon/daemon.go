package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
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
	"github.com/cuecast/cuecast/edge/pipeline"
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
	path  string // config file (may not exist: defaults)
	ov    Overrides
	level *slog.LevelVar
	log   *slog.Logger

	sup   *supervise.Supervisor
	hub   *hub.Hub
	mux   *http.ServeMux
	fatal chan error // a part that cannot go on; main triggers the watchdog and exits (Fatal)

	video   *video.Video
	api     *api.API
	ws      *ws.Server
	display *display.Display
	game    *game.Service

	history  *store.Store       // nil when history is off
	recorder *recorder.Recorder // with history

	calibrations *vision.CalibrationStore
	jpeg         [hub.NumLevels]*vision.JPEGEncoder // per quality level; used by the video goroutine only
	grab         *labelapi.Grabber                  // hands the labelling page a camera frame

	firstFrame     chan struct{}
	firstFrameOnce sync.Once

	reloadMu sync.Mutex // serialises SIGHUP and REST config changes

	mu       sync.Mutex // guards cfg, the running parts and the listener
	cfg      config.Config
	web      *webServer
	pipe     *part
	pipeline *pipeline.Pipeline // the running loop's stats
	detector *vision.Detector   // the running loop's detector (calibration updates)
	shown    model.Frame        // undistorted frame for video; frame loop goroutine only
	hwCtl    *controller.Controller
	parts    map[string]*part // restartable consumers: "mqtt", "hw"
	rootCtx  context.Context

	// bg runs the daemon's own housekeeping goroutines (supervisor, video
	// encoder, awaitReady, retired HTTP listeners); shutdown cancels and
	// waits for them last.
	bgCtx    context.Context
	bgCancel context.CancelFunc
	bg       sync.WaitGroup
}

// Options are what main hands the daemon: the loaded config, where it came
// from, the flag overrides and the logger whose level follows log.level.
type Options struct {
	Config    config.Config
	Path      string // config file (may not exist: built-in defaults)
	Overrides Overrides
	Level     *slog.LevelVar // set from log.level on every reload; may be nil
	Log       *slog.Logger
}

// New builds the daemon's parts without starting anything.
func New(o Options) (*Daemon, error) {
	if o.Level == nil {
		o.Level = new(slog.LevelVar)
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	cfg, log := o.Config, o.Log
	d := &Daemon{
		path: o.Path, ov: o.Overrides, level: o.Level, log: log, cfg: cfg,
		mux:        http.NewServeMux(),
		fatal:      make(chan error, 1),
		firstFrame: make(chan struct{}),
		parts:      map[string]*part{},
	}
	d.sup = supervise.New(supervise.Options{Log: log, Status: d.statusLine, WatchdogGate: "vision"})
	// The hub names its component itself; alerts and acks are kept in
	// box.state_dir (hub.alert_store) so a restart loses none.
	d.hub = hub.New(cfg.Hub, log, hub.WithAlertStore(cfg.Hub.AlertStorePath(cfg.Box)),
		// Subscription filters check paths against what the game stream
		// carries; the hub knows the other streams' types itself.
		hub.WithSchema(hub.StreamGame, filter.SchemaOf(game.Snapshot{})))
	return d, nil
}

// Start brings the daemon up: HTTP first (so a technician can look while the
// camera warms up), then the consumers, then the frame loop. READY=1 is sent
// once the listener is up and the first frame has been processed.
func (d *Daemon) Start(ctx context.Context) error {
	d.rootCtx = ctx
	d.bgCtx, d.bgCancel = context.WithCancel(context.Background())
	d.goBackground(func() { d.sup.Run(d.bgCtx) })
	if err := d.routes(); err != nil {
		return err
	}
	web, err := listen(d.cfg.HTTP.Listen, d.mux, d.log)
	if err != nil {
		return err
	}
	d.web = web
	d.sup.Component("http").OK("listening on " + web.addr())
	d.publishConfig()

	for _, name := range consumerNames {
		d.startPart(name, d.cfg)
	}
	if d.recorder != nil {
		d.recorder.Start() // before the frame loop: the first shot is kept
	}
	if err := d.startPipeline(d.cfg); err != nil {
		return err
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
func (d *Daemon) Addr() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.web == nil {
		return ""
	}
	return d.web.addr()
}

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
	case <-d.firstFrame:
		d.sup.Ready()
		d.mu.Lock()
		ctl := d.hwCtl
		d.mu.Unlock()
		if ctl != nil {
			ctl.Ready() // idle LED pattern, projector on
		}
	}
}

// onFirstFrame is called by the hub sink after the first state publication.
func (d *Daemon) onFirstFrame() { d.firstFrameOnce.Do(func() { close(d.firstFrame) }) }

// Shutdown stops everything in order before ctx ends: STOPPING=1; the frame
// source and pipeline; WebSocket clients closed with 1001 going-away; HTTP;
// MQTT (`stopped`); hardware to its safe state.
func (d *Daemon) Shutdown(ctx context.Context) {
	d.sup.Stopping()
	d.mu.Lock()
	pipe, web := d.pipe, d.web
	d.pipe = nil
	parts := d.parts
	d.parts = map[string]*part{}
	d.mu.Unlock()

	pipe.stop(ctx)
	if web != nil {
		web.shutdown(ctx, d.closeClients)
	}
	for _, name := range consumerNames {
		parts[name].stop(ctx)
	}
	if d.game != nil {
		if err := d.game.Shutdown(ctx); err != nil {
			d.log.Warn("game shutdown", "component", "game", "err", err)
		}
	}
	d.closeHistory()
	if d.bgCancel != nil {
		d.bgCancel()
	}
	done := make(chan struct{})
	go func() { d.bg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		d.log.Warn("background goroutines did not stop in time", "component", "daemon")
	}
	d.log.Info("stopped", "component", "daemon")
}

// part is one restartable running piece: a goroutine tree under its own
// context, with a stop that waits for it.
type part struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}
	close  func(ctx context.Context) // orderly shutdown after cancel (may be nil)
}

func (p *part) stop(ctx context.Context) {
	if p == nil {
		return
	}
	if p.close != nil {
		p.close(ctx)
	}
	p.cancel()
	select {
	case <-p.done:
	case <-ctx.Done():
		slog.Warn("part did not stop in time", "component", p.name)
	}
}

// runPart starts run in its own goroutine under a child of the root context.
func (d *Daemon) runPart(name string, run func(ctx context.Context), closeFn func(ctx context.Context)) *part {
	ctx, cancel := context.WithCancel(d.rootCtx)
	p := &part{name: name, cancel: cancel, done: make(chan struct{}), close: closeFn}
	go func() {
		defer close(p.done)
		run(ctx)
	}()
	return p
}

// publishConfig puts the running config (secrets redacted by their json:"-"
// tags) on the `config` stream.
func (d *Daemon) publishConfig() {
	d.mu.Lock()
	cfg := d.cfg
	d.mu.Unlock()
	if _, err := d.hub.Publish(hub.StreamConfig, cfg); err != nil {
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

// statusLine is what `systemctl status cuecastd` shows, refreshed each second.
func (d *Daemon) statusLine() string {
	var b strings.Builder
	d.mu.Lock()
	pipe := d.pipeline
	d.mu.Unlock()
	if pipe != nil {
		st := pipe.Stats()
		fmt.Fprintf(&b, "%.1f fps, %d balls", st.FPS, st.Balls)
		if st.Phase != "" {
			fmt.Fprintf(&b, ", %s", st.Phase)
		}
		if st.SourceError != "" {
			fmt.Fprintf(&b, ", SOURCE: %s", st.SourceError)
		}
	} else {
		b.WriteString("no pipeline")
	}
	fmt.Fprintf(&b, "; %d clients", d.clientCount())
	for _, c := range d.sup.Health().Components {
		switch c.Name {
		case "mqtt", "hw":
			switch c.State {
			case supervise.StateOK:
				fmt.Fprintf(&b, "; %s ok", c.Name)
			case supervise.StateDisabled:
				fmt.Fprintf(&b, "; %s off", c.Name)
			default:
				fmt.Fprintf(&b, "; %s %s: %s", c.Name, strings.ToUpper(c.State), c.Detail)
			}
		}
	}
	if e, at := d.sup.LastError(); e != "" && time.Since(at) < 10*time.Minute {
		fmt.Fprintf(&b, "; last error %s ago: %s", time.Since(at).Round(time.Second), e)
	}
	return b.String()
}

// webServer is the HTTP listener; it is replaced whole when http.listen
// changes on reload.
type webServer struct {
	ln  net.Listener
	srv *http.Server
	log *slog.Logger
}

func listen(addr string, h http.Handler, log *slog.Logger) (*webServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http: listen %s: %w (is another cuecastd running? change http.listen or --listen)", addr, err)
	}
	w := &webServer{ln: ln, log: log, srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// Idle keep-alive connections must not hold descriptors forever. No
		// ReadTimeout/WriteTimeout: /ws and /stream.mjpg are long-lived and
		// set their own deadlines.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelWarn),
	}}
	go func() {
		if err := w.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "component", "http", "err", err)
		}
	}()
	log.Info("http listening", "component", "http", "addr", ln.Addr().String())
	return w, nil
}

func (w *webServer) addr() string { return w.ln.Addr().String() }

// shutdown closes long-lived connections first (closeHijacked: WebSockets,
// which http.Server.Shutdown does not track), then waits for requests.
func (w *webServer) shutdown(ctx context.Context, closeHijacked func(ctx context.Context)) {
	if closeHijacked != nil {
		closeHijacked(ctx)
	}
	if err := w.srv.Shutdown(ctx); err != nil {
		w.log.Warn("http shutdown", "component", "http", "err", err)
		w.srv.Close()
	}
}

// redacted returns cfg as JSON-able data without secrets (fields tagged
// json:"-" are dropped by encoding/json).
func redacted(cfg config.Config) json.RawMessage {
	b, _ := json.Marshal(cfg)
	return b
}
