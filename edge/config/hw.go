package config

// HW is the table's hardware: LEDs, GPIO, projector. Owned by hw/.
// Everything is off by default: a box without hardware runs as is.
type HW struct {
	Enabled bool `toml:"enabled" json:"enabled"`
}

func defaultHW() HW { return HW{} }

func (c *HW) validate(s section) {}
