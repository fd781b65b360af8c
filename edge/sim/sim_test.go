package sim

import (
	"bytes"
	"context"
	"errors"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

func read(t *testing.T, s *Sim, f *model.Frame) {
	t.Helper()
	if err := s.Read(context.Background(), f); err != nil {
		t.Fatalf("Read: %v", err)
	}
}

func pix(f *model.Frame, x, y int) rgb {
	p := f.Pix[(y*f.Width+x)*3:]
	return rgb{float64(p[2]) / 255, float64(p[1]) / 255, float64(p[0]) / 255}
}

// fitErr is how far colour c is from base times the best scalar k (lighting
// scales a colour), relative to |c|; k is returned so callers can reject
// "black is dark white".
func fitErr(c, base rgb) (err, k float64) {
	bb := base.r*base.r + base.g*base.g + base.b*base.b
	k = (c.r*base.r + c.g*base.g + c.b*base.b) / bb
	d := rgb{c.r - k*base.r, c.g - k*base.g, c.b - k*base.b}
	n := math.Sqrt(c.r*c.r+c.g*c.g+c.b*c.b) + 1e-6
	return math.Sqrt(d.r*d.r+d.g*d.g+d.b*d.b) / n, k
}

// nearestBall returns the ball colour index (0..8) that explains c best
// where the local light level (the cloth's brightness nearby, as a scale of
// the felt colour) is kc: a colour is only a candidate at a plausible
// brightness, which tells maroon from red and black from anything dark.
func nearestBall(c rgb, kc float64) int {
	best, be := -1, math.Inf(1)
	for i, b := range ballColours {
		e, k := fitErr(c, b)
		if k < 0.35*kc || k > 1.3*kc { // measured 0.45..0.87 over these cases
			continue
		}
		if e < be {
			best, be = i, e
		}
	}
	return best
}

// TestTruthMatchesPixels turns every ball so its top shows plain colour
// (no number circle, stripe band up), renders, and checks the pixel a little
// off centre, away from the lamps' highlights, has that ball's colour, for
// several scenarios, felts, lightings and a rotated, tilted camera.
func TestTruthMatchesPixels(t *testing.T) {
	cases := []Options{
		{Scenario: "still", Felt: "green", Lighting: "lamps"},
		{Scenario: "clusters", Felt: "blue", Lighting: "even"},
		{Scenario: "cushion", Felt: "red", Lighting: "lamps", Seed: 2},
		{Scenario: "clusters", Felt: "green", Lighting: "dim", Seed: 3},
		{Scenario: "still", Felt: "grey", Lighting: "spot", RotationDeg: 4, Tilt: 0.08, Seed: 5},
	}
	// Ball frame y axis up: on the stripe band, away from the numbers.
	up := rot3{1, 0, 0, 0, 0, -1, 0, 1, 0}
	for _, o := range cases {
		t.Run(o.Scenario+"/"+o.Felt+"/"+o.Lighting, func(t *testing.T) {
			o.Width, o.Height, o.Unpaced = 1280, 720, true
			s := New(o)
			var f model.Frame
			read(t, s, &f)
			for i := range s.dir.balls {
				s.dir.balls[i].rot = up
			}
			s.seq = 0 // re-render frame 0 with the new orientation
			s.dir.steps = []step{hold(10)}
			read(t, s, &f)
			checked := 0
			for _, b := range f.Truth.Balls {
				if b.Pocketed {
					continue
				}
				// Sample 0.4 r from the centre in the direction with the
				// weakest highlight from any lamp.
				bl := newBallLight(s.looks[0], b.Pos)
				var q model.Pixel
				bestSpec := math.Inf(1)
				for k := 0; k < 16; k++ {
					a := float64(k) * math.Pi / 8
					n := vec3{0.4 * math.Cos(a), 0.4 * math.Sin(a), math.Sqrt(1 - 0.16)}
					spec := 0.0
					for li := 0; li < bl.n; li++ {
						spec = math.Max(spec, n.dot(bl.h[li]))
					}
					if spec < bestSpec {
						bestSpec = spec
						q = s.cam.px(v2(b.Pos.X+n.x*model.BallRadius, b.Pos.Y+n.y*model.BallRadius))
					}
				}
				c := pix(&f, int(q.X), int(q.Y))
				tint := s.looks[0].light.tint // a white balance the vision stage would learn from the cloth
				c = rgb{c.r / tint.r, c.g / tint.g, c.b / tint.b}
				// Cloth level: the median felt scale on a ring at 3 r.
				var ks []float64
				for k := 0; k < 12; k++ {
					a := float64(k) * math.Pi / 6
					p := s.cam.px(v2(b.Pos.X+3*model.BallRadius*math.Cos(a), b.Pos.Y+3*model.BallRadius*math.Sin(a)))
					if p.X >= 0 && p.Y >= 0 && int(p.X) < f.Width && int(p.Y) < f.Height {
						if e, kk := fitErr(pix(&f, int(p.X), int(p.Y)), s.looks[0].felt.mul(s.looks[0].light.tint)); e < 0.1 {
							ks = append(ks, kk)
						}
					}
				}
				if len(ks) < 3 {
					continue // boxed in by neighbours and rails
				}
				sort.Float64s(ks)
				kc := ks[len(ks)/2]
				if got, want := nearestBall(c, kc), colourIndex(b.Number); got != want {
					t.Errorf("ball %s at pixel (%.1f,%.1f): colour %.2f looks like ball colour %d, want %d", b.ID, q.X, q.Y, c, got, want)
				}
				// The radius is the projected one: a pixel 2 px outside the
				// disc, on the side away from neighbours, is not this ball.
				checked++
			}
			if checked < 5 {
				t.Fatalf("only %d balls on the table; the scenario did not place a layout", checked)
			}
		})
	}
}

// TestCornersOnClothEdge checks the corners in Truth: points just inside the
// playing surface along each edge are felt, points beyond the cushion are
// wood, and the table-metre corners project to the Truth pixels.
func TestCornersOnClothEdge(t *testing.T) {
	for _, o := range []Options{
		{Scenario: "still", Felt: "blue"},
		{Scenario: "still", Felt: "red", RotationDeg: -6, Tilt: 0.1},
	} {
		o.Width, o.Height, o.Unpaced = 960, 540, true
		s := New(o)
		var f model.Frame
		read(t, s, &f)
		felt, _ := parseFelt(o.Felt)
		c := f.Truth.Corners
		cx := (c[0].X + c[1].X + c[2].X + c[3].X) / 4
		cy := (c[0].Y + c[1].Y + c[2].Y + c[3].Y) / 4
		for i := 0; i < 4; i++ {
			a, b := c[i], c[(i+1)%4]
			for _, frac := range []float64{0.25, 0.4, 0.6, 0.75} {
				ex, ey := a.X+(b.X-a.X)*frac, a.Y+(b.Y-a.Y)*frac
				// Unit normal pointing to the table centre.
				nx, ny := -(b.Y - a.Y), b.X-a.X
				n := math.Hypot(nx, ny)
				nx, ny = nx/n, ny/n
				if nx*(cx-ex)+ny*(cy-ey) < 0 {
					nx, ny = -nx, -ny
				}
				in := pix(&f, int(ex+nx*4), int(ey+ny*4))
				if e, k := fitErr(in, felt); e > 0.12 || k < 0.3 {
					t.Errorf("%s: pixel 4 px inside edge %d at %.2f: %.2f is not felt %.2f (err %.2f)", o.Felt, i, frac, in, felt, e)
				}
				// Half-way across the wooden rail.
				out := s.cam.radiusPx(v2(0, 0)) / model.BallRadius * (cushionWidth + railWidth/2)
				ox, oy := ex-nx*out, ey-ny*out
				if e, _ := fitErr(pix(&f, int(ox), int(oy)), felt); e < 0.12 {
					t.Errorf("%s: pixel on the rail beyond edge %d at %.2f is felt-coloured", o.Felt, i, frac)
				}
			}
		}
		// Truth corners are the camera's projection of the surface corners.
		for i, p := range []model.Vec2{{}, {X: s.geo.Length}, {X: s.geo.Length, Y: s.geo.Width}, {Y: s.geo.Width}} {
			q := s.cam.px(p)
			if math.Hypot(q.X-c[i].X, q.Y-c[i].Y) > 1e-9 {
				t.Errorf("corner %d = %v, want %v", i, c[i], q)
			}
		}
	}
}

func TestDeterministicWithSeed(t *testing.T) {
	run := func(seed int64) ([]byte, []*model.Truth) {
		s := New(Options{Width: 320, Height: 180, Scenario: "demo", Seed: seed, Unpaced: true, NoiseSigma: 2})
		var f model.Frame
		var truths []*model.Truth
		h := make([]byte, 0, 1<<16)
		for i := 0; i < 150; i++ { // through the break
			read(t, s, &f)
			truths = append(truths, f.Truth)
			if i%10 == 0 {
				h = append(h, f.Pix[len(f.Pix)/2:len(f.Pix)/2+1024]...)
			}
		}
		h = append(h, f.Pix...)
		return h, truths
	}
	a, ta := run(42)
	b, tb := run(42)
	if !bytes.Equal(a, b) {
		t.Error("same seed: frames differ")
	}
	if !reflect.DeepEqual(ta, tb) {
		t.Error("same seed: truth differs")
	}
	c, _ := run(43)
	if bytes.Equal(a, c) {
		t.Error("different seeds: identical frames")
	}
}

// fakeClock advances only when slept on.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return ctx.Err()
}

func TestPacedReadFollowsClock(t *testing.T) {
	clk := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := New(Options{Width: 160, Height: 90, FPS: 25, Scenario: "still", Clock: clk})
	var f model.Frame
	var stamps []time.Time
	for i := 0; i < 5; i++ {
		read(t, s, &f)
		stamps = append(stamps, f.Captured)
	}
	for i := 1; i < len(stamps); i++ {
		if d := stamps[i].Sub(stamps[i-1]); d != 40*time.Millisecond {
			t.Errorf("frame %d came %v after the previous, want 40ms", i, d)
		}
	}
	// The consumer stalls for a second: the next frame is not a burst of
	// back-dated frames but restarts the cadence at the current time.
	clk.mu.Lock()
	clk.now = clk.now.Add(time.Second)
	clk.mu.Unlock()
	read(t, s, &f)
	if !f.Captured.Equal(clk.Now()) {
		t.Errorf("after a 1 s gap frame stamped %v, want now %v", f.Captured, clk.Now())
	}
}

func TestStallAfterAndResume(t *testing.T) {
	s := New(Options{Width: 160, Height: 90, Scenario: "still", Unpaced: true, StallAfter: 3})
	var f model.Frame
	for i := 0; i < 3; i++ {
		read(t, s, &f)
	}
	if !s.Stalled() {
		t.Fatal("Stalled() = false after StallAfter frames")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	err := s.Read(ctx, &f)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read while stalled = %v, want context.DeadlineExceeded", err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Read(context.Background(), &f) }()
	select {
	case err := <-done:
		t.Fatalf("Read returned %v while stalled", err)
	case <-time.After(30 * time.Millisecond):
	}
	s.Resume()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Read after Resume: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read still blocked 10 s after Resume")
	}
	if f.Seq != 3 {
		t.Errorf("frame after resume has Seq %d, want 3", f.Seq)
	}
	read(t, s, &f) // StallAfter fired once; the source runs on
}

func TestTimedStallAndClose(t *testing.T) {
	clk := &fakeClock{now: time.Unix(1e9, 0)}
	s := New(Options{Width: 160, Height: 90, Scenario: "still", Clock: clk})
	var f model.Frame
	read(t, s, &f)
	s.Stall(2 * time.Second)
	before := clk.Now()
	read(t, s, &f) // the fake clock sleeps through the stall
	if got := clk.Now().Sub(before); got < 2*time.Second {
		t.Errorf("timed stall slept %v of the clock, want >= 2s", got)
	}
	s.Stall(0)
	done := make(chan error, 1)
	go func() { done <- s.Read(context.Background(), &f) }()
	time.Sleep(20 * time.Millisecond)
	s.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("stalled Read released by Close returned %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not release a stalled Read")
	}
	s.Close() // twice is fine
	if err := s.Read(context.Background(), &f); !errors.Is(err, ErrClosed) {
		t.Errorf("Read after Close = %v, want ErrClosed", err)
	}
}

func TestOptionsRejected(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Scenario: "nope"}, "unknown scenario"},
		{Options{Felt: "purple"}, "felt"},
		{Options{Felt: "#12345g"}, "felt"},
		{Options{Lighting: "disco"}, "lighting"},
		{Options{Width: 10, Height: 10}, "size"},
		{Options{FPS: 1000}, "fps"},
		{Options{Tilt: 0.9}, "tilt"},
		{Options{NoiseSigma: -1}, "noise"},
	} {
		_, err := Open(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%+v) = %v, want error mentioning %q", tc.o, err, tc.want)
		}
	}
}

// TestDemoEvents runs the demo through its break and a few shots: the truth
// has a rack, shots that start and end, every pocketed ball reported once
// with the pocket it is in, and the cue and bridge hand mark balls occluded
// while aiming.
func TestDemoEvents(t *testing.T) {
	s := New(Options{Width: 320, Height: 180, Scenario: "demo", Seed: 3, Unpaced: true})
	var f model.Frame
	counts := map[string]int{}
	pocketed := map[string]string{}
	sawCue, sawOccluded := false, false
	for i := 0; i < 30*60; i++ {
		read(t, s, &f)
		for _, e := range f.Truth.Events {
			counts[e.Type]++
			if e.Type == model.EventBallPocketed {
				if _, dup := pocketed[e.Balls[0]]; dup && e.Balls[0] != "cue" {
					t.Errorf("ball %s pocketed twice", e.Balls[0])
				}
				pocketed[e.Balls[0]] = e.Pocket
			}
			if e.Type == model.EventRackDetected {
				pocketed = map[string]string{}
			}
		}
		sawCue = sawCue || f.Truth.Cue != nil
		for _, b := range f.Truth.Balls {
			sawOccluded = sawOccluded || b.Occluded
			if b.Pocketed && b.ID != "cue" && pocketed[b.ID] == "" {
				t.Fatalf("frame %d: ball %s marked pocketed without a ball_pocketed event", i, b.ID)
			}
		}
	}
	if counts[model.EventRackDetected] < 1 || counts[model.EventShotStarted] < 3 || counts[model.EventShotEnded] < 3 {
		t.Errorf("event counts %v: want a rack and at least 3 shots started and ended", counts)
	}
	if counts[model.EventShotStarted] != counts[model.EventShotEnded] && counts[model.EventShotStarted] != counts[model.EventShotEnded]+1 {
		t.Errorf("shots started %d, ended %d", counts[model.EventShotStarted], counts[model.EventShotEnded])
	}
	if counts[model.EventBallPocketed] == 0 || counts[model.EventBallCollision] == 0 {
		t.Errorf("event counts %v: want collisions and pocketed balls in a minute of play", counts)
	}
	if !sawCue || !sawOccluded {
		t.Errorf("cue seen %v, occluded ball seen %v: want both while aiming", sawCue, sawOccluded)
	}
}

// TestLightingScenarioSwitchesRigs: the same layout is drawn under
// different rigs in turn; the cloth changes, the truth does not.
func TestLightingScenarioSwitchesRigs(t *testing.T) {
	s := New(Options{Width: 320, Height: 180, Scenario: "lighting", Seed: 4, Unpaced: true, FPS: 10})
	var f model.Frame
	type snap struct {
		mean  float64
		balls []model.BallTruth
	}
	var snaps []snap
	for i := 0; i < 160; i++ { // 16 s: four rigs of 4 s
		read(t, s, &f)
		if i%40 == 20 {
			sum := 0.0
			for _, b := range f.Pix {
				sum += float64(b)
			}
			snaps = append(snaps, snap{sum / float64(len(f.Pix)), append([]model.BallTruth(nil), f.Truth.Balls...)})
		}
	}
	for i := 1; i < len(snaps); i++ {
		if !reflect.DeepEqual(snaps[i].balls, snaps[0].balls) {
			t.Errorf("rig %d: the layout changed with the light", i)
		}
		if math.Abs(snaps[i].mean-snaps[i-1].mean) < 1 {
			t.Errorf("rigs %d and %d: mean level %.1f and %.1f, want a visible change", i-1, i, snaps[i-1].mean, snaps[i].mean)
		}
	}
}
