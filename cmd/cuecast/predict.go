package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
)

func init() {
	register("predict", "simulate a shot: table state and shot as JSON on stdin, events and final state as JSON on stdout", runPredict)
}

func runPredict(args []string) int {
	return predictMain(args, os.Stdin, os.Stdout, os.Stderr)
}

// predictInput is the JSON read from stdin (docs/physics.md).
type predictInput struct {
	Table *struct {
		Length float64 `json:"length"`
		Width  float64 `json:"width"`
	} `json:"table"`
	Balls []struct {
		ID string    `json:"id"`
		X  *float64  `json:"x"`
		Y  *float64  `json:"y"`
		V  []float64 `json:"v"`
		W  []float64 `json:"w"`
	} `json:"balls"`
	Shot *struct {
		Ball       string   `json:"ball"`
		HeadingDeg *float64 `json:"heading_deg"`
		Speed      *float64 `json:"speed"`
		Tip        *struct {
			Side     float64 `json:"side"`
			Vertical float64 `json:"vertical"`
		} `json:"tip"`
		ElevationDeg float64 `json:"elevation_deg"`
	} `json:"shot"`
}

// predictEvent is one event in the output.
type predictEvent struct {
	T        float64               `json:"t"`
	Type     string                `json:"type"`
	Balls    []string              `json:"balls"`
	Pos      map[string][2]float64 `json:"pos"`
	VelAfter map[string][2]float64 `json:"vel_after"`
	Pocket   string                `json:"pocket,omitempty"` // ball_pocket: where
	Jaw      string                `json:"jaw,omitempty"`    // ball_cushion on a pocket jaw: which pocket
	Rail     string                `json:"rail,omitempty"`   // ball_cushion: bottom, right, top or left (a jaw: the rail it cuts)
}

type predictOutput struct {
	Events   []predictEvent        `json:"events"`
	Final    map[string][2]float64 `json:"final"`
	Pocketed map[string]string     `json:"pocketed"`
	Duration float64               `json:"duration"`
}

// badInput marks an error in what the user gave us (exit status 2).
type badInput struct{ error }

func predictMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("predict", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "take the physics parameters and default table from this config file's [physics] section (default: built-in published values)")
	indent := fs.Bool("indent", false, "indent the JSON output")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: cuecast predict [-config FILE] [-indent] < shot.json > result.json")
		fmt.Fprintln(stderr, "Reads a table state and shot as JSON, simulates it to rest, prints the events and final state.")
		fmt.Fprintln(stderr, "Input and output formats: docs/physics.md. Exit status 2 on bad input, nothing on stdout.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	phys := config.Default().Physics
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			fmt.Fprintln(stderr, "cuecast predict:", err)
			return 2
		}
		phys = cfg.Physics
	}
	out, err := predict(stdin, phys)
	if err != nil {
		fmt.Fprintln(stderr, "cuecast predict:", err)
		var bad badInput
		if errors.As(err, &bad) {
			return 2
		}
		return 1
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if *indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(stderr, "cuecast predict: encoding the result:", err)
		return 1
	}
	if _, err := stdout.Write(buf.Bytes()); err != nil {
		fmt.Fprintln(stderr, "cuecast predict: writing the result:", err)
		return 1
	}
	return 0
}

func bad(format string, args ...any) error { return badInput{fmt.Errorf(format, args...)} }

// validID reports whether id is one of the contract's ball ids.
func validID(id string) bool {
	if id == "cue" {
		return true
	}
	n, err := strconv.Atoi(id)
	return err == nil && n >= 1 && n <= 15 && strconv.Itoa(n) == id
}

func predict(stdin io.Reader, phys config.Physics) (*predictOutput, error) {
	data, err := io.ReadAll(io.LimitReader(stdin, 1<<20+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if len(data) > 1<<20 {
		return nil, bad("input is larger than 1 MiB")
	}
	var in predictInput
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, bad("input is not the expected JSON: %v (see docs/physics.md for the format)", err)
	}
	if dec.More() {
		return nil, bad("input has more than one JSON value")
	}

	params, geom := physics.FromConfig(phys)
	if in.Table != nil {
		l, w := in.Table.Length, in.Table.Width
		if !(l >= 0.5 && l <= 5 && w >= 0.3 && w <= 3 && w <= l) {
			return nil, bad("table %vx%v m: length must be in [0.5, 5], width in [0.3, 3] and not longer than the length (x runs along the long rails)", l, w)
		}
		geom = physics.Table(model.Size{Length: l, Width: w}, phys.CornerMouth, phys.SideMouth)
	}
	sys, err := physics.NewSystem(params, geom)
	if err != nil {
		return nil, bad("%v", err)
	}
	if len(in.Balls) == 0 {
		return nil, bad("no balls: give at least one in \"balls\"")
	}
	if len(in.Balls) > 16 {
		return nil, bad("%d balls: a table holds at most 16 (cue, 1..15)", len(in.Balls))
	}
	for k, b := range in.Balls {
		if !validID(b.ID) {
			return nil, bad("balls[%d]: id %q is not \"cue\" or \"1\"..\"15\"", k, b.ID)
		}
		if b.X == nil || b.Y == nil {
			return nil, bad("ball %q: x and y are required", b.ID)
		}
		var v model.Vec2
		var w physics.Vec3
		if b.V != nil {
			if len(b.V) != 2 {
				return nil, bad("ball %q: v has %d components, want [vx, vy]", b.ID, len(b.V))
			}
			v = model.Vec2{X: b.V[0], Y: b.V[1]}
		}
		if b.W != nil {
			if len(b.W) != 3 {
				return nil, bad("ball %q: w has %d components, want [wx, wy, wz]", b.ID, len(b.W))
			}
			w = physics.Vec3{X: b.W[0], Y: b.W[1], Z: b.W[2]}
		}
		if _, err := sys.AddBall(b.ID, model.Vec2{X: *b.X, Y: *b.Y}, v, w); err != nil {
			return nil, bad("%v", err)
		}
	}
	if s := in.Shot; s != nil {
		ballID := s.Ball
		if ballID == "" {
			ballID = "cue"
		}
		if s.Speed == nil || s.HeadingDeg == nil {
			return nil, bad("shot: heading_deg and speed are required")
		}
		// A direction: 1e308 degrees overflowed to infinity in radians and
		// came out as NaN positions.
		if h := *s.HeadingDeg; !(h >= -360 && h <= 360) {
			return nil, bad("shot: heading_deg %v: want a direction in degrees from -360 to 360 (0 = +x, counter-clockwise)", h)
		}
		sh := physics.Shot{HeadingDeg: *s.HeadingDeg, Speed: *s.Speed, ElevationDeg: s.ElevationDeg}
		if s.Tip != nil {
			sh.TipSide, sh.TipVertical = s.Tip.Side, s.Tip.Vertical
			if math.Abs(sh.TipSide) > 1 || math.Abs(sh.TipVertical) > 1 {
				return nil, bad("shot: tip offsets are fractions of the radius in [-1, 1], got side %v vertical %v", sh.TipSide, sh.TipVertical)
			}
		}
		if err := sys.Strike(ballID, sh); err != nil {
			return nil, bad("%v", err)
		}
	}
	res, err := sys.Simulate()
	if err != nil {
		return nil, fmt.Errorf("%w (%d events simulated; raise physics.max_events if this shot is real)", err, len(res.Events))
	}
	out := render(res, geom)
	if !out.finite() {
		// Never print a NaN: it is not JSON, and not a prediction.
		return nil, errors.New("the simulation produced a value that is not a finite number; please report this input")
	}
	return out, nil
}

// finite reports whether every number in o is finite.
func (o *predictOutput) finite() bool {
	ok := func(xs ...float64) bool {
		for _, x := range xs {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
		}
		return true
	}
	if !ok(o.Duration) {
		return false
	}
	for _, e := range o.Events {
		if !ok(e.T) {
			return false
		}
		for _, m := range []map[string][2]float64{e.Pos, e.VelAfter} {
			for _, v := range m {
				if !ok(v[0], v[1]) {
					return false
				}
			}
		}
	}
	for _, v := range o.Final {
		if !ok(v[0], v[1]) {
			return false
		}
	}
	return true
}

func render(res *physics.Result, geom model.TableGeometry) *predictOutput {
	xy := func(v model.Vec2) [2]float64 { return [2]float64{v.X, v.Y} }
	out := &predictOutput{Events: []predictEvent{}, Final: map[string][2]float64{}, Pocketed: map[string]string{}, Duration: res.End}
	for _, e := range res.Events {
		pe := predictEvent{T: e.T, Type: e.Name(), Pos: map[string][2]float64{}, VelAfter: map[string][2]float64{}}
		ids := [2]int{e.A, e.B}
		for k, i := range ids {
			if i < 0 {
				continue
			}
			id := res.IDs[i]
			pe.Balls = append(pe.Balls, id)
			pe.Pos[id] = xy(e.Pos[k])
			pe.VelAfter[id] = xy(e.VelAfter[k])
		}
		if e.Type == physics.EvBallPocket {
			pe.Pocket = geom.Pockets[e.Pocket].Name
		}
		if e.Type == physics.EvBallCushion && e.Jaw >= 0 {
			pe.Jaw = geom.Pockets[e.Jaw].Name
		}
		pe.Rail = e.Rail
		out.Events = append(out.Events, pe)
	}
	for _, st := range res.Final(nil) {
		if st.Pocket != "" {
			out.Pocketed[st.ID] = st.Pocket
		} else {
			out.Final[st.ID] = xy(st.Pos)
		}
	}
	return out
}
