package evaluate

import (
	"slices"
	"testing"

	"github.com/cuecast/cuecast/edge/labels"
)

// stepUpCorners are the worst corner error per source (% of the labelled
// diagonal, at most) with vision.cushion_nose = "step-up" (the default
// since branch sim-nose; realFloors' corners are the same): the figures of
// 2026-12-07 (0.85, 0.09, 0.18, 0.20, 0.32) plus a small margin;
// gravitygravity's after the bent-nose and bed-cloth changes of branch
// vision-corner (0.33: its carom frame 04, the lens-bent cushions); then
// branch vision-corner3's (0.26, 0.09, 0.10, 0.17, 0.26: one halfway point
// per blurred drop, a bent nose's line over its middle half): every
// labelled frame within the goal's 0.3 %; perfectswish 0.20 (its worst
// 0.175, double) once a bent nose's arc is kept on its drop's own peaks
// (triangle_without_triangle 0.258 -> 0.062, vision-corner3).
// Sources without labelled corners are not listed.
var stepUpCorners = map[string]float64{
	"overhead/gravitygravity_billard-ball-recognition": 0.30,
	"overhead/noshi96_billiardar-backend":              0.15,
	"overhead/pooljk_billardtrainer":                   0.15,
	"overhead/rex-lapis_poolpredictor":                 0.22,
	"overhead/yoavstrugo_perfectswish":                 0.20,
}

// TestRealSetStepUpCorners runs the labelled real set with the step-up
// cushion noses reporting the table (vision.cushion_nose = "step-up") and
// checks that (1) every source's corners are within stepUpCorners and
// (2) every ball figure is exactly that of "outermost" (the finder's
// corners reported): the ball finder keeps the outermost step's corners
// either way, only the reported table (and the positions in metres, which
// the labels do not score) changes.
func TestRealSetStepUpCorners(t *testing.T) {
	sets := loadSets(t)
	ob := DefaultOptions()
	ob.Vision.CushionNose = "outermost"
	base, err := Run(dataRoot, sets, ob)
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Vision.CushionNose = "step-up"
	rep := runLogged(t, sets, o)
	for _, s := range rep.Sources {
		bs := base.Source(s.Source)
		if !sameMeasures(&s.Large, &bs.Large) || !sameMeasures(&s.Small, &bs.Small) || s.EmptyFalse != bs.EmptyFalse {
			t.Errorf("%s: ball figures differ from outermost's:\n%+v\n%+v", s.Source, s.Large, bs.Large)
		}
		want, ok := stepUpCorners[s.Source]
		if !ok {
			if len(s.CornerErrs) > 0 || s.NoTable > 0 {
				t.Errorf("%s: corners labelled but no step-up floor", s.Source)
			}
			continue
		}
		if got := s.MaxCorner(); got > want {
			t.Errorf("%s: worst corner %.3f %% of the diagonal with step-up noses, floor %.2f", s.Source, got, want)
		}
	}
}

// sameMeasures says whether two runs scored the balls alike, every centre
// error included.
func sameMeasures(a, b *labels.Measures) bool {
	return a.Labelled == b.Labelled && a.Found == b.Found && a.Detections == b.Detections && a.True == b.True &&
		a.ClassN == b.ClassN && a.ClassOK == b.ClassOK && a.NumberN == b.NumberN && a.NumberOK == b.NumberOK &&
		slices.Equal(a.Errors, b.Errors)
}
