package physics

import (
	"math"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// pocketOf returns the pocket ball i fell in, or "".
func pocketOf(res *Result, i int) string {
	return res.BallAt(i, res.End+1).Pocket
}

// Every pocket of 7, 8 and 9 ft tables (WPA sizes) takes a ball rolled
// into the middle of its mouth, and the ball is named after that pocket.
func TestPocketsAllSizes(t *testing.T) {
	for _, sz := range []struct {
		name string
		size model.Size
	}{{"7ft", model.Table7ft}, {"8ft", model.Table8ft}, {"9ft", model.Table9ft}, {"custom", model.Size{Length: 3.1, Width: 1.55}}} {
		g := StandardTable(sz.size)
		for _, pk := range g.Pockets {
			t.Run(sz.name+"/"+pk.Name, func(t *testing.T) {
				s, err := NewSystem(DefaultParams(), g)
				if err != nil {
					t.Fatal(err)
				}
				// Start 0.4 m from the pocket, towards the table centre.
				c := model.Vec2{X: sz.size.Length / 2, Y: sz.size.Width / 2}
				d := model.Vec2{X: pk.Pos.X - c.X, Y: pk.Pos.Y - c.Y}
				n := math.Hypot(d.X, d.Y)
				d.X, d.Y = d.X/n, d.Y/n
				start := model.Vec2{X: pk.Pos.X - 0.4*d.X, Y: pk.Pos.Y - 0.4*d.Y}
				v := 1.5
				if _, err := s.AddBall("1", start, model.Vec2{X: v * d.X, Y: v * d.Y}, Vec3{X: -v * d.Y / R, Y: v * d.X / R}); err != nil {
					t.Fatal(err)
				}
				res := run(t, s)
				if got := pocketOf(res, 0); got != pk.Name {
					t.Errorf("ball into %s fell in %q; events %v", pk.Name, got, names(res))
				}
			})
		}
	}
}

func names(res *Result) []string {
	var out []string
	for _, e := range res.Events {
		out = append(out, e.Name())
	}
	return out
}

// Down the rail into a corner pocket: straight along the cushion the ball
// drops; angled a few degrees into the far side it meets the jaw (a cushion
// like any other) and rattles out. Players know both shots.
func TestCornerJawRattle(t *testing.T) {
	g := StandardTable(model.Table9ft)
	L := model.Table9ft.Length
	for _, tc := range []struct {
		name   string
		y, ang float64
		drop   bool
	}{
		{"straight down the rail", 0.001, 0, true},
		{"into the far jaw", 0.001, 4, false},
		{"off the rail into the jaw", 0.03, 2, false},
	} {
		s, err := NewSystem(DefaultParams(), g)
		if err != nil {
			t.Fatal(err)
		}
		a := tc.ang * math.Pi / 180
		v := 2.5
		vel := model.Vec2{X: v * math.Cos(a), Y: v * math.Sin(a)}
		add(t, s, "1", L-0.5, R+tc.y, vel.X, vel.Y, Vec3{X: -vel.Y / R, Y: vel.X / R})
		res := run(t, s)
		jaw := false
		for _, e := range res.Events {
			if e.Type == EvBallCushion && e.Jaw >= 0 {
				jaw = true
			}
		}
		got := pocketOf(res, 0)
		if tc.drop && got != model.PocketBottomRight {
			t.Errorf("%s: pocket %q, want %s; events %v", tc.name, got, model.PocketBottomRight, names(res))
		}
		if !tc.drop && (got != "" || !jaw) {
			t.Errorf("%s: pocket %q, jaw contact %v; want a rattle out; events %v", tc.name, got, jaw, names(res))
		}
	}
}

// TestCushionRails: a cushion event names its rail by the contract names,
// for straight rails and for pocket jaws.
func TestCushionRails(t *testing.T) {
	L, W := model.Table9ft.Length, model.Table9ft.Width
	for _, tc := range []struct {
		name         string
		x, y, vx, vy float64
		want         string
		jaw          bool
	}{
		{"bottom", 0.7, 0.4, 0, -1, model.RailBottom, false},
		{"top", 1.9, 0.8, 0, 1, model.RailTop, false},
		{"left", 0.4, 0.5, -1, 0, model.RailLeft, false},
		{"right", 2.1, 0.7, 1, 0, model.RailRight, false},
		// Into the side pocket's far jaw at a slant: a jaw of the top rail.
		{"side jaw", L/2 - 0.25, W - 0.2, 1.2, 0.8, model.RailTop, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSys(t, DefaultParams(), model.Table9ft)
			add(t, s, "cue", tc.x, tc.y, tc.vx, tc.vy, Vec3{X: -tc.vy / R, Y: tc.vx / R})
			res := run(t, s)
			e, ok := firstEvent(res, EvBallCushion, 0)
			if !ok {
				t.Fatalf("no cushion event: %+v", res.Events)
			}
			if e.Rail != tc.want || (e.Jaw >= 0) != tc.jaw {
				t.Errorf("first cushion: rail %q jaw %d, want %q (jaw %v)", e.Rail, e.Jaw, tc.want, tc.jaw)
			}
			for _, e := range res.Events {
				if e.Type == EvBallCushion && e.Rail == "" {
					t.Errorf("cushion event at %.3f s without a rail", e.T)
				}
				if e.Type != EvBallCushion && e.Rail != "" {
					t.Errorf("%s event has rail %q", e.Name(), e.Rail)
				}
			}
		})
	}
}
