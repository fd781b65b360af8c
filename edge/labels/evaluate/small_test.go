package evaluate

import (
	"testing"

	"github.com/cuecast/cuecast/edge/labels"
)

// smallShrink makes every labelled ball small: the set's radii (10-40 px)
// shrunk three times are 3-13 px, almost all below 10.
const smallShrink = 3

// smallFloors are the figures for balls below 10 px (the small class) on
// the real set shrunk smallShrink times, per source: what the detector
// achieves today (raise them as it improves). Corners are those of the
// shrunk frames.
var smallFloors = map[string]floor{
	"overhead/germuth_pool-image-detection":            {recall: 0.947, precision: 1.000, median: 0.23, class: 0.888, number: 0.888, corners: 0.00, emptyFalse: 0},
	"overhead/gravitygravity_billard-ball-recognition": {recall: 0.842, precision: 0.600, median: 1.10, class: 0.857, number: 0.551, corners: 30.58, emptyFalse: 0},
	"overhead/lukasseglias_billiard-ai":                {recall: 0.950, precision: 0.945, median: 0.40, class: 0.939, number: 0.939, corners: 0.00, emptyFalse: 0},
	"overhead/noshi96_billiardar-backend":              {recall: 1.000, precision: 0.705, median: 0.30, class: 1.000, number: 1.000, corners: 1.27, emptyFalse: 2},
	"overhead/pooljk_billardtrainer":                   {recall: 1.000, precision: 0.571, median: 0.24, class: 0.958, number: 0.958, corners: 1.31, emptyFalse: 0},
	"overhead/radar3699_pool-vision":                   {recall: 0.900, precision: 1.000, median: 0.67, class: 0.722, number: 0.625, corners: 0.00, emptyFalse: 0},
	"overhead/rex-lapis_poolpredictor":                 {recall: 1.000, precision: 0.850, median: 0.47, class: 0.970, number: 0.970, corners: 0.77, emptyFalse: 0},
	"overhead/yoavstrugo_perfectswish":                 {recall: 0.885, precision: 0.715, median: 0.61, class: 0.967, number: 0.905, corners: 0.18, emptyFalse: 1},
}

// TestRealSetSmall is TestRealSet for balls below 10 px: the real set has
// none (its cameras are close), so every frame and its labels are shrunk
// (labels.ShrinkFrame, Frame.Shrunk), as a wider camera or a smaller
// sensor would show the same table. -v prints the table.
func TestRealSetSmall(t *testing.T) {
	sets := loadSets(t)
	o := DefaultOptions()
	o.Shrink = smallShrink
	rep := runLogged(t, sets, o)
	for _, s := range rep.Sources {
		if s.Large.Labelled > 0 {
			t.Errorf("%s: %d balls still 10 px or more shrunk %d times: shrink more", s.Source, s.Large.Labelled, smallShrink)
		}
	}
	checkFloors(t, rep, smallFloors, func(s *labels.SourceScore) *labels.Measures { return &s.Small })
}
