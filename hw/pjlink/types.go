package pjlink

import (
	"fmt"
	"strconv"
	"strings"
)

// Power is the POWR state.
type Power int

const (
	PowerOff     Power = 0 // standby
	PowerOn      Power = 1
	PowerCooling Power = 2
	PowerWarming Power = 3
)

func (p Power) String() string {
	switch p {
	case PowerOff:
		return "off"
	case PowerOn:
		return "on"
	case PowerCooling:
		return "cooling"
	case PowerWarming:
		return "warming"
	}
	return fmt.Sprintf("Power(%d)", int(p))
}

// Transitioning reports warming or cooling.
func (p Power) Transitioning() bool { return p == PowerCooling || p == PowerWarming }

// Health is one ERST field.
type Health int

const (
	OK      Health = 0
	Warning Health = 1
	Error   Health = 2
)

func (h Health) String() string {
	switch h {
	case OK:
		return "ok"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("Health(%d)", int(h))
}

// Errors is the ERST answer: six digits in this order.
type Errors struct {
	Fan, Lamp, Temperature, Cover, Filter, Other Health
}

// ErrorParts names the ERST fields in wire order.
var ErrorParts = [6]string{"fan", "lamp", "temperature", "cover", "filter", "other"}

// Fields returns the six fields in wire order (same order as ErrorParts).
func (e Errors) Fields() [6]Health {
	return [6]Health{e.Fan, e.Lamp, e.Temperature, e.Cover, e.Filter, e.Other}
}

// Lamp is one LAMP answer pair.
type Lamp struct {
	Hours int
	On    bool
}

// Status is what one poll learns.
type Status struct {
	Power  Power
	Errors Errors
	Lamps  []Lamp // nil when the projector did not say (standby ERR3, or no lamp: ERR1)
	Input  string // "" when unknown
}

func parsePower(s string) (Power, error) {
	if len(s) == 1 && s[0] >= '0' && s[0] <= '3' {
		return Power(s[0] - '0'), nil
	}
	return 0, fmt.Errorf("POWR %q: %w", s, ErrProtocol)
}

func parseErrors(s string) (Errors, error) {
	var h [6]Health
	if len(s) != 6 {
		return Errors{}, fmt.Errorf("ERST %q: want 6 digits: %w", s, ErrProtocol)
	}
	for i := range 6 {
		if s[i] < '0' || s[i] > '2' {
			return Errors{}, fmt.Errorf("ERST %q: digit %d is not 0, 1 or 2: %w", s, i+1, ErrProtocol)
		}
		h[i] = Health(s[i] - '0')
	}
	return Errors{h[0], h[1], h[2], h[3], h[4], h[5]}, nil
}

// parseLamps reads "hours on hours on ..." (1 to 8 lamps).
func parseLamps(s string) ([]Lamp, error) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f)%2 != 0 || len(f) > 16 {
		return nil, fmt.Errorf("LAMP %q: want pairs of hours and 0/1: %w", s, ErrProtocol)
	}
	lamps := make([]Lamp, 0, len(f)/2)
	for i := 0; i < len(f); i += 2 {
		h, err := strconv.Atoi(f[i])
		if err != nil || h < 0 || (f[i+1] != "0" && f[i+1] != "1") {
			return nil, fmt.Errorf("LAMP %q: %w", s, ErrProtocol)
		}
		lamps = append(lamps, Lamp{Hours: h, On: f[i+1] == "1"})
	}
	return lamps, nil
}
