package hw_test

import (
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/config"
)

// The [hw] section is parsed by edge/config; these cases pin what hw relies on:
// no hardware by default, and bad values named by key and line.
func TestConfigDefaultsNoHardware(t *testing.T) {
	c := config.Default()
	if c.HW.Enabled || c.HW.LED.Driver != config.LEDNone || c.HW.GPIO.StatusLED != "" || c.HW.GPIO.Relay != "" || c.HW.Projector.Address != "" {
		t.Fatalf("default hw = %+v, want nothing enabled", c.HW)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
}

func TestConfigHWParse(t *testing.T) {
	good := `
[hw]
enabled = true
[hw.led]
driver = "ws2812"
count = 60
pockets = { "corner-bottom-left" = [0, 4], "side-top" = [30, 34] }
[hw.gpio]
relay = "GPIO27"
relay_active_low = true
relay_at_stop = "off"
[hw.projector]
address = "10.0.0.5"
password = "JBMIAProjectorLink"
at_stop = "off"
input = "31"
`
	c, err := config.Parse("good.toml", []byte(good))
	if err != nil {
		t.Fatalf("Parse(good) = %v", err)
	}
	if c.HW.LED.Count != 60 || c.HW.LED.Pockets["side-top"][1] != 34 || !c.HW.GPIO.RelayActiveLow || c.HW.Projector.AtStop != "off" {
		t.Fatalf("Parse(good) = %+v", c.HW)
	}

	bad := []struct{ name, doc, want string }{
		{"driver", "[hw.led]\ndriver = \"neopixel\"\n", "bad.toml:2: hw.led.driver"},
		{"count", "[hw.led]\ndriver = \"apa102\"\ncount = 0\n", "bad.toml:3: hw.led.count"},
		{"order", "[hw.led]\norder = \"rgg\"\n", "bad.toml:2: hw.led.order"},
		{"pocket name", "[hw.led]\ndriver = \"apa102\"\ncount = 10\npockets = { \"corner\" = [0, 1] }\n", "hw.led.pockets.corner: unknown pocket"},
		{"pocket range", "[hw.led]\ndriver = \"apa102\"\ncount = 10\npockets = { \"side-top\" = [5, 10] }\n", "hw.led.pockets.side-top"},
		{"address", "[hw.projector]\naddress = \"10.0.0.5:99999\"\n", "bad.toml:2: hw.projector.address"},
		{"both passwords", "[hw.projector]\npassword = \"x\"\npassword_file = \"/x\"\n", "hw.projector.password_file"},
		{"at_stop", "[hw.projector]\nat_stop = \"standby\"\n", "bad.toml:2: hw.projector.at_stop"},
		{"input", "[hw.projector]\ninput = \"HDMI\"\n", "bad.toml:2: hw.projector.input"},
		{"same pin", "[hw.gpio]\nstatus_led = \"GPIO4\"\nrelay = \"GPIO4\"\n", "bad.toml:3: hw.gpio.relay"},
		{"unknown key", "[hw.led]\nbrightness = 3\n", "bad.toml:2: hw.led.brightness: unknown key"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("bad.toml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Parse(%q) = %v, want error containing %q", tc.doc, err, tc.want)
			}
		})
	}
}
