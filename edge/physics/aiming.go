package physics

import (
	"log/slog"

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
