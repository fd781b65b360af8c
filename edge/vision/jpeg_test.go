package vision

import (
	"bytes"
	"image/jpeg"
	"runtime"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

func simFrame(t testing.TB, w, h int) *model.Frame {
	s := sim.New(sim.Options{Width: w, Height: h, FPS: 30, Scenario: "still", Seed: 1, NoiseSigma: 2, Unpaced: true})
	defer s.Close()
	var f model.Frame
	s.Render(&f, time.Unix(0, 0))
	return &f
}

func TestJPEGEncoder(t *testing.T) {
	f := simFrame(t, 1280, 720)
	for _, tc := range []struct{ quality, width, wantW, wantH int }{
		{80, 0, 1280, 720},
		{60, 640, 640, 360},
		{90, 1920, 1280, 720}, // never upscales
	} {
		e, err := NewJPEGEncoder(tc.quality, tc.width)
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		b2, _ := e.Encode(f)
		if &b[0] == &b2[0] {
			t.Error("Encode returned the same buffer twice; the hub keeps them")
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("q%d w%d: not a JPEG: %v", tc.quality, tc.width, err)
		}
		if got := img.Bounds().Size(); got.X != tc.wantW || got.Y != tc.wantH {
			t.Errorf("q%d w%d: %v, want %dx%d", tc.quality, tc.width, got, tc.wantW, tc.wantH)
		}
		// Colour survives: the cloth in the middle is green (BGR frame,
		// RGB decode).
		r, g, bl, _ := img.At(tc.wantW/2, tc.wantH/2+tc.wantH/8).RGBA()
		if !(g > r && g > bl) {
			t.Errorf("q%d: centre pixel RGB %d,%d,%d is not the green cloth (channel order?)", tc.quality, r>>8, g>>8, bl>>8)
		}
		e.Close()
		e.Close()
		if _, err := e.Encode(f); err == nil {
			t.Error("Encode after Close succeeded")
		}
	}
	if _, err := NewJPEGEncoder(0, 0); err == nil {
		t.Error("quality 0 accepted")
	}
	e, _ := NewJPEGEncoder(80, 0)
	defer e.Close()
	if _, err := e.Encode(&model.Frame{Width: 10, Height: 10, Pix: make([]byte, 5)}); err == nil {
		t.Error("short frame accepted")
	}
}

// BenchmarkJPEG720p: go test ./edge/vision -run ^$ -bench JPEG
func BenchmarkJPEG720p(b *testing.B) {
	f := simFrame(b, 1280, 720)
	e, _ := NewJPEGEncoder(80, 0)
	defer e.Close()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	cpu0 := threadCPU()
	for i := 0; i < b.N; i++ {
		buf, err := e.Encode(f)
		if err != nil {
			b.Fatal(err)
		}
		n = len(buf)
	}
	b.ReportMetric(float64((threadCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(n), "bytes/frame")
}
