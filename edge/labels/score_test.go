package labels

import (
	"math"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

func TestScoreFrame(t *testing.T) {
	f := &Frame{Image: "a.png", SHA256: sum0, Width: 1000, Height: 600,
		Table: &Table{Corners: [4]model.Pixel{{X: 0, Y: 600}, {X: 800, Y: 600}, {X: 800, Y: 0}, {X: 0, Y: 0}}},
		Balls: []Ball{
			{X: 100, Y: 100, R: 20, Class: model.ClassSolid, Number: intp(3)},  // found, right
			{X: 200, Y: 100, R: 20, Class: model.ClassStripe, Number: intp(9)}, // found, number wrong
			{X: 300, Y: 100, R: 20, Class: model.ClassCue, Number: intp(0)},    // missed
			{X: 400, Y: 100, R: 20, Class: ClassOther, Occluded: true},         // occluded, detected: neither recall nor false
			{X: 500, Y: 100, R: 8, Class: ClassOther},                          // small, found
			{X: 600, Y: 100, R: 20, Class: model.ClassEight, Occluded: true},   // occluded, not detected
		}}
	det := &model.Detection{
		Table: &model.TableDetection{Corners: [4]model.Pixel{{X: 0, Y: 0}, {X: 800, Y: 0}, {X: 805, Y: 600}, {X: 0, Y: 600}}},
		Balls: []model.BallDetection{
			{Pixel: model.Pixel{X: 101, Y: 100}, RadiusPx: 20, Class: model.ClassSolid, Number: intp(3)},
			{Pixel: model.Pixel{X: 200, Y: 102}, RadiusPx: 20, Class: model.ClassStripe, Number: intp(10)},
			{Pixel: model.Pixel{X: 300, Y: 115}, RadiusPx: 20, Class: model.ClassCue, Number: intp(0)}, // 15 px off: > 0.6 r
			{Pixel: model.Pixel{X: 401, Y: 100}, RadiusPx: 20, Class: model.ClassCue},
			{Pixel: model.Pixel{X: 500, Y: 100.5}, RadiusPx: 8, Class: model.ClassSolid},
			{Pixel: model.Pixel{X: 900, Y: 500}, RadiusPx: 6, Class: model.ClassSolid}, // small false ball
		},
	}
	s := ScoreFrame(f, det)
	L, S := &s.Large, &s.Small
	if L.Labelled != 3 || L.Found != 2 || L.Detections != 4 || L.True != 3 {
		t.Errorf("large: labelled %d found %d detections %d true %d, want 3 2 4 3", L.Labelled, L.Found, L.Detections, L.True)
	}
	if got := L.MedianError(); math.Abs(got-1.5) > 1e-9 {
		t.Errorf("large median error = %v, want 1.5", got)
	}
	if L.ClassN != 2 || L.ClassOK != 2 || L.NumberN != 2 || L.NumberOK != 1 {
		t.Errorf("large class %d/%d number %d/%d, want 2/2 and 1/2", L.ClassOK, L.ClassN, L.NumberOK, L.NumberN)
	}
	if S.Labelled != 1 || S.Found != 1 || S.Detections != 2 || S.True != 1 || S.ClassN != 0 {
		t.Errorf("small: %+v, want 1 labelled, found, 2 detections, 1 true, no class scored", *S)
	}
	if len(s.Missed) != 1 || s.Missed[0].X != 300 || len(s.False) != 2 || len(s.Wrong) != 1 || !strings.Contains(s.Wrong[0], "stripe 9 -> stripe 10") {
		t.Errorf("missed %v false %v wrong %v", s.Missed, s.False, s.Wrong)
	}
	// Corners matched to the nearest detected corner whatever the order:
	// the worst is 5 px on a 1000 px diagonal.
	if math.Abs(s.CornerErr-0.5) > 1e-9 {
		t.Errorf("corner error = %v %%, want 0.5", s.CornerErr)
	}
	det.Table = nil
	if s := ScoreFrame(f, det); !math.IsInf(s.CornerErr, 1) {
		t.Errorf("corner error with no table found = %v, want +Inf", s.CornerErr)
	}
}

func TestScoreEmptyAndReport(t *testing.T) {
	empty := &Frame{Image: "e.png", SHA256: sum0, Width: 100, Height: 100, Empty: true}
	det := &model.Detection{Balls: []model.BallDetection{{Pixel: model.Pixel{X: 50, Y: 50}, RadiusPx: 12, Class: model.ClassCue}}}
	var r Report
	src := r.Source("overhead/e")
	src.Add(ScoreFrame(empty, det))
	src.Add(ScoreFrame(empty, &model.Detection{}))
	if src.EmptyFrames != 2 || src.EmptyFalse != 1 || src.Large.Precision() != 0 || src.Large.Recall() != 1 {
		t.Errorf("empty frames %d false %d precision %v recall %v, want 2 1 0 1", src.EmptyFrames, src.EmptyFalse, src.Large.Precision(), src.Large.Recall())
	}
	if r.Source("overhead/e") != src || len(r.Sources) != 1 {
		t.Error("Source() added a second entry for the same name")
	}
	var b strings.Builder
	r.WriteTable(&b)
	r.WriteDetails(&b)
	for _, want := range []string{"e ", "1/2", "false cue at (50,50)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
