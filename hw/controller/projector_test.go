package controller

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3/gpio"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/hw/led"
	"github.com/cuecast/cuecast/hw/pjlink"
	"github.com/cuecast/cuecast/hw/pjlink/pjlinktest"
)

// fakeProjector starts a fake projector and a client whose waits advance the
// projector's own clock (warm-up 30 s, cool-down 60 s pass at once).
func fakeProjector(t *testing.T) (*pjlinktest.Projector, *pjlink.Client) {
	t.Helper()
	p := pjlinktest.New()
	p.Password = "table7"
	addr, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	c := pjlink.New(addr, "table7")
	c.Timeout = 2 * time.Second
	pclk := p.Clock.(*clockwork.FakeClock)
	c.Sleep = func(ctx context.Context, d time.Duration) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		pclk.Advance(d)
		return nil
	}
	return p, c
}

func TestProjectorErrorsBecomeAlerts(t *testing.T) {
	p, pc := fakeProjector(t)
	p.SetErrors("020100") // lamp error, cover warning
	r := newRig(t, testConfig(), pc, 2)
	lamp := r.alerts.waitFor(t, "projector_lamp")
	if lamp.Level != model.AlertError || !strings.Contains(lamp.Message, "replace") {
		t.Fatalf("lamp alert %+v", lamp)
	}
	if cover := r.alerts.waitFor(t, "projector_cover"); cover.Level != model.AlertWarning {
		t.Fatalf("cover alert %+v", cover)
	}
	waitUntil(t, "the projector in STATUS", func() bool {
		ok, _ := r.rep.last()
		return strings.Contains(ok, "projector "+pc.Addr()+" off")
	})

	// The lamp is replaced: one info alert; the cover stays: no repeat.
	p.SetErrors("000100")
	r.clk.Advance(10 * time.Second)
	r.alerts.waitFor(t, "projector_lamp_ok")
	r.clk.Advance(10 * time.Second)
	waitUntil(t, "a third poll", func() bool { return countPrefix(p.Log(), "%1ERST") >= 3 })
	time.Sleep(20 * time.Millisecond) // let the poll's alerts, if any, land
	if got := r.alerts.codes(); len(got) != 3 {
		t.Fatalf("alerts %q: want lamp, cover, lamp_ok and nothing repeated", got)
	}
}

func countPrefix(log []string, prefix string) int {
	n := 0
	for _, l := range log {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

func TestProjectorReadyAndStop(t *testing.T) {
	p, pc := fakeProjector(t)
	cfg := testConfig()
	cfg.Projector.Address = pc.Addr()
	cfg.Projector.Input = "11"
	cfg.Projector.AtStop = config.ActionOff
	cfg.GPIO.RelayAtStop = config.ActionOff
	r := newRig(t, cfg, pc, 2)
	r.c.Ready()
	waitUntil(t, "projector on with input 11", func() bool { return p.Power() == 1 && p.Input() == "11" })
	if r.relay.Read() != gpio.Low {
		t.Fatal("relay off while the projector runs")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if p.Power() != 0 {
		t.Fatalf("projector state %d after Shutdown, want off and cooled (0)", p.Power())
	}
	if r.relay.Read() != gpio.High {
		t.Fatal("relay still on after the projector cooled down")
	}
	log := p.Log()
	if i, j := index(log, "%1POWR 0"), lastIndex(log, "%1POWR ?"); i < 0 || j < i {
		t.Fatalf("log %q: want POWR 0 then queries until cool", log)
	}
}

func TestRelayKeptForRunningProjector(t *testing.T) {
	p, pc := fakeProjector(t)
	p.SetPower(1)
	cfg := testConfig()
	cfg.Projector.AtStop = config.ActionLeave
	cfg.GPIO.RelayAtStop = config.ActionOff
	r := newRig(t, cfg, pc, 2)
	if err := r.c.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p.Power() != 1 {
		t.Fatalf("at_stop leave changed the projector to %d", p.Power())
	}
	if r.relay.Read() != gpio.Low {
		t.Fatal("relay cut under a running projector")
	}
}

func TestProjectorUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	pc := pjlink.New(addr, "")
	cfg := testConfig()
	r := newRig(t, cfg, pc, 2)
	a := r.alerts.waitFor(t, "hw_projector")
	if !strings.Contains(a.Message, addr+" unreachable") || !strings.Contains(a.Message, "check address/cable") {
		t.Fatalf("alert %q", a.Message)
	}
	// The rest runs: READY lights the strip, the status LED shows the fault.
	r.c.Ready()
	r.strip.waitFor(t, "idle despite the projector", func(px []led.RGB) bool { return px[0].B > 0 })
}

func index(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

func lastIndex(s []string, x string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == x {
			return i
		}
	}
	return -1
}
