package config

// Video is JPEG encoding for MJPEG, snapshots and the frame stream.
type Video struct {
	Width   int     `toml:"width" json:"width"` // 0 keeps the camera size
	Quality int     `toml:"quality" json:"quality"`
	MaxFPS  float64 `toml:"max_fps" json:"max_fps"` // per-viewer cap
}

func defaultVideo() Video { return Video{Width: 0, Quality: 75, MaxFPS: 15} }

func (c *Video) validate(s section) {
	s.rangeI(c.Width, 0, 7680, "width")
	s.rangeI(c.Quality, 10, 100, "quality")
	s.rangeF(c.MaxFPS, 0.1, 120, "max_fps")
}
