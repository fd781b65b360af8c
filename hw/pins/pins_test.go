package pins

import (
	"errors"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
	"periph.io/x/conn/v3/physic"
)

func TestOutputPolarity(t *testing.T) {
	for _, tc := range []struct {
		activeLow bool
		on        bool
		want      gpio.Level
	}{
		{false, true, gpio.High},
		{false, false, gpio.Low},
		{true, true, gpio.Low},
		{true, false, gpio.High},
	} {
		p := &gpiotest.Pin{N: "GPIO27", Num: 27, L: !tc.want}
		o := NewOutput(p, tc.activeLow)
		if _, ok := o.On(); ok {
			t.Fatal("On() known before the first Set")
		}
		if err := o.Set(tc.on); err != nil {
			t.Fatal(err)
		}
		if got := p.Read(); got != tc.want {
			t.Errorf("activeLow=%v Set(%v): pin = %v, want %v", tc.activeLow, tc.on, got, tc.want)
		}
		if on, ok := o.On(); !ok || on != tc.on {
			t.Errorf("On() = %v, %v; want %v, true", on, ok, tc.on)
		}
	}
}

// failPin fails every write, like a line another process holds.
type failPin struct{ gpiotest.Pin }

func (p *failPin) Out(gpio.Level) error                  { return errors.New("line busy") }
func (p *failPin) PWM(gpio.Duty, physic.Frequency) error { return nil }

func TestOutputError(t *testing.T) {
	o := NewOutput(&failPin{gpiotest.Pin{N: "GPIO4"}}, false)
	err := o.Set(true)
	if err == nil || err.Error() != "gpio: set GPIO4(0) on: line busy" {
		t.Fatalf("Set on a failing pin = %v", err)
	}
	if _, ok := o.On(); ok {
		t.Fatal("state known after a failed write")
	}
}

// TestStatusPatterns walks each pattern on a fake pin and records the level
// every 50 ms for one cycle.
func TestStatusPatterns(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		p    Pattern
		want string // level every 50 ms, '#' lit
	}{
		{PatternOff, "...................."},
		{PatternStarting, "##########..........##########.........."},
		{PatternFault, "###...###...........###...###..........."},
	}
	for _, tc := range cases {
		t.Run(tc.p.String(), func(t *testing.T) {
			pin := &gpiotest.Pin{N: "GPIO17", Num: 17}
			s := NewStatusLED(NewOutput(pin, true)) // active-low: lit is Low
			s.Set(tc.p, t0)
			got := make([]byte, len(tc.want))
			for i := range got {
				if err := s.Update(t0.Add(time.Duration(i) * 50 * time.Millisecond)); err != nil {
					t.Fatal(err)
				}
				got[i] = '.'
				if pin.Read() == gpio.Low {
					got[i] = '#'
				}
			}
			if string(got) != tc.want {
				t.Fatalf("%v:\n got %s\nwant %s", tc.p, got, tc.want)
			}
		})
	}
}

func TestStatusReadyWinks(t *testing.T) {
	t0 := time.Unix(1000, 0)
	pin := &gpiotest.Pin{N: "GPIO17"}
	s := NewStatusLED(NewOutput(pin, false))
	s.Set(PatternReady, t0)
	check := func(d time.Duration, want gpio.Level) {
		t.Helper()
		if err := s.Update(t0.Add(d)); err != nil {
			t.Fatal(err)
		}
		if pin.Read() != want {
			t.Fatalf("ready at %v = %v, want %v", d, pin.Read(), want)
		}
	}
	check(0, gpio.High)
	check(1899*time.Millisecond, gpio.High)
	check(1950*time.Millisecond, gpio.Low)
	check(2000*time.Millisecond, gpio.High)
	// Setting the same pattern again keeps the phase: still in the wink.
	s.Set(PatternReady, t0.Add(3950*time.Millisecond))
	check(3950*time.Millisecond, gpio.Low)
	// A new pattern starts lit at once.
	s.Set(PatternFault, t0.Add(3960*time.Millisecond))
	check(3960*time.Millisecond, gpio.High)
}

// countPin counts writes: Update must write only on a change of level.
type countPin struct {
	gpiotest.Pin
	writes int
}

func (p *countPin) Out(l gpio.Level) error { p.writes++; return p.Pin.Out(l) }

func TestStatusWritesOnlyChanges(t *testing.T) {
	t0 := time.Unix(0, 0)
	p := &countPin{}
	s := NewStatusLED(NewOutput(p, false))
	s.Set(PatternStarting, t0)
	for i := 0; i < 100; i++ { // 10 s at 100 ms: 20 half-periods
		if err := s.Update(t0.Add(time.Duration(i) * 100 * time.Millisecond)); err != nil {
			t.Fatal(err)
		}
	}
	if p.writes != 20 {
		t.Fatalf("%d writes over 10 s of 1 Hz blinking, want 20", p.writes)
	}
}
