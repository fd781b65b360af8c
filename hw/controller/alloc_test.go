package controller

import (
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/hw/led"
	"github.com/cuecast/cuecast/hw/pins"
)

type discardPort struct{ bytes int }

func (p *discardPort) String() string { return "discard" }
func (p *discardPort) Connect(physic.Frequency, spi.Mode, int) (spi.Conn, error) {
	return (*discardConn)(p), nil
}

type discardConn discardPort

func (c *discardConn) String() string               { return "discard" }
func (c *discardConn) Duplex() conn.Duplex          { return conn.Half }
func (c *discardConn) TxPackets([]spi.Packet) error { return nil }
func (c *discardConn) Tx(w, r []byte) error         { c.bytes += len(w); return nil }

// frameRig is a controller set up by hand (no loops) so the test can call
// frame directly, as the animation loop does.
func frameRig(t testing.TB, chip led.Chip) (*Controller, *discardPort) {
	cfg := testConfig()
	cfg.LED.Count = 300
	cfg.LED.Pockets = map[string][]int{model.PocketTopSide: {140, 159}}
	port := &discardPort{}
	s, err := led.New(port, led.Options{Chip: chip, Count: 300, MaxBrightness: 200, Gamma: 2.2})
	if err != nil {
		t.Fatal(err)
	}
	clk := clockwork.NewFakeClock()
	c := New(cfg, Deps{Log: quietLog(), Clock: clk})
	c.dev = &Devices{Strip: s}
	c.px, c.prev = make([]led.RGB, 300), make([]led.RGB, 300)
	c.scene = newScene(300, cfg.LED.Pockets)
	c.status = pins.NewStatusLED(pins.NewOutput(&gpiotest.Pin{N: "GPIO17"}, false))
	c.handle(input{ready: true})
	now := clk.Now()
	c.scene.apply(&model.Event{Type: model.EventShotStarted}, now)
	c.scene.apply(&model.Event{Type: model.EventBallPocketed, Balls: []string{"11"}, Pocket: model.PocketTopSide}, now)
	return c, port
}

// TestFrameAllocatesNothing: the LED update path (render, compare, encode,
// write, status LED) allocates nothing per frame, with a shot sweep and a
// pocket flash running.
func TestFrameAllocatesNothing(t *testing.T) {
	for _, chip := range []led.Chip{led.APA102, led.WS2812} {
		c, port := frameRig(t, chip)
		now := c.clock.Now()
		step := 0
		allocs := testing.AllocsPerRun(200, func() {
			step++
			c.frame(now.Add(time.Duration(step) * 5 * time.Millisecond))
		})
		if allocs != 0 {
			t.Errorf("%v: frame allocates %v per run, want 0", chip, allocs)
		}
		if port.bytes == 0 {
			t.Fatalf("%v: nothing written: the test measured nothing", chip)
		}
	}
}

func BenchmarkFrame300(b *testing.B) {
	for _, chip := range []led.Chip{led.APA102, led.WS2812} {
		b.Run(chip.String(), func(b *testing.B) {
			c, _ := frameRig(b, chip)
			now := c.clock.Now()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				c.frame(now.Add(time.Duration(i) * time.Millisecond))
			}
		})
	}
}
