package daemon

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
	"github.com/cuecast/cuecast/edge/pipeline"
	"github.com/cuecast/cuecast/edge/sim"
	"github.com/cuecast/cuecast/edge/vision"
)

// The watchdog test hook: CUECAST_SIM_STALL_AFTER=N (sim.StallAfterEnv)
// makes the simulator wedge after N frames, as a hung camera driver would.
// It only affects the simulator, never a real camera.

// openSource opens the configured frame source.
func (d *Daemon) openSource(cfg config.Config) (model.Source, error) {
	if cfg.Source.Kind != "sim" {
		return vision.Open(cfg.Source, cfg.Vision, vision.SourceOptions{
			Reporter: d.sup.Component("source"),
			Alert:    func(a model.Alert) { d.hub.RaiseAlert(a) },
			Log:      d.log.With("component", "source"),
		})
	}
	_, geo := physics.FromConfig(cfg.Physics)
	o := sim.OptionsFromConfig(cfg.Source, model.Size{Length: geo.Length, Width: geo.Width})
	n, err := sim.ParseStallAfter(os.Getenv(sim.StallAfterEnv))
	if err != nil {
		return nil, err
	}
	if n > 0 {
		o.StallAfter = n
		d.log.Warn("test hook: the simulator will stall", "component", "source", "after_frames", n)
	}
	return sim.Open(o)
}

// startPipeline builds the frame loop for cfg and runs it as the "vision"
// part (the watchdog's gate).
func (d *Daemon) startPipeline(cfg config.Config) error {
	src, err := d.openSource(cfg)
	if err != nil {
		return fmt.Errorf("source %s: %w", cfg.Source.Kind, err)
	}
	stages, err := d.newStages(cfg)
	if err != nil {
		src.Close()
		return err
	}
	p, err := pipeline.New(pipeline.Options{
		Source:       src,
		Detector:     stages.detector,
		Tracker:      stages.tracker,
		Predictor:    stages.predictor,
		Sink:         &hubSink{hub: d.hub, log: d.log, first: d.onFirstFrame, frame: d.offerFrame},
		Report:       d.sup.Component("vision"),
		SourceReport: d.sup.Component("source"),
		Log:          d.log.With("component", "pipeline"),
		TargetFPS:    cfg.Source.TargetFPS,
		Alert: func(level, code, msg string) {
			d.alert(level, code, msg, "vision")
		},
	})
	if err != nil {
		src.Close()
		stages.close()
		return err
	}
	part := d.runPart("vision", func(ctx context.Context) {
		defer stages.close()
		defer src.Close()
		if err := p.Run(ctx); err != nil {
			d.fail(fmt.Errorf("frame loop: %w", err))
		}
	}, nil)
	d.mu.Lock()
	d.pipe, d.pipeline = part, p
	d.mu.Unlock()
	return nil
}

// restartPipeline replaces the running loop (source, vision or physics
// settings changed).
func (d *Daemon) restartPipeline(cfg config.Config) error {
	d.mu.Lock()
	old := d.pipe
	d.pipe = nil
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	old.stop(ctx)
	cancel()
	return d.startPipeline(cfg)
}

// fail hands a fatal error to main without blocking.
func (d *Daemon) fail(err error) {
	select {
	case d.fatal <- err:
	default:
	}
}
