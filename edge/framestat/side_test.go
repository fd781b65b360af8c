package framestat_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/framestat"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
	"github.com/cuecast/cuecast/edge/vision"
)

// overhead is the real overhead footage shared with developers (never in
// the repository); tests that read it skip without it.
const overhead = "../../../shared/data/overhead"

// realSource is one source of real frames: still files, or frames taken
// from videos.
type realSource struct {
	name   string
	globs  []string // still images, relative to overhead
	videos []string // clips, relative to overhead
	frames []int    // frame numbers taken from each clip
}

// realSources are the overhead sources whose frames show a US or UK pool
// table from above (the carom table in gravitygravity's 04.png and the
// toy snooker table's phone photo are left out: no pool balls to measure).
var realSources = []realSource{
	{name: "perfectswish (webcam, 1080p JPEG)", globs: []string{"yoavstrugo_perfectswish/detect_objects_test_images/*.jpg"}},
	{name: "noshi96 (Kinect, 1080p JPEG)", globs: []string{"noshi96_billiardar-backend/table.jpg"}},
	{name: "lukasseglias (RealSense, PNG)", globs: []string{"lukasseglias_billiard-ai/with_projector_off/*.png", "lukasseglias_billiard-ai/with_projector_on/without_halo/*.png"}},
	{name: "pooljk (Pi camera, JPEG)", globs: []string{"pooljk_billardtrainer/*.jpg"}},
	{name: "gravitygravity (video frames)", globs: []string{"gravitygravity_billard-ball-recognition/ImageExamples/0[123].png"}},
	{name: "radar3699 (photos, cropped)", globs: []string{"radar3699_pool-vision/example_images/L0.jpg", "radar3699_pool-vision/games_folder/game1/*.jpg"}},
	{name: "germuth (broadcast crops)", globs: []string{"germuth_pool-image-detection/*.png"}},
	{name: "james-ecd (office, H.264)", globs: []string{"james-ecd_pool-ball-tracker/resources/test1.PNG"},
		videos: []string{"james-ecd_pool-ball-tracker/resources/video-1531832402.mp4"}, frames: []int{5, 110}},
	{name: "rex-lapis (broadcast, H.264)", videos: []string{
		"rex-lapis_poolpredictor/clips/2019_PoolChamp_Clip1.mp4", "rex-lapis_poolpredictor/clips/2019_PoolChamp_Clip5.mp4",
		"rex-lapis_poolpredictor/clips/2019_PoolChamp_Clip9.mp4", "rex-lapis_poolpredictor/clips/2019_PoolChamp_Clip14.mp4"}, frames: []int{10, 120}},
}

// row is one line of the side-by-side table: a source's frames summarised.
type row struct {
	name   string
	frames int
	s      framestat.Stats // medians over frames; radii: see summarise
	mixed  bool            // frames of several cloths: no one cloth colour
}

// summarise takes the per-frame statistics of one source.
func summarise(name string, all []framestat.Stats) row {
	r := row{name: name, frames: len(all)}
	med := func(get func(*framestat.Stats) float64) float64 {
		var v []float64
		for i := range all {
			if x := get(&all[i]); !math.IsNaN(x) {
				v = append(v, x)
			}
		}
		if len(v) == 0 {
			return math.NaN()
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	s := &r.s
	for c := 0; c < 3; c++ {
		s.Cloth[c] = med(func(x *framestat.Stats) float64 { return x.Cloth[c] })
	}
	s.ChromaSpread = med(func(x *framestat.Stats) float64 { return x.ChromaSpread })
	s.Noise = med(func(x *framestat.Stats) float64 { return x.Noise })
	s.EdgeWidth = med(func(x *framestat.Stats) float64 { return x.EdgeWidth })
	s.Blockiness = med(func(x *framestat.Stats) float64 { return x.Blockiness })
	s.Clipped = med(func(x *framestat.Stats) float64 { return x.Clipped })
	s.Vignette = med(func(x *framestat.Stats) float64 { return x.Vignette })
	s.WhiteRB = med(func(x *framestat.Stats) float64 { return x.WhiteRB })
	// The range of the frames' typical ball: the median radius of each
	// frame with two balls or more.
	var typ []float64
	for _, x := range all {
		s.Balls += x.Balls
		if x.Balls >= 2 {
			typ = append(typ, x.RadiusMedian)
		}
	}
	s.RadiusMin, s.RadiusMedian, s.RadiusMax = math.NaN(), math.NaN(), math.NaN()
	if len(typ) > 0 {
		slices.Sort(typ)
		s.RadiusMin, s.RadiusMedian, s.RadiusMax = typ[0], typ[len(typ)/2], typ[len(typ)-1]
	}
	return r
}

// measureReal measures every frame of a source; ok is false when none of
// its files is there.
func measureReal(t *testing.T, src realSource) (row, bool) {
	var all []framestat.Stats
	for _, g := range src.globs {
		files, _ := filepath.Glob(filepath.Join(overhead, g))
		for _, p := range files {
			pix, w, h, err := framestat.ReadFile(p)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			if s, err := framestat.Measure(pix, w, h); err != nil {
				t.Logf("%s: %v (not counted)", p, err)
			} else {
				all = append(all, s)
			}
		}
	}
	for _, v := range src.videos {
		p := filepath.Join(overhead, v)
		if _, err := os.Stat(p); err != nil {
			continue
		}
		vf, err := vision.OpenVideoFile(p, false, 240)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		var f model.Frame
		for i := 0; i <= src.frames[len(src.frames)-1]; i++ {
			if err := vf.Read(context.Background(), &f); err != nil {
				t.Errorf("%s frame %d: %v", p, i, err)
				break
			}
			if slices.Contains(src.frames, i) {
				if s, err := framestat.Measure(f.Pix, f.Width, f.Height); err != nil {
					t.Logf("%s frame %d: %v (not counted)", p, i, err)
				} else {
					all = append(all, s)
				}
			}
		}
		vf.Close()
	}
	if len(all) == 0 {
		return row{}, false
	}
	return summarise(src.name, all), true
}

// simRow renders frames of a few scenes under look l and a lighting rig at
// w x h and measures them; it also returns the median truth radius of the
// balls on the table.
func simRow(t *testing.T, name string, w, h int, l sim.Look, lighting string) (row, float64) {
	var all []framestat.Stats
	var truthR []float64
	for i, sc := range []struct{ scenario, felt string }{{"still", "green"}, {"shots", "blue"}, {"cushion", "grey"}, {"clusters", "red"}} {
		s := sim.New(sim.Options{Width: w, Height: h, FPS: 3, Scenario: sc.scenario, Felt: sc.felt, Seed: int64(31 + i), NoiseSigma: 2, Unpaced: true,
			Look: l, Lighting: lighting})
		var f model.Frame
		for k := 0; k < 3; k++ {
			s.Render(&f, time.Unix(int64(k), 0))
			st, err := framestat.Measure(f.Pix, f.Width, f.Height)
			if err != nil {
				t.Fatalf("%s %s frame %d: %v", name, sc.scenario, k, err)
			}
			all = append(all, st)
			for _, b := range f.Truth.Balls {
				if !b.Pocketed {
					truthR = append(truthR, b.RadiusPx)
				}
			}
		}
		s.Close()
	}
	slices.Sort(truthR)
	r := summarise(name, all)
	r.mixed = true
	return r, truthR[len(truthR)/2]
}

func num(v float64, format string) string {
	if math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

func table(rows []row) string {
	var b strings.Builder
	b.WriteString("| source | frames | cloth RGB | chroma spread (x1000) | noise (G, levels) | rim width (px) | blockiness | balls | typical radius min / median / max (px) | clipped ball px | corner / centre | white R/B |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		s := r.s
		cloth := fmt.Sprintf("%.0f %.0f %.0f", s.Cloth[0], s.Cloth[1], s.Cloth[2])
		if r.mixed {
			cloth = "4 felts"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %d | %s / %s / %s | %s | %s | %s |\n",
			r.name, r.frames, cloth, num(s.ChromaSpread, "%.1f"), num(s.Noise, "%.2f"), num(s.EdgeWidth, "%.2f"),
			num(s.Blockiness, "%.2f"), s.Balls, num(s.RadiusMin, "%.0f"), num(s.RadiusMedian, "%.0f"), num(s.RadiusMax, "%.0f"),
			num(s.Clipped, "%.2f"), num(s.Vignette, "%.2f"), num(s.WhiteRB, "%.2f"))
	}
	return b.String()
}

// realisticLooks are the simulator's presets measured against real frames.
var realisticLooks = []string{"webcam", "broadcast", "kinect"}

// TestSideBySide measures the real overhead frames per source and the
// simulator's clean and realistic looks, prints the table that
// docs/sim.md shows ("Real and simulated frames side by side"; set
// CUECAST_FRAMESTAT_OUT=FILE to write it), and checks two things: the
// blind measures find the simulator's balls at their true size, and every
// realistic look lies inside the real sources' range on the statistics
// where the clean simulator lies outside it (the reasons it flattered).
func TestSideBySide(t *testing.T) {
	if testing.Short() {
		t.Skip("renders and measures ~100 frames")
	}
	if _, err := os.Stat(overhead); err != nil {
		t.Skip("no real overhead footage at " + overhead + " (see /work/shared/data/README.md)")
	}
	var reals []row
	for _, src := range realSources {
		if r, ok := measureReal(t, src); ok {
			reals = append(reals, r)
		} else {
			t.Errorf("%s: no frame found under %s", src.name, overhead)
		}
	}
	var sims []row
	for _, c := range []struct {
		w, h     int
		lighting string
	}{{1280, 720, "lamps"}, {1920, 1080, "lamps"}, {1920, 1080, "hall"}} {
		r, truth := simRow(t, fmt.Sprintf("sim clean, %s, %dx%d", c.lighting, c.w, c.h), c.w, c.h, sim.Look{}, c.lighting)
		if math.Abs(r.s.RadiusMedian-truth) > 0.06*truth {
			t.Errorf("%s: measured median radius %.2f px, truth %.2f: the blind measure is off by more than 6 %%", r.name, r.s.RadiusMedian, truth)
		}
		sims = append(sims, r)
	}
	for _, name := range realisticLooks {
		r, truth := simRow(t, "sim "+name+", hall, 1920x1080", 1920, 1080, sim.Look{Preset: name}, "hall")
		if math.Abs(r.s.RadiusMedian-truth) > 0.1*truth {
			t.Errorf("%s: measured median radius %.2f px, truth %.2f: off by more than 10 %%", r.name, r.s.RadiusMedian, truth)
		}
		sims = append(sims, r)
	}
	out := table(append(reals, sims...))
	t.Logf("\n%s", out)
	if p := os.Getenv("CUECAST_FRAMESTAT_OUT"); p != "" {
		if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
			t.Error(err)
		}
	}

	// The range of the real sources' medians, per statistic.
	stats := []struct {
		name string
		get  func(*framestat.Stats) float64
	}{
		{"rim width", func(s *framestat.Stats) float64 { return s.EdgeWidth }},
		{"blockiness", func(s *framestat.Stats) float64 { return s.Blockiness }},
		{"clipped ball px", func(s *framestat.Stats) float64 { return s.Clipped }},
		{"noise", func(s *framestat.Stats) float64 { return s.Noise }},
		{"corner / centre", func(s *framestat.Stats) float64 { return s.Vignette }},
	}
	for _, st := range stats {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range reals {
			if v := st.get(&reals[i].s); !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		for i := range sims {
			v := st.get(&sims[i].s)
			in := v >= lo && v <= hi
			clean := strings.HasPrefix(sims[i].name, "sim clean")
			t.Logf("%s: %s = %.3f, real range %.3f..%.3f", sims[i].name, st.name, v, lo, hi)
			if !clean && !in {
				t.Errorf("%s: %s = %.3f, outside the real sources' range %.3f..%.3f", sims[i].name, st.name, v, lo, hi)
			}
		}
	}
}
