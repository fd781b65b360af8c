package controller

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/hw/led"
)

// TestWithRealHub wires the controller to a real hub the way the daemon
// does: events published on the hub reach the strip, and the controller's
// faults are raised on the hub's alert stream.
func TestWithRealHub(t *testing.T) {
	h := hub.New(config.Default().Hub, quietLog())
	clk := clockwork.NewFakeClock()
	strip := newFakeStrip(24)
	c := New(testConfig(), Deps{
		Log: quietLog(), Alerts: h, Subscribe: HubSubscriber(h), Clock: clk,
		Open: func(*slog.Logger) (*Devices, []error) { return &Devices{Strip: strip}, nil },
	})
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Shutdown(context.Background())
	c.Ready()
	strip.waitFor(t, "idle", func(px []led.RGB) bool { return px[0] != led.Off })
	waitUntil(t, "the hw client subscribed", func() bool { return h.Watchers(hub.StreamEvent) == 1 })

	if _, err := h.Publish(hub.StreamEvent, model.Event{Type: model.EventBallPocketed, Balls: []string{"6"}, Pocket: model.PocketBottomLeft, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	green := led.RGB{R: 0, G: 160, B: 40} // ball 6
	strip.waitFor(t, "ball 6's green at the bottom-left pocket", func(px []led.RGB) bool { return px[0] == green && px[3] == green && px[4] != green })

	strip.setFail(errTest)
	clk.Advance(2 * time.Second)
	waitUntil(t, "the strip failure on the hub's alert stream", func() bool {
		for _, a := range h.Alerts() {
			if a.Code == "hw_led" && a.Source == "hw" {
				return true
			}
		}
		return false
	})
}
