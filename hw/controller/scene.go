package controller

import (
	"math"
	"strconv"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/hw/led"
)

// Animation timings and colours. The strip runs around the table, so the
// colours stay calm (it is in the players' eyes and the camera's view) and
// the events stay short.
const (
	breathPeriod  = 6 * time.Second         // idle: one slow breath
	cometPeriod   = 1500 * time.Millisecond // shot: one lap of the sweep
	flashFor      = 1200 * time.Millisecond // pocket flash length
	flashBlink    = 100 * time.Millisecond  // on/off half period of the flash
	scratchFor    = 2 * time.Second
	scratchPeriod = 500 * time.Millisecond
	// A shot longer than this without shot_ended (a missed event) falls back
	// to idle rather than sweeping forever.
	shotMax = 30 * time.Second
)

var (
	idleColour  = led.RGB{R: 0, G: 90, B: 120}
	cometColour = led.White
	eightColour = led.White // the 8 ball is black; black does not light
	// ballColours are the standard set colours of balls 1..7 (9..15 are the
	// same colours striped).
	ballColours = [8]led.RGB{
		{},                     // unused
		{R: 255, G: 200, B: 0}, // 1 yellow
		{R: 0, G: 40, B: 255},  // 2 blue
		{R: 255, G: 0, B: 0},   // 3 red
		{R: 120, G: 0, B: 160}, // 4 purple
		{R: 255, G: 80, B: 0},  // 5 orange
		{R: 0, G: 160, B: 40},  // 6 green
		{R: 140, G: 20, B: 10}, // 7 maroon
	}
)

// pocketOrder indexes pockets as model.Standard lists them.
var pocketOrder = [6]string{
	model.PocketBottomLeft, model.PocketBottomSide, model.PocketBottomRight,
	model.PocketTopRight, model.PocketTopSide, model.PocketTopLeft,
}

func pocketIndex(name string) int {
	for i, n := range pocketOrder {
		if n == name {
			return i
		}
	}
	return -1
}

// ballColour returns the flash colour for a ball id ("1".."15", "cue").
func ballColour(id string) led.RGB {
	n, err := strconv.Atoi(id)
	switch {
	case err != nil || n < 1 || n > 15:
		return led.White
	case n == 8:
		return eightColour
	case n > 8:
		n -= 8
	}
	return ballColours[n]
}

type segment struct {
	first, last int
	ok          bool
}

type flash struct {
	start time.Time
	c     led.RGB
}

// scene is what the strip shows. Owned by the animation loop.
type scene struct {
	n       int
	ready   bool
	shot    bool
	shotAt  time.Time
	flashes [6]flash
	scratch time.Time // start of the scratch pulse; zero when none
	seg     [6]segment
}

func newScene(n int, pockets map[string][]int) *scene {
	s := &scene{n: n}
	for name, r := range pockets {
		if i := pocketIndex(name); i >= 0 && len(r) == 2 && r[0] >= 0 && r[0] <= r[1] && r[1] < n {
			s.seg[i] = segment{r[0], r[1], true}
		}
	}
	return s
}

// apply changes the scene for an event at time now. Before READY events are
// ignored: the strip stays dark until the daemon is up.
func (s *scene) apply(ev *model.Event, now time.Time) {
	if !s.ready {
		return
	}
	switch ev.Type {
	case model.EventShotStarted:
		s.shot, s.shotAt = true, now
	case model.EventShotEnded:
		s.shot = false
		if ev.Shot != nil && ev.Shot.Scratch {
			s.scratch = now
		}
	case model.EventBallPocketed:
		for _, b := range ev.Balls {
			if b == "cue" {
				s.scratch = now
				continue
			}
			if i := pocketIndex(ev.Pocket); i >= 0 {
				s.flashes[i] = flash{start: now, c: ballColour(b)}
			}
		}
	case model.EventRackDetected, model.EventTableCleared:
		s.shot = false
	}
}

// render fills px (len n) for time now. It allocates nothing.
func (s *scene) render(now time.Time, px []led.RGB) {
	if !s.ready {
		clear(px)
		return
	}
	if s.shot && now.Sub(s.shotAt) > shotMax {
		s.shot = false
	}
	if !s.scratch.IsZero() {
		if d := now.Sub(s.scratch); d < scratchFor {
			// Everything red, pulsing: nothing else matters on a scratch.
			c := led.Red.Scale(pulse(d, scratchPeriod, 0.3))
			for i := range px {
				px[i] = c
			}
			return
		}
		s.scratch = time.Time{}
	}
	if s.shot {
		base := idleColour.Scale(50)
		for i := range px {
			px[i] = base
		}
		// A comet running round the strip: head and a fading tail.
		n := len(px)
		tail := max(3, n/12)
		head := int(float64(n) * frac(now.Sub(s.shotAt), cometPeriod))
		for k := 0; k < tail && k < n; k++ {
			i := ((head-k)%n + n) % n
			px[i] = cometColour.Scale(uint8(255 * (tail - k) / tail))
		}
	} else {
		// The breath's phase follows the wall clock, so it does not jump
		// when a shot or a scratch ends.
		c := idleColour.Scale(pulse(time.Duration(now.UnixNano()), breathPeriod, 0.35))
		for i := range px {
			px[i] = c
		}
	}
	for i := range s.flashes {
		f := &s.flashes[i]
		if f.start.IsZero() || !s.seg[i].ok {
			continue
		}
		d := now.Sub(f.start)
		if d >= flashFor {
			f.start = time.Time{}
			continue
		}
		c := f.c
		if (d/flashBlink)%2 == 1 {
			c = led.Off
		}
		for j := s.seg[i].first; j <= s.seg[i].last && j < len(px); j++ {
			px[j] = c
		}
	}
}

// frac is where d is within one period, 0..1.
func frac(d, period time.Duration) float64 {
	return float64(d%period) / float64(period)
}

// pulse is a raised cosine over period from min (0..1) to full, as a 0..255
// scale: 0 at the start of a period is min.
func pulse(d, period time.Duration, min float64) uint8 {
	x := (1 - math.Cos(2*math.Pi*frac(d, period))) / 2
	return uint8(math.Round(255 * (min + (1-min)*x)))
}
