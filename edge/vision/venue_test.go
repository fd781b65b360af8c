package vision

import (
	"encoding/json"
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
