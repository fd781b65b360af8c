package physics

import (
	"fmt"
	"math"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// Params are the physical constants of balls, cloth, cushions, pockets and
// cue. All are SI. DefaultParams gives published values; FromConfig takes
// them from the [physics] section.
type Params struct {
	BallMass   float64 // kg
	BallRadius float64 // m
	Gravity    float64 // m/s^2

	SlideFriction float64 // ball-cloth sliding friction, mu_s
	RollFriction  float64 // rolling resistance, mu_r
	SpinFriction  float64 // vertical-axis spin friction, mu_sp (dw_z/dt = -5 mu_sp g / 2R)

	BallRestitution float64 // ball-ball e_b
	// Ball-ball friction mu(v) = A + B exp(-C v), v = sliding speed at contact.
	BallFrictionA, BallFrictionB, BallFrictionC float64

	CushionRestitution float64 // e_c
	CushionFriction    float64 // f_c, ball-cushion sliding friction
	CushionHeight      float64 // nose height above the cloth, m

	CornerJawDeg, SideJawDeg float64 // angle between cushion nose and jaw face
	CornerShelf, SideShelf   float64 // mouth line to slate cut, m

	CueEndMass float64 // effective cue end mass for squirt, kg

	MaxEvents int // a simulation needing more events fails
}

// DefaultParams returns standard published values. Sources:
//   - [Alciatore] D. Alciatore, "The Illustrated Principles of Pool and
//     Billiards" (2004) and its technical proofs (TP) and the physical
//     properties page billiards.colostate.edu/faq/physics/physical-properties;
//   - [pooltool] E. Kiefl, pooltool BallParams defaults, which cite the same page;
//   - [WPA] World Pool-Billiard Association equipment specifications;
//   - [Han] H. Han, "Ball-cushion impact in billiards", J. Mech. Sci. Tech. 19 (2005);
//   - [Marlow] W. Marlow, "The Physics of Pocket Billiards" (1995).
func DefaultParams() Params {
	const r = model.BallRadius // [WPA] 2.25 in diameter
	return Params{
		BallMass:   0.170097, // [WPA] 5.5-6 oz; [pooltool] m = 0.170097 kg (6 oz)
		BallRadius: r,
		Gravity:    9.81, // [pooltool] g

		SlideFriction: 0.2,       // [Alciatore] mu_s ~ 0.2 (range 0.15-0.4); [pooltool] u_s
		RollFriction:  0.01,      // [Alciatore] mu_r ~ 0.01 (0.005-0.015); [Marlow]; [pooltool] u_r
		SpinFriction:  r * 4 / 9, // [pooltool] u_sp = (10*2/5/9) R ~ 0.0127

		BallRestitution: 0.95,     // [Alciatore] e_b 0.92-0.98; [pooltool] e_b
		BallFrictionA:   9.951e-3, // [Alciatore] TP A.14: mu = a + b exp(-c v_rel)
		BallFrictionB:   0.108,    // [Alciatore] TP A.14
		BallFrictionC:   1.088,    // [Alciatore] TP A.14 (s/m)

		CushionRestitution: 0.85,          // [pooltool] e_c; [Alciatore] 0.6-0.9
		CushionFriction:    0.2,           // [pooltool] f_c; [Han] mu_w
		CushionHeight:      0.635 * 2 * r, // [WPA] nose height 62.5-64.5 % of ball diameter

		CornerJawDeg: 142,    // [WPA] corner pocket angle 142 +-1 deg
		SideJawDeg:   104,    // [WPA] side pocket angle 104 +-1 deg
		CornerShelf:  0.0286, // [WPA] corner shelf (mouth to slate cut) 1-2.25 in: 1.125 in
		SideShelf:    0.0064, // [WPA] side shelf 0-0.375 in: 0.25 in

		CueEndMass: 0.170097 / 30, // [Alciatore] TP A.31 squirt; typical end mass ~ m_ball/30

		MaxEvents: 20000,
	}
}

// FromConfig returns the parameters and table geometry of a [physics]
// section. The section is assumed valid (config.Load validated it).
func FromConfig(c config.Physics) (Params, model.TableGeometry) {
	p := Params{
		BallMass: c.BallMass, BallRadius: c.BallRadius, Gravity: c.Gravity,
		SlideFriction: c.SlideFriction, RollFriction: c.RollFriction, SpinFriction: c.SpinFriction,
		BallRestitution: c.BallRestitution,
		BallFrictionA:   c.BallFrictionA, BallFrictionB: c.BallFrictionB, BallFrictionC: c.BallFrictionC,
		CushionRestitution: c.CushionRestitution, CushionFriction: c.CushionFriction, CushionHeight: c.CushionHeight,
		CornerJawDeg: c.CornerJawDeg, SideJawDeg: c.SideJawDeg,
		CornerShelf: c.CornerShelf, SideShelf: c.SideShelf,
		CueEndMass: c.CueEndMass,
		MaxEvents:  c.MaxEvents,
	}
	var size model.Size
	switch c.Table {
	case "8ft":
		size = model.Table8ft
	case "7ft":
		size = model.Table7ft
	case "custom":
		size = model.Size{Length: c.TableLength, Width: c.TableWidth}
	default:
		size = model.Table9ft
	}
	return p, Table(size, c.CornerMouth, c.SideMouth)
}

// Table returns the geometry of a table of the given playing surface with
// the given pocket mouths (jaw point to jaw point, metres). Pocket positions
// follow model.Standard: a corner pocket sits where the two cushion noses
// meet, a side pocket at the middle of the long cushion nose; Radius is half
// the mouth.
func Table(s model.Size, cornerMouth, sideMouth float64) model.TableGeometry {
	g := model.Standard(s)
	for i := range g.Pockets {
		if isCorner(g.Pockets[i].Pos, s.Length, s.Width) {
			g.Pockets[i].Radius = cornerMouth / 2
		} else {
			g.Pockets[i].Radius = sideMouth / 2
		}
	}
	return g
}

// StandardTable returns a WPA table of the given size with the default
// pocket mouths (corner 4.625 in, side 5.125 in).
func StandardTable(s model.Size) model.TableGeometry {
	return Table(s, 0.1175, 0.1302)
}

func isCorner(p model.Vec2, l, w float64) bool {
	const tol = 0.02
	return (math.Abs(p.X) < tol || math.Abs(p.X-l) < tol) && (math.Abs(p.Y) < tol || math.Abs(p.Y-w) < tol)
}

// validate rejects parameters the engine cannot honour (the config section
// checks the same bounds with file and line; this guards direct callers).
func (p *Params) validate() error {
	r := p.BallRadius
	bad := func(name string, v float64) error {
		return fmt.Errorf("physics: NewSystem: parameter %s = %v is out of range (start from DefaultParams)", name, v)
	}
	for _, c := range []struct {
		name   string
		v      float64
		lo, hi float64
	}{
		{"BallMass", p.BallMass, 0.01, 1},
		{"BallRadius", r, 0.01, 0.1},
		{"Gravity", p.Gravity, 1, 20},
		{"SlideFriction", p.SlideFriction, 1e-3, 2},
		{"RollFriction", p.RollFriction, 1e-4, 1},
		{"SpinFriction", p.SpinFriction, 1e-5, 1},
		{"BallRestitution", p.BallRestitution, 0.5, 1},
		{"BallFrictionA", p.BallFrictionA, 0, 1},
		{"BallFrictionB", p.BallFrictionB, 0, 1},
		{"BallFrictionC", p.BallFrictionC, 0, 100},
		{"CushionRestitution", p.CushionRestitution, 0.3, 1},
		{"CushionFriction", p.CushionFriction, 0, 2},
		{"CushionHeight", p.CushionHeight, r, 1.5 * r},
		{"CornerJawDeg", p.CornerJawDeg, 90, 180},
		{"SideJawDeg", p.SideJawDeg, 90, 180},
		{"CornerShelf", p.CornerShelf, 0, 0.2},
		{"SideShelf", p.SideShelf, 0, 0.2},
		{"CueEndMass", p.CueEndMass, 1e-4, 1},
	} {
		if !(c.v >= c.lo && c.v <= c.hi) {
			return bad(c.name, c.v)
		}
	}
	sin := p.CushionHeight/r - 1
	if (1+p.CushionRestitution)*(1-sin*sin) <= 1.01 {
		return fmt.Errorf("physics: NewSystem: CushionRestitution %v too low for CushionHeight %v: balls would not rebound", p.CushionRestitution, p.CushionHeight)
	}
	if p.MaxEvents < 10 {
		return fmt.Errorf("physics: NewSystem: MaxEvents %d is below 10", p.MaxEvents)
	}
	return nil
}
