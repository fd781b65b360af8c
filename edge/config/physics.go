package config

// Physics holds the billiards model parameters and the prediction defaults.
// Owned by edge/physics.
type Physics struct {
	// Table size; "9ft", "8ft", "7ft" or "custom" with Length/Width.
	Table string `toml:"table" json:"table"`
	// Prediction: speed (m/s) used when the shot speed is not measured.
	PredictSpeed float64 `toml:"predict_speed" json:"predict_speed"`
}

func defaultPhysics() Physics { return Physics{Table: "9ft", PredictSpeed: 2.0} }

func (c *Physics) validate(s section) {
	switch c.Table {
	case "9ft", "8ft", "7ft", "custom":
	default:
		s.fail("table", "%q is not 9ft, 8ft, 7ft or custom", c.Table)
	}
	s.rangeF(c.PredictSpeed, 0.05, 12, "predict_speed")
}
