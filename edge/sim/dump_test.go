package sim

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// TestDump writes PNGs of a few frames of every scenario, and one still
// frame per realistic look (docs/sim.md, Looks) at 1080p under the "hall"
// rig, to the directory in CUECAST_SIM_DUMP, for looking at; it is skipped
// otherwise.
func TestDump(t *testing.T) {
	dir := os.Getenv("CUECAST_SIM_DUMP")
	if dir == "" {
		t.Skip("set CUECAST_SIM_DUMP=DIR to write sample frames")
	}
	every, _ := strconv.Atoi(os.Getenv("CUECAST_SIM_DUMP_EVERY"))
	if every == 0 {
		every = 45
	}
	for _, name := range scenarioNames() {
		s := New(Options{Width: 1280, Height: 720, Scenario: name, Seed: 1, Unpaced: true, NoiseSigma: 2})
		var f model.Frame
		for i := 0; i < every*4; i++ {
			if err := s.Read(context.Background(), &f); err != nil {
				t.Fatal(err)
			}
			if i%every == every-1 {
				writePNG(t, filepath.Join(dir, fmt.Sprintf("%s-%03d.png", name, i)), &f)
			}
		}
	}
	for _, look := range LookNames() {
		s := New(Options{Width: 1920, Height: 1080, Scenario: "still", Seed: 1, NoiseSigma: 2, Unpaced: true, Lighting: "hall", Look: Look{Preset: look}})
		var f model.Frame
		s.Render(&f, time.Unix(0, 0))
		writePNG(t, filepath.Join(dir, "look-"+look+".png"), &f)
		s.Close()
	}
}

func writePNG(t *testing.T, path string, f *model.Frame) {
	img := image.NewNRGBA(image.Rect(0, 0, f.Width, f.Height))
	for y := 0; y < f.Height; y++ {
		for x := 0; x < f.Width; x++ {
			p := f.Pix[(y*f.Width+x)*3:]
			img.SetNRGBA(x, y, color.NRGBA{p[2], p[1], p[0], 255})
		}
	}
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if err := png.Encode(fh, img); err != nil {
		t.Fatal(err)
	}
}
