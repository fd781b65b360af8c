package pins

import (
	"fmt"

	"periph.io/x/conn/v3/gpio"
)

// Output is a GPIO output with a polarity: Set(true) means "on" whatever
// level that takes.
type Output struct {
	pin       gpio.PinOut
	activeLow bool
	on        bool
	known     bool // on is what the pin was last driven to
}

// NewOutput wraps pin; it does not touch the pin until the first Set.
func NewOutput(pin gpio.PinOut, activeLow bool) *Output {
	return &Output{pin: pin, activeLow: activeLow}
}

// Set drives the pin on or off.
func (o *Output) Set(on bool) error {
	l := gpio.Level(on != o.activeLow)
	if err := o.pin.Out(l); err != nil {
		o.known = false
		return fmt.Errorf("gpio: set %s %s: %w", o.pin, onOff(on), err)
	}
	o.on, o.known = on, true
	return nil
}

// On reports what the pin was last set to; ok is false before the first
// successful Set (the pin's state is then whatever the last owner left).
func (o *Output) On() (on, ok bool) { return o.on, o.known }

// String names the pin.
func (o *Output) String() string { return o.pin.String() }

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
