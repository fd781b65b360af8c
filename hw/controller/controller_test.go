package controller

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/hw/led"
)

type rig struct {
	c      *Controller
	clk    *clockwork.FakeClock
	strip  *fakeStrip
	feed   *fakeFeed
	alerts *fakeAlerts
	rep    *fakeReporter
	status *gpiotest.Pin
	relay  *gpiotest.Pin
}

func testConfig() config.HW {
	cfg := config.Default().HW
	cfg.Enabled = true
	cfg.LED.Driver = config.LEDAPA102
	cfg.LED.Count = 24
	cfg.LED.FPS = 10
	cfg.LED.Pockets = map[string][]int{model.PocketBottomLeft: {0, 3}, model.PocketTopSide: {12, 15}}
	cfg.GPIO.StatusLED = "GPIO17"
	cfg.GPIO.Relay = "GPIO27"
	cfg.GPIO.RelayActiveLow = true
	return cfg
}

// newRig starts a controller on fakes. waiters is the number of clock
// waiters to expect before the test may advance the clock.
func newRig(t *testing.T, cfg config.HW, projector Projector, waiters int) *rig {
	t.Helper()
	r := &rig{
		clk:    clockwork.NewFakeClockAt(time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)),
		strip:  newFakeStrip(cfg.LED.Count),
		feed:   newFakeFeed(),
		alerts: &fakeAlerts{},
		rep:    &fakeReporter{},
		status: &gpiotest.Pin{N: "GPIO17", Num: 17},
		relay:  &gpiotest.Pin{N: "GPIO27", Num: 27, L: gpio.High},
	}
	feedOnce := false
	r.c = New(cfg, Deps{
		Log:      quietLog(),
		Reporter: r.rep,
		Alerts:   r.alerts,
		Clock:    r.clk,
		Subscribe: func() (Feed, error) {
			if feedOnce {
				return newFakeFeed(), nil // a resubscription gets a quiet feed
			}
			feedOnce = true
			return r.feed, nil
		},
		Open: func(*slog.Logger) (*Devices, []error) {
			d := &Devices{Strip: r.strip, StatusLED: r.status, Relay: r.relay}
			if projector != nil {
				d.Projector = projector
			}
			return d, nil
		},
	})
	if err := r.c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.c.Shutdown(context.Background()) })
	blockUntil(t, r.clk, waiters)
	return r
}

func allOf(px []led.RGB, c led.RGB) bool {
	for _, p := range px {
		if p != c {
			return false
		}
	}
	return true
}

func TestSafeStartState(t *testing.T) {
	r := newRig(t, testConfig(), nil, 1)
	if px := r.strip.last(); r.strip.count() != 1 || !allOf(px, led.Off) {
		t.Fatalf("%d frames, last %v: want one, all off", r.strip.count(), px)
	}
	if r.relay.Read() != gpio.Low {
		t.Errorf("relay (active-low, relay_at_start on) = %v, want Low", r.relay.Read())
	}
	if r.status.Read() != gpio.High {
		t.Errorf("status LED at start = %v, want lit (starting)", r.status.Read())
	}
	// Before READY the strip stays dark whatever happens, and what happened
	// is not replayed at READY (the feed is FIFO: the event is handled first).
	n := r.feed.nexts.Load()
	r.feed.event(t, model.Event{Type: model.EventBallPocketed, Balls: []string{"3"}, Pocket: model.PocketTopSide})
	// The Next call after the one that returned the event means it was handed on.
	waitUntil(t, "the event handed to the animation loop", func() bool { return r.feed.nexts.Load() > max(n, 1) })
	r.c.Ready()
	idle := r.strip.waitFor(t, "idle", func(px []led.RGB) bool { return px[0] != led.Off })
	if !allOf(idle, idle[0]) {
		t.Fatalf("first frame after READY %v: the pocket flash from before READY shows", idle)
	}
	if ok, err := r.rep.last(); err != nil || ok != "led 24 LEDs apa102; relay GPIO27 on; status_led GPIO17" {
		t.Fatalf("report = %q, %v", ok, err)
	}
}

func TestEventsDriveLEDs(t *testing.T) {
	r := newRig(t, testConfig(), nil, 1)
	r.c.Ready()
	idle := r.strip.waitFor(t, "the idle pattern", func(px []led.RGB) bool { return px[0] != led.Off })
	if !allOf(idle, idle[0]) || idle[0].R != 0 || idle[0].B == 0 {
		t.Fatalf("idle frame %v, want one calm blue-green everywhere", idle)
	}

	// Shot in progress: a white comet on a dim base.
	r.feed.event(t, model.Event{Type: model.EventShotStarted})
	shot := r.strip.waitFor(t, "the shot sweep", func(px []led.RGB) bool { return px[0] == led.White })
	if shot[1].B >= idle[0].B || shot[1] == led.White {
		t.Fatalf("shot frame %v: want a white head at 0 and a dim base", shot)
	}
	// The head moves with the clock: 24 LEDs per 1.5 s lap, 100 ms = 1.6 LEDs.
	r.clk.Advance(100 * time.Millisecond)
	r.strip.waitFor(t, "the head at LED 1", func(px []led.RGB) bool { return px[1] == led.White })

	// Ball 3 (red) drops in the top side pocket: LEDs 12..15 flash red.
	r.feed.event(t, model.Event{Type: model.EventBallPocketed, Balls: []string{"3"}, Pocket: model.PocketTopSide})
	fl := r.strip.waitFor(t, "the red flash", func(px []led.RGB) bool { return px[12] == led.Red })
	for i := range fl {
		inSeg := i >= 12 && i <= 15
		if (fl[i] == led.Red) != inSeg {
			t.Fatalf("flash frame LED %d = %v; want red exactly on 12..15: %v", i, fl[i], fl)
		}
	}
	r.clk.Advance(100 * time.Millisecond) // blink: off half
	r.strip.waitFor(t, "the flash's dark half", func(px []led.RGB) bool { return allOf(px[12:16], led.Off) })
	r.clk.Advance(1200 * time.Millisecond) // past the flash
	r.strip.waitFor(t, "the flash over", func(px []led.RGB) bool {
		return px[12] != led.Red && px[12] != led.Off && px[12] == px[5]
	})

	// The shot ends with a scratch: everything red, then back to idle.
	r.feed.event(t, model.Event{Type: model.EventShotEnded, Shot: &model.ShotSummary{Scratch: true}})
	sc := r.strip.waitFor(t, "the scratch", func(px []led.RGB) bool { return px[5].R > 0 && px[5].G == 0 })
	if !allOf(sc, sc[0]) || sc[0].B != 0 {
		t.Fatalf("scratch frame %v, want all red", sc)
	}
	r.clk.Advance(2100 * time.Millisecond)
	back := r.strip.waitFor(t, "idle after the scratch", func(px []led.RGB) bool { return px[0].R == 0 && px[0].B > 0 })
	if !allOf(back, back[0]) {
		t.Fatalf("after scratch %v, want idle", back)
	}

	// A pocketed cue ball is a scratch too.
	r.feed.event(t, model.Event{Type: model.EventBallPocketed, Balls: []string{"cue"}, Pocket: model.PocketBottomLeft})
	r.strip.waitFor(t, "red on a pocketed cue ball", func(px []led.RGB) bool { return allOf(px, px[0]) && px[0].R > 0 && px[0].G == 0 })
}

func TestShotTimesOut(t *testing.T) {
	r := newRig(t, testConfig(), nil, 1)
	r.c.Ready()
	r.feed.event(t, model.Event{Type: model.EventShotStarted})
	r.strip.waitFor(t, "the sweep", func(px []led.RGB) bool { return px[0] == led.White })
	// shot_ended never comes: after shotMax the strip goes back to idle.
	r.clk.Advance(shotMax + 100*time.Millisecond)
	r.strip.waitFor(t, "idle after a lost shot_ended", func(px []led.RGB) bool { return allOf(px, px[0]) && px[0].B > 0 })
}

func TestStatusLEDAndFaults(t *testing.T) {
	r := newRig(t, testConfig(), nil, 1)
	r.c.Ready()
	r.strip.waitFor(t, "idle", func(px []led.RGB) bool { return px[0] != led.Off })
	// Ready: lit, with a 100 ms wink at 1.9 s.
	r.clk.Advance(1950 * time.Millisecond)
	waitUntil(t, "the ready wink", func() bool { return r.status.Read() == gpio.Low })

	// The strip fails: alert, report, fault blink; the loop keeps running.
	r.strip.setFail(errTest)
	r.clk.Advance(2 * time.Second)
	a := r.alerts.waitFor(t, "hw_led")
	if a.Level != model.AlertError || a.Source != "hw" || !strings.Contains(a.Message, "spi write failed") {
		t.Fatalf("alert %+v", a)
	}
	if _, err := r.rep.last(); err == nil {
		t.Fatal("report after a strip failure is OK, want Fail")
	}
	// Fault pattern: lit 150, dark 150, lit 150, dark 550. Sample it.
	r.clk.Advance(100 * time.Millisecond) // a new pattern starts lit; we are 100 ms in
	waitUntil(t, "fault: lit", func() bool { return r.status.Read() == gpio.High })
	r.clk.Advance(100 * time.Millisecond) // 200 ms: dark
	waitUntil(t, "fault: dark", func() bool { return r.status.Read() == gpio.Low })
	r.clk.Advance(100 * time.Millisecond) // 300 ms: lit again
	waitUntil(t, "fault: second blink", func() bool { return r.status.Read() == gpio.High })

	// Recovery: the strip works again, an info alert, the report is OK.
	r.strip.setFail(nil)
	r.clk.Advance(1100 * time.Millisecond)
	r.alerts.waitFor(t, "hw_led_ok")
	waitUntil(t, "OK report", func() bool { _, err := r.rep.last(); return err == nil })
	if n := len(r.alerts.codes()); n != 2 {
		t.Fatalf("alerts %q: want one failure and one recovery, not one per frame", r.alerts.codes())
	}
}

func TestForeignAlertShowsFault(t *testing.T) {
	cfg := testConfig()
	r := newRig(t, cfg, nil, 1)
	r.c.Ready()
	now := r.clk.Now()
	r.feed.alert(t, hub.AlertState{Alert: model.Alert{ID: "e-a1", Level: model.AlertCritical, Code: "camera_lost", Source: "vision", Time: now}})
	// A marker: the feed is FIFO, so once the sweep shows the alert is in.
	r.feed.event(t, model.Event{Type: model.EventShotStarted})
	r.strip.waitFor(t, "the sweep", func(px []led.RGB) bool { return px[0] == led.White })
	r.clk.Advance(200 * time.Millisecond) // fault: dark at 150..300 ms
	waitUntil(t, "fault pattern for a critical alert", func() bool { return r.status.Read() == gpio.Low })
	// Acknowledged: back to ready (lit for 1.9 s).
	r.feed.alert(t, hub.AlertState{Alert: model.Alert{ID: "e-a1", Level: model.AlertCritical, Source: "vision", Time: now}, Acked: true})
	r.clk.Advance(100 * time.Millisecond)
	waitUntil(t, "ready after the ack", func() bool { return r.status.Read() == gpio.High })
	r.clk.Advance(100 * time.Millisecond)
	time.Sleep(10 * time.Millisecond)
	if r.status.Read() != gpio.High {
		t.Fatal("status LED still blinking the fault after the ack")
	}
}

func TestShutdownSafeState(t *testing.T) {
	cfg := testConfig()
	cfg.GPIO.RelayAtStop = config.ActionOff
	r := newRig(t, cfg, nil, 1)
	r.c.Ready()
	r.strip.waitFor(t, "idle", func(px []led.RGB) bool { return px[0] != led.Off })
	if err := r.c.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if px := r.strip.last(); !allOf(px, led.Off) {
		t.Fatalf("last frame after Shutdown %v, want off", px)
	}
	if r.status.Read() != gpio.Low {
		t.Error("status LED lit after Shutdown")
	}
	if r.relay.Read() != gpio.High { // active-low: off is High
		t.Error("relay not off after Shutdown with relay_at_stop off and no projector")
	}
	if err := r.c.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown = %v", err)
	}
	if err := r.c.Start(); err == nil {
		t.Fatal("Start after Shutdown = nil")
	}
}

// TestMissingDevicesKeepRunning opens the real devices on a machine that has
// none: every part fails with its fix in the message, and the controller
// runs and stops cleanly anyway.
func TestMissingDevicesKeepRunning(t *testing.T) {
	cfg := testConfig()
	cfg.LED.SPIPort = "/dev/spidev9.9"
	cfg.GPIO.StatusLED = "CUECAST_NO_SUCH_PIN_A"
	cfg.GPIO.Relay = "CUECAST_NO_SUCH_PIN_B"
	rep, alerts := &fakeReporter{}, &fakeAlerts{}
	c := New(cfg, Deps{Log: quietLog(), Reporter: rep, Alerts: alerts})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	c.Ready()
	_, err := rep.last()
	if err == nil {
		t.Fatal("report OK with every device missing")
	}
	for _, want := range []string{"spidev9.9", "CUECAST_NO_SUCH_PIN_A", "CUECAST_NO_SUCH_PIN_B"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("report %q does not name %s", err, want)
		}
	}
	for _, code := range []string{"hw_led", "hw_status_led", "hw_relay"} {
		if _, ok := alerts.find(code); !ok {
			t.Errorf("no alert %s; have %q", code, alerts.codes())
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with no devices = %v", err)
	}
}

func TestDisabledTouchesNothing(t *testing.T) {
	rep := &fakeReporter{}
	c := New(config.Default().HW, Deps{Log: quietLog(), Reporter: rep})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if ok, err := rep.last(); err != nil || ok != "no hardware configured" {
		t.Fatalf("report = %q, %v", ok, err)
	}
	if err := c.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestOpenDevicesProjectorOnly goes through the real OpenDevices with only a
// projector configured: no periph init is needed, and a bad password file is
// a reported part failure, not a stopped controller.
func TestOpenDevicesProjectorOnly(t *testing.T) {
	cfg := config.Default().HW
	cfg.Enabled = true
	cfg.Projector.Address = "127.0.0.1:1"
	cfg.Projector.PasswordFile = t.TempDir() + "/missing.pass"
	rep, alerts := &fakeReporter{}, &fakeAlerts{}
	c := New(cfg, Deps{Log: quietLog(), Reporter: rep, Alerts: alerts})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(context.Background())
	if _, err := rep.last(); err == nil || !strings.Contains(err.Error(), "password file") || !strings.Contains(err.Error(), "missing.pass") {
		t.Fatalf("report = %v, want the password file named", err)
	}
	if a, ok := alerts.find("hw_projector"); !ok || a.Level != model.AlertError {
		t.Fatalf("alerts %q, want hw_projector", alerts.codes())
	}
}
