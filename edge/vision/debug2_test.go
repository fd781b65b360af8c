package vision

import (
	"os"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

func TestDumpFirst(t *testing.T) {
	dir := os.Getenv("CUECAST_VISION_DUMP")
	if dir == "" {
		t.Skip("set CUECAST_VISION_DUMP")
	}
	c := accuracyCases()[1]
	s, _ := sim.Open(sim.Options{Width: 1280, Height: 720, FPS: 3, Scenario: c.scenario, Seed: 7,
		Felt: c.felt, Lighting: c.lighting, RotationDeg: c.rotation, Tilt: c.tilt, NoiseSigma: 2, Unpaced: true})
	det, _ := NewDetector(config.Default().Vision, DetectorOptions{Table: s.Geometry()})
	var f model.Frame
	var d model.Detection
	s.Render(&f, time.Unix(0, 0))
	det.Detect(&f, &d)
	t.Logf("truth %v", f.Truth.Corners)
	WriteAnnotated(dir+"/first.png", &f, &d)
}
