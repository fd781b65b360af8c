package pjlink

import (
	"errors"
	"fmt"
)

// Sentinels for errors.Is.
var (
	ErrUndefined   = errors.New("ERR1 undefined command")
	ErrParameter   = errors.New("ERR2 parameter out of range")
	ErrUnavailable = errors.New("ERR3 unavailable time (projector busy, warming, cooling or in standby)")
	ErrFailure     = errors.New("ERR4 projector failure")
	ErrAuth        = errors.New("authentication failed (ERRA)")
	ErrUnreachable = errors.New("unreachable")
	ErrTimeout     = errors.New("no answer in time")
	ErrProtocol    = errors.New("not a PJLink class 1 answer")
)

// CommandError is an ERRn answer to one command.
type CommandError struct {
	Addr    string
	Command string // "POWR 1"
	Code    string // "ERR3"
}

func (e *CommandError) Error() string {
	return fmt.Sprintf("pjlink: %s: %%1%s: %v", e.Addr, e.Command, e.Unwrap())
}

// Unwrap returns the sentinel for the code.
func (e *CommandError) Unwrap() error {
	switch e.Code {
	case "ERR1":
		return ErrUndefined
	case "ERR2":
		return ErrParameter
	case "ERR3":
		return ErrUnavailable
	case "ERR4":
		return ErrFailure
	}
	return ErrProtocol
}
