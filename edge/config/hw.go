package config

import (
	"net"
	"strconv"
	"strings"

	"github.com/cuecast/cuecast/edge/model"
)

// HW is the table's hardware: LEDs, GPIO, projector. Owned by hw/.
// Everything is off by default: a box without hardware runs as is. Each part
// is independent: a part that is configured but missing is disabled with a
// logged, reported error and the rest keeps running.
//
//	[hw]
//	enabled = true
//	[hw.led]
//	driver = "apa102"
//	spi_port = "/dev/spidev0.0"
//	count = 120
//	pockets = { "corner-bottom-left" = [0, 9], "side-bottom" = [26, 33] }
//	[hw.gpio]
//	status_led = "GPIO17"
//	relay = "GPIO27"
//	relay_active_low = true
//	[hw.projector]
//	address = "10.0.0.5"
//	password_file = "/etc/cuecast/pjlink.pass"
type HW struct {
	// Enabled is the master switch: false touches no device at all (no
	// periph host init), whatever the sub-sections say.
	Enabled   bool        `toml:"enabled" json:"enabled"`
	LED       HWLED       `toml:"led" json:"led"`
	GPIO      HWGPIO      `toml:"gpio" json:"gpio"`
	Projector HWProjector `toml:"projector" json:"projector"`
}

// LED drivers.
const (
	LEDNone   = "none"
	LEDAPA102 = "apa102"
	LEDWS2812 = "ws2812"
)

// Stop (and start) actions for the projector and the relay.
const (
	ActionOn    = "on"
	ActionOff   = "off"
	ActionLeave = "leave"
)

// HWLED is an addressable LED strip on an SPI port.
type HWLED struct {
	// Driver: "apa102" (also SK9822), "ws2812" (also WS2812B/SK6812 RGB), or
	// "none".
	Driver string `toml:"driver" json:"driver"`
	// SPIPort is the periph spireg name: "/dev/spidev0.0", its alias
	// "SPI0.0", or "" for the first port found.
	SPIPort string `toml:"spi_port" json:"spi_port"`
	// SpeedHz is the APA102 clock. WS2812 always runs at 2.5 MHz (its timing
	// is encoded in the SPI bits), so the key is ignored there.
	SpeedHz int `toml:"speed_hz" json:"speed_hz"`
	// Count is the number of LEDs on the strip.
	Count int `toml:"count" json:"count"`
	// Order is the strip's wire colour order: "rgb", "rbg", "grb", "gbr",
	// "brg", "bgr"; "" takes the chip's own (apa102 "bgr", ws2812 "grb").
	Order string `toml:"order" json:"order"`
	// MaxBrightness caps every channel (0..255) after gamma: 255 is no cap.
	// The strip's power supply and the players' eyes decide it.
	MaxBrightness int `toml:"max_brightness" json:"max_brightness"`
	// Gamma corrects the LEDs' linear PWM to perceived brightness (1 = off).
	Gamma float64 `toml:"gamma" json:"gamma"`
	// FPS is the animation rate.
	FPS int `toml:"fps" json:"fps"`
	// Pockets maps a pocket name (model.Pocket* names) to the inclusive LED
	// index range [first, last] that lights up when a ball drops there.
	Pockets map[string][]int `toml:"pockets" json:"pockets"`
}

// HWGPIO is the status LED and the relay, named as periph's gpioreg knows
// them ("GPIO17", a gpiochip line name, or a number). "" = not fitted.
type HWGPIO struct {
	StatusLED          string `toml:"status_led" json:"status_led"`
	StatusLEDActiveLow bool   `toml:"status_led_active_low" json:"status_led_active_low"`
	Relay              string `toml:"relay" json:"relay"`
	// RelayActiveLow: most opto-isolated relay boards switch on a low input.
	RelayActiveLow bool `toml:"relay_active_low" json:"relay_active_low"`
	// RelayAtStart is applied when the daemon starts ("on" powers the
	// projector's mains so it can be commanded), RelayAtStop when it stops.
	// "leave" keeps the relay as it is. Stopping never cuts the mains while
	// the projector is cooling down (that kills lamps): the relay is left on
	// if cooling does not finish within the stop deadline.
	RelayAtStart string `toml:"relay_at_start" json:"relay_at_start"`
	RelayAtStop  string `toml:"relay_at_stop" json:"relay_at_stop"`
}

// HWProjector is a projector controlled over PJLink class 1 (TCP 4352).
type HWProjector struct {
	// Address is host or host:port (port 4352 when absent); "" = none.
	Address string `toml:"address" json:"address"`
	// Password for PJLink authentication; prefer PasswordFile so the secret
	// stays out of the main config. Setting both is an error.
	Password     string `toml:"password" json:"-"`
	PasswordFile string `toml:"password_file" json:"password_file"`
	// PollInterval is how often power and error status (ERST) are read.
	PollInterval Duration `toml:"poll_interval" json:"poll_interval"`
	// Timeout bounds one connection: connect, greeting, command, answer.
	Timeout Duration `toml:"timeout" json:"timeout"`
	// PowerOnReady powers the projector on when the daemon becomes READY.
	PowerOnReady bool `toml:"power_on_ready" json:"power_on_ready"`
	// AtStop: "off", "on" or "leave". The default "leave" spares the lamp a
	// cool-down and warm-up cycle on every daemon restart.
	AtStop string `toml:"at_stop" json:"at_stop"`
	// Input is the PJLink INPT parameter selected after power-on ("31" =
	// digital input 1, usually HDMI 1); "" leaves the input alone.
	Input string `toml:"input" json:"input"`
}

func defaultHW() HW {
	return HW{
		LED: HWLED{
			Driver:        LEDNone,
			SpeedHz:       4_000_000,
			MaxBrightness: 160,
			Gamma:         2.2,
			FPS:           30,
		},
		GPIO: HWGPIO{RelayAtStart: ActionOn, RelayAtStop: ActionLeave},
		Projector: HWProjector{
			PollInterval: Duration(10e9),
			Timeout:      Duration(5e9),
			PowerOnReady: true,
			AtStop:       ActionLeave,
		},
	}
}

func (c *HW) validate(s section) {
	c.LED.validate(s)
	c.GPIO.validate(s)
	c.Projector.validate(s)
}

func (c *HWLED) validate(s section) {
	switch c.Driver {
	case LEDNone, LEDAPA102, LEDWS2812:
	default:
		s.fail("led.driver", "%q: must be \"apa102\", \"ws2812\" or \"none\"", c.Driver)
	}
	if c.Driver != LEDNone {
		s.rangeI(c.Count, 1, 4096, "led.count")
	} else {
		s.rangeI(c.Count, 0, 4096, "led.count")
	}
	// 30 MHz is above what APA102 strips pass reliably over any length of cable.
	s.rangeI(c.SpeedHz, 100_000, 30_000_000, "led.speed_hz")
	if c.Order != "" && !validOrder(c.Order) {
		s.fail("led.order", "%q: must be three distinct letters of r, g, b (\"bgr\", \"grb\", ...) or \"\" for the chip's own", c.Order)
	}
	s.rangeI(c.MaxBrightness, 0, 255, "led.max_brightness")
	s.rangeF(c.Gamma, 0.5, 4, "led.gamma")
	s.rangeI(c.FPS, 1, 120, "led.fps")
	for name, r := range c.Pockets {
		key := "led.pockets." + name
		if !knownPocket(name) {
			s.fail(key, "unknown pocket %q: use one of %s", name, strings.Join(pocketNames, ", "))
			continue
		}
		if len(r) != 2 {
			s.fail(key, "want [first, last] LED indexes, got %d numbers", len(r))
			continue
		}
		if r[0] < 0 || r[1] < r[0] || r[1] >= c.Count {
			s.fail(key, "[%d, %d] is not a range inside the strip's %d LEDs (0..%d)", r[0], r[1], c.Count, c.Count-1)
		}
	}
}

func (c *HWGPIO) validate(s section) {
	action(s, c.RelayAtStart, "gpio.relay_at_start")
	action(s, c.RelayAtStop, "gpio.relay_at_stop")
	if c.StatusLED != "" && c.StatusLED == c.Relay {
		s.fail("gpio.relay", "%q is also the status LED pin", c.Relay)
	}
}

func (c *HWProjector) validate(s section) {
	if c.Address != "" {
		host, port, err := net.SplitHostPort(c.Address)
		if err != nil {
			host, port = c.Address, "4352"
		}
		p, perr := strconv.Atoi(port)
		switch {
		case host == "" || strings.ContainsAny(host, " /"):
			s.fail("projector.address", "%q: want host or host:port", c.Address)
		case perr != nil || p < 1 || p > 65535:
			s.fail("projector.address", "%q: port must be 1..65535", c.Address)
		}
	}
	if c.Password != "" && c.PasswordFile != "" {
		s.fail("projector.password_file", "set password or password_file, not both")
	}
	// PJLink class 1 passwords are at most 32 ASCII characters.
	s.check(len(c.Password) <= 32, "projector.password", "longer than PJLink's 32 characters")
	s.positive(c.PollInterval, "projector.poll_interval")
	s.positive(c.Timeout, "projector.timeout")
	action(s, c.AtStop, "projector.at_stop")
	// INPT takes a 2-digit parameter: type 1..5 (RGB, video, digital,
	// storage, network) and a 1..9 number.
	if c.Input != "" && (len(c.Input) != 2 || c.Input[0] < '1' || c.Input[0] > '5' || c.Input[1] < '1' || c.Input[1] > '9') {
		s.fail("projector.input", "%q: want a PJLink input such as \"31\" (digital 1) or \"11\" (RGB 1)", c.Input)
	}
}

func action(s section, a, key string) {
	s.check(a == ActionOn || a == ActionOff || a == ActionLeave, key, "%q: must be \"on\", \"off\" or \"leave\"", a)
}

func validOrder(o string) bool {
	return len(o) == 3 && strings.Count(o, "r") == 1 && strings.Count(o, "g") == 1 && strings.Count(o, "b") == 1
}

var pocketNames = []string{model.PocketBottomLeft, model.PocketBottomSide, model.PocketBottomRight,
	model.PocketTopRight, model.PocketTopSide, model.PocketTopLeft}

func knownPocket(name string) bool {
	for _, n := range pocketNames {
		if n == name {
			return true
		}
	}
	return false
}
