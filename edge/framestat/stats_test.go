package framestat

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"
)

// scene is a synthetic overhead frame: a cloth with a gentle light
// gradient and lit balls, in linear float RGB 0..255.
type scene struct {
	w, h   int
	flat   bool // balls lit from one side without a darker limb: their rims are plain steps
	px     [][3]float64
	balls  []sceneBall
	cloth  [3]float64
	vignet float64 // corner gain (1: none), applied as a cos^4-like falloff
}

type sceneBall struct {
	x, y, r float64
	col     [3]float64
}

func newScene(w, h int) *scene {
	return &scene{w: w, h: h, cloth: [3]float64{40, 120, 70}, vignet: 1}
}

// render draws the cloth and the balls (a sphere lit from above: bright
// top, darker limb), each pixel supersampled 4x4 so edges are exact.
func (s *scene) render() {
	s.px = make([][3]float64, s.w*s.h)
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			var acc [3]float64
			for sy := 0; sy < 4; sy++ {
				for sx := 0; sx < 4; sx++ {
					fx, fy := float64(x)+(float64(sx)+0.5)/4, float64(y)+(float64(sy)+0.5)/4
					c := s.cloth
					for _, b := range s.balls {
						d2 := ((fx-b.x)*(fx-b.x) + (fy-b.y)*(fy-b.y)) / (b.r * b.r)
						if d2 < 1 {
							shade := 0.45 + 0.55*math.Sqrt(1-d2)
							if s.flat {
								shade = 0.85 + 0.15*(fx-b.x)/b.r
							}
							for k := range c {
								c[k] = b.col[k] * shade
							}
						}
					}
					for k := range acc {
						acc[k] += c[k] / 16
					}
				}
			}
			// Radial falloff: 1 at the centre, vignet at the corners.
			dx, dy := (float64(x)-float64(s.w)/2)/(float64(s.w)/2), (float64(y)-float64(s.h)/2)/(float64(s.h)/2)
			g := 1 - (1-s.vignet)*(dx*dx+dy*dy)/2
			for k := range acc {
				acc[k] *= g
			}
			s.px[y*s.w+x] = acc
		}
	}
}

// blur applies a Gaussian of sigma px (separable).
func (s *scene) blur(sigma float64) {
	rad := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*rad+1)
	sum := 0.0
	for i := range k {
		d := float64(i - rad)
		k[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([][3]float64, len(s.px))
	for pass := 0; pass < 2; pass++ {
		for y := 0; y < s.h; y++ {
			for x := 0; x < s.w; x++ {
				var acc [3]float64
				for i, wgt := range k {
					xx, yy := x, y
					if pass == 0 {
						xx = min(max(x+i-rad, 0), s.w-1)
					} else {
						yy = min(max(y+i-rad, 0), s.h-1)
					}
					p := s.px[yy*s.w+xx]
					for c := range acc {
						acc[c] += wgt * p[c]
					}
				}
				tmp[y*s.w+x] = acc
			}
		}
		s.px, tmp = tmp, s.px
	}
}

// bgr quantises to packed BGR, adding Gaussian noise of sigma levels.
func (s *scene) bgr(sigma float64, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]byte, s.w*s.h*3)
	for i, p := range s.px {
		for c := 0; c < 3; c++ {
			v := p[2-c] + rng.NormFloat64()*sigma
			out[i*3+c] = uint8(min(max(math.Round(v), 0), 255))
		}
	}
	return out
}

func jpegRoundTrip(t *testing.T, pix []byte, w, h, q int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		img.Pix[i*4], img.Pix[i*4+1], img.Pix[i*4+2], img.Pix[i*4+3] = pix[i*3+2], pix[i*3+1], pix[i*3], 255
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	dec, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	out, _, _ := ToBGR(dec)
	return out
}

// ballsScene is a 640x400 cloth with nine isolated balls of radius r
// (one camera: one ball size), in five colours.
func ballsScene(r float64) *scene {
	s := newScene(640, 400)
	cols := [][3]float64{{240, 236, 225}, {245, 190, 30}, {30, 60, 170}, {210, 30, 40}, {240, 110, 30}}
	for i := 0; i < 9; i++ {
		s.balls = append(s.balls, sceneBall{x: 80 + float64(i%5)*120 + 0.3*float64(i), y: 120 + float64(i/5)*160 + 0.45*float64(i), r: r, col: cols[i%len(cols)]})
	}
	return s
}

func measure(t *testing.T, pix []byte, w, h int) Stats {
	t.Helper()
	st, err := Measure(pix, w, h)
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}
	return st
}

func TestNoise(t *testing.T) {
	s := newScene(400, 300)
	s.render()
	for _, sigma := range []float64{1, 2, 4} {
		st := measure(t, s.bgr(sigma, 1), s.w, s.h)
		want := math.Sqrt(sigma*sigma + 1.0/12) // rounding to 8 bits adds 1/12
		if math.Abs(st.Noise-want) > 0.1*want {
			t.Errorf("Noise with sigma %v = %.3f, want %.3f +- 10%%", sigma, st.Noise, want)
		}
	}
	if st := measure(t, s.bgr(0, 1), s.w, s.h); st.Noise > 0.1 {
		t.Errorf("Noise of a clean frame = %.3f, want < 0.1", st.Noise)
	}
}

func TestBallsRadiiAndEdgeWidth(t *testing.T) {
	for _, r := range []float64{8, 16, 24} {
		s := ballsScene(r)
		s.render()
		st := measure(t, s.bgr(1, 2), s.w, s.h)
		if st.Balls != len(s.balls) || math.Abs(st.RadiusMedian-r) > 0.06*r || st.RadiusMin < 0.9*r || st.RadiusMax > 1.1*r {
			t.Errorf("balls of radius %v: %d measured, radii %.2f / %.2f / %.2f; want %d within 6 %% (median) and 10 %%",
				r, st.Balls, st.RadiusMin, st.RadiusMedian, st.RadiusMax, len(s.balls))
		}
	}
	s := ballsScene(16)
	s.render()
	sharp := measure(t, s.bgr(1, 2), s.w, s.h)
	// A sharp (supersampled) rim is about a pixel wide; bilinear sampling
	// along the rays widens it a little.
	if sharp.EdgeWidth < 0.8 || sharp.EdgeWidth > 1.8 {
		t.Errorf("EdgeWidth of sharp balls = %.2f, want 0.8..1.8", sharp.EdgeWidth)
	}
	// Rims that are plain steps blurred by a Gaussian measure 2.56 sigma.
	prev := sharp.EdgeWidth
	for _, sigma := range []float64{1, 1.5, 2} {
		b := ballsScene(16)
		b.flat = true
		b.render()
		b.blur(sigma)
		st := measure(t, b.bgr(1, 3), b.w, b.h)
		want := 2.563 * sigma
		if math.Abs(st.EdgeWidth-want) > 0.2*want || st.EdgeWidth <= prev {
			t.Errorf("EdgeWidth after a blur of sigma %v = %.2f, want %.2f +- 20%% and more than %.2f", sigma, st.EdgeWidth, want, prev)
		}
		prev = st.EdgeWidth
	}
}

func TestBlockiness(t *testing.T) {
	s := ballsScene(14)
	s.render()
	pix := s.bgr(2, 4)
	clean := measure(t, pix, s.w, s.h)
	if clean.Blockiness > 1.08 {
		t.Errorf("Blockiness without JPEG = %.3f, want <= 1.08", clean.Blockiness)
	}
	for _, q := range []int{90, 60, 30} {
		st := measure(t, jpegRoundTrip(t, pix, s.w, s.h, q), s.w, s.h)
		if st.Blockiness < 1.3 {
			t.Errorf("Blockiness at JPEG quality %d = %.3f, want >= 1.3", q, st.Blockiness)
		}
	}
}

func TestVignetteClippingWhite(t *testing.T) {
	s := ballsScene(14)
	s.vignet = 0.6
	s.render()
	st := measure(t, s.bgr(1, 5), s.w, s.h)
	// The corner cells' centres sit at 0.8 of the half-diagonal's x and y:
	// gain 1 - 0.4*(0.8^2+0.8^2)/2 = 0.744 against about 1 at the centre.
	if math.Abs(st.Vignette-0.744) > 0.03 {
		t.Errorf("Vignette = %.3f, want 0.744 +- 0.03", st.Vignette)
	}
	if st.Clipped > 0.001 {
		t.Errorf("Clipped with no highlight at 250 = %.4f, want 0", st.Clipped)
	}
	// Overexpose 1.6x: the white balls' tops burn out; warm them.
	w := ballsScene(14)
	w.render()
	for i := range w.px {
		w.px[i] = [3]float64{w.px[i][0] * 1.6 * 1.1, w.px[i][1] * 1.6, w.px[i][2] * 1.6 * 0.9}
	}
	st = measure(t, w.bgr(1, 6), w.w, w.h)
	if st.Clipped < 0.05 {
		t.Errorf("Clipped overexposed = %.4f, want >= 0.05", st.Clipped)
	}
	if w := 240.0 * 1.1 / (225 * 0.9); math.Abs(st.WhiteRB-w) > 0.08 {
		t.Errorf("WhiteRB of warm white balls = %.3f, want %.3f +- 0.08", st.WhiteRB, w)
	}
}

func TestMeasureRejectsBadInput(t *testing.T) {
	if _, err := Measure(make([]byte, 10), 64, 48); err == nil {
		t.Error("Measure of a short buffer: no error")
	}
	if _, err := Measure(make([]byte, 32*32*3), 32, 32); err == nil {
		t.Error("Measure of a 32x32 frame: no error")
	}
	if _, err := Measure(make([]byte, 200*100*3), 200, 100); err == nil {
		t.Error("Measure of a black frame: no error")
	}
}
