package e2e

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/core"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
	"github.com/cuecast/cuecast/edge/vision"
)

// The daemon's defaults: a 720p camera at 30 fps.
const (
	width, height = 1280, 720
	fps           = 30
)

// game is one simulated run: a scenario on one cloth, under one lighting
// rig, from one seed, for a number of frames.
type game struct {
	scenario, lighting, felt string
	seed                     int64
	frames                   int
	rotation, tilt           float64
	// umpire rules on the 8ball and 9ball scenarios' shots (nil: the
	// simulator's own); until, when set, ends the game early once it
	// returns true (checked after every frame).
	umpire sim.Umpire
	until  func() bool
}

func (g game) String() string {
	return fmt.Sprintf("%s/%s/%s/seed%d/rot%g/tilt%g/%d", g.scenario, g.lighting, g.felt, g.seed, g.rotation, g.tilt, g.frames)
}

// frame is what one step of the pipeline gives the checks: the simulator's
// truth for the frame, vision's detection of it, and the tracker's state
// and events (valid until the next step: copy what you keep).
type frame struct {
	truth  *model.Truth
	det    *model.Detection
	state  *model.State
	events []model.Event
}

// play runs g through the daemon's stages (see edge/daemon: sim.Open at
// the camera size, vision.NewDetector with the default [vision] section and
// the table geometry, core.NewTracker with core.DefaultOptions, the table
// and the frame interval from the fps) and calls each for every frame.
//
// CUECAST_E2E_CACHE=DIR keeps each game's detections and truth in DIR
// (gob), and later runs replay them through the tracker without rendering
// or OpenCV: a development aid for iterating on the tracker in seconds.
// Recorded detections go stale when vision changes: empty DIR then.
func play(t testing.TB, g game, each func(i int, f *frame)) {
	t.Helper()
	s, err := sim.Open(sim.Options{Width: width, Height: height, FPS: fps, Scenario: g.scenario, Seed: g.seed,
		Felt: g.felt, Lighting: g.lighting, RotationDeg: g.rotation, Tilt: g.tilt, NoiseSigma: 2, Unpaced: true, Umpire: g.umpire})
	if err != nil {
		t.Fatalf("e2e: sim.Open %v: %v", g, err)
	}
	defer s.Close()
	to := core.DefaultOptions()
	to.Table = s.Geometry()
	to.FrameInterval = time.Second / fps
	tr := core.NewTracker(to)

	if recs, ok := loadCache(t, g); ok {
		for i := range recs {
			st, evs := tr.Update(&recs[i].Det)
			each(i, &frame{truth: recs[i].Truth, det: &recs[i].Det, state: st, events: evs})
		}
		return
	}
	det, err := vision.NewDetector(config.Default().Vision, vision.DetectorOptions{Table: s.Geometry()})
	if err != nil {
		t.Fatalf("e2e: vision.NewDetector: %v", err)
	}
	defer det.Close()
	var (
		f    model.Frame
		d    model.Detection
		recs []record
	)
	caching := os.Getenv("CUECAST_E2E_CACHE") != ""
	for i := 0; i < g.frames; i++ {
		if err := s.Read(context.Background(), &f); err != nil {
			t.Fatalf("e2e: sim read frame %d: %v", i, err)
		}
		if err := det.Detect(&f, &d); err != nil {
			t.Fatalf("e2e: detect frame %d: %v", i, err)
		}
		if caching {
			recs = append(recs, record{Truth: f.Truth, Det: cloneDetection(&d)})
		}
		st, evs := tr.Update(&d)
		each(i, &frame{truth: f.Truth, det: &d, state: st, events: evs})
		if g.until != nil && g.until() {
			break
		}
	}
	if caching {
		saveCache(t, g, recs)
	}
}

// record is one cached frame.
type record struct {
	Truth *model.Truth
	Det   model.Detection
}

func cloneDetection(d *model.Detection) model.Detection {
	c := *d
	c.Balls = append([]model.BallDetection(nil), d.Balls...)
	for i := range c.Balls {
		b := &c.Balls[i]
		if b.Pos != nil {
			p := *b.Pos
			b.Pos = &p
		}
		if b.Number != nil {
			n := *b.Number
			b.Number = &n
		}
	}
	if d.Table != nil {
		tb := *d.Table
		tb.Pockets = append([]model.Pixel(nil), d.Table.Pockets...)
		c.Table = &tb
	}
	if d.Cue != nil {
		cue := *d.Cue
		c.Cue = &cue
	}
	return c
}

func cachePath(g game) string {
	return filepath.Join(os.Getenv("CUECAST_E2E_CACHE"), fmt.Sprintf("%s_%s_%s_%d_%g_%g_%d.gob",
		g.scenario, g.lighting, g.felt, g.seed, g.rotation, g.tilt, g.frames))
}

func loadCache(t testing.TB, g game) ([]record, bool) {
	if os.Getenv("CUECAST_E2E_CACHE") == "" {
		return nil, false
	}
	f, err := os.Open(cachePath(g))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("e2e: open cache: %v", err)
	}
	defer f.Close()
	var recs []record
	if err := gob.NewDecoder(f).Decode(&recs); err != nil {
		t.Fatalf("e2e: decode cache %s: %v (delete it to record again)", f.Name(), err)
	}
	return recs, true
}

func saveCache(t testing.TB, g game, recs []record) {
	p := cachePath(g)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatalf("e2e: cache dir: %v", err)
	}
	f, err := os.Create(p + ".tmp")
	if err != nil {
		t.Fatalf("e2e: cache: %v", err)
	}
	if err := gob.NewEncoder(f).Encode(recs); err != nil {
		f.Close()
		t.Fatalf("e2e: encode cache: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("e2e: cache: %v", err)
	}
	if err := os.Rename(p+".tmp", p); err != nil {
		t.Fatalf("e2e: cache: %v", err)
	}
}
