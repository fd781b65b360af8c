package physics

import (
	"log/slog"
	"math"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// Aiming is the daemon's trajectory source: it satisfies the frame loop's
// predictor interface (edge/pipeline.Predictor) and turns each table state
// with a detected cue aim into a predicted shot, at the configured speed and
// tip offset (the camera measures neither before the stroke). It belongs to
// the frame loop's goroutine and allocates nothing per frame once warm.
type Aiming struct {
	pred              *Predictor
	speed, side, vert float64
	log               *slog.Logger
	lastErr           string // the last failure logged, so a bad layout logs once
}

// NewAiming builds the predictor for a [physics] section.
func NewAiming(c config.Physics, log *slog.Logger) (*Aiming, error) {
	p, g := FromConfig(c)
	pred, err := NewPredictor(p, g)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Aiming{pred: pred, speed: c.PredictSpeed, side: c.PredictTipSide, vert: c.PredictTipVertical, log: log}, nil
}

// Predict fills dst for st and reports whether there is a trajectory to
// publish: only when a cue aim is detected and no ball is moving (a shot
// in progress is tracked, not predicted). dst.Seq is st.Seq.
func (a *Aiming) Predict(st *model.State, dst *model.Trajectory) bool {
	if st == nil || st.Cue == nil || st.Phase == "shot" {
		return false
	}
	if st.Cue.TipPos != nil && !atCueBall(st.Balls, st.Cue) {
		return false // a stick (or an arm read as one) not addressing the cue ball
	}
	for k := range st.Balls {
		if st.Balls[k].Moving {
			return false
		}
	}
	if err := a.pred.Predict(st.Balls, *st.Cue, a.speed, a.side, a.vert, dst); err != nil {
		if msg := err.Error(); msg != a.lastErr {
			a.lastErr = msg
			a.log.Warn("shot prediction failed", "seq", st.Seq, "err", err)
		}
		return false
	}
	a.lastErr = ""
	dst.Seq = st.Seq
	return true
}

// A stroke is predicted only while the stick addresses the cue ball: its
// line passes within aimMaxOffset of the ball's centre (english moves the
// tip up to half a radius off centre; vision's heading is good to about a
// degree) and the tip is behind the ball by at most aimMaxReach (a full
// back swing). Anything else on the table read as a stick (an arm reaching
// over it, a rest, a stick being carried) draws no line on the cloth.
const (
	aimMaxOffset = 1.5 * model.BallRadius
	aimMaxReach  = 0.45
)

func atCueBall(balls []model.Ball, c *model.CueAim) bool {
	for k := range balls {
		if balls[k].ID != "cue" {
			continue
		}
		ux, uy := math.Cos(c.HeadingDeg*math.Pi/180), math.Sin(c.HeadingDeg*math.Pi/180)
		dx, dy := balls[k].Pos.X-c.TipPos.X, balls[k].Pos.Y-c.TipPos.Y
		along := dx*ux + dy*uy
		across := math.Abs(dx*uy - dy*ux)
		return along > 0 && along < aimMaxReach && across < aimMaxOffset
	}
	return false
}
