package vision

import (
	"fmt"
	"image"
	"os"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
	"gocv.io/x/gocv"
)

func TestDumpMask(t *testing.T) {
	dir := os.Getenv("CUECAST_VISION_DUMP")
	if dir == "" {
		t.Skip("set CUECAST_VISION_DUMP")
	}
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 3, Scenario: os.Getenv("SC"), Lighting: os.Getenv("LI"), Felt: os.Getenv("FE"), Seed: 7, NoiseSigma: 2, Unpaced: true, RotationDeg: 2, Tilt: 0.05})
	var f model.Frame
	s.Render(&f, time.Unix(0, 0))
	debugf = t.Logf
	var fm frameMat
	m, _ := fm.load(&f)
	tf := newTableFinder(model.Table9ft, 0.05)
	fit, err := tf.find(m, f.Pix)
	t.Logf("fit %+v err %v", fit.felt, err)
	t.Logf("outer %v corners %v truth %v", fit.outer, fit.corners, f.Truth.Corners)
	gocv.IMWrite(dir+"/mask.png", tf.mask)
}

func TestDumpMaskAnn(t *testing.T) {
	dir := os.Getenv("CUECAST_VISION_DUMP")
	if dir == "" {
		t.Skip("set CUECAST_VISION_DUMP")
	}
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 3, Scenario: "still", Lighting: "spot", Felt: "tan", Seed: 7, NoiseSigma: 2, Unpaced: true, Tilt: 0.1})
	var f model.Frame
	s.Render(&f, time.Unix(0, 0))
	var fm frameMat
	m, _ := fm.load(&f)
	tf := newTableFinder(model.Table9ft, 0.05)
	fit, err := tf.find(m, f.Pix)
	t.Logf("fit %+v err %v", fit.felt, err)
	gocv.IMWrite(dir+"/mask2.png", tf.mask)
	d := model.Detection{Table: &model.TableDetection{Corners: fit.outer}}
	WriteAnnotated(dir+"/ann2.png", &f, &d)
}

func TestDumpCue(t *testing.T) {
	if os.Getenv("CUECAST_VISION_DUMP") == "" {
		t.Skip()
	}
	debugf = t.Logf
	defer func() { debugf = func(string, ...any) {} }()
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 3, Scenario: "demo", Seed: 7, NoiseSigma: 2, Unpaced: true})
	det, _ := NewDetector(defaultVision(), DetectorOptions{Table: s.Geometry()})
	var f model.Frame
	var d model.Detection
	for i := 0; i < 12; i++ {
		s.Render(&f, time.Unix(0, 0))
		if f.Truth.Cue == nil {
			continue
		}
		det.Detect(&f, &d)
		t.Logf("frame %d truth cue %+v found %+v", i, f.Truth.Cue, d.Cue)
		WriteAnnotated(os.Getenv("CUECAST_VISION_DUMP")+"/cue.png", &f, &d)
		gocv.IMWrite(os.Getenv("CUECAST_VISION_DUMP")+"/cuemask.png", det.cue.rest)
		break
	}
}

func TestDumpBallMask(t *testing.T) {
	dir := os.Getenv("CUECAST_VISION_DUMP")
	if dir == "" {
		t.Skip()
	}
	for _, c := range accuracyCases() {
		if c.scenario != os.Getenv("SC") || c.felt != os.Getenv("FE") {
			continue
		}
		s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 3, Scenario: c.scenario, Seed: 7, Felt: c.felt, Lighting: c.lighting, RotationDeg: c.rotation, Tilt: c.tilt, NoiseSigma: 2, Unpaced: true})
		det, _ := NewDetector(defaultVision(), DetectorOptions{Table: s.Geometry()})
		var f model.Frame
		var d model.Detection
		s.Render(&f, time.Unix(0, 0))
		debugf = t.Logf
		det.Detect(&f, &d)
		debugf = func(string, ...any) {}
		for _, b := range f.Truth.Balls {
			u, v := (b.Pos.X+det.bf.margin)*det.bf.ppm, (det.bf.size.Width+det.bf.margin-b.Pos.Y)*det.bf.ppm
			t.Logf("truth %d at %.1f,%.1f", b.Number, u, v)
			if b.Number == 6 || b.Number == 14 {
				r := image.Rect(int(u)-12, int(v)-12, int(u)+12, int(v)+12)
				for name, m := range map[string]gocv.Mat{"w": det.bf.warp, "m": det.bf.mask} {
					roi := m.Region(r)
					big := gocv.NewMat()
					gocv.Resize(roi, &big, image.Pt(192, 192), 0, 0, gocv.InterpolationNearestNeighbor)
					gocv.IMWrite(fmt.Sprintf("%s/crop%d%s.png", dir, b.Number, name), big)
					big.Close()
					roi.Close()
				}
			}
		}
		gocv.IMWrite(dir+"/ballmask.png", det.bf.mask)
		gocv.IMWrite(dir+"/warp.png", det.bf.warp)
		break
	}
}
