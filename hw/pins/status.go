package pins

import (
	"fmt"
	"time"
)

// Pattern is what the status LED shows.
type Pattern int

const (
	PatternOff      Pattern = iota
	PatternStarting         // even 1 Hz blink: the daemon is starting
	PatternReady            // on, with a short wink every 2 s: running, and the loop that blinks it is alive
	PatternFault            // double blink: a hardware part failed (see STATUS)
)

func (p Pattern) String() string {
	switch p {
	case PatternOff:
		return "off"
	case PatternStarting:
		return "starting"
	case PatternReady:
		return "ready"
	case PatternFault:
		return "fault"
	}
	return fmt.Sprintf("Pattern(%d)", int(p))
}

type step struct {
	on bool
	d  time.Duration
}

// patterns are one cycle each. A steady "on" for ready would not show a hung
// daemon; the wink does.
var patterns = [...][]step{
	PatternOff:      {{false, time.Second}},
	PatternStarting: {{true, 500 * time.Millisecond}, {false, 500 * time.Millisecond}},
	PatternReady:    {{true, 1900 * time.Millisecond}, {false, 100 * time.Millisecond}},
	PatternFault:    {{true, 150 * time.Millisecond}, {false, 150 * time.Millisecond}, {true, 150 * time.Millisecond}, {false, 550 * time.Millisecond}},
}

// levelAt returns whether pattern p is lit t after it started.
func levelAt(p Pattern, t time.Duration) bool {
	steps := patterns[p]
	var cycle time.Duration
	for _, s := range steps {
		cycle += s.d
	}
	t %= cycle
	if t < 0 {
		t += cycle
	}
	for _, s := range steps {
		if t < s.d {
			return s.on
		}
		t -= s.d
	}
	return false
}

// StatusLED blinks a Pattern on an Output. Each pattern starts lit at the
// moment it is set, so a change is visible at once.
type StatusLED struct {
	out   *Output
	pat   Pattern
	since time.Time
	err   error
}

// NewStatusLED returns a status LED showing PatternOff.
func NewStatusLED(out *Output) *StatusLED { return &StatusLED{out: out} }

// Set switches to pattern p from now on; setting the current pattern again
// keeps its phase.
func (s *StatusLED) Set(p Pattern, now time.Time) {
	if p == s.pat && !s.since.IsZero() {
		return
	}
	s.pat, s.since = p, now
}

// Pattern returns the current pattern.
func (s *StatusLED) Pattern() Pattern { return s.pat }

// Update drives the pin for time now; it writes only when the level changes
// (or the last write failed).
func (s *StatusLED) Update(now time.Time) error {
	on := levelAt(s.pat, now.Sub(s.since))
	if cur, ok := s.out.On(); ok && cur == on {
		return nil
	}
	return s.out.Set(on)
}
