package sim

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// StallAfterEnv names the environment variable the daemon reads to stall
// the simulated camera after N frames (watchdog tests): see ParseStallAfter.
const StallAfterEnv = "CUECAST_SIM_STALL_AFTER"

// ParseStallAfter reads a StallAfterEnv value: empty means never, else a
// frame count >= 1.
func ParseStallAfter(v string) (uint64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("sim: %s=%q: want a frame count >= 1", StallAfterEnv, v)
	}
	return n, nil
}

// OptionsFromConfig turns a validated [source] section (kind "sim") and the
// table size the rest of the box uses into simulator options. Seed 0 picks a
// seed from the clock, so each start plays a different game.
func OptionsFromConfig(c config.Source, table model.Size) Options {
	seed := c.Seed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	return Options{
		Width: c.Width, Height: c.Height, FPS: c.FPS,
		Scenario: c.Scenario, Seed: seed, Table: table,
		Felt: c.Sim.Felt, Lighting: c.Sim.Lighting,
		RotationDeg: c.Sim.RotationDeg, Tilt: c.Sim.Tilt,
		NoiseSigma: c.Sim.Noise, NoBlur: !c.Sim.MotionBlur,
		Look: Look{Preset: c.Sim.Look},
	}
}
