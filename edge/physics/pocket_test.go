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
