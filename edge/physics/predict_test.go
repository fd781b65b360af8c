package physics

import (
	"math"
	"testing"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

func ball(id string, x, y float64) model.Ball {
	return model.Ball{ID: id, Pos: model.Vec2{X: x, Y: y}}
}

func newPredictor(t testing.TB) *Predictor {
	t.Helper()
	p, err := NewPredictor(DefaultParams(), StandardTable(model.Table9ft))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// ghostFor returns the ghost-ball position that sends obj towards target
// and the heading from cue to it.
func ghostFor(cue, obj, target model.Vec2) (model.Vec2, float64) {
	dx, dy := target.X-obj.X, target.Y-obj.Y
	n := math.Hypot(dx, dy)
	g := model.Vec2{X: obj.X - 2*R*dx/n, Y: obj.Y - 2*R*dy/n}
	return g, math.Atan2(g.Y-cue.Y, g.X-cue.X) * 180 / math.Pi
}

func TestPredictPot(t *testing.T) {
	p := newPredictor(t)
	L, W := model.Table9ft.Length, model.Table9ft.Width
	cue, obj := model.Vec2{X: 0.7, Y: 0.45}, model.Vec2{X: 1.9, Y: 0.8}
	// Aim the object ball at the middle of the corner-top-right mouth.
	g, heading := ghostFor(cue, obj, model.Vec2{X: L - 0.03, Y: W - 0.03})
	balls := []model.Ball{ball("cue", cue.X, cue.Y), ball("1", obj.X, obj.Y), ball("2", 0.4, 1.0), ball("9", 2.2, 0.2)}
	var tr model.Trajectory
	// Centre ball at a firm pace: stun-ish at contact, so throw is small.
	if err := p.Predict(balls, model.CueAim{HeadingDeg: heading}, 2.5, 0, 0, &tr); err != nil {
		t.Fatal(err)
	}
	if tr.Target != "1" || tr.Outcome.Miss {
		t.Fatalf("target %q miss %v, want 1", tr.Target, tr.Outcome.Miss)
	}
	if tr.Ghost == nil || math.Hypot(tr.Ghost.X-g.X, tr.Ghost.Y-g.Y) > 1e-6 {
		t.Errorf("ghost = %v, want %v", tr.Ghost, g)
	}
	if got := tr.Outcome.Pocketed["1"]; got != model.PocketTopRight {
		t.Errorf("1 ball fell in %q, want %s; outcome %+v", got, model.PocketTopRight, tr.Outcome)
	}
	paths := map[string][]model.Vec2{}
	for _, pa := range tr.Paths {
		paths[pa.Ball] = pa.Points
	}
	if len(paths) != 2 || len(paths["cue"]) < 2 || len(paths["1"]) < 2 {
		t.Fatalf("paths = %v, want cue and 1", paths)
	}
	if p0 := paths["cue"][0]; p0 != cue {
		t.Errorf("cue path starts at %v, want %v", p0, cue)
	}
	// The ghost is a vertex of the cue ball's path.
	found := false
	for _, q := range paths["cue"] {
		found = found || math.Hypot(q.X-g.X, q.Y-g.Y) < 1e-6
	}
	if !found {
		t.Errorf("cue path %v does not pass through the ghost %v", paths["cue"], g)
	}
	if tr.HeadingDeg != heading || tr.Speed != 2.5 || !tr.Aiming {
		t.Errorf("trajectory header = %+v", tr)
	}
}

func TestPredictMissAndScratch(t *testing.T) {
	p := newPredictor(t)
	var tr model.Trajectory
	balls := []model.Ball{ball("cue", 1.27, 0.635), ball("1", 1.27, 1.1)}
	// Along the diagonal into corner-bottom-left with follow: a scratch
	// that touches no ball.
	h := math.Atan2(0-0.635, 0-1.27) * 180 / math.Pi
	if err := p.Predict(balls, model.CueAim{HeadingDeg: h}, 3, 0, 0.4, &tr); err != nil {
		t.Fatal(err)
	}
	if !tr.Outcome.Miss || tr.Target != "" || tr.Ghost != nil {
		t.Errorf("miss %v target %q ghost %v, want a miss", tr.Outcome.Miss, tr.Target, tr.Ghost)
	}
	if !tr.Outcome.Scratch || tr.Outcome.Pocketed["cue"] != model.PocketBottomLeft {
		t.Errorf("outcome %+v, want a scratch in %s", tr.Outcome, model.PocketBottomLeft)
	}
	// No cue ball: an error, dst untouched apart from nothing.
	if err := p.Predict(balls[1:], model.CueAim{}, 2, 0, 0, &tr); err == nil {
		t.Error("Predict without a cue ball succeeded")
	}
}

// The aim loop runs every camera frame: after a warm-up it must not
// allocate (STYLE.md: budgets asserted with testing.AllocsPerRun).
func TestPredictAllocs(t *testing.T) {
	p := newPredictor(t)
	balls := []model.Ball{ball("cue", 0.7, 0.45), ball("1", 1.9, 0.8), ball("2", 0.4, 1.0), ball("9", 2.2, 0.2), ball("?3", 1.5, 0.3)}
	var tr model.Trajectory
	var aim Aim
	h := 17.0
	for i := 0; i < 3; i++ { // warm up: grow every buffer
		for _, hh := range []float64{h, h + 90, h + 180} {
			if err := p.Predict(balls, model.CueAim{HeadingDeg: hh}, 2, 0.1, 0.2, &tr); err != nil {
				t.Fatal(err)
			}
		}
	}
	k := 0
	allocs := testing.AllocsPerRun(50, func() {
		k++
		hh := h + float64(k%3)*90
		if err := p.Predict(balls, model.CueAim{HeadingDeg: hh}, 2, 0.1, 0.2, &tr); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Predict allocates %v times per call, want 0", allocs)
	}
	p.AimLine(balls, h, 3, &aim)
	allocs = testing.AllocsPerRun(100, func() {
		k++
		p.AimLine(balls, h+float64(k%7)*20, 3, &aim)
	})
	if allocs != 0 {
		t.Errorf("AimLine allocates %v times per call, want 0", allocs)
	}
}

// AimLine reflects off rails like a mirror and stops at the first ball.
func TestAimLine(t *testing.T) {
	p := newPredictor(t)
	L, W := model.Table9ft.Length, model.Table9ft.Width
	var a Aim
	// Straight at a ball.
	balls := []model.Ball{ball("cue", 0.5, 0.5), ball("3", 1.5, 0.5)}
	if !p.AimLine(balls, 0, 3, &a) || !a.Hit || a.Target != "3" || a.Cushions != 0 {
		t.Fatalf("straight: %+v", a)
	}
	if math.Abs(a.Ghost.X-(1.5-2*R)) > 1e-12 || a.TargetDir != (model.Vec2{X: 1, Y: 0}) {
		t.Errorf("straight: ghost %v dir %v", a.Ghost, a.TargetDir)
	}
	// One rail: from (0.5, 0.5) off the top rail to a ball at the mirror
	// image point. Image of the target across y = W - R.
	tgt := model.Vec2{X: 1.5, Y: 0.5}
	img := model.Vec2{X: tgt.X, Y: 2*(W-R) - tgt.Y}
	h := math.Atan2(img.Y-0.5, img.X-0.5) * 180 / math.Pi
	balls = []model.Ball{ball("cue", 0.5, 0.5), ball("3", tgt.X, tgt.Y)}
	if !p.AimLine(balls, h, 3, &a) || !a.Hit || a.Cushions != 1 {
		t.Fatalf("bank: %+v", a)
	}
	if bounce := a.Points[1]; math.Abs(bounce.Y-(W-R)) > 1e-12 || math.Abs(bounce.X-1.0) > 1e-9 {
		t.Errorf("bank: rail contact at %v, want (1.0, %v)", bounce, W-R)
	}
	// Head-on contact: the ghost sits 2R before the target along the path.
	if d := math.Hypot(a.Ghost.X-tgt.X, a.Ghost.Y-tgt.Y); math.Abs(d-2*R) > 1e-9 {
		t.Errorf("bank: ghost %v is %v from the target, want 2R", a.Ghost, d)
	}
	// With zero cushions allowed the same aim ends at the rail.
	if p.AimLine(balls, h, 0, &a); a.Hit || len(a.Points) != 2 {
		t.Errorf("no cushions: %+v", a)
	}
	// Into a corner pocket along the diagonal.
	balls = []model.Ball{ball("cue", L/2, W/2)}
	h = math.Atan2(W/2, L/2) * 180 / math.Pi
	if p.AimLine(balls, h, 3, &a); a.Pocket != model.PocketTopRight || a.Hit {
		t.Errorf("diagonal: %+v, want pocket %s", a, model.PocketTopRight)
	}
	// Three rails around the table without a ball.
	balls = []model.Ball{ball("cue", 0.3, 0.4)}
	p.AimLine(balls, 35, 3, &a)
	if a.Hit || a.Cushions != 3 || len(a.Points) != 5 {
		t.Errorf("three rails: %+v, want 3 cushions and 5 points", a)
	}
	for _, q := range a.Points {
		if q.X < R-1e-9 || q.X > L-R+1e-9 || q.Y < R-1e-9 || q.Y > W-R+1e-9 {
			t.Errorf("three rails: point %v off the table", q)
		}
	}
}

// Aiming is what the frame loop calls: a trajectory only while a cue aim
// is seen and the balls rest, at the configured speed; no allocation.
func TestAiming(t *testing.T) {
	c := config.Default().Physics
	c.PredictSpeed = 1.7
	a, err := NewAiming(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := &model.State{Seq: 42, Phase: "aiming", Balls: []model.Ball{ball("cue", 0.7, 0.45), ball("1", 1.9, 0.8)}}
	var tr model.Trajectory
	if a.Predict(st, &tr) {
		t.Fatal("predicted without a cue aim")
	}
	st.Cue = &model.CueAim{HeadingDeg: 16}
	if !a.Predict(st, &tr) || tr.Seq != 42 || tr.Speed != 1.7 || !tr.Aiming {
		t.Fatalf("Predict = %+v", tr)
	}
	st.Balls[1].Moving = true
	if a.Predict(st, &tr) {
		t.Error("predicted while a ball moves")
	}
	st.Balls[1].Moving = false
	if n := testing.AllocsPerRun(20, func() { a.Predict(st, &tr) }); n != 0 {
		t.Errorf("Aiming.Predict allocates %v per frame", n)
	}
	st.Balls = st.Balls[1:] // the cue ball lost: no trajectory, no panic
	if a.Predict(st, &tr) {
		t.Error("predicted without a cue ball")
	}
}

// With the tip's position known (vision always reports it), only a stick
// addressing the cue ball is predicted: an arm read as a stick elsewhere on
// the table draws no line on the cloth.
func TestAimingOnlyAtTheCueBall(t *testing.T) {
	a, err := NewAiming(config.Default().Physics, nil)
	if err != nil {
		t.Fatal(err)
	}
	cue := model.Vec2{X: 0.7, Y: 0.45}
	at := func(dx, dy, heading float64) *model.CueAim {
		return &model.CueAim{HeadingDeg: heading, TipPos: &model.Vec2{X: cue.X + dx, Y: cue.Y + dy}}
	}
	for _, tc := range []struct {
		name string
		aim  *model.CueAim
		want bool
	}{
		{"tip 3 cm behind, straight", at(-0.03, 0, 0), true},
		{"back swing, 35 cm behind", at(-0.35, 0, 0), true},
		{"english: line 1.4 cm off centre", at(-0.05, 0.014, 0), true},
		{"angled 30 degrees at the ball", at(-0.1*math.Cos(math.Pi/6), -0.1*math.Sin(math.Pi/6), 30), true},
		{"line 10 cm beside the ball", at(-0.05, 0.10, 0), false},
		{"tip past the ball (stick pointing away)", at(0.05, 0, 0), false},
		{"arm 80 cm away pointing elsewhere", at(0.8, 0.2, 120), false},
		{"tip 60 cm behind", at(-0.6, 0, 0), false},
	} {
		st := &model.State{Phase: "aiming", Balls: []model.Ball{ball("cue", cue.X, cue.Y), ball("1", 1.9, 0.8)}, Cue: tc.aim}
		var tr model.Trajectory
		if got := a.Predict(st, &tr); got != tc.want {
			t.Errorf("%s: predicted %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The config defaults are the published values of DefaultParams, and the
// table sizes map to the WPA surfaces.
func TestFromConfig(t *testing.T) {
	c := config.Default().Physics
	p, g := FromConfig(c)
	if p != DefaultParams() {
		t.Errorf("FromConfig(defaults) = %+v\nwant DefaultParams() = %+v", p, DefaultParams())
	}
	if g.Length != model.Table9ft.Length || g.Width != model.Table9ft.Width || len(g.Pockets) != 6 {
		t.Errorf("default table = %+v, want 9 ft with 6 pockets", g)
	}
	for _, tc := range []struct {
		table string
		want  model.Size
	}{{"7ft", model.Table7ft}, {"8ft", model.Table8ft}, {"9ft", model.Table9ft}, {"custom", model.Size{Length: 3, Width: 1.5}}} {
		c.Table, c.TableLength, c.TableWidth = tc.table, 3, 1.5
		_, g := FromConfig(c)
		if g.Length != tc.want.Length || g.Width != tc.want.Width {
			t.Errorf("table %s = %vx%v, want %v", tc.table, g.Length, g.Width, tc.want)
		}
		for _, pk := range g.Pockets {
			want := c.SideMouth / 2
			if isCorner(pk.Pos, g.Length, g.Width) {
				want = c.CornerMouth / 2
			}
			if pk.Radius != want {
				t.Errorf("table %s pocket %s radius %v, want %v", tc.table, pk.Name, pk.Radius, want)
			}
		}
	}
}

// A System runs again after a new Strike: the second shot replaces the
// first, and the starting layout is unchanged by the first run.
func TestSimulateAgain(t *testing.T) {
	s := newSys(t, DefaultParams(), model.Table9ft)
	add(t, s, "cue", 0.5, 0.6, 0, 0, Vec3{})
	add(t, s, "1", 1.5, 0.6, 0, 0, Vec3{})
	if err := s.Strike("cue", Shot{Speed: 2}); err != nil {
		t.Fatal(err)
	}
	first := run(t, s)
	if err := s.Strike("cue", Shot{HeadingDeg: 90, Speed: 1}); err != nil {
		t.Fatal(err)
	}
	second := run(t, s)
	strikes := 0
	for _, e := range second.Events {
		if e.Type == EvCueStrike {
			strikes++
			if e.VelAfter[0].Y < 0.99 {
				t.Errorf("strike event velocity %v, want the second shot's", e.VelAfter[0])
			}
		}
	}
	if strikes != 1 {
		t.Errorf("%d strike events, want 1", strikes)
	}
	if p := second.BallAt(1, 0).Pos; p != (model.Vec2{X: 1.5, Y: 0.6}) {
		t.Errorf("the 1 ball starts the second run at %v", p)
	}
	if first.Final(nil)[1].Pos == second.Final(nil)[1].Pos {
		t.Error("the second shot moved the 1 ball like the first")
	}
}
