package evaluate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/model"
)

// dataRoot is the shared real footage (never in the repository); the label
// files name their images relative to it.
const dataRoot = "../../../../shared/data"

// labelDir holds one label file per source.
const labelDir = "../testdata/real"

// floor is what the detector achieves today on one source, for balls of
// radius >= 10 px (the large class) unless noted: the test fails when a
// change makes any figure worse. Raise these as the detector improves
// (the goals, issue #14: recall and precision >= 0.98, median centre error
// <= 1.0 px, class >= 0.95, number >= 0.90, corners within 0.3 % of the
// table diagonal, no ball on an empty table).
type floor struct {
	recall, precision float64
	median            float64 // px, at most
	class, number     float64
	corners           float64 // worst frame, % of the diagonal, at most (0: not asserted)
	emptyFalse        int     // false balls on empty frames, at most
}

// floors, per source (the label file's "source"). A source missing here
// fails the test: every labelled source is asserted.
//
// lukasseglias' class and number floors went down by one ball (0.921 ->
// 0.894, 34 of 38) when the false-ball stage (vision/falseball.go) came in:
// in without_halo/7.png the cue ball's cheapest name is the stripe 13, which
// a false ball on the cushion's shadow band used to take; without it the
// least-cost assignment gives the 13 to the cue ball (a naming weakness the
// false ball hid, not a new one). gravitygravity's class floor likewise
// (0.692 -> 0.689): the stage let 3 more of its balls be found, 2 of them
// named right (20 of 29 against 18 of 26).
//
// rex-lapis' class and number floors went down by one ball (1.000 ->
// 0.970, 33 of 34) with the band test (vision/band.go): in Clip6's frame 0
// the 9 (its stripe turned away) is named solid 1, the 1 that the frame's
// namer used to give to the glove the band test removed (branch
// vision-precision; the namer's weakness, not a new one).
//
// germuth's class and number floors went up (0.894 -> 0.947, 18 of 19) with
// the blended pairs (vision/names.go blendedPairs): high_res_3's 9 and 1,
// both read as solids, were swapped (branch vision-names3).
var floors = map[string]floor{
	"overhead/germuth_pool-image-detection":            {recall: 1.000, precision: 1.000, median: 0.56, class: 0.947, number: 0.947, corners: 0.00, emptyFalse: 0},
	"overhead/gravitygravity_billard-ball-recognition": {recall: 0.973, precision: 0.934, median: 1.25, class: 0.933, number: 0.666, corners: 0.30, emptyFalse: 0},
	"overhead/lukasseglias_billiard-ai":                {recall: 0.980, precision: 0.990, median: 0.20, class: 0.894, number: 0.894, corners: 0.00, emptyFalse: 0},
	"overhead/noshi96_billiardar-backend":              {recall: 1.000, precision: 0.923, median: 0.47, class: 1.000, number: 1.000, corners: 0.15, emptyFalse: 0},
	"overhead/pooljk_billardtrainer":                   {recall: 1.000, precision: 0.958, median: 0.80, class: 1.000, number: 1.000, corners: 0.15, emptyFalse: 0},
	"overhead/radar3699_pool-vision":                   {recall: 1.000, precision: 1.000, median: 0.71, class: 1.000, number: 0.833, corners: 0.00, emptyFalse: 0},
	"overhead/rex-lapis_poolpredictor":                 {recall: 1.000, precision: 0.970, median: 0.37, class: 0.970, number: 0.970, corners: 0.22, emptyFalse: 0},
	"overhead/yoavstrugo_perfectswish":                 {recall: 0.971, precision: 0.960, median: 0.84, class: 0.941, number: 0.949, corners: 0.20, emptyFalse: 0},
}

// loadSets reads every label file, skipping the test when the shared data
// is absent (a user's fresh clone has none).
// runLogged scores sets with o and logs the per-source table (-v).
func runLogged(t *testing.T, sets []*labels.Set, o Options) *labels.Report {
	t.Helper()
	rep, err := Run(dataRoot, sets, o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	rep.WriteTable(&b)
	t.Log("\n" + b.String())
	return rep
}

func loadSets(t *testing.T) []*labels.Set {
	t.Helper()
	if _, err := os.Stat(dataRoot); err != nil {
		t.Skipf("no shared real footage at %s (it is not in the repository; CI has it): %v", dataRoot, err)
	}
	files, err := filepath.Glob(filepath.Join(labelDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no label files in %s", labelDir)
	}
	var sets []*labels.Set
	for _, f := range files {
		s, err := labels.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, s)
	}
	return sets
}

// TestRealSet runs the detector, as `cuecast detect --json` does (a fresh
// detector per frame, 9 ft table, default config), on every labelled real
// frame and checks each source's figures against its floor. -v prints the
// table per source and size, then each frame's misses, false balls and
// wrong names.
func TestRealSet(t *testing.T) {
	sets := loadSets(t)
	rep, err := Run(dataRoot, sets, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	rep.WriteTable(&b)
	b.WriteString("\n")
	rep.WriteDetails(&b)
	t.Log("\n" + b.String())
	checkFloors(t, rep, floors, func(s *labels.SourceScore) *labels.Measures { return &s.Large })
}

// TestLabelFiles checks every label file against the pictures: each file
// exists with the labelled SHA-256 and decodes at the labelled size.
func TestLabelFiles(t *testing.T) {
	for _, s := range loadSets(t) {
		if err := s.Verify(dataRoot); err != nil {
			t.Error(err)
			continue
		}
		n := 0
		if err := Frames(dataRoot, s, func(*labels.Frame, *model.Frame) error { n++; return nil }); err != nil {
			t.Error(err)
		}
		if n != len(s.Frames) {
			t.Errorf("%s: decoded %d of %d frames", s.Source, n, len(s.Frames))
		}
	}
}
