package daemon

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/config"
)

// part is one long-lived piece of the daemon with one lifecycle. A new part
// (the game referee, the history store) implements it, gets its health
// handle in newHandles, and is added to startOrder and stopOrder in New.
type part interface {
	// start brings the part up with cfg. A part that cannot do its job
	// yet (no broker, no camera) reports through its health handle and
	// keeps trying; an error stops the daemon's start.
	start(ctx context.Context, cfg config.Config) error
	// reload applies cur, a valid config every part accepted (old is what
	// ran). The part decides what its section's change means: nothing,
	// a live update, or a restart of itself.
	reload(ctx context.Context, old, cur config.Config)
	// shutdown stops the part and waits for its goroutines until ctx
	// ends. Safe twice, and on a part that never started.
	shutdown(ctx context.Context)
}

// restartTimeout bounds stopping a part that a reload restarts.
const restartTimeout = 5 * time.Second

// runner is a part rebuilt whole when its section changes: build starts it
// for a config and returns the function that stops it (nil when there is
// nothing running, e.g. disabled by config).
type runner struct {
	name    string
	log     *slog.Logger
	build   func(ctx context.Context, cfg config.Config) (stop func(context.Context), err error)
	changed func(old, cur config.Config) bool

	mu   sync.Mutex // guards ctx and stop
	ctx  context.Context
	stop func(context.Context)
}

func (r *runner) start(ctx context.Context, cfg config.Config) error {
	r.mu.Lock()
	r.ctx = ctx
	r.mu.Unlock()
	stop, err := r.build(ctx, cfg)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.stop = stop
	r.mu.Unlock()
	return nil
}

func (r *runner) reload(_ context.Context, old, cur config.Config) {
	if !r.changed(old, cur) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), restartTimeout)
	r.shutdown(ctx)
	cancel()
	r.mu.Lock()
	root := r.ctx
	r.mu.Unlock()
	if root == nil {
		return // never started
	}
	stop, err := r.build(root, cur)
	if err != nil {
		// The config itself was valid; a part failing to come up is a
		// runtime condition it reports through its health handle.
		r.log.Error("restart after reload failed", "component", r.name, "err", err)
		return
	}
	r.mu.Lock()
	r.stop = stop
	r.mu.Unlock()
}

func (r *runner) shutdown(ctx context.Context) {
	r.mu.Lock()
	stop := r.stop
	r.stop = nil
	r.mu.Unlock()
	if stop != nil {
		stop(ctx)
	}
}

// goPart runs run in its own goroutine under a child of ctx and returns the
// function that stops it: closeFn (an orderly goodbye, may be nil), then
// cancel, then wait for run to return until the stop's ctx ends.
func goPart(ctx context.Context, name string, log *slog.Logger, run func(ctx context.Context), closeFn func(ctx context.Context)) func(context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(ctx)
	}()
	return func(sctx context.Context) {
		if closeFn != nil {
			closeFn(sctx)
		}
		cancel()
		select {
		case <-done:
		case <-sctx.Done():
			log.Warn("part did not stop in time", "component", name)
		}
	}
}
