package controller

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"periph.io/x/conn/v3/gpio"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/hw"
	"github.com/cuecast/cuecast/hw/led"
	"github.com/cuecast/cuecast/hw/pjlink"
)

// Devices are the opened parts; a nil field is a part that is not fitted or
// failed to open.
type Devices struct {
	Strip     Strip
	StatusLED gpio.PinOut
	Relay     gpio.PinOut
	Projector Projector
	// Closers release what opening took (the SPI port), in order.
	Closers []io.Closer
}

// Close releases the devices.
func (d *Devices) Close() {
	for _, c := range d.Closers {
		c.Close()
	}
	d.Closers = nil
}

// Part names, used in reports and alert codes.
const (
	PartHost      = "host"
	PartLED       = "led"
	PartStatusLED = "status_led"
	PartRelay     = "relay"
	PartProjector = "projector"
)

// PartError is a part that could not be opened or failed in use.
type PartError struct {
	Part string
	Err  error
}

func (e *PartError) Error() string { return e.Err.Error() }
func (e *PartError) Unwrap() error { return e.Err }

// OpenDevices opens what cfg names through periph. Each part fails alone: the
// errors (one *PartError per failed part) say which and why, and the other
// parts are returned opened. With cfg.Enabled false it opens nothing and
// does not initialise periph.
func OpenDevices(cfg config.HW, log *slog.Logger) (*Devices, []error) {
	d := &Devices{}
	if !cfg.Enabled {
		return d, nil
	}
	var errs []error
	fail := func(part string, err error) { errs = append(errs, &PartError{part, err}) }

	needHost := cfg.LED.Driver != config.LEDNone || cfg.GPIO.StatusLED != "" || cfg.GPIO.Relay != ""
	hostOK := false
	if needHost {
		inv, err := hw.Init()
		if err != nil {
			fail(PartHost, err)
		} else {
			inv.Log(log)
			hostOK = true
		}
	}
	if hostOK && cfg.LED.Driver != config.LEDNone {
		s, port, err := OpenStrip(cfg.LED)
		if err != nil {
			fail(PartLED, err)
		} else {
			d.Strip = s
			d.Closers = append(d.Closers, port)
		}
	}
	if hostOK && cfg.GPIO.StatusLED != "" {
		if p, err := hw.OpenPin(cfg.GPIO.StatusLED); err != nil {
			fail(PartStatusLED, err)
		} else {
			d.StatusLED = p
		}
	}
	if hostOK && cfg.GPIO.Relay != "" {
		if p, err := hw.OpenPin(cfg.GPIO.Relay); err != nil {
			fail(PartRelay, err)
		} else {
			d.Relay = p
		}
	}
	if cfg.Projector.Address != "" {
		c, err := NewProjectorClient(cfg.Projector)
		if err != nil {
			fail(PartProjector, err)
		} else {
			d.Projector = c
		}
	}
	return d, errs
}

// OpenStrip opens the configured strip on its SPI port. The caller closes
// the port after the last write. Call hw.Init first.
func OpenStrip(cfg config.HWLED) (*led.Strip, io.Closer, error) {
	o, err := StripOptions(cfg)
	if err != nil {
		return nil, nil, err
	}
	port, err := hw.OpenSPI(cfg.SPIPort)
	if err != nil {
		return nil, nil, err
	}
	s, err := led.New(port, o)
	if err != nil {
		port.Close()
		return nil, nil, err
	}
	return s, port, nil
}

// StripOptions converts the config section.
func StripOptions(cfg config.HWLED) (led.Options, error) {
	chip, err := led.ParseChip(cfg.Driver)
	if err != nil {
		return led.Options{}, err
	}
	o := led.Options{Chip: chip, Count: cfg.Count, MaxBrightness: uint8(cfg.MaxBrightness), Gamma: cfg.Gamma, SpeedHz: cfg.SpeedHz}
	if cfg.Order != "" {
		if o.Order, err = led.ParseOrder(cfg.Order); err != nil {
			return led.Options{}, err
		}
	}
	return o, nil
}

// NewProjectorClient builds the PJLink client, reading the password file.
func NewProjectorClient(cfg config.HWProjector) (*pjlink.Client, error) {
	pw := cfg.Password
	if cfg.PasswordFile != "" {
		b, err := os.ReadFile(cfg.PasswordFile)
		if err != nil {
			hint := ""
			if errors.Is(err, os.ErrPermission) {
				hint = ": make it readable by the cuecast user (chgrp cuecast, mode 0640)"
			}
			return nil, fmt.Errorf("projector: password file: %w%s", err, hint)
		}
		pw = strings.TrimSpace(string(b))
		if len(pw) > 32 {
			return nil, fmt.Errorf("projector: password file %s: longer than PJLink's 32 characters", cfg.PasswordFile)
		}
	}
	c := pjlink.New(cfg.Address, pw)
	c.Timeout = cfg.Timeout.D()
	return c, nil
}
