package core

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// sampleLegs samples a ball moving at v from p0 at 30 fps with noise, reflected
// off the bottom rail's contact line (restitution e) or, when turnAt > 0,
// turned back at that height above the line (another ball in the way).
func sampleLegs(rng *rand.Rand, p0, v model.Vec2, e, turnAt float64, n int) []zStamp {
	R := model.BallRadius
	line := R + turnAt
	var out []zStamp
	for k := 0; k < n; k++ {
		tm := float64(k) / 30
		p := model.Vec2{X: p0.X + v.X*tm, Y: p0.Y + v.Y*tm}
		if p.Y < line {
			// Reflected: when it met the line, and how far it got back.
			tc := (p0.Y - line) / -v.Y
			p.Y = line + e*(-v.Y)*(tm-tc)
		}
		p.X += rng.NormFloat64() * 0.0015
		p.Y += rng.NormFloat64() * 0.0015
		out = append(out, zStamp{p, tm})
	}
	return out
}

// TestBounce: a ball reflected at the rail's contact line is a contact at
// the right moment and place; one turned back a ball's diameter short of
// it (by a ball lying against the rail) is not.
func TestBounce(t *testing.T) {
	tr := NewTracker(Options{})
	rl := &tr.rails[0] // bottom
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name    string
		v       model.Vec2
		e, turn float64
		want    bool
	}{
		{"fast, steep", model.Vec2{X: 0.5, Y: -2.5}, 0.8, 0, true},
		{"medium, 45 deg", model.Vec2{X: 1, Y: -1}, 0.7, 0, true},
		{"slow", model.Vec2{X: 0.2, Y: -0.4}, 0.6, 0, true},
		{"turned by a ball at the rail", model.Vec2{X: 0.3, Y: -1.5}, 0.8, 2 * model.BallRadius, false},
		{"turned by a ball, slow", model.Vec2{X: 0.1, Y: -0.6}, 0.8, 2 * model.BallRadius, false},
	} {
		found, wrong := 0, 0
		for trial := 0; trial < 50; trial++ {
			// The contact falls anywhere between two frames.
			p0 := model.Vec2{X: 1.0, Y: model.BallRadius + c.turn - c.v.Y*(0.1+rng.Float64()/30)}
			zs := sampleLegs(rng, p0, c.v, c.e, c.turn, 7)
			tc := (p0.Y - model.BallRadius - c.turn) / -c.v.Y
			hit := false
			for k := 0; k+4 <= len(zs) && !hit; k++ {
				for _, lg := range legs4(zs[:k+4]) {
					if at, p, _, ok := tr.bounce(rl, lg[0], lg[1], lg[2], lg[3]); ok {
						hit = true
						if math.Abs(at-tc) > 0.02 || math.Abs(p.X-(p0.X+c.v.X*tc)) > 0.02 || math.Abs(p.Y-model.BallRadius) > 1e-9 {
							wrong++
						}
						break
					}
				}
			}
			if hit {
				found++
			}
		}
		if c.want && (found < 48 || wrong > 2) || !c.want && found > 1 {
			t.Errorf("%s: found in %d of 50 trials (%d off by more than 20 ms or 2 cm), want %v", c.name, found, wrong, c.want)
		}
	}
}

// legs4 are the two-point legs of the last four measurements.
func legs4(zs []zStamp) [][4]zStamp {
	n := len(zs)
	return [][4]zStamp{{zs[n-4], zs[n-3], zs[n-2], zs[n-1]}}
}

// TestMergeSplit: two detections closer than any two balls can be are one
// ball (a blurred fast ball split in two); touching balls stay two.
func TestMergeSplit(t *testing.T) {
	at := func(x float64) model.BallDetection {
		p := model.Vec2{X: x, Y: 0.6}
		return model.BallDetection{Pos: &p, Class: model.ClassSolid, Confidence: 0.9}
	}
	for _, c := range []struct {
		name string
		gap  float64
		want int
	}{{"split blur", 0.048, 1}, {"touching", 2 * model.BallRadius, 2}, {"apart", 0.2, 2}} {
		tr := NewTracker(Options{})
		tr.collect(&model.Detection{Balls: []model.BallDetection{at(1), at(1 + c.gap)}})
		if len(tr.dets) != c.want {
			t.Errorf("%s: %d detections, want %d", c.name, len(tr.dets), c.want)
		}
		if c.want == 1 && math.Abs(tr.dets[0].pos.X-(1+c.gap/2)) > 1e-9 {
			t.Errorf("%s: merged at %v, want the midpoint", c.name, tr.dets[0].pos)
		}
	}
}

// TestMergeSplitKeepsBallsAtRest: two touching balls at rest that vision
// places closer than splitDist (the dim rack's eight, a centimetre off)
// stay two once they were seen there the frame before; one frame's split
// of a ball moving on (the pieces are not where any detection was) is
// still merged, and so is a ball at rest read twice (both pieces on the
// one detection of the frame before).
func TestMergeSplitKeepsBallsAtRest(t *testing.T) {
	at := func(x, y float64) model.BallDetection {
		p := model.Vec2{X: x, Y: y}
		return model.BallDetection{Pos: &p, Class: model.ClassSolid, Confidence: 0.9}
	}
	tr := NewTracker(Options{})
	for f := range 3 {
		// The second ball a touching 2R away, but measured 8 mm short.
		tr.collect(&model.Detection{Balls: []model.BallDetection{at(1, 0.6), at(1+2*model.BallRadius-0.008, 0.6)}})
		if want := map[bool]int{true: 1, false: 2}[f == 0]; len(tr.dets) != want {
			t.Errorf("balls at rest, frame %d: %d detections, want %d", f, len(tr.dets), want)
		}
	}
	// A blurred ball moving on along y: its split pieces are new each frame.
	tr = NewTracker(Options{})
	for f := range 3 {
		y := 0.2 + 0.1*float64(f)
		tr.collect(&model.Detection{Balls: []model.BallDetection{at(1, y), at(1.048, y)}})
		if len(tr.dets) != 1 {
			t.Errorf("moving blur, frame %d: %d detections, want 1", f, len(tr.dets))
		}
	}
	// A ball at rest seen once, then read twice around the same spot.
	tr = NewTracker(Options{})
	tr.collect(&model.Detection{Balls: []model.BallDetection{at(1.024, 0.6)}})
	tr.collect(&model.Detection{Balls: []model.BallDetection{at(1.012, 0.6), at(1.036, 0.6)}})
	if len(tr.dets) != 1 {
		t.Errorf("a ball read twice: %d detections, want 1", len(tr.dets))
	}
}

// TestPathRecord: a measured path keeps a vertex where the ball turned,
// costs two points for a straight run, and stays bounded however long.
func TestPathRecord(t *testing.T) {
	var r pathRec
	r.start(model.Vec2{X: 0, Y: 0})
	for k := 1; k <= 30; k++ { // along x to (1.5, 0), then up
		r.add(model.Vec2{X: 0.05 * float64(k), Y: 0})
	}
	for k := 1; k <= 20; k++ {
		r.add(model.Vec2{X: 1.5, Y: 0.05 * float64(k)})
	}
	pts := r.path(model.Vec2{X: 1.5, Y: 1})
	if len(pts) != 3 || math.Hypot(pts[1].X-1.5, pts[1].Y) > 0.06 {
		t.Errorf("path = %v, want start, the turn near (1.5, 0), end", pts)
	}
	r.start(model.Vec2{})
	for k := 1; k <= 2000; k++ { // a zigzag: a vertex every point
		r.add(model.Vec2{X: 0.01 * float64(k), Y: 0.05 * float64(k%2)})
	}
	if pts := r.path(model.Vec2{X: 20, Y: 0}); len(pts) > maxPath || len(pts) < maxPath/2 {
		t.Errorf("zigzag path has %d points, want at most %d", len(pts), maxPath)
	}
}

// TestShotAllocs: the frames of a shot in flight (balls moving, paths
// recorded, reflections looked for) allocate nothing beyond the events
// they report.
func TestShotAllocs(t *testing.T) {
	tr := NewTracker(Options{})
	det := &model.Detection{}
	pos := make([]model.Vec2, 16)
	for n := range pos {
		pos[n] = model.Vec2{X: 0.2 + 0.14*float64(n), Y: 0.3 + 0.04*float64(n%5)}
		det.Balls = append(det.Balls, model.BallDetection{Pos: &pos[n], Class: model.ClassOf(n), Number: &numbers[n], Confidence: 0.9})
	}
	t0 := time.Unix(1000, 0)
	i := 0
	step := func() {
		det.Captured = t0.Add(time.Duration(i) * time.Second / 30)
		i++
		if i > 20 {
			// The cue ball rolls slowly along the table, away from all.
			pos[0].Y += 0.02
			if pos[0].Y > 1.1 {
				pos[0].Y = 0.3
			}
		}
		tr.Update(det)
	}
	for k := 0; k < 40; k++ {
		step()
	}
	if tr.phase != PhaseShot {
		t.Fatalf("no shot started (phase %s)", tr.phase)
	}
	if a := testing.AllocsPerRun(20, step); a > 0 {
		t.Errorf("a frame of a shot in flight allocates %.1f times, want 0", a)
	}
}
