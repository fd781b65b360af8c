package vision

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// teachSim renders one still simulator frame and teaches a venue from its
// truth (every visible numbered ball).
func teachSim(t *testing.T) (*Venue, *model.Frame, *Detector) {
	t.Helper()
	s, det := simDetector(t, sim.Options{Width: 1280, Height: 720, FPS: 30, Scenario: "still", Seed: 3, NoiseSigma: 2, Unpaced: true})
	t.Cleanup(func() { s.Close(); det.Close() })
	var f model.Frame
	s.Render(&f, time.Unix(0, 0))
	var balls []TeachBall
	for _, b := range f.Truth.Balls {
		if !b.Pocketed && !b.Occluded {
			balls = append(balls, TeachBall{Pixel: b.Pixel, Radius: b.RadiusPx, Number: b.Number})
		}
	}
	v, err := det.Teach(&f, balls)
	if err != nil {
		t.Fatal(err)
	}
	return v, &f, det
}

func TestVenueTeachSim(t *testing.T) {
	v, f, det := teachSim(t)
	if len(v.Balls) < 10 {
		t.Fatalf("taught %d numbers from a full still rack, want >= 10", len(v.Balls))
	}
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	if det.Venue() != nil {
		t.Fatal("Teach set the detector's venue")
	}
	// Round trip through JSON, then name the same frame by it: every
	// visible ball keeps its number (the simulator's set is the built-in
	// one, so teaching must not make it worse).
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseVenue(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := det.SetVenue(back); err != nil {
		t.Fatal(err)
	}
	got := det.Venue()
	if got == nil || len(got.Balls) != len(v.Balls) || got.Balls[0].Number != v.Balls[0].Number || got.Balls[0].Colours[0] != v.Balls[0].Colours[0] {
		t.Fatalf("Venue() = %+v, want the venue set", got)
	}
	got.Balls[0].Colours[0].OA = 9 // a copy: the detector's stays valid
	if det.Venue().Balls[0].Colours[0].OA == 9 {
		t.Fatal("Venue() returned the detector's own venue, not a copy")
	}
	var d model.Detection
	if err := det.Detect(f, &d); err != nil {
		t.Fatal(err)
	}
	st := score(f.Truth, &d)
	if st.numberAcc() < 0.99 {
		t.Errorf("taught on this very frame, number accuracy %.3f", st.numberAcc())
	}
	if err := det.SetVenue(nil); err != nil || det.Venue() != nil {
		t.Fatalf("SetVenue(nil): %v, venue %v", err, det.Venue())
	}
}

// TestVenueUntaughtUnchanged: a detector without a venue names exactly as
// the built-in namer (the nil ball set), and one with a venue swapped in
// and out again too.
func TestVenueUntaughtUnchanged(t *testing.T) {
	v, f, det := teachSim(t)
	var a, b model.Detection
	if err := det.Detect(f, &a); err != nil {
		t.Fatal(err)
	}
	det.SetVenue(v)
	det.SetVenue(nil)
	if err := det.Detect(f, &b); err != nil {
		t.Fatal(err)
	}
	if len(a.Balls) != len(b.Balls) {
		t.Fatalf("%d balls, then %d", len(a.Balls), len(b.Balls))
	}
	for i := range a.Balls {
		x, y := a.Balls[i], b.Balls[i]
		if x.Class != y.Class || (x.Number == nil) != (y.Number == nil) || x.Number != nil && *x.Number != *y.Number {
			t.Errorf("ball %d: %v %v, then %v %v", i, x.Class, x.Number, y.Class, y.Number)
		}
	}
}

func TestVenueValidate(t *testing.T) {
	good := func() *Venue {
		return &Venue{Version: VenueVersion, Balls: []VenueBall{
			{Number: 1, Colours: []VenueColour{{OA: 0.5, OB: 0.4, Val: 1, SC: 0.1, SV: 0.3}}},
			{Number: 9, Colours: []VenueColour{{OA: 0.5, OB: 0.4, Val: 1, SC: 0.1, SV: 0.3}}},
		}}
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mod  func(v *Venue)
		want string
	}{
		{"version", func(v *Venue) { v.Version = 2 }, "version"},
		{"no balls", func(v *Venue) { v.Balls = nil }, "no ball"},
		{"cue ball", func(v *Venue) { v.Balls[0].Number = 0 }, "outside 1..15"},
		{"16", func(v *Venue) { v.Balls[1].Number = 16 }, "outside 1..15"},
		{"repeat", func(v *Venue) { v.Balls[1].Number = 1 }, "repeated"},
		{"no colour", func(v *Venue) { v.Balls[0].Colours = nil }, "colours"},
		{"chroma", func(v *Venue) { v.Balls[0].Colours[0].OA = 5 }, "chroma"},
		{"value", func(v *Venue) { v.Balls[0].Colours[0].Val = 0 }, "value"},
		{"spread", func(v *Venue) { v.Balls[0].Colours[0].SC = 0 }, "spread"},
		{"cloth", func(v *Venue) { v.Cloth = &[3]float64{0, 300, 0} }, "cloth"},
	} {
		v := good()
		tc.mod(v)
		err := v.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	det, err := NewDetector(config.Default().Vision, DetectorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer det.Close()
	if err := det.SetVenue(good()); err != nil {
		t.Fatal(err)
	}
	bad := good()
	bad.Version = 7
	if err := det.SetVenue(bad); err == nil {
		t.Fatal("SetVenue took a bad venue")
	}
	if v := det.Venue(); v == nil || v.Version != VenueVersion || len(v.Balls) != 2 {
		t.Fatalf("a refused venue changed the detector's: %+v", v)
	}
	for _, in := range []string{`{"version":1,"balls":[{"number":1,"colours":[{"oa":0,"ob":0,"val":1,"sc":0.1,"sv":0.3}]}],"extra":1}`,
		`{"version":1,"balls":[]}`, `{"version":1`, `{"version":1,"balls":[{"number":1,"colours":[{"oa":0,"ob":0,"val":1,"sc":0.1,"sv":0.3}]}]} {}`} {
		if _, err := ParseVenue([]byte(in)); err == nil {
			t.Errorf("ParseVenue(%s) took it", in)
		}
	}
}

// TestVenueSwapUnderDetect: SetVenue from another goroutine while the
// frame loop detects (run with -race).
func TestVenueSwapUnderDetect(t *testing.T) {
	v, f, det := teachSim(t)
	done := make(chan error, 1)
	go func() {
		var d model.Detection
		for range 4 {
			if err := det.Detect(f, &d); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for i := 0; ; i++ {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			return
		default:
		}
		if i%2 == 0 {
			det.SetVenue(v)
		} else {
			det.SetVenue(nil)
		}
		_ = det.Venue()
	}
}

// Pooling venues taught on several frames: close measures of a number are
// averaged with a spread that covers them, a far one (another lamp) is
// kept as a colour of its own, numbers taught on one frame only pass
// through, the inputs are left as they were, and an invalid input fails.
func TestPoolVenues(t *testing.T) {
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	red := func(oa, val float64) VenueColour { return VenueColour{OA: oa, OB: -0.1, Val: val, SC: 0.12, SV: 0.25} }
	a := &Venue{Version: VenueVersion, Taught: at, Source: "a.png", Cloth: &[3]float64{50, 90, 30},
		Balls: []VenueBall{{Number: 3, Colours: []VenueColour{red(0.70, 1.0)}}, {Number: 9, Colours: []VenueColour{{OA: 0.4, OB: 0.4, Val: 1, SC: 0.1, SV: 0.3}}}}}
	b := &Venue{Version: VenueVersion, Taught: at.Add(time.Minute), Source: "b.png", Cloth: &[3]float64{60, 100, 40},
		Balls: []VenueBall{{Number: 3, Colours: []VenueColour{red(0.80, 1.2)}}}}
	c := &Venue{Version: VenueVersion, Taught: at, Source: "c.png",
		Balls: []VenueBall{{Number: 3, Colours: []VenueColour{red(-0.5, 0.3)}}}} // far: a colour of its own
	before, _ := json.Marshal([]*Venue{a, b, c})
	p, err := PoolVenues([]*Venue{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	if after, _ := json.Marshal([]*Venue{a, b, c}); string(after) != string(before) {
		t.Error("PoolVenues changed its inputs")
	}
	if !p.Taught.Equal(b.Taught) || p.Source != "a.png + b.png + c.png" || p.Cloth == nil || p.Cloth[1] != 95 {
		t.Errorf("pooled taught %v source %q cloth %v", p.Taught, p.Source, p.Cloth)
	}
	if len(p.Balls) != 2 || p.Balls[0].Number != 3 || p.Balls[1].Number != 9 {
		t.Fatalf("pooled balls %+v, want 3 and 9", p.Balls)
	}
	cs := p.Balls[0].Colours
	if len(cs) != 2 {
		t.Fatalf("number 3 pooled into %d colours %+v, want 2 (the close pair, the far one)", len(cs), cs)
	}
	m := cs[0]
	if math.Abs(m.OA-0.75) > 1e-9 || math.Abs(m.Val-math.Sqrt(1.2)) > 1e-9 {
		t.Errorf("pooled colour %+v, want oa 0.75 and the geometric mean value", m)
	}
	if m.SC <= 0.12 || m.SV <= 0.25 {
		t.Errorf("pooled spreads %v %v do not take in the measures' scatter", m.SC, m.SV)
	}
	if cs[1] != red(-0.5, 0.3) || p.Balls[1].Colours[0] != a.Balls[1].Colours[0] {
		t.Errorf("single measures changed: %+v %+v", cs[1], p.Balls[1].Colours[0])
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
	if _, err := PoolVenues(nil); err == nil {
		t.Error("pooling nothing succeeded")
	}
	bad := *b
	bad.Version = 9
	if _, err := PoolVenues([]*Venue{a, &bad}); err == nil {
		t.Error("pooling an invalid venue succeeded")
	}
}
