package config

import "strings"

// Source is where frames come from.
type Source struct {
	// Kind: "sim", "file:PATH", "image:PATH" or "camera:/dev/videoN".
	Kind   string  `toml:"kind" json:"kind"`
	Width  int     `toml:"width" json:"width"`
	Height int     `toml:"height" json:"height"`
	FPS    float64 `toml:"fps" json:"fps"`   // seed fps.default_target_fps
	Loop   bool    `toml:"loop" json:"loop"` // video files start again at the end
	// Scenario is the simulator's script: "demo" cycles through rack, break and shots.
	Scenario string `toml:"scenario" json:"scenario"`
	// Seed makes the simulator repeatable; 0 picks one per start.
	Seed int64 `toml:"seed" json:"seed"`
	// TargetFPS caps how many frames per second the pipeline processes (seed
	// integration.target_fps); frames arriving faster are skipped.
	TargetFPS float64 `toml:"target_fps" json:"target_fps"`
}

func defaultSource() Source {
	return Source{Kind: "sim", Width: 1280, Height: 720, FPS: 30, Loop: true, Scenario: "demo", TargetFPS: 30}
}

func (c *Source) validate(s section) {
	k := c.Kind
	ok := k == "sim" || strings.HasPrefix(k, "file:") && len(k) > 5 || strings.HasPrefix(k, "image:") && len(k) > 6 || strings.HasPrefix(k, "camera:") && len(k) > 7
	s.check(ok, "kind", "%q is not sim, file:PATH, image:PATH or camera:/dev/videoN", k)
	s.rangeI(c.Width, 64, 7680, "width")
	s.rangeI(c.Height, 48, 4320, "height")
	s.rangeF(c.FPS, 1, 240, "fps")
	s.rangeF(c.TargetFPS, 1, 240, "target_fps")
}
