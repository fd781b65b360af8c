package hw

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spireg"
	"periph.io/x/host/v3"
)

// Inventory is what host initialisation found.
type Inventory struct {
	Loaded    []string // periph drivers that loaded
	Skipped   []string // "driver: reason" for drivers not relevant here
	Failed    []string // "driver: error"
	SPIPorts  []string // "/dev/spidev0.0 (SPI0.0)"
	GPIOChips []string // /dev/gpiochip* device nodes
	Pins      []string // GPIO line names known to gpioreg
}

// Init initialises periph's host drivers and returns the inventory. Driver
// failures are listed in the inventory, not returned: a box without SPI still
// has GPIO. The error is for periph refusing to initialise at all.
func Init() (*Inventory, error) {
	st, err := host.Init()
	if err != nil {
		return nil, fmt.Errorf("hw: periph host init: %w", err)
	}
	inv := &Inventory{}
	for _, d := range st.Loaded {
		inv.Loaded = append(inv.Loaded, d.String())
	}
	for _, f := range st.Skipped {
		inv.Skipped = append(inv.Skipped, f.String())
	}
	for _, f := range st.Failed {
		inv.Failed = append(inv.Failed, f.String())
	}
	for _, r := range spireg.All() {
		s := r.Name
		if len(r.Aliases) > 0 {
			s += " (" + strings.Join(r.Aliases, ", ") + ")"
		}
		inv.SPIPorts = append(inv.SPIPorts, s)
	}
	inv.GPIOChips, _ = filepath.Glob("/dev/gpiochip*")
	for _, p := range gpioreg.All() {
		inv.Pins = append(inv.Pins, p.Name())
	}
	return inv, nil
}

// Log writes the inventory as one structured line.
func (inv *Inventory) Log(log *slog.Logger) {
	log.Info("hw: host initialised",
		"drivers_loaded", inv.Loaded, "drivers_failed", inv.Failed,
		"spi_ports", inv.SPIPorts, "gpio_chips", inv.GPIOChips, "gpio_pins", len(inv.Pins))
	for _, f := range inv.Failed {
		log.Warn("hw: periph driver failed", "driver", f)
	}
}

// OpenSPI opens an SPI port by its spireg name or alias ("" = the first).
// Call Init first.
func OpenSPI(name string) (spi.PortCloser, error) {
	label := name
	if label == "" {
		label = "(first port)"
	}
	if len(spireg.All()) == 0 {
		return nil, fmt.Errorf("hw: SPI port %s: no SPI port found (no /dev/spidev*): enable SPI (dtparam=spi=on in config.txt on a Raspberry Pi) or load the spidev module", label)
	}
	p, err := spireg.Open(name)
	if err != nil {
		return nil, spiHint(label, err)
	}
	return p, nil
}

func spiHint(label string, err error) error {
	msg := err.Error()
	switch {
	case errors.Is(err, fs.ErrPermission) || strings.Contains(msg, "permission denied"):
		// periph's sysfs-spi formats the open error with %v, so the
		// permission error is found by its text.
		return fmt.Errorf("hw: open SPI port %s: %s: is cuecastd in group spi? see systemd/60-cuecast.rules (udev) and systemd/cuecast.sysusers.conf", label, msg)
	case strings.Contains(msg, "unknown port"):
		var names []string
		for _, r := range spireg.All() {
			names = append(names, r.Name)
			names = append(names, r.Aliases...)
		}
		return fmt.Errorf("hw: SPI port %s not found: have %s: fix hw.led.spi_port", label, strings.Join(names, ", "))
	}
	return fmt.Errorf("hw: open SPI port %s: %w", label, err)
}

// OpenPin finds a GPIO pin by its gpioreg name ("GPIO17", a line name, a
// number). Call Init first.
func OpenPin(name string) (gpio.PinIO, error) {
	if p := gpioreg.ByName(name); p != nil {
		return p, nil
	}
	chips, _ := filepath.Glob("/dev/gpiochip*")
	return nil, pinHint(name, chips, len(gpioreg.All()), openable)
}

// pinHint explains a pin gpioreg does not know. canOpen is os-level access
// to a chip, injected for tests.
func pinHint(name string, chips []string, known int, canOpen func(string) error) error {
	if len(chips) == 0 {
		return fmt.Errorf("hw: GPIO pin %q: no GPIO chip (no /dev/gpiochip*): is the gpio-cdev driver loaded (CONFIG_GPIO_CDEV)?", name)
	}
	for _, c := range chips {
		if err := canOpen(c); err != nil && errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("hw: GPIO pin %q: open %s: permission denied: is cuecastd in group gpio? see systemd/60-cuecast.rules (udev) and systemd/cuecast.sysusers.conf", name, c)
		}
	}
	return fmt.Errorf("hw: GPIO pin %q not found among %d lines on %s: run 'cuecast hw list' for the names and fix hw.gpio", name, known, strings.Join(chips, ", "))
}

func openable(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return f.Close()
}

// Has reports whether the inventory lists pin name.
func (inv *Inventory) Has(name string) bool { return slices.Contains(inv.Pins, name) }
