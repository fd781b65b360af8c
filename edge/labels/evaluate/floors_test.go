package evaluate

import (
	"fmt"
	"math"
	"testing"

	"github.com/cuecast/cuecast/edge/labels"
)

// checkFloors fails t where a source's figures (the measures of one ball
// size, picked by m) fall below its floor, and where a source has no
// floor at all: every labelled source is asserted.
func checkFloors(t *testing.T, rep *labels.Report, floors map[string]floor, m func(*labels.SourceScore) *labels.Measures) {
	t.Helper()
	for _, s := range rep.Sources {
		fl, ok := floors[s.Source]
		if !ok {
			t.Errorf("%s: no floor: add one at today's figures: %s", s.Source, suggest(s, m(s)))
			continue
		}
		ms := m(s)
		check := func(name string, got, want float64, atMost bool) {
			if math.IsNaN(got) {
				return
			}
			if atMost && got > want+1e-9 || !atMost && got < want-1e-9 {
				t.Errorf("%s: %s = %.3f, floor %.3f", s.Source, name, got, want)
			}
		}
		check("recall", ms.Recall(), fl.recall, false)
		check("precision", ms.Precision(), fl.precision, false)
		check("median centre error (px)", ms.MedianError(), fl.median, true)
		check("class accuracy", ms.ClassAccuracy(), fl.class, false)
		check("number accuracy", ms.NumberAccuracy(), fl.number, false)
		if fl.corners > 0 {
			check("worst corner error (% of diagonal)", s.MaxCorner(), fl.corners, true)
		}
		if s.EmptyFalse > fl.emptyFalse {
			t.Errorf("%s: %d false balls on %d empty frames, floor %d", s.Source, s.EmptyFalse, s.EmptyFrames, fl.emptyFalse)
		}
	}
}

// suggest is a floors entry at a source's figures today, a little slack
// given where a figure is a median of few balls.
func suggest(s *labels.SourceScore, m *labels.Measures) string {
	nan0 := func(v float64) float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
		return v
	}
	down := func(v float64) float64 { return math.Floor(v*1000) / 1000 }
	up := func(v float64) float64 { return math.Ceil(nan0(v)*100) / 100 }
	return fmt.Sprintf("%q: {recall: %.3f, precision: %.3f, median: %.2f, class: %.3f, number: %.3f, corners: %.2f, emptyFalse: %d},",
		s.Source, down(m.Recall()), down(m.Precision()), up(m.MedianError()), down(m.ClassAccuracy()), down(m.NumberAccuracy()), up(s.MaxCorner()), s.EmptyFalse)
}
