package config

import (
	"regexp"
	"strings"
)

// Source is where frames come from.
type Source struct {
	// Kind: "sim", "file:PATH", "image:PATH" or "camera:/dev/videoN".
	Kind   string  `toml:"kind" json:"kind"`
	Width  int     `toml:"width" json:"width"`
	Height int     `toml:"height" json:"height"`
	FPS    float64 `toml:"fps" json:"fps"`   // seed fps.default_target_fps
	Loop   bool    `toml:"loop" json:"loop"` // video files start again at the end
	// Scenario is the simulator's script: "demo" cycles through rack, break
	// and shots; also "break", "shots", "banks", "8ball", "9ball" (whole
	// racks), "clusters", "cushion", "occlusion", "empty", "still", "lighting" (see
	// docs/sim.md).
	Scenario string `toml:"scenario" json:"scenario"`
	// Seed makes the simulator repeatable; 0 picks one per start.
	Seed int64 `toml:"seed" json:"seed"`
	// TargetFPS caps how many frames per second the pipeline processes (seed
	// integration.target_fps); frames arriving faster are skipped.
	TargetFPS float64 `toml:"target_fps" json:"target_fps"`
	// Sim is the simulator's look, used when Kind is "sim".
	Sim SimSource `toml:"sim" json:"sim"`
}

// SimSource is the [source.sim] table: how the simulated camera looks.
type SimSource struct {
	// Felt is the cloth colour: green, blue, red, grey, tan or "#rrggbb";
	// empty takes the scenario's own.
	Felt string `toml:"felt" json:"felt"`
	// Lighting is the lamp rig: lamps (three over the table), even, dim,
	// spot or hall (wide shades, evenly lit like real rooms).
	Lighting string `toml:"lighting" json:"lighting"`
	// Look is how real the picture is: "" or clean (the simulator as
	// vision was tuned on), webcam, broadcast or kinect (a camera's blur,
	// compression, exposure and colour cast, worn cloth, chalk, spots,
	// people's arms; docs/sim.md).
	Look string `toml:"look" json:"look"`
	// RotationDeg turns the table in the picture (a camera not square to it).
	RotationDeg float64 `toml:"rotation_deg" json:"rotation_deg"`
	// Tilt is keystone perspective, 0 (straight down) to 0.3.
	Tilt float64 `toml:"tilt" json:"tilt"`
	// Noise is the sensor noise standard deviation in 8-bit levels (0 = clean).
	Noise float64 `toml:"noise" json:"noise"`
	// MotionBlur blurs moving balls over half a frame period.
	MotionBlur bool `toml:"motion_blur" json:"motion_blur"`
}

// simFelts mirrors edge/sim's Felts (config must not import sim; a test in
// edge/sim checks the two agree).
var simFelts = []string{"green", "blue", "red", "grey", "tan"}

// simLooks mirrors edge/sim's Looks, the same way.
var simLooks = []string{"clean", "webcam", "broadcast", "kinect"}

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

func defaultSource() Source {
	return Source{Kind: "sim", Width: 1280, Height: 720, FPS: 30, Loop: true, Scenario: "demo", TargetFPS: 30,
		Sim: SimSource{Lighting: "lamps", Noise: 2, MotionBlur: true}}
}

func (c *Source) validate(s section) {
	k := c.Kind
	ok := k == "sim" || strings.HasPrefix(k, "file:") && len(k) > 5 || strings.HasPrefix(k, "image:") && len(k) > 6 || strings.HasPrefix(k, "camera:") && len(k) > 7
	s.check(ok, "kind", "%q is not sim, file:PATH, image:PATH or camera:/dev/videoN", k)
	s.rangeI(c.Width, 64, 7680, "width")
	s.rangeI(c.Height, 48, 4320, "height")
	s.rangeF(c.FPS, 1, 240, "fps")
	s.rangeF(c.TargetFPS, 1, 240, "target_fps")
	switch c.Scenario {
	case "demo", "break", "shots", "banks", "8ball", "9ball", "clusters", "cushion", "occlusion", "empty", "still", "lighting":
	default:
		s.fail("scenario", "%q is not demo, break, shots, banks, 8ball, 9ball, clusters, cushion, occlusion, empty, still or lighting", c.Scenario)
	}
	if f := c.Sim.Felt; f != "" && !hexColour.MatchString(f) {
		known := false
		for _, n := range simFelts {
			known = known || f == n
		}
		s.check(known, "sim.felt", "%q is not %s or #rrggbb", f, strings.Join(simFelts, ", "))
	}
	switch c.Sim.Lighting {
	case "lamps", "even", "dim", "spot", "hall":
	default:
		s.fail("sim.lighting", "%q is not lamps, even, dim, spot or hall", c.Sim.Lighting)
	}
	if l := c.Sim.Look; l != "" {
		known := false
		for _, n := range simLooks {
			known = known || l == n
		}
		s.check(known, "sim.look", "%q is not %s", l, strings.Join(simLooks, ", "))
	}
	s.rangeF(c.Sim.RotationDeg, -180, 180, "sim.rotation_deg")
	s.rangeF(c.Sim.Tilt, 0, 0.3, "sim.tilt")
	s.rangeF(c.Sim.Noise, 0, 12, "sim.noise")
}
