package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/daemontest"
	"github.com/cuecast/cuecast/edge/display/browsertest"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
	"github.com/cuecast/cuecast/edge/sim"
)

// fakeCamera is the hardware fake behind source.kind "camera:..." (the
// daemon's Options.OpenCamera): it can be unplugged, plugged in, and
// wedged (a read that never returns, as a hung V4L2 driver's). Plugged, it
// streams the simulator.
type fakeCamera struct {
	mu      sync.Mutex // guards plugged and wedged
	plugged bool
	wedged  bool
	release chan struct{} // closed at cleanup: wedged reads return
	blocked chan struct{} // closed when a read first wedges
	once    sync.Once
}

func newFakeCamera() *fakeCamera {
	c := &fakeCamera{release: make(chan struct{}), blocked: make(chan struct{})}
	return c
}

func (c *fakeCamera) set(plugged, wedged bool) {
	c.mu.Lock()
	c.plugged, c.wedged = plugged, wedged
	c.mu.Unlock()
}

func (c *fakeCamera) state() (plugged, wedged bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.plugged, c.wedged
}

func (c *fakeCamera) open(dev string) (model.Source, error) {
	if plugged, _ := c.state(); !plugged {
		return nil, fmt.Errorf("fake camera: open %s: %w (unplugged)", dev, model.ErrSourceLost)
	}
	_, geo := physics.FromConfig(config.Default().Physics)
	src, err := sim.Open(sim.OptionsFromConfig(config.Default().Source, model.Size{Length: geo.Length, Width: geo.Width}))
	if err != nil {
		return nil, err
	}
	return &fakeStream{cam: c, src: src, name: "camera:" + dev}, nil
}

type fakeStream struct {
	cam  *fakeCamera
	src  model.Source
	name string
}

func (s *fakeStream) Name() string { return s.name }
func (s *fakeStream) Close() error { return s.src.Close() }

func (s *fakeStream) Read(ctx context.Context, f *model.Frame) error {
	plugged, wedged := s.cam.state()
	switch {
	case wedged:
		s.cam.once.Do(func() { close(s.cam.blocked) })
		<-s.cam.release // ignores ctx, like a V4L2 read in the kernel
		return model.ErrSourceLost
	case !plugged:
		return fmt.Errorf("fake camera: read: %w (unplugged)", model.ErrSourceLost)
	}
	return s.src.Read(ctx, f)
}

// fieldDaemon is an in-process daemon under a real NOTIFY_SOCKET with the
// watchdog on.
type fieldDaemon struct {
	*Daemon
	notify  *daemontest.Notify
	created time.Time // before New
}

// testWatchdog is WATCHDOG_USEC: pings every second. Shorter would count a
// slow first detection on a loaded machine as a stall.
const testWatchdog = 2 * time.Second

func startFieldDaemon(t *testing.T, source string, cam *fakeCamera) *fieldDaemon {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the daemon")
	}
	notify := daemontest.NewNotify(t)
	t.Setenv("NOTIFY_SOCKET", notify.Path)
	t.Setenv("WATCHDOG_USEC", fmt.Sprint(testWatchdog.Microseconds()))
	t.Setenv("WATCHDOG_PID", "")
	cfg, path := testConfig(t)
	cfg.Source.Kind = source
	cfg.Vision.CameraReconnectMin = config.Duration(100 * time.Millisecond)
	cfg.Vision.CameraReconnectMax = config.Duration(400 * time.Millisecond)
	cfg.HTTP.Token = "field-token"
	o := Options{Config: cfg, Path: path}
	if cam != nil {
		o.OpenCamera = cam.open
	}
	created := time.Now()
	d := runDaemon(t, o)
	if cam != nil {
		t.Cleanup(func() { close(cam.release) }) // before the stop: cleanups run last first
	}
	return &fieldDaemon{Daemon: d, notify: notify, created: created}
}

type alertView struct {
	ID      string `json:"id"`
	Code    string `json:"code"`
	Level   string `json:"level"`
	Message string `json:"message"`
	Acked   bool   `json:"acked"`
	AckedBy string `json:"acked_by"`
}

func (d *fieldDaemon) alerts(t *testing.T) []alertView {
	t.Helper()
	var l struct {
		Alerts []alertView `json:"alerts"`
	}
	getJSON(t, d.Addr(), "/api/v1/alerts", &l)
	return l.Alerts
}

// waitAlert polls the REST alert list until one satisfies ok.
func (d *fieldDaemon) waitAlert(t *testing.T, what string, ok func(alertView) bool) alertView {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, a := range d.alerts(t) {
			if ok(a) {
				return a
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no alert %s on REST within 30 s: %+v", what, d.alerts(t))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func getJSON(t *testing.T, addr, path string, v any) int {
	t.Helper()
	return daemontest.GetJSON(t, "http://"+addr+path, v)
}

type healthView struct {
	Phase   string `json:"phase"`
	Live    bool   `json:"live"`
	Waiting string `json:"waiting"`
	Source  *struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	} `json:"source"`
}

// pingsAfter waits for n WATCHDOG=1 after message index from and returns
// the index of the last.
func (d *fieldDaemon) pingsAfter(t *testing.T, from, n int) int {
	t.Helper()
	for range n {
		from = d.notify.Wait(t, from+1, "WATCHDOG", "1", 10*time.Second)
	}
	return from
}

// waitStatus waits for a STATUS= line (from index from) that satisfies ok.
func (d *fieldDaemon) waitStatus(t *testing.T, from int, what string, ok func(string) bool) int {
	t.Helper()
	i, found := d.notify.WaitFunc(from, 30*time.Second, func(m daemontest.NotifyMsg) bool {
		s, has := m.Vars["STATUS"]
		return has && ok(s)
	})
	if !found {
		t.Fatalf("no STATUS %s within 30 s", what)
	}
	return i
}

// wsAlert subscribes to the alert stream over /ws and returns the first
// alert publication with code.
func wsAlert(t *testing.T, addr, code string) alertView {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, _, err := ws.Dial(ctx, "ws://"+addr+"/ws")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	if err := wsutil.WriteClientText(conn, []byte(`{"type":"subscribe","data":{"streams":["alert"]}}`)); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := wsutil.ReadServerText(conn)
		if err != nil {
			t.Fatalf("no %s alert over the WebSocket: %v", code, err)
		}
		var pub struct {
			Stream string    `json:"stream"`
			Data   alertView `json:"data"`
		}
		if json.Unmarshal(msg, &pub) == nil && pub.Stream == "alert" && pub.Data.Code == code && !pub.Data.Acked {
			return pub.Data
		}
	}
}

// Regression (issue 13, defect 1): with no camera at boot the daemon sent
// no READY=1, no STATUS, no WATCHDOG=1, and systemd restarted it until the
// unit failed for good; a camera unplugged after READY stopped the pings
// too. Now: READY with the daemon serving, STATUS "waiting for camera", the
// alert on REST and WebSocket (MQTT: broker/mirror's
// TestNoCameraAlertReachesMQTT; the display: TestNoCameraAlertOnTheDisplay),
// pings while the retry loop runs, cleared when frames flow; and a wedged
// read still stops the pings.
func TestNoCameraAtBootIsReadyAndAlerts(t *testing.T) {
	cam := newFakeCamera()
	d := startFieldDaemon(t, "camera:/dev/video99", cam)

	// Boot without the camera.
	ready := d.notify.Wait(t, 0, "READY", "1", 60*time.Second)
	if st := d.notify.Snapshot()[ready].Vars["STATUS"]; !strings.HasPrefix(st, "waiting for camera /dev/video99: ") {
		t.Errorf("STATUS with READY=1 = %q, want it to start with \"waiting for camera /dev/video99: \"", st)
	}
	last := d.pingsAfter(t, ready, 3) // the retry loop keeps the watchdog fed
	var h healthView
	if code := getJSON(t, d.Addr(), "/api/v1/health", &h); code != 200 || h.Phase != "ready" || !h.Live ||
		!strings.Contains(h.Waiting, "waiting for camera") || h.Source == nil || h.Source.OK {
		t.Errorf("health without a camera: HTTP %d %+v, want 200, ready, live, waiting for camera, source failing", code, h)
	}
	lost := d.waitAlert(t, "camera_lost (unacked)", func(a alertView) bool { return a.Code == "camera_lost" && !a.Acked })
	if w := wsAlert(t, d.Addr(), "camera_lost"); w.ID != lost.ID {
		t.Errorf("WebSocket alert %+v, want the REST one %s", w, lost.ID)
	}

	// Plugged in: frames flow, the alert clears, STATUS stops waiting.
	cam.set(true, false)
	d.waitAlert(t, "camera_lost acknowledged by cuecastd", func(a alertView) bool {
		return a.ID == lost.ID && a.Acked && a.AckedBy == ackedBy
	})
	d.waitAlert(t, "camera_restored", func(a alertView) bool { return a.Code == "camera_restored" })
	last = d.waitStatus(t, last, "without waiting", func(s string) bool { return !strings.Contains(s, "waiting") && strings.Contains(s, "fps") })

	// Unplugged after READY: the same, with a new alert.
	cam.set(false, false)
	lost2 := d.waitAlert(t, "a second camera_lost", func(a alertView) bool { return a.Code == "camera_lost" && !a.Acked && a.ID != lost.ID })
	last = d.waitStatus(t, last, "waiting for camera again", func(s string) bool { return strings.HasPrefix(s, "waiting for camera") })
	d.pingsAfter(t, last, 3)
	if n := d.notify.Count("READY", "1"); n != 1 {
		t.Errorf("READY=1 sent %d times, want once", n)
	}

	// Back, then wedged in a read: the pings stop (systemd restarts a
	// daemon whose loop is stuck, not one that waits).
	cam.set(true, false)
	d.waitAlert(t, "the second camera_lost cleared", func(a alertView) bool { return a.ID == lost2.ID && a.Acked })
	cam.set(true, true)
	select {
	case <-cam.blocked:
	case <-time.After(30 * time.Second):
		t.Fatal("the frame loop never read from the wedged camera")
	}
	// The loop is stuck now. Not live once it made no progress for a
	// whole interval: by then the last ping its progress earned has gone.
	deadline := time.Now().Add(30 * time.Second)
	for getJSON(t, d.Addr(), "/api/v1/health", &h); h.Live; getJSON(t, d.Addr(), "/api/v1/health", &h) {
		if time.Now().After(deadline) {
			t.Fatal("still live 30 s after the camera read wedged")
		}
		time.Sleep(50 * time.Millisecond)
	}
	before := d.notify.Count("WATCHDOG", "1")
	time.Sleep(2 * testWatchdog) // four ping intervals
	if after := d.notify.Count("WATCHDOG", "1"); after != before {
		t.Errorf("%d pings while the camera read is wedged, want none", after-before)
	}
}

// The real device path: /dev/video99 does not exist, and the daemon comes
// up ready and serving (no fake camera).
func TestNoCameraDeviceIsReady(t *testing.T) {
	d := startFieldDaemon(t, "camera:/dev/video99", nil)
	ready := d.notify.Wait(t, 0, "READY", "1", 60*time.Second)
	t.Logf("New to READY=1 without a camera (in-process): %v", d.notify.Snapshot()[ready].At.Sub(d.created).Round(time.Millisecond))
	if st := d.notify.Snapshot()[ready].Vars["STATUS"]; !strings.HasPrefix(st, "waiting for camera") {
		t.Errorf("STATUS = %q", st)
	}
	d.pingsAfter(t, ready, 3)
	d.waitAlert(t, "camera_lost", func(a alertView) bool { return a.Code == "camera_lost" && !a.Acked })
}

// The display surface of the no-camera alert: the table display (real
// headless Chromium) shows the camera alert while the camera is missing and
// drops it when frames flow.
func TestNoCameraAlertOnTheDisplay(t *testing.T) {
	cam := newFakeCamera()
	d := startFieldDaemon(t, "camera:/dev/video99", cam)
	d.notify.Wait(t, 0, "READY", "1", 60*time.Second)
	lost := d.waitAlert(t, "camera_lost", func(a alertView) bool { return a.Code == "camera_lost" && !a.Acked })

	ctx := browsertest.New(t, 1280, 760)
	poll := func(what, js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(60*time.Second))); err != nil {
			t.Fatalf("display: %s: %v", what, err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+d.Addr()+"/")); err != nil {
		t.Fatal(err)
	}
	poll("the camera alert shown", fmt.Sprintf(
		`[...document.querySelectorAll("#alerts .alert")].some(e => e.dataset.id === %q && e.textContent.includes("/dev/video99"))`, lost.ID))
	cam.set(true, false)
	poll("the camera alert gone once frames flow", fmt.Sprintf(
		`window.cuecast.lastState !== undefined && !document.querySelector('#alerts .alert[data-id=%q]')`, lost.ID))
}
