package core

import (
	"math"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

func TestClosestApproach(t *testing.T) {
	v := func(x, y float64) model.Vec2 { return model.Vec2{X: x, Y: y} }
	for _, tc := range []struct {
		name           string
		a0, a1, b0, b1 model.Vec2
		want           float64
	}{
		{"head on through each other", v(0, 0), v(1, 0), v(1, 0), v(0, 0), 0},
		{"parallel", v(0, 0), v(1, 0), v(0, 0.1), v(1, 0.1), 0.1},
		{"passing at 5 cm", v(0, 0), v(1, 0), v(0.5, -0.5), v(0.5, 0.5), 0},
		{"one still, other passes", v(0, 0.05), v(1, 0.05), v(0.5, 0), v(0.5, 0), 0.05},
		{"moving apart", v(0, 0), v(-1, 0), v(0.1, 0), v(1, 0), 0.1},
	} {
		if got := closestApproach(tc.a0, tc.a1, tc.b0, tc.b1); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: closestApproach = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIDOrder(t *testing.T) {
	ids := []string{"?12", "15", "cue", "2", "?3", "10", "8"}
	want := []string{"cue", "2", "8", "10", "15", "?3", "?12"}
	for i := range ids {
		for j := range ids {
			ii, jj := index(want, ids[i]), index(want, ids[j])
			if idLess(ids[i], ids[j]) != (ii < jj) {
				t.Errorf("idLess(%q, %q) = %v", ids[i], ids[j], !(ii < jj))
			}
		}
	}
}

func index(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

// TestBadDetectionsChangeNothing: NaN positions, numbers out of range and
// balls without any position are ignored, not turned into tracks.
func TestBadDetectionsChangeNothing(t *testing.T) {
	tr := NewTracker(Options{})
	nan := model.Vec2{X: math.NaN(), Y: 0.5}
	bad := 22
	ok := model.Vec2{X: 1, Y: 0.5}
	t0 := time.Unix(100, 0)
	confirm := DefaultOptions().ConfirmFrames
	for i := 0; i < confirm+3; i++ {
		st, evs := tr.Update(&model.Detection{Captured: t0.Add(time.Duration(i) * time.Second / 30), Balls: []model.BallDetection{
			{Pos: &nan, Class: model.ClassSolid, Confidence: 1},
			{Pixel: model.Pixel{X: 10, Y: 10}, Class: model.ClassSolid, Confidence: 1}, // no table, no pos
			{Pos: &ok, Class: model.ClassStripe, Number: &bad, Confidence: 1},
		}})
		if len(evs) != 0 {
			t.Fatalf("events from bad input: %v", evs)
		}
		// The good ball appears once confirmed (ConfirmFrames sightings),
		// and the bad ones never.
		if i >= confirm-1 && (len(st.Balls) != 1 || st.Balls[0].ID[0] != '?') || i < confirm-1 && len(st.Balls) != 0 {
			t.Fatalf("state = %+v, want one unidentified ball", st.Balls)
		}
	}
}

// TestUpdateAllocs: a steady frame of a still table allocates nothing (the
// state and events are reused), so the tracker adds no GC pressure at 60 fps.
func TestUpdateAllocs(t *testing.T) {
	tr := NewTracker(Options{})
	det := &model.Detection{}
	for n := 0; n < 16; n++ {
		p := model.Vec2{X: 0.2 + 0.14*float64(n), Y: 0.3 + 0.04*float64(n%5)}
		det.Balls = append(det.Balls, model.BallDetection{Pos: &p, Class: model.ClassOf(n), Number: &numbers[n], Confidence: 0.9})
	}
	t0 := time.Unix(1000, 0)
	i := 0
	step := func() {
		det.Captured = t0.Add(time.Duration(i) * time.Second / 30)
		i++
		tr.Update(det)
	}
	for k := 0; k < 20; k++ {
		step()
	}
	if a := testing.AllocsPerRun(200, step); a > 0 {
		t.Errorf("Update allocates %.1f times per frame on a still table, want 0", a)
	}
}

// TestPixelsThroughHomography feeds detections with pixels only and a table
// homography: positions come out in metres, and a ball that goes unseen is
// drawn where the homography puts its predicted position.
func TestPixelsThroughHomography(t *testing.T) {
	// 500 px per metre, origin at pixel (100, 700), y up the table.
	td := &model.TableDetection{H: [9]float64{1.0 / 500, 0, -100.0 / 500, 0, -1.0 / 500, 700.0 / 500, 0, 0, 1}}
	tr := NewTracker(Options{})
	t0 := time.Unix(50, 0)
	px := model.Pixel{X: 600, Y: 450} // (1.0, 0.5) m
	var st *model.State
	n := DefaultOptions().ConfirmFrames + 2
	for i := 0; i < n; i++ {
		st, _ = tr.Update(&model.Detection{Captured: t0.Add(time.Duration(i) * time.Second / 30), Table: td,
			Balls: []model.BallDetection{{Pixel: px, RadiusPx: 14, Class: model.ClassCue, Confidence: 1}}})
	}
	if len(st.Balls) != 1 || st.Balls[0].ID != "cue" {
		t.Fatalf("state balls = %+v, want the cue ball", st.Balls)
	}
	if p := st.Balls[0].Pos; math.Abs(p.X-1) > 1e-6 || math.Abs(p.Y-0.5) > 1e-6 {
		t.Errorf("pos = %+v, want (1, 0.5)", p)
	}
	st, _ = tr.Update(&model.Detection{Captured: t0.Add(time.Duration(n) * time.Second / 30), Table: td})
	b := st.Balls[0]
	if !b.Occluded || math.Abs(b.Pixel.X-600) > 1e-6 || math.Abs(b.Pixel.Y-450) > 1e-6 {
		t.Errorf("unseen ball = %+v, want occluded at pixel (600, 450)", b)
	}
}
