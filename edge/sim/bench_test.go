package sim

import (
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// benchRender measures Render (scenario step + full frame draw + truth) on a
// scenario; demo frames include the break, so moving, blurred balls count.
func benchRender(b *testing.B, w, h int, scenario string) {
	benchOptions(b, Options{Width: w, Height: h, Scenario: scenario, Seed: 1, Unpaced: true, NoiseSigma: 2})
}

// benchOptions measures Render from the 100th frame on with options o.
func benchOptions(b *testing.B, o Options) {
	s := New(o)
	var f model.Frame
	at := time.Unix(0, 0)
	// Warm up past the rack so the measured frames include aiming and a
	// break in progress.
	for i := 0; i < 100; i++ {
		s.Render(&f, at)
	}
	b.ReportAllocs()
	b.SetBytes(int64(o.Width * o.Height * 3))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Render(&f, at)
	}
}

func BenchmarkRender720pDemo(b *testing.B)      { benchRender(b, 1280, 720, "demo") }
func BenchmarkRender1080pDemo(b *testing.B)     { benchRender(b, 1920, 1080, "demo") }
func BenchmarkRender720pStill(b *testing.B)     { benchRender(b, 1280, 720, "still") }
func BenchmarkRender720pOcclusion(b *testing.B) { benchRender(b, 1280, 720, "occlusion") }

// BenchmarkOpen720p is the one-off cost of drawing the static background.
func BenchmarkOpen720p(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		New(Options{Width: 1280, Height: 720, Scenario: "still", Unpaced: true})
	}
}

// benchLook measures Render with a realistic look (docs/sim.md): the same
// frame plus the camera's stages (blur, tone, sharpening, the codec's
// round trip), the table's extras (drawn once, at Open) and arms in view.
func benchLook(b *testing.B, w, h int, look string) {
	benchOptions(b, Options{Width: w, Height: h, Scenario: "demo", Seed: 1, Unpaced: true, NoiseSigma: 2, Lighting: "hall", Look: Look{Preset: look}})
}

func BenchmarkRender720pWebcam(b *testing.B)     { benchLook(b, 1280, 720, "webcam") }
func BenchmarkRender1080pBroadcast(b *testing.B) { benchLook(b, 1920, 1080, "broadcast") }
func BenchmarkRender720pKinect(b *testing.B)     { benchLook(b, 1280, 720, "kinect") }
