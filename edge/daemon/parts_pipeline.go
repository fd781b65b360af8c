package daemon

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"

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

// pipelinePart is the frame loop: source -> detector -> tracker ->
// predictor -> hub. It is rebuilt when the source, vision, physics or box
// settings change. Its health handles are the watchdog's Loop and the
// source, a Child of it.
type pipelinePart struct {
	runner

	mu       sync.Mutex         // guards the running loop's pieces below
	pipeline *pipeline.Pipeline // stats for STATUS and the API
	detector *vision.Detector   // calibration updates
	shown    model.Frame        // undistorted frame for video; loop goroutine only
}

func pipelineChanged(old, cur config.Config) bool {
	return !reflect.DeepEqual(old.Source, cur.Source) || !reflect.DeepEqual(old.Vision, cur.Vision) ||
		!reflect.DeepEqual(old.Physics, cur.Physics) || old.Box != cur.Box
}

// running returns the running loop and detector (nil, nil when stopped).
func (p *pipelinePart) running() (*pipeline.Pipeline, *vision.Detector) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pipeline, p.detector
}

func (p *pipelinePart) set(pl *pipeline.Pipeline, det *vision.Detector) {
	p.mu.Lock()
	p.pipeline, p.detector = pl, det
	p.mu.Unlock()
}

// openSource opens the configured frame source. A camera opens lazily and
// retries while absent (vision.Reconnecting), reporting through the source
// handle: its waiting is progress of the loop it runs in.
func (d *Daemon) openSource(cfg config.Config) (model.Source, error) {
	if dev, ok := strings.CutPrefix(cfg.Source.Kind, "camera:"); ok && d.openCamera != nil {
		return vision.NewReconnecting(cfg.Source.Kind, func() (model.Source, error) { return d.openCamera(dev) },
			cfg.Vision.CameraReconnectMin.D(), cfg.Vision.CameraReconnectMax.D(),
			d.health.source, d.alerts.raise, d.log.With("component", "source")), nil
	}
	if cfg.Source.Kind != "sim" {
		return vision.Open(cfg.Source, cfg.Vision, vision.SourceOptions{
			Reporter: d.health.source,
			Alert:    d.alerts.raise,
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

// buildPipeline builds the frame loop for cfg and runs it.
func (d *Daemon) buildPipeline(ctx context.Context, cfg config.Config) (func(context.Context), error) {
	src, err := d.openSource(cfg)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", cfg.Source.Kind, err)
	}
	stages, err := d.newStages(cfg)
	if err != nil {
		src.Close()
		return nil, err
	}
	p, err := pipeline.New(pipeline.Options{
		Source:       src,
		Detector:     stages.detector,
		Tracker:      stages.tracker,
		Predictor:    stages.predictor,
		Sink:         &hubSink{hub: d.hub, log: d.log, first: d.onFirstFrame, frame: d.offerFrame},
		Report:       d.health.loop,
		SourceReport: d.health.source,
		Log:          d.log.With("component", "pipeline"),
		TargetFPS:    cfg.Source.TargetFPS,
		Alert: func(level, code, msg string) {
			d.alerts.raise(model.Alert{Level: level, Code: code, Message: msg, Source: "vision"})
		},
	})
	if err != nil {
		src.Close()
		stages.close()
		return nil, err
	}
	d.pipe.set(p, stages.det)
	stop := goPart(ctx, "vision", d.log, func(ctx context.Context) {
		defer stages.close()
		defer src.Close()
		if err := p.Run(ctx); err != nil {
			d.fail(fmt.Errorf("frame loop: %w", err))
		}
	}, nil)
	return func(ctx context.Context) {
		stop(ctx)
		d.pipe.set(nil, nil)
	}, nil
}
