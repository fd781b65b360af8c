package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/hw"
	"github.com/cuecast/cuecast/hw/controller"
	"github.com/cuecast/cuecast/hw/led"
	"github.com/cuecast/cuecast/hw/pjlink"
)

func init() {
	register("hw", "hardware: list devices, LED test pattern, projector on/off/status", runHW)
}

func runHW(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return hwMain(ctx, args, os.Stdout, os.Stderr)
}

const hwUsage = `usage: cuecast hw [-config FILE] COMMAND [ARGS]

commands:
  list                       periph drivers, SPI ports, GPIO chips and pins, and what the config asks for
  led-test [flags]           colours, then each pocket's LEDs, then off (Ctrl-C turns the strip off)
  projector on|off|status    PJLink power and status (errors, lamp hours, input)

The device settings come from the [hw] section of the config file; flags override them.
Stop cuecastd first for led-test: two writers on one strip garble it.
`

func hwMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hw", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", config.DefaultPath, "config file (defaults apply when the default path is absent)")
	fs.Usage = func() { fmt.Fprint(stderr, hwUsage, "\nflags:\n"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		if !(errors.Is(err, os.ErrNotExist) && *cfgPath == config.DefaultPath) {
			fmt.Fprintln(stderr, "cuecast hw:", err)
			return 2
		}
		cfg = config.Default()
	}
	rest := fs.Args()[1:]
	switch fs.Arg(0) {
	case "list":
		return hwList(cfg.HW, stdout, stderr)
	case "led-test":
		return hwLEDTest(ctx, cfg.HW.LED, rest, stdout, stderr)
	case "projector":
		return hwProjector(ctx, cfg.HW.Projector, rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "cuecast hw: unknown command %q\n\n", fs.Arg(0))
	fs.Usage()
	return 2
}

func hwList(cfg config.HW, stdout, stderr io.Writer) int {
	inv, err := hw.Init()
	if err != nil {
		fmt.Fprintln(stderr, "cuecast hw:", err)
		return 1
	}
	list := func(title string, items []string) {
		fmt.Fprintf(stdout, "%s:\n", title)
		if len(items) == 0 {
			fmt.Fprintln(stdout, "  (none)")
		}
		for _, s := range items {
			fmt.Fprintln(stdout, "  "+s)
		}
	}
	list("drivers loaded", inv.Loaded)
	list("drivers failed", inv.Failed)
	list("drivers skipped", inv.Skipped)
	list("SPI ports", inv.SPIPorts)
	list("GPIO chips", inv.GPIOChips)
	fmt.Fprintf(stdout, "GPIO pins: %d", len(inv.Pins))
	if len(inv.Pins) > 0 {
		fmt.Fprintf(stdout, " (%s)", strings.Join(inv.Pins, " "))
	}
	fmt.Fprintln(stdout)

	fmt.Fprintf(stdout, "\nconfigured (hw.enabled = %v):\n", cfg.Enabled)
	failed := false
	check := func(what string, err error) {
		if err != nil {
			failed = true
			fmt.Fprintf(stdout, "  %-10s FAIL %v\n", what, err)
			return
		}
		fmt.Fprintf(stdout, "  %-10s ok\n", what)
	}
	if cfg.LED.Driver == config.LEDNone {
		fmt.Fprintln(stdout, "  led        none")
	} else {
		_, port, err := controller.OpenStrip(cfg.LED)
		if err == nil {
			port.Close()
		}
		check("led", err)
	}
	for _, p := range []struct{ what, name string }{{"status_led", cfg.GPIO.StatusLED}, {"relay", cfg.GPIO.Relay}} {
		if p.name == "" {
			fmt.Fprintf(stdout, "  %-10s none\n", p.what)
			continue
		}
		_, err := hw.OpenPin(p.name)
		check(p.what, err)
	}
	if cfg.Projector.Address == "" {
		fmt.Fprintln(stdout, "  projector  none")
	} else {
		fmt.Fprintf(stdout, "  projector  %s (check with 'cuecast hw projector status')\n", cfg.Projector.Address)
	}
	if failed {
		return 1
	}
	return 0
}

func hwLEDTest(ctx context.Context, cfg config.HWLED, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hw led-test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Driver, "driver", cfg.Driver, "apa102 or ws2812")
	fs.StringVar(&cfg.SPIPort, "port", cfg.SPIPort, "SPI port (\"\" = first)")
	fs.IntVar(&cfg.Count, "count", cfg.Count, "number of LEDs")
	fs.StringVar(&cfg.Order, "order", cfg.Order, "wire colour order (\"\" = the chip's)")
	fs.IntVar(&cfg.MaxBrightness, "brightness", cfg.MaxBrightness, "brightness cap 0..255")
	step := fs.Duration("step", time.Second, "time per colour and per pocket")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return 2
	}
	if cfg.Driver == config.LEDNone {
		fmt.Fprintln(stderr, "cuecast hw led-test: no strip configured: set hw.led.driver or pass -driver and -count")
		return 2
	}
	if _, err := controller.StripOptions(cfg); err != nil || cfg.Count < 1 || cfg.MaxBrightness < 0 || cfg.MaxBrightness > 255 {
		fmt.Fprintf(stderr, "cuecast hw led-test: bad strip settings (driver %q, count %d, order %q, brightness %d): %v\n", cfg.Driver, cfg.Count, cfg.Order, cfg.MaxBrightness, err)
		return 2
	}
	if _, err := hw.Init(); err != nil {
		fmt.Fprintln(stderr, "cuecast hw:", err)
		return 1
	}
	s, port, err := controller.OpenStrip(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "cuecast hw led-test:", err)
		return 1
	}
	defer port.Close()
	px := make([]led.RGB, s.Len())
	// Whatever happens, leave the strip dark.
	defer s.Off()
	show := func(what string) bool {
		fmt.Fprintln(stdout, what)
		if err := s.Write(px); err != nil {
			fmt.Fprintln(stderr, "cuecast hw led-test:", err)
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(*step):
			return true
		}
	}
	for _, c := range []struct {
		name string
		c    led.RGB
	}{{"red", led.Red}, {"green", led.Green}, {"blue", led.Blue}, {"white", led.White}} {
		for i := range px {
			px[i] = c.c
		}
		if !show(fmt.Sprintf("all %d LEDs %s (wrong colour: fix hw.led.order)", len(px), c.name)) {
			return 1
		}
	}
	names := make([]string, 0, len(cfg.Pockets))
	for name := range cfg.Pockets {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		r := cfg.Pockets[name]
		clear(px)
		for i := r[0]; i <= r[1] && i < len(px); i++ {
			px[i] = led.White
		}
		if !show(fmt.Sprintf("pocket %s: LEDs %d..%d", name, r[0], r[1])) {
			return 1
		}
	}
	fmt.Fprintln(stdout, "off")
	return 0
}

func hwProjector(ctx context.Context, cfg config.HWProjector, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("hw projector", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Address, "addr", cfg.Address, "projector host or host:port")
	pwFile := fs.String("password-file", "", "PJLink password file (overrides the config)")
	wait := fs.Bool("wait", false, "on/off: wait until warm-up or cool-down is over")
	timeout := fs.Duration("timeout", 3*time.Minute, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cuecast hw projector [-addr HOST] [-password-file F] [-wait] on|off|status")
		fs.PrintDefaults()
	}
	// Flags may come before or after the verb.
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	verb := fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	if verb != "on" && verb != "off" && verb != "status" {
		fs.Usage()
		return 2
	}
	if cfg.Address == "" {
		fmt.Fprintln(stderr, "cuecast hw projector: no projector: set hw.projector.address or pass -addr")
		return 2
	}
	if *pwFile != "" {
		cfg.Password, cfg.PasswordFile = "", *pwFile
	}
	c, err := controller.NewProjectorClient(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "cuecast hw projector:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	switch verb {
	case "on", "off":
		on := verb == "on"
		if err := c.SetPower(ctx, on); err != nil {
			fmt.Fprintln(stderr, "cuecast hw projector:", err)
			return 1
		}
		if *wait {
			want := pjlink.PowerOff
			if on {
				want = pjlink.PowerOn
			}
			if err := c.WaitPower(ctx, want); err != nil {
				fmt.Fprintln(stderr, "cuecast hw projector:", err)
				return 1
			}
		}
	}
	st, err := c.Status(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "cuecast hw projector:", err)
		return 1
	}
	name, _ := c.Name(ctx)
	fmt.Fprintf(stdout, "projector %s", c.Addr())
	if name != "" {
		fmt.Fprintf(stdout, " (%s)", name)
	}
	fmt.Fprintf(stdout, "\npower: %s\n", st.Power)
	if st.Input != "" {
		fmt.Fprintf(stdout, "input: %s\n", st.Input)
	}
	for i, l := range st.Lamps {
		fmt.Fprintf(stdout, "lamp %d: %d h, lit %v\n", i+1, l.Hours, l.On)
	}
	bad := false
	for i, h := range st.Errors.Fields() {
		fmt.Fprintf(stdout, "%-12s %s\n", pjlink.ErrorParts[i]+":", h)
		bad = bad || h != pjlink.OK
	}
	if bad {
		return 1
	}
	return 0
}
