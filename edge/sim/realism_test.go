package sim

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

func render(t *testing.T, o Options, frames int) (*Sim, *model.Frame) {
	t.Helper()
	o.Unpaced = true
	s, err := Open(o)
	if err != nil {
		t.Fatalf("Open(%+v): %v", o.Look, err)
	}
	f := &model.Frame{}
	for i := 0; i < frames; i++ {
		s.Render(f, time.Unix(0, 0))
	}
	return s, f
}

// TestCleanLookIsTheDefault: the zero Look and the "clean" preset draw the
// same bytes, with no camera stage, extras or people: tests tuned on the
// simulator keep their meaning.
func TestCleanLookIsTheDefault(t *testing.T) {
	o := Options{Width: 320, Height: 180, Scenario: "demo", Seed: 9, NoiseSigma: 2}
	a, fa := render(t, o, 40)
	o.Look = Look{Preset: "clean"}
	b, fb := render(t, o, 40)
	if !bytes.Equal(fa.Pix, fb.Pix) {
		t.Error("the clean preset draws other bytes than the zero Look")
	}
	for _, s := range []*Sim{a, b} {
		if s.sensor != nil || s.people != nil || s.looks[0].extra != nil || s.looks[0].set != &tournamentSet || s.looks[0].gloss != 0 {
			t.Errorf("clean look has sensor %v, people %v, extras %v, set %p, gloss %v", s.sensor != nil, s.people != nil, s.looks[0].extra != nil, s.looks[0].set, s.looks[0].gloss)
		}
	}
}

// TestLookKeepsTheGame: a look changes pixels, never the game: the same
// seed plays the same balls to the same places, events included.
func TestLookKeepsTheGame(t *testing.T) {
	for _, p := range []string{"webcam", "broadcast", "kinect"} {
		o := Options{Width: 320, Height: 180, Scenario: "demo", Seed: 4, NoiseSigma: 2}
		clean := New(o)
		o.Look = Look{Preset: p}
		real := New(o)
		var fc, fr model.Frame
		differ := false
		for i := 0; i < 120; i++ {
			clean.Render(&fc, time.Unix(0, 0))
			real.Render(&fr, time.Unix(0, 0))
			for k := range fc.Truth.Balls {
				a, b := fc.Truth.Balls[k], fr.Truth.Balls[k]
				if a.Pos != b.Pos || a.Pixel != b.Pixel || a.Pocketed != b.Pocketed {
					t.Fatalf("%s frame %d: ball %d at %v, clean look %v", p, i, a.Number, b.Pos, a.Pos)
				}
			}
			ja, _ := json.Marshal(fc.Truth.Events)
			jb, _ := json.Marshal(fr.Truth.Events)
			if !bytes.Equal(ja, jb) {
				t.Fatalf("%s frame %d: events %s, clean look %s", p, i, jb, ja)
			}
			differ = differ || !bytes.Equal(fc.Pix, fr.Pix)
		}
		if !differ {
			t.Errorf("%s: frames equal to the clean look's", p)
		}
	}
}

func TestLookRejected(t *testing.T) {
	for _, l := range []Look{
		{Preset: "vhs"}, {Exposure: 9}, {Exposure: 0.1}, {Contrast: 2}, {Saturation: -1}, {WhiteBalanceK: 500},
		{Vignette: 0.1}, {Blur: 5}, {Sharpen: 3}, {Codec: "png"}, {Codec: "jpeg", Quality: 101}, {Wear: 1.5},
		{Chalk: -0.1}, {HotSpots: math.NaN()}, {Spots: "stars"}, {Rail: "gold"}, {Balls: "snooker"},
		{BallRadiusPx: 2}, {BallRadiusPx: 100}, {Hands: 5},
	} {
		if _, err := Open(Options{Width: 160, Height: 90, Look: l}); err == nil || !strings.HasPrefix(err.Error(), "sim: ") {
			t.Errorf("Open with look %+v: err %v, want a sim: error", l, err)
		}
	}
	// A preset's field can be overridden.
	l, err := Look{Preset: "webcam", Codec: "h264", Hands: 3}.resolve()
	if err != nil || l.Codec != "h264" || l.Hands != 3 || l.Quality != 92 || l.Wear != 0.6 {
		t.Errorf("webcam with h264 and 3 hands resolved to %+v, %v", l, err)
	}
	if l, _ := (Look{Codec: "h264"}).resolve(); l.Quality != 40 {
		t.Errorf("h264 without a quality resolved to quality %d, want 40", l.Quality)
	}
}

// TestBallRadiusPx: the camera hangs where a ball at the centre has the
// radius asked for, across the range real cameras give (8-40 px).
func TestBallRadiusPx(t *testing.T) {
	for _, r := range []float64{8, 20, 40} {
		s, f := render(t, Options{Width: 640, Height: 360, Scenario: "still", Seed: 1, Look: Look{BallRadiusPx: r}}, 1)
		if got := s.cam.radiusPx(v2(s.geo.Length/2, s.geo.Width/2)); math.Abs(got-r) > 1e-6 {
			t.Errorf("BallRadiusPx %v: centre radius %v", r, got)
		}
		for _, b := range f.Truth.Balls {
			if math.Abs(b.RadiusPx-r) > 1e-6 {
				t.Errorf("BallRadiusPx %v: ball %d radius %v in truth", r, b.Number, b.RadiusPx)
			}
		}
	}
}

// TestHandsInView: people's arms are drawn, mark the balls they cover as
// occluded, move every armPeriod and come back the same for the same seed.
func TestHandsInView(t *testing.T) {
	o := Options{Width: 640, Height: 360, Scenario: "still", Seed: 3, FPS: 10, Look: Look{Hands: 4}}
	s, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	var f model.Frame
	occluded, covered := 0, 0
	var first []arm
	for i := 0; i < int(10*armPeriod*8); i++ {
		s.Render(&f, time.Unix(0, 0))
		if i == 0 {
			first = append(first, s.people.arms...)
			if len(first) != 4 {
				t.Fatalf("%d arms, want 4", len(first))
			}
		}
		if i == int(10*armPeriod)+5 && s.people.arms[0].rods[0] == first[0].rods[0] {
			t.Error("the arms did not move after armPeriod")
		}
		rods := s.people.occluders(nil)
		for _, b := range f.Truth.Balls {
			cov := false
			for _, r := range rods {
				cov = cov || r.covers(b.Pos, model.BallRadius)
			}
			if cov {
				covered++
				if !b.Occluded {
					t.Fatalf("frame %d: ball %d under an arm, not marked occluded", i, b.Number)
				}
			}
			if b.Occluded {
				occluded++
			}
		}
	}
	if covered == 0 {
		t.Error("no ball was ever under an arm: the test proves nothing; pick another seed")
	}
	// The same seed places the same arms.
	s2, _ := Open(o)
	s2.Render(&f, time.Unix(0, 0))
	if s2.people.arms[0].rods[0] != first[0].rods[0] || s2.people.arms[3].sleeve != first[3].sleeve {
		t.Error("arms differ between two runs with one seed")
	}
}

// TestExtrasOnTheTable: paper spots lie on the head, centre and foot
// spots, the black rail is dark and its sights pale, the cheap set's
// colours are off the tournament set's.
func TestExtrasOnTheTable(t *testing.T) {
	s, f := render(t, Options{Width: 1280, Height: 720, Scenario: "cushion", Seed: 2, Look: Look{Spots: "tournament", Rail: "black", Chalk: 1, Wear: 1}}, 1)
	for _, fx := range []float64{0.25, 0.5, 0.75} {
		p := s.cam.px(v2(fx*s.geo.Length, s.geo.Width/2))
		c := pix(f, int(p.X), int(p.Y))
		if c.r < 0.6 || c.g < 0.6 || c.b < 0.6 {
			t.Errorf("paper spot at %.2f L is %v, want white", fx, c)
		}
	}
	// Off the varnish streak along the rail's crown.
	rail := s.cam.px(v2(s.geo.Length*3/16, -(cushionWidth + 0.2*railWidth)))
	cr := pix(f, int(rail.X), int(rail.Y))
	if cr.r+cr.g+cr.b > 0.4 {
		t.Errorf("black rail is %v", cr)
	}
	sight := s.cam.px(v2(s.geo.Length/8, -(cushionWidth + railWidth/2)))
	if c := pix(f, int(sight.X), int(sight.Y)); c.r+c.g+c.b < 4*(cr.r+cr.g+cr.b) {
		t.Errorf("sight on the black rail is %v, want much paler than the rail %v", c, cr)
	}
	x := s.looks[0].extra
	if len(x.stains) == 0 || len(x.smudges) == 0 || len(x.marks) != 6 {
		t.Errorf("full wear and chalk, tournament spots: %d stains, %d smudges, %d marks (want 3 spots, 2 stickers, a cube)", len(x.stains), len(x.smudges), len(x.marks))
	}
	cheap := cheapSet(1)
	for n := 1; n <= 8; n++ {
		a, b := cheap.colours[n], tournamentSet.colours[n]
		if math.Abs(a.r-b.r)+math.Abs(a.g-b.g)+math.Abs(a.b-b.b) < 0.05 {
			t.Errorf("cheap ball %d colour %v is the tournament one %v", n, a, b)
		}
	}
	// Worn numbers: some of the glyph's ink is gone.
	ink, gone := 0, 0
	for i := -20; i <= 20; i++ {
		for j := -20; j <= 20; j++ {
			u, v := float64(i)/20, float64(j)/20
			if !glyphInk(8, u, v) {
				continue
			}
			ink++
			m := vec3{1, u * cheap.circleSin, v * cheap.circleSin}.unit()
			if cheap.print(8, m) != cheap.ink {
				gone++
			}
		}
	}
	if gone == 0 || gone > ink/2 {
		t.Errorf("worn 8: %d of %d inked points rubbed off, want some but not most", gone, ink)
	}
}

// TestSensorStages checks the camera stages one by one on known inputs.
func TestSensorStages(t *testing.T) {
	const w, h = 64, 48
	flat := bytes.Repeat([]byte{40, 120, 200}, w*h)
	// Blur keeps a flat picture flat and spreads a point.
	f := bytes.Clone(flat)
	blur121(f, make([]byte, len(f)), w, h)
	if !bytes.Equal(f, flat) {
		t.Error("blur121 changed a flat picture")
	}
	pt := make([]byte, w*h*3)
	pt[(20*w+20)*3+1] = 160
	blur121(pt, make([]byte, len(pt)), w, h)
	if c, n := pt[(20*w+20)*3+1], pt[(20*w+21)*3+1]; c != 40 || n != 20 || pt[(21*w+21)*3+1] != 10 {
		t.Errorf("blur121 of a point: centre %d, side %d, corner %d; want 40, 20, 10", c, n, pt[(21*w+21)*3+1])
	}
	// White balance: neutral at 6500 K, warm below (R > B), at equal luma.
	for _, c := range []struct {
		k    float64
		warm bool
	}{{6500, false}, {3000, true}, {9000, false}} {
		g := whiteBalanceGains(c.k)
		luma := 0.114*g[0] + 0.587*g[1] + 0.299*g[2]
		if math.Abs(luma-1) > 1e-9 || c.k == 6500 && (math.Abs(g[0]-1) > 1e-9 || math.Abs(g[2]-1) > 1e-9) || c.warm != (g[2] > g[0]*1.05) {
			t.Errorf("whiteBalanceGains(%v) = %v (luma %v)", c.k, g, luma)
		}
	}
	// Vignetting: the corners at the share asked for, the centre full.
	s := newSensor(w, h, &Look{Vignette: 0.6})
	if c, k := float64(s.gain[0])/65535, float64(s.gain[(h/2)*w+w/2])/65535; math.Abs(c-0.6) > 0.02 || k < 0.99 {
		t.Errorf("vignette 0.6: corner gain %.3f, centre %.3f", c, k)
	}
	// Exposure burns out: 200 * 1.5 clips.
	s = newSensor(w, h, &Look{Exposure: 1.5})
	f = bytes.Clone(flat)
	s.apply(f)
	if f[2] != 255 || f[0] != 60 {
		t.Errorf("exposure 1.5 of (B 40, R 200): B %d R %d, want 60 and 255", f[0], f[2])
	}
	// The codec's round trip stays close and the deblocking smooths
	// small steps at block edges only.
	c := newCodec(w, h, "jpeg", 90)
	img := make([]byte, w*h*3)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := byte(60 + x + y)
			if (x-32)*(x-32)+(y-24)*(y-24) < 100 {
				v = 230
			}
			img[(y*w+x)*3], img[(y*w+x)*3+1], img[(y*w+x)*3+2] = v, v, v
		}
	}
	out := bytes.Clone(img)
	c.roundTrip(out)
	var se float64
	for i := range img {
		se += (float64(img[i]) - float64(out[i])) * (float64(img[i]) - float64(out[i]))
	}
	if psnr := 10 * math.Log10(255*255/(se/float64(len(img)))); psnr < 30 {
		t.Errorf("jpeg 90 round trip PSNR %.1f dB, want >= 30", psnr)
	}
	d := newCodec(16, 1, "h264", 50)
	plane := []byte{10, 10, 10, 10, 10, 10, 10, 10, 16, 16, 16, 16, 16, 16, 16, 16}
	d.deblock(plane, 16, 16, 1)
	if plane[7] <= 10 || plane[8] >= 16 || plane[6] != 10 {
		t.Errorf("deblock of a 6-level step at x=8: %v, want the two pixels beside it pulled together", plane)
	}
	edge := []byte{10, 10, 10, 10, 10, 10, 10, 10, 200, 200, 200, 200, 200, 200, 200, 200}
	d.deblock(edge, 16, 16, 1)
	if edge[7] != 10 || edge[8] != 200 {
		t.Errorf("deblock moved a real edge: %v", edge)
	}
}

// TestLooksRender: every preset renders at 720p with its balls where the
// truth says (a ball's centre pixel is not the cloth's colour).
func TestLooksRender(t *testing.T) {
	for _, p := range LookNames() {
		_, f := render(t, Options{Width: 1280, Height: 720, Scenario: "still", Seed: 6, Lighting: "hall", Look: Look{Preset: p}}, 2)
		if len(f.Pix) != 1280*720*3 || f.Truth == nil || len(f.Truth.Balls) != 16 {
			t.Fatalf("%s: frame %d bytes, truth %v", p, len(f.Pix), f.Truth != nil)
		}
	}
}
