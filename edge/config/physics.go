package config

import "math"

// Physics holds the billiards model parameters and the prediction defaults.
// Owned by edge/physics. Every default is a published value; the source is
// named next to it in edge/physics/params.go (DefaultParams) and in
// docs/physics.md.
type Physics struct {
	// Table size: "9ft", "8ft", "7ft" (WPA playing surfaces 100x50, 88x44,
	// 78x39 in) or "custom" with TableLength/TableWidth.
	Table string `toml:"table" json:"table"`
	// TableLength and TableWidth (metres, cushion nose to cushion nose) are
	// used only when Table is "custom".
	TableLength float64 `toml:"table_length" json:"table_length"`
	TableWidth  float64 `toml:"table_width" json:"table_width"`
	// CornerMouth and SideMouth are the pocket mouths (metres, jaw point to
	// jaw point). WPA: corner 4.5-4.625 in, side 5-5.125 in.
	CornerMouth float64 `toml:"corner_mouth" json:"corner_mouth"`
	SideMouth   float64 `toml:"side_mouth" json:"side_mouth"`
	// CornerJawDeg and SideJawDeg are the angles between the cushion nose
	// and the jaw face (WPA: corner 142 deg, side 104 deg).
	CornerJawDeg float64 `toml:"corner_jaw_deg" json:"corner_jaw_deg"`
	SideJawDeg   float64 `toml:"side_jaw_deg" json:"side_jaw_deg"`
	// CornerShelf and SideShelf are the depths (metres) from the mouth line
	// to the edge of the slate cut where a ball falls (WPA: corner 1-2.25 in,
	// side 0-0.375 in).
	CornerShelf float64 `toml:"corner_shelf" json:"corner_shelf"`
	SideShelf   float64 `toml:"side_shelf" json:"side_shelf"`

	// BallMass (kg) and BallRadius (m).
	BallMass   float64 `toml:"ball_mass" json:"ball_mass"`
	BallRadius float64 `toml:"ball_radius" json:"ball_radius"`
	// Gravity (m/s^2).
	Gravity float64 `toml:"gravity" json:"gravity"`
	// SlideFriction is the ball-cloth sliding friction coefficient.
	SlideFriction float64 `toml:"slide_friction" json:"slide_friction"`
	// RollFriction is the rolling resistance coefficient.
	RollFriction float64 `toml:"roll_friction" json:"roll_friction"`
	// SpinFriction is the coefficient that decelerates spin about the
	// vertical axis.
	SpinFriction float64 `toml:"spin_friction" json:"spin_friction"`
	// BallRestitution is the ball-ball coefficient of restitution.
	BallRestitution float64 `toml:"ball_restitution" json:"ball_restitution"`
	// Ball-ball friction mu(v) = a + b*exp(-c*v), v the sliding speed at the
	// contact (m/s). b = 0 gives a constant coefficient a.
	BallFrictionA float64 `toml:"ball_friction_a" json:"ball_friction_a"`
	BallFrictionB float64 `toml:"ball_friction_b" json:"ball_friction_b"`
	BallFrictionC float64 `toml:"ball_friction_c" json:"ball_friction_c"`
	// CushionRestitution and CushionFriction are the ball-cushion
	// coefficients of restitution and sliding friction.
	CushionRestitution float64 `toml:"cushion_restitution" json:"cushion_restitution"`
	CushionFriction    float64 `toml:"cushion_friction" json:"cushion_friction"`
	// CushionHeight is the height of the cushion nose above the cloth
	// (metres); it sets where the cushion meets the ball (above its equator).
	CushionHeight float64 `toml:"cushion_height" json:"cushion_height"`
	// CueEndMass is the cue's effective end mass (kg) that sets squirt.
	CueEndMass float64 `toml:"cue_end_mass" json:"cue_end_mass"`
	// MaxEvents bounds one simulation; a shot needing more is an error.
	MaxEvents int `toml:"max_events" json:"max_events"`

	// PredictSpeed (m/s) is the cue ball speed used when the shot speed is
	// not measured.
	PredictSpeed float64 `toml:"predict_speed" json:"predict_speed"`
	// PredictTipSide and PredictTipVertical are the default tip offsets used
	// for prediction, as fractions of the ball radius (-1..1; side > 0 is
	// right english, vertical > 0 is follow, 0.4 is natural roll).
	PredictTipSide     float64 `toml:"predict_tip_side" json:"predict_tip_side"`
	PredictTipVertical float64 `toml:"predict_tip_vertical" json:"predict_tip_vertical"`
}

func defaultPhysics() Physics {
	const r = 0.028575 // WPA ball: 2.25 in diameter
	return Physics{
		Table:              "9ft",
		CornerMouth:        0.1175, // 4.625 in
		SideMouth:          0.1302, // 5.125 in
		CornerJawDeg:       142,
		SideJawDeg:         104,
		CornerShelf:        0.0286, // 1.125 in
		SideShelf:          0.0064, // 0.25 in
		BallMass:           0.170097,
		BallRadius:         r,
		Gravity:            9.81,
		SlideFriction:      0.2,
		RollFriction:       0.01,
		SpinFriction:       r * 4 / 9,
		BallRestitution:    0.95,
		BallFrictionA:      9.951e-3,
		BallFrictionB:      0.108,
		BallFrictionC:      1.088,
		CushionRestitution: 0.85,
		CushionFriction:    0.2,
		CushionHeight:      0.635 * 2 * r,
		CueEndMass:         0.170097 / 30,
		MaxEvents:          20000,
		PredictSpeed:       2.0,
		PredictTipSide:     0,
		PredictTipVertical: 0,
	}
}

func (c *Physics) validate(s section) {
	switch c.Table {
	case "9ft", "8ft", "7ft":
	case "custom":
		s.rangeF(c.TableLength, 0.5, 5, "table_length")
		s.rangeF(c.TableWidth, 0.3, 3, "table_width")
		s.check(!(c.TableWidth > c.TableLength), "table_width", "%v is longer than table_length %v (x runs along the long rails)", c.TableWidth, c.TableLength)
	default:
		s.fail("table", "%q is not 9ft, 8ft, 7ft or custom", c.Table)
	}
	r := c.BallRadius
	s.rangeF(r, 0.02, 0.04, "ball_radius")
	s.rangeF(c.BallMass, 0.05, 0.5, "ball_mass")
	s.rangeF(c.Gravity, 9.7, 9.9, "gravity")
	// A mouth must let a ball through; jaws must narrow the pocket.
	s.rangeF(c.CornerMouth, 2.2*r, 6*r, "corner_mouth")
	s.rangeF(c.SideMouth, 2.2*r, 6*r, "side_mouth")
	s.rangeF(c.CornerJawDeg, 120, 160, "corner_jaw_deg")
	s.rangeF(c.SideJawDeg, 90, 120, "side_jaw_deg")
	s.rangeF(c.CornerShelf, 0, 0.1, "corner_shelf")
	s.rangeF(c.SideShelf, 0, 0.1, "side_shelf")
	s.rangeF(c.SlideFriction, 0.01, 1, "slide_friction")
	s.rangeF(c.RollFriction, 0.001, 0.1, "roll_friction")
	s.rangeF(c.SpinFriction, 0.0005, 0.5, "spin_friction")
	// Restitution well below 1 would let impacts chain forever in a rack
	// (zero-time collision cascades converge like e^n).
	s.rangeF(c.BallRestitution, 0.5, 1, "ball_restitution")
	s.rangeF(c.BallFrictionA, 0, 1, "ball_friction_a")
	s.rangeF(c.BallFrictionB, 0, 1, "ball_friction_b")
	s.rangeF(c.BallFrictionC, 0, 20, "ball_friction_c")
	s.rangeF(c.CushionRestitution, 0.5, 1, "cushion_restitution")
	s.rangeF(c.CushionFriction, 0, 1, "cushion_friction")
	// The nose must touch the ball between its equator and 1.5 R: higher,
	// a cushion would push the ball down into the cloth instead of back.
	s.rangeF(c.CushionHeight, r, 1.5*r, "cushion_height")
	if c.CushionHeight >= r && c.CushionHeight <= 1.5*r && c.CushionRestitution > 0 {
		sin := c.CushionHeight/r - 1
		cos2 := 1 - sin*sin
		s.check((1+c.CushionRestitution)*cos2 > 1.05, "cushion_restitution",
			"%v is too low for cushion_height %v: the ball would not rebound", c.CushionRestitution, c.CushionHeight)
	}
	s.rangeF(c.CueEndMass, 0.001, 0.2, "cue_end_mass")
	s.rangeI(c.MaxEvents, 100, 1000000, "max_events")
	s.rangeF(c.PredictSpeed, 0.05, 12, "predict_speed")
	s.rangeF(c.PredictTipSide, -0.7, 0.7, "predict_tip_side")
	s.rangeF(c.PredictTipVertical, -0.7, 0.7, "predict_tip_vertical")
	if math.Hypot(c.PredictTipSide, c.PredictTipVertical) > 0.7 {
		s.fail("predict_tip_side", "tip offset (%v, %v) is beyond the miscue limit 0.7 R", c.PredictTipSide, c.PredictTipVertical)
	}
}
