package config

// Vision tunes detection. Owned by edge/vision.
type Vision struct {
	// Threads for OpenCV; 1 keeps a core free for everything else.
	Threads int `toml:"threads" json:"threads"`
}

func defaultVision() Vision { return Vision{Threads: 1} }

func (c *Vision) validate(s section) {
	s.rangeI(c.Threads, 0, 64, "threads")
}
