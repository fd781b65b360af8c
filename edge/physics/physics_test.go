package physics

import (
	"math"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

const R = model.BallRadius

func newSys(t testing.TB, p Params, size model.Size) *System {
	t.Helper()
	s, err := NewSystem(p, StandardTable(size))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func add(t testing.TB, s *System, id string, x, y, vx, vy float64, w Vec3) int {
	t.Helper()
	i, err := s.AddBall(id, model.Vec2{X: x, Y: y}, model.Vec2{X: vx, Y: vy}, w)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func run(t testing.TB, s *System) *Result {
	t.Helper()
	res, err := s.Simulate()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// firstEvent returns the first event of the given type (and ball, if >= 0).
func firstEvent(res *Result, typ EventType, ball int) (Event, bool) {
	for _, e := range res.Events {
		if e.Type == typ && (ball < 0 || e.A == ball || e.B == ball) {
			return e, true
		}
	}
	return Event{}, false
}

func deg(v model.Vec2) float64 { return math.Atan2(v.Y, v.X) * 180 / math.Pi }

func angleBetween(a, b model.Vec2) float64 {
	d := math.Abs(deg(a) - deg(b))
	if d > 180 {
		d = 360 - d
	}
	return d
}

// Stun to roll: a ball launched without spin slides until its slip is gone,
// which takes t = 2v/(7 mu_s g) over the distance 12 v^2 / (49 mu_s g), and
// then rolls at 5/7 of its launch speed. Source: Alciatore, "The Illustrated
// Principles of Pool and Billiards", TP 4.1 (and TP 4.2 for the 5/7 factor);
// Marlow, "The Physics of Pocket Billiards", ch. 5.
func TestStunToRoll(t *testing.T) {
	p := DefaultParams()
	mg := p.SlideFriction * p.Gravity
	for _, tc := range []struct {
		name   string
		v      float64
		head   float64
		x0, y0 float64 // start: the ball must roll before any cushion
	}{{"slow", 0.3, 0, 1.27, 0.635}, {"medium", 1, 30, 1.27, 0.4}, {"fast", 2.5, 180, 2.2, 0.635}, {"hard", 4, -2, 0.3, 0.7}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSys(t, p, model.Table9ft)
			h := tc.head * math.Pi / 180
			add(t, s, "cue", tc.x0, tc.y0, tc.v*math.Cos(h), tc.v*math.Sin(h), Vec3{})
			res := run(t, s)
			e, ok := firstEvent(res, EvTransition, 0)
			if !ok || e.From != Sliding || e.To != Rolling {
				t.Fatalf("first transition = %+v, want sliding_to_rolling", e)
			}
			wantT := 2 * tc.v / (7 * mg)
			wantD := 12 * tc.v * tc.v / (49 * mg)
			gotD := math.Hypot(e.Pos[0].X-tc.x0, e.Pos[0].Y-tc.y0)
			gotV := math.Hypot(e.VelAfter[0].X, e.VelAfter[0].Y)
			if math.Abs(e.T-wantT) > 1e-9*wantT {
				t.Errorf("t = %.9f s, want %.9f", e.T, wantT)
			}
			if math.Abs(gotD-wantD) > 1e-9*wantD {
				t.Errorf("distance = %.9f m, want 12v^2/(49 mu g) = %.9f", gotD, wantD)
			}
			if math.Abs(gotV-5*tc.v/7) > 1e-9 {
				t.Errorf("rolling speed = %.9f, want 5/7 v = %.9f", gotV, 5*tc.v/7)
			}
			if math.Abs(angleBetween(e.VelAfter[0], model.Vec2{X: math.Cos(h), Y: math.Sin(h)})) > 1e-6 {
				t.Errorf("rolling direction %v, want heading %v", deg(e.VelAfter[0]), tc.head)
			}
		})
	}
}

// A rolling ball decelerates uniformly at mu_r g and stops after
// v^2 / (2 mu_r g) (Alciatore TP 4.1, rolling resistance; Marlow ch. 5).
func TestRollingStop(t *testing.T) {
	p := DefaultParams()
	s := newSys(t, p, model.Table9ft)
	v := 0.3
	add(t, s, "cue", 0.5, 0.635, v, 0, Vec3{Y: v / R})
	res := run(t, s)
	e, ok := firstEvent(res, EvTransition, 0)
	if !ok || e.From != Rolling || e.To != Stationary {
		t.Fatalf("first transition = %+v, want rolling_to_stationary", e)
	}
	want := v * v / (2 * p.RollFriction * p.Gravity)
	if got := e.Pos[0].X - 0.5; math.Abs(got-want) > 1e-9 {
		t.Errorf("rolling distance = %.9f, want v^2/(2 mu_r g) = %.9f", got, want)
	}
}

// Head-on stun shot: the cue ball arrives without spin, gives the object
// ball (1+e)/2 of its speed and keeps (1-e)/2: it stops dead for e -> 1
// ("stop shot", Alciatore, Illustrated Principles ch. 3; Newton's impact law
// for equal masses, Marlow ch. 4).
func TestHeadOnStun(t *testing.T) {
	for _, e := range []float64{0.9, 0.95, 1} {
		for _, v := range []float64{0.5, 2, 6} {
			p := DefaultParams()
			p.BallRestitution = e
			s := newSys(t, p, model.Table9ft)
			add(t, s, "cue", 1.0-1e-7, 0.635, v, 0, Vec3{})
			add(t, s, "1", 1.0+2*R, 0.635, 0, 0, Vec3{})
			res := run(t, s)
			ev, ok := firstEvent(res, EvBallBall, -1)
			if !ok {
				t.Fatalf("e=%v v=%v: no collision", e, v)
			}
			if got, want := ev.VelAfter[1].X, (1+e)/2*v; math.Abs(got-want) > 1e-6*v {
				t.Errorf("e=%v v=%v: object ball speed = %.9f, want (1+e)/2 v = %.9f", e, v, got, want)
			}
			if got, want := ev.VelAfter[0].X, (1-e)/2*v; math.Abs(got-want) > 1e-6*v {
				t.Errorf("e=%v v=%v: cue ball speed = %.9f, want (1-e)/2 v = %.9f", e, v, got, want)
			}
			if math.Abs(ev.VelAfter[1].Y) > 1e-9 || math.Abs(ev.VelAfter[0].Y) > 1e-9 {
				t.Errorf("e=%v v=%v: head-on impact threw sideways: %v", e, v, ev.VelAfter)
			}
			// The cue ball keeps v_c = (1-e)/2 v without spin: it slides
			// 12 v_c^2/(49 mu_s g), then rolls at 5/7 v_c (TP 4.1). Check its
			// position 0.15 s after the impact, before the object ball can
			// come back off the far rail.
			vc := (1 - e) / 2 * v
			mg, rg := p.SlideFriction*p.Gravity, p.RollFriction*p.Gravity
			dt := 0.15
			ts := 2 * vc / (7 * mg)
			want := 0.0
			if dt <= ts {
				want = vc*dt - 0.5*mg*dt*dt
			} else {
				vr, tr := 5*vc/7, math.Min(dt-ts, 5*vc/7/rg)
				want = 12*vc*vc/(49*mg) + vr*tr - 0.5*rg*tr*tr
			}
			got := res.BallAt(0, ev.T+dt).Pos.X - ev.Pos[0].X
			// 1e-7: the cue ball slides 0.1 um before the impact and picks
			// up a trace of spin there.
			if math.Abs(got-want) > 1e-7 {
				t.Errorf("e=%v v=%v: cue ball drifted %.9f m after a stop shot, want %.9f", e, v, got, want)
			}
			if obj := res.BallAt(1, ev.T+dt).Pos.X - ev.Pos[1].X; got > (1-e)/(1+e)*obj+1e-6 {
				t.Errorf("e=%v v=%v: cue ball drifted %.4f m while the object ball went %.4f: not a stop shot", e, v, got, obj)
			}
		}
	}
}

// The 90-degree rule: a stunned cue ball (no spin at impact) leaves the
// object ball along the tangent line, at 90 degrees to the object ball's
// direction; exactly so for perfectly elastic frictionless balls, and within
// a few degrees with real restitution and throw (Alciatore, Illustrated
// Principles, TP 3.1; Wallace & Schroeder, Am. J. Phys. 56 (1988)).
func TestStunNinetyDegreeRule(t *testing.T) {
	ideal := DefaultParams()
	ideal.BallRestitution, ideal.BallFrictionA, ideal.BallFrictionB = 1, 0, 0
	for _, tc := range []struct {
		name string
		p    Params
		tol  float64
	}{{"ideal", ideal, 1e-6}, {"real", DefaultParams(), 4}} {
		for _, cut := range []float64{10, 20, 30, 45, 60, 75} {
			s := newSys(t, tc.p, model.Table9ft)
			// Contact normal at angle cut from the cue ball's +x travel.
			c := cut * math.Pi / 180
			ox, oy := 1.2, 0.6
			cx, cy := ox-2*R*math.Cos(c)-1e-7, oy-2*R*math.Sin(c)
			add(t, s, "cue", cx, cy, 1.5, 0, Vec3{})
			add(t, s, "1", ox, oy, 0, 0, Vec3{})
			res := run(t, s)
			ev, ok := firstEvent(res, EvBallBall, -1)
			if !ok {
				t.Fatalf("%s cut %v: no collision", tc.name, cut)
			}
			got := angleBetween(ev.VelAfter[0], ev.VelAfter[1])
			// With e < 1 the cue ball keeps (1-e)/2 of its normal speed and
			// throw turns the object ball off the line of centres by up to
			// about 6 degrees (Alciatore TP A.14): both close the angle.
			e := tc.p.BallRestitution
			restDev := math.Atan((1-e)/2*math.Cos(c)/math.Sin(c)) * 180 / math.Pi
			if tc.name == "real" && (got < 90-restDev-6 || got > 90) {
				t.Errorf("%s cut %v: cue/object separation = %.4f deg, want in [90 - %.2f - 6, 90]", tc.name, cut, got, restDev)
			}
			if tc.name == "ideal" && math.Abs(got-90) > tc.tol {
				t.Errorf("%s cut %v: cue/object separation = %.4f deg, want 90 +- %v", tc.name, cut, got, tc.tol)
			}
			if got > 90+1e-6 {
				t.Errorf("%s cut %v: separation %.4f deg exceeds 90 (e < 1 can only close it)", tc.name, cut, got)
			}
		}
	}
}

// The 30-degree rule: a rolling cue ball hitting between a quarter and three
// quarters of the object ball ends up deflected by about 30 degrees (27-34)
// from its original line once it rolls again; for ideal balls the angle is
// atan(sin(phi) cos(phi) / (sin^2(phi) + 2/5)) for cut angle phi
// (Alciatore, Illustrated Principles, TP 3.3).
func TestRollingThirtyDegreeRule(t *testing.T) {
	ideal := DefaultParams()
	ideal.BallRestitution, ideal.BallFrictionA, ideal.BallFrictionB = 1, 0, 0
	for _, tc := range []struct {
		name  string
		p     Params
		exact bool
	}{{"ideal", ideal, true}, {"real", DefaultParams(), false}} {
		for _, frac := range []float64{0.25, 0.5, 0.75} {
			phi := math.Asin(1 - frac)
			s := newSys(t, tc.p, model.Table9ft)
			v := 1.0
			ox, oy := 1.2, 0.5
			add(t, s, "cue", ox-2*R*math.Cos(phi)-1e-7, oy-2*R*math.Sin(phi), v, 0, Vec3{Y: v / R})
			add(t, s, "1", ox, oy, 0, 0, Vec3{})
			res := run(t, s)
			if _, ok := firstEvent(res, EvBallBall, -1); !ok {
				t.Fatalf("%s %v ball: no collision", tc.name, frac)
			}
			var roll Event
			found := false
			for _, e := range res.Events {
				if e.Type == EvTransition && e.A == 0 && e.From == Sliding && e.To == Rolling {
					roll, found = e, true
					break
				}
			}
			if !found {
				t.Fatalf("%s %v ball: cue ball never rolled again", tc.name, frac)
			}
			got := -deg(roll.VelAfter[0]) // deflected towards -y
			want := math.Atan(math.Sin(phi)*math.Cos(phi)/(math.Sin(phi)*math.Sin(phi)+0.4)) * 180 / math.Pi
			if tc.exact && math.Abs(got-want) > 1e-4 {
				t.Errorf("%s %v ball: deflection = %.5f deg, want %.5f", tc.name, frac, got, want)
			}
			if got < 26 || got > 35 {
				t.Errorf("%s %v ball: deflection = %.3f deg, want about 30 (27-34)", tc.name, frac, got)
			}
		}
	}
}

// A frictionless, perfectly elastic cushion whose nose is at the ball's
// equator reflects like a mirror: angle in = angle out, speed kept, spin
// untouched. This is the limit of Han (2005) for mu_w = 0, e = 1, h = R.
func TestFrictionlessCushionReflection(t *testing.T) {
	p := DefaultParams()
	p.CushionFriction, p.CushionRestitution, p.CushionHeight = 0, 1, R
	for _, in := range []float64{90, 60, 45, 20, 5} {
		s := newSys(t, p, model.Table9ft)
		a := in * math.Pi / 180
		v := 1.2
		// Towards the bottom rail (y = 0), starting just clear of it.
		add(t, s, "cue", 0.8, R+0.002, v*math.Cos(a), -v*math.Sin(a), Vec3{Z: 3})
		res := run(t, s)
		ev, ok := firstEvent(res, EvBallCushion, 0)
		if !ok {
			t.Fatalf("in %v: no cushion impact", in)
		}
		before := res.segs[0][0]
		_, vb, wb := before.at(ev.T, R)
		after := res.segs[0][1]
		if math.Abs(after.v.x-vb.x) > 1e-12 || math.Abs(after.v.y+vb.y) > 1e-12 {
			t.Errorf("in %v: velocity %v -> %v, want mirror (%v, %v)", in, vb, after.v, vb.x, -vb.y)
		}
		if after.w != wb && after.motion == Sliding {
			t.Errorf("in %v: spin changed %v -> %v at a frictionless cushion", in, wb, after.w)
		}
	}
}

// Real cushions: the rebound is slower than the approach, a ball without
// side spin hitting square comes straight back, and running english widens
// the rebound angle (Alciatore, Illustrated Principles ch. 5).
func TestCushionRealistic(t *testing.T) {
	p := DefaultParams()
	straight := func(w Vec3, vx float64) model.Vec2 {
		s := newSys(t, p, model.Table9ft)
		add(t, s, "cue", 0.8, 0.3, vx, -1, w)
		res := run(t, s)
		ev, ok := firstEvent(res, EvBallCushion, 0)
		if !ok {
			t.Fatal("no cushion impact")
		}
		return ev.VelAfter[0]
	}
	v := straight(Vec3{X: 1 / R}, 0) // rolling straight into the bottom rail
	if math.Abs(v.X) > 1e-9 || v.Y <= 0 || v.Y >= 1 {
		t.Errorf("square rolling rebound = %v, want straight back slower than 1 m/s", v)
	}
	// Running english (spin about z with the sense of the roll-along) on a
	// 45 degree approach rebounds at a wider angle than no english.
	plain := straight(Vec3{X: 1 / R, Y: 1 / R}, 1)
	running := straight(Vec3{X: 1 / R, Y: 1 / R, Z: -40}, 1)
	if !(math.Abs(running.X/running.Y) > math.Abs(plain.X/plain.Y)) {
		t.Errorf("running english rebound %v is not wider than plain %v", running, plain)
	}
}

// Natural roll: a level cue striking 2R/5 above centre gives rolling at
// once; centre ball gives stun; below centre gives draw (Alciatore TP 4.2,
// "7/10 of the ball's height"). Squirt follows Alciatore TP A.31: right
// english pushes the ball left of the cue line.
func TestStrike(t *testing.T) {
	p := DefaultParams()
	for _, tc := range []struct {
		name     string
		shot     Shot
		motion   Motion
		spinSign float64 // sign of w_y relative to v/R
	}{
		{"natural roll", Shot{Speed: 2, TipVertical: 0.4}, Rolling, 1},
		{"stun", Shot{Speed: 2}, Sliding, 0},
		{"draw", Shot{Speed: 2, TipVertical: -0.4}, Sliding, -1},
	} {
		s := newSys(t, p, model.Table9ft)
		add(t, s, "cue", 0.5, 0.6, 0, 0, Vec3{})
		if err := s.Strike("cue", tc.shot); err != nil {
			t.Fatal(err)
		}
		res := run(t, s)
		sg := res.segs[0][0]
		if sg.motion != tc.motion {
			t.Errorf("%s: motion = %v, want %v", tc.name, sg.motion, tc.motion)
		}
		if math.Abs(sg.v.x-2) > 1e-12 || math.Abs(sg.v.y) > 1e-12 {
			t.Errorf("%s: velocity = %v, want (2, 0)", tc.name, sg.v)
		}
		if want := tc.spinSign * 2.5 * 2 * 0.4 / R; math.Abs(sg.w.Y-want) > 1e-9 {
			t.Errorf("%s: w_y = %v, want %v", tc.name, sg.w.Y, want)
		}
	}
	// Squirt.
	s := newSys(t, p, model.Table9ft)
	add(t, s, "cue", 0.5, 0.6, 0, 0, Vec3{})
	a := 0.5
	if err := s.Strike("cue", Shot{Speed: 2, TipSide: a}); err != nil {
		t.Fatal(err)
	}
	res := run(t, s)
	got := deg(vec(res.segs[0][0].v))
	want := math.Atan(2.5*a*math.Sqrt(1-a*a)/(1+p.BallMass/p.CueEndMass+2.5*(1-a*a))) * 180 / math.Pi
	if math.Abs(got-want) > 1e-9 || got <= 0 {
		t.Errorf("squirt with right english = %.6f deg, want %.6f (to the left)", got, want)
	}
	if res.segs[0][0].w.Z <= 0 {
		t.Errorf("right english spin w_z = %v, want > 0 (counter-clockwise from above)", res.segs[0][0].w.Z)
	}
}

// Cut-induced throw of a stun shot follows Alciatore's TP A.14:
// tan(throw) = min(mu(v_rel) (1+e)/2 v cos(phi), v sin(phi) / 7) / ((1+e)/2 v cos(phi))
// with mu(v) = a + b exp(-c v) and v_rel = v sin(phi); throw is largest at
// slow speed and near a half-ball hit (Illustrated Principles, ch. 3 and
// TP A.14: up to about 5 degrees).
func TestCutThrow(t *testing.T) {
	p := DefaultParams()
	var prev float64
	for _, v := range []float64{0.3, 1, 3} {
		for _, cut := range []float64{15, 30, 45} {
			s := newSys(t, p, model.Table9ft)
			c := cut * math.Pi / 180
			ox, oy := 1.2, 0.6
			add(t, s, "cue", ox-2*R*math.Cos(c)-1e-8, oy-2*R*math.Sin(c), v, 0, Vec3{})
			add(t, s, "1", ox, oy, 0, 0, Vec3{})
			res := run(t, s)
			ev, _ := firstEvent(res, EvBallBall, -1)
			n := model.Vec2{X: math.Cos(c), Y: math.Sin(c)}
			got := angleBetween(ev.VelAfter[1], n)
			vn := (1 + p.BallRestitution) / 2 * v * math.Cos(c)
			vt := v * math.Sin(c)
			mu := p.BallFrictionA + p.BallFrictionB*math.Exp(-p.BallFrictionC*vt)
			want := math.Atan(math.Min(mu*vn, vt/7)/vn) * 180 / math.Pi
			if math.Abs(got-want) > 0.02 {
				t.Errorf("v=%v cut=%v: throw = %.4f deg, want %.4f", v, cut, got, want)
			}
			if got > 6 {
				t.Errorf("v=%v cut=%v: throw %.2f deg is beyond what pool balls show", v, cut, got)
			}
			if cut == 30 {
				if prev != 0 && got >= prev {
					t.Errorf("v=%v: half-ball throw %.3f deg did not shrink with speed (was %.3f)", v, got, prev)
				}
				prev = got
			}
		}
	}
}

// Spin-induced throw: a full-ball hit with side spin throws the object ball
// away from the side of the english (right english throws it left), by
// atan(min(mu (1+e)/2 v, R|w_z|/7) / ((1+e)/2 v)) for a stunned cue ball
// (Alciatore, Illustrated Principles ch. 3 and TP A.14 with the contact's
// sliding speed R w_z).
func TestSpinInducedThrow(t *testing.T) {
	p := DefaultParams()
	for _, tc := range []struct {
		v, wz float64
	}{{1, 20}, {1, -20}, {2, 60}, {0.5, 35}} {
		s := newSys(t, p, model.Table9ft)
		add(t, s, "cue", 1.0-1e-8, 0.6, tc.v, 0, Vec3{Z: tc.wz})
		add(t, s, "1", 1.0+2*R, 0.6, 0, 0, Vec3{})
		res := run(t, s)
		ev, ok := firstEvent(res, EvBallBall, -1)
		if !ok {
			t.Fatal("no collision")
		}
		got := deg(ev.VelAfter[1])
		vn := (1 + p.BallRestitution) / 2 * tc.v
		vt := R * math.Abs(tc.wz)
		mu := p.BallFrictionA + p.BallFrictionB*math.Exp(-p.BallFrictionC*vt)
		want := math.Copysign(math.Atan(math.Min(mu*vn, vt/7)/vn)*180/math.Pi, tc.wz)
		if math.Abs(got-want) > 0.01 {
			t.Errorf("v=%v w_z=%v: object ball thrown %.4f deg, want %.4f (positive = left)", tc.v, tc.wz, got, want)
		}
	}
}

// StateAt is continuous in time (positions do not jump at events), agrees
// with the event records, and allocates nothing with room in dst.
func TestStateAtContinuity(t *testing.T) {
	s := newSys(t, DefaultParams(), model.Table9ft)
	rack(t, s, 1e-4)
	if err := s.Strike("cue", Shot{HeadingDeg: 0.5, Speed: 6, TipSide: 0.2}); err != nil {
		t.Fatal(err)
	}
	res := run(t, s)
	var a, b []BallState
	for _, e := range res.Events {
		a = res.StateAt(e.T-1e-9, a)
		b = res.StateAt(e.T, b)
		for i := range a {
			if d := math.Hypot(a[i].Pos.X-b[i].Pos.X, a[i].Pos.Y-b[i].Pos.Y); d > 1e-7 {
				t.Fatalf("%s at t=%.6f: ball %s jumps %.3g m", e.Name(), e.T, a[i].ID, d)
			}
		}
		if e.Type == EvBallBall {
			if got := b[e.A].Pos; math.Hypot(got.X-e.Pos[0].X, got.Y-e.Pos[0].Y) > 1e-12 {
				t.Errorf("StateAt(%v) = %v, event says %v", e.T, got, e.Pos[0])
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { a = res.StateAt(res.End/3, a) }); n != 0 {
		t.Errorf("StateAt allocates %v times", n)
	}
}

// A rolling ball's topspin bends its path forward after a cushion: once it
// rolls again it leaves at a narrower angle to the rail than it came in
// (Alciatore, Illustrated Principles ch. 5, rebound of a rolling ball).
func TestRollingReboundNarrows(t *testing.T) {
	for _, in := range []float64{30, 45, 60} {
		s := newSys(t, DefaultParams(), model.Table9ft)
		a := in * math.Pi / 180
		v := 1.0
		vel := model.Vec2{X: v * math.Cos(a), Y: -v * math.Sin(a)}
		add(t, s, "cue", 1, 0.1, vel.X, vel.Y, Vec3{X: -vel.Y / R, Y: vel.X / R})
		res := run(t, s)
		hit, ok := firstEvent(res, EvBallCushion, 0)
		if !ok {
			t.Fatalf("in %v: no cushion", in)
		}
		for _, e := range res.Events {
			if e.T > hit.T && e.Type == EvTransition && e.From == Sliding && e.To == Rolling {
				if out := deg(e.VelAfter[0]); !(out > 5 && out < in) {
					t.Errorf("in %v deg: rolling again at %.2f deg to the rail, want narrower than %v", in, out, in)
				}
				break
			}
		}
	}
}

// Masse: an elevated cue with side spin tilts the spin axis, so the sliding
// ball curves (a parabola) until it rolls, then runs straight; Curved flags
// exactly that piece (Alciatore, Illustrated Principles ch. 7, swerve and
// masse).
func TestMasseCurves(t *testing.T) {
	s := newSys(t, DefaultParams(), model.Table9ft)
	add(t, s, "cue", 0.5, 0.3, 0, 0, Vec3{})
	if err := s.Strike("cue", Shot{HeadingDeg: 0, Speed: 1.5, TipSide: 0.4, ElevationDeg: 50}); err != nil {
		t.Fatal(err)
	}
	res := run(t, s)
	if !res.Curved(0, 0) {
		t.Fatal("masse shot's first piece is not curved")
	}
	t1 := res.SegmentStart(0, 1)
	a, m, b := res.BallAt(0, 0).Pos, res.BallAt(0, t1/2).Pos, res.BallAt(0, t1).Pos
	// Distance of the midpoint from the chord: clearly off a straight line.
	cx, cy := b.X-a.X, b.Y-a.Y
	off := math.Abs(cx*(m.Y-a.Y)-cy*(m.X-a.X)) / math.Hypot(cx, cy)
	if off < 0.005 {
		t.Errorf("masse path bends only %.4f m off its chord", off)
	}
	// Right english with the cue elevated curves the ball to the right of
	// the cue line (-y here) once the squirt has passed.
	if b.Y >= a.Y {
		t.Errorf("masse with right english ended its curve at y=%.4f, want right of the line y=%.4f", b.Y, a.Y)
	}
	if res.Curved(0, 1) {
		t.Error("the rolling piece after the curve is flagged curved")
	}
}

// Field probe: `cuecast predict` with a heading of 1e308 degrees printed NaN:
// finite, but infinite once in radians. Strike refuses what would make a
// non-finite velocity, and the ball keeps its state.
func TestStrikeOverflowingHeadingRefused(t *testing.T) {
	sys := newSys(t, DefaultParams(), model.Table9ft)
	if _, err := sys.AddBall("cue", model.Vec2{X: 0.5, Y: 0.6}, model.Vec2{}, Vec3{}); err != nil {
		t.Fatal(err)
	}
	if err := sys.Strike("cue", Shot{HeadingDeg: 1e308, Speed: 2}); err == nil || !strings.Contains(err.Error(), "not a finite number") {
		t.Fatalf("Strike(heading 1e308) = %v, want refused", err)
	}
	if res, err := sys.Simulate(); err != nil || len(res.Events) != 0 {
		t.Errorf("after the refused strike: %d events, %v; want a table at rest", len(res.Events), err)
	}
	if err := sys.Strike("cue", Shot{HeadingDeg: 1e300, Speed: 2}); err != nil {
		t.Errorf("Strike(heading 1e300) = %v: a huge but finite angle is still a direction", err)
	}
}
