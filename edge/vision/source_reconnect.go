package vision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// Reporter is what a component tells the supervisor (supervise.Reporter
// satisfies it).
type Reporter interface {
	Progress()
	OK(detail string)
	Fail(err error)
}

// Reconnecting keeps a source alive: while the underlying device is absent
// or lost it retries Open with exponential backoff (min, 2min, ... max),
// reports Fail once per outage and OK when frames flow again, and raises an
// alert on loss and on recovery. Read does not return during an outage
// (the daemon keeps serving everything else); it calls Progress while
// waiting, because a missing camera is a reported degradation, not a wedged
// loop the watchdog should restart the daemon for.
type Reconnecting struct {
	name  string
	open  func() (model.Source, error)
	min   time.Duration
	max   time.Duration
	rep   Reporter
	alert func(model.Alert)
	log   *slog.Logger

	src     model.Source // nil while disconnected
	backoff time.Duration
	down    bool // an outage is in progress (Fail and the alert were sent)
	tries   int
}

// NewReconnecting wraps open. alert may be nil; rep and log may be nil.
func NewReconnecting(name string, open func() (model.Source, error), min, max time.Duration, rep Reporter, alert func(model.Alert), log *slog.Logger) *Reconnecting {
	if min <= 0 {
		min = 500 * time.Millisecond
	}
	if max < min {
		max = min
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Reconnecting{name: name, open: open, min: min, max: max, rep: rep, alert: alert, log: log}
}

// Name implements model.Source.
func (r *Reconnecting) Name() string { return r.name }

// Connected reports whether the underlying source is open.
func (r *Reconnecting) Connected() bool { return r.src != nil }

// Read implements model.Source. It returns only a frame, ctx.Err(), or an
// error that is not a loss (io.EOF of a finite source, a bad frame).
func (r *Reconnecting) Read(ctx context.Context, f *model.Frame) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if r.src == nil {
			if r.tries > 0 {
				if err := r.sleep(ctx, r.backoff); err != nil {
					return err
				}
			}
			r.tries++
			src, err := r.open()
			if err != nil {
				r.lost(err)
				continue
			}
			r.src = src
			r.log.Info("source connected", "source", r.name, "attempts", r.tries)
		}
		err := r.src.Read(ctx, f)
		switch {
		case err == nil:
			if r.down || r.tries > 0 {
				r.restored()
			}
			return nil
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, model.ErrSourceLost):
			r.src.Close()
			r.src = nil
			r.lost(err)
		default:
			return err
		}
	}
}

func (r *Reconnecting) lost(err error) {
	if r.backoff == 0 {
		r.backoff = r.min
	} else if r.backoff *= 2; r.backoff > r.max {
		r.backoff = r.max
	}
	if r.tries == 0 {
		r.tries = 1 // the first reopen after a loss waits min too
	}
	r.log.Warn("source lost, retrying", "source", r.name, "err", err, "retry_in", r.backoff)
	if r.down {
		return
	}
	r.down = true
	if r.rep != nil {
		r.rep.Fail(fmt.Errorf("%w; retrying with backoff up to %s", err, r.max))
	}
	if r.alert != nil {
		r.alert(model.Alert{Level: model.AlertError, Code: "camera_lost", Source: "vision",
			Message: fmt.Sprintf("%s: %v; retrying", r.name, err), Time: time.Now()})
	}
}

func (r *Reconnecting) restored() {
	wasDown := r.down
	r.down, r.tries, r.backoff = false, 0, 0
	if r.rep != nil {
		r.rep.OK(r.name + " streaming")
	}
	if wasDown && r.alert != nil {
		r.alert(model.Alert{Level: model.AlertInfo, Code: "camera_restored", Source: "vision",
			Message: r.name + " is streaming again", Time: time.Now()})
	}
}

// progressEvery is how often a waiting Reconnecting reports progress: well
// under half of any watchdog interval a unit would set (the pings go out
// at half of it, and only after progress).
const progressEvery = 250 * time.Millisecond

// sleep waits d, calling Progress every progressEvery so the watchdog sees
// a live loop during an outage.
func (r *Reconnecting) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	if r.rep != nil {
		r.rep.Progress()
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return nil
		case <-tick.C:
			if r.rep != nil {
				r.rep.Progress()
			}
		}
	}
}

// Close closes the underlying source if connected. Safe to call twice.
func (r *Reconnecting) Close() error {
	if r.src == nil {
		return nil
	}
	err := r.src.Close()
	r.src = nil
	return err
}
