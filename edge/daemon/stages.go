package daemon

import (
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/core"
	"github.com/cuecast/cuecast/edge/physics"
	"github.com/cuecast/cuecast/edge/pipeline"
	"github.com/cuecast/cuecast/edge/vision"
)

// stages are the frame loop's detector, tracker and predictor, built for one
// config and closed together when the loop stops.
type stages struct {
	det       *vision.Detector // the same as detector, for calibration updates
	detector  pipeline.Detector
	tracker   pipeline.Tracker
	predictor pipeline.Predictor
	closers   []func()
}

func (s *stages) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// newStages builds the vision detector, the tracker and the shot predictor
// for cfg. The detector holds OpenCV memory: it is closed with the loop.
func (d *Daemon) newStages(cfg config.Config) (*stages, error) {
	_, table := physics.FromConfig(cfg.Physics)
	cal := d.calibrations.Get()
	det, err := vision.NewDetector(cfg.Vision, vision.DetectorOptions{
		Table:       table,
		Calibration: &cal,
		Venue:       d.venues.Get(),
		Log:         d.log.With("component", "vision"),
	})
	if err != nil {
		return nil, err
	}
	s := &stages{det: det, detector: det, closers: []func(){func() { det.Close() }}}
	to := core.DefaultOptions()
	to.Table = table
	if cfg.Source.FPS > 0 {
		to.FrameInterval = time.Duration(float64(time.Second) / cfg.Source.FPS)
	}
	s.tracker = core.NewTracker(to)
	aim, err := physics.NewAiming(cfg.Physics, d.log.With("component", "physics"))
	if err != nil {
		s.close()
		return nil, err
	}
	s.predictor = aim
	return s, nil
}
