package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
	"github.com/cuecast/cuecast/edge/recorder"
	"github.com/cuecast/cuecast/edge/store"
)

// openHistory opens the history database and builds the recorder (started
// by Start). A database that cannot be used never keeps the box dark: a
// damaged file is moved aside (kept for a technician) and an empty one
// started; any other failure leaves history off, alerted and shown in
// /api/v1/health. history.* is read at start only.
func (d *Daemon) openHistory() {
	all := d.Current()
	cfg := all.History
	comp := d.health.history
	if !cfg.Enabled {
		comp.Disable("history.enabled = false")
		return
	}
	path := cfg.DBPath(all.Box)
	opts := store.Options{
		Path: path, MaxBytes: cfg.MaxBytes, QueueSize: cfg.Queue, SessionIdle: cfg.SessionIdle.D(),
		Log: d.log.With("component", "history"),
		OnDrop: func(n uint64) {
			// The recorder alerts (rate limited) from the write's callback;
			// this only keeps the count visible in STATUS.
			comp.OK(fmt.Sprintf("%d shots dropped (database too slow)", n))
		},
	}
	st, err := store.Open(opts)
	if errors.Is(err, store.ErrDamaged) {
		aside := fmt.Sprintf("%s.damaged-%s", path, time.Now().UTC().Format("20060102T150405"))
		d.log.Error("history database damaged; moved aside, starting an empty one", "component", "history", "path", path, "moved_to", aside, "err", err)
		d.alert(model.AlertError, "history_damaged", fmt.Sprintf("The shot history database was damaged and has been moved to %s; history starts empty.", aside), "history")
		os.Rename(path, aside)
		os.Rename(path+"-wal", aside+"-wal")
		os.Remove(path + "-shm")
		st, err = store.Open(opts)
	}
	if err != nil {
		comp.Fail(err)
		d.alert(model.AlertError, "history_unavailable", "Shot history is off: "+err.Error(), "history")
		return
	}
	_, table := physics.FromConfig(all.Physics)
	d.history = st
	d.recorder = recorder.New(recorder.Options{
		Hub: d.hub, Store: st, Table: table, Log: d.log.With("component", "history"),
		Snapshot: func(ctx context.Context, maxAge time.Duration) ([]byte, error) { return d.video.Snapshot(ctx, maxAge) },
		Alert:    func(level, code, msg string) { d.alert(level, code, msg, "history") },
	})
	comp.OK(path)
}

// historyDeps are the API's history dependencies (nil when history is off:
// its endpoints then answer 503).
func (d *Daemon) historyDeps(deps *api.Deps) {
	if d.history == nil {
		return
	}
	deps.History = d.history
	deps.Drills = recorder.DrillAPI{R: d.recorder, Store: d.history}
}

// historyPart runs the recorder (started before the frame loop, so the
// first shot is kept) and, at shutdown (after the frame loop and HTTP
// stopped), stops it, then writes what the store has queued and closes it.
// history.* is read at start only: a reload changes nothing here.
type historyPart struct {
	d    *Daemon
	once sync.Once
}

func (h *historyPart) start(context.Context, config.Config) error {
	if h.d.recorder != nil {
		h.d.recorder.Start()
	}
	return nil
}

func (*historyPart) reload(context.Context, config.Config, config.Config) {}

func (h *historyPart) shutdown(context.Context) {
	h.once.Do(func() {
		if h.d.recorder != nil {
			h.d.recorder.Close()
		}
		if h.d.history != nil {
			if err := h.d.history.Close(); err != nil {
				h.d.log.Warn("history close", "component", "history", "err", err)
			}
		}
	})
}

// registerHistoryMetrics puts the store's counters on /metrics.
func (d *Daemon) registerHistoryMetrics(reg *prometheus.Registry) {
	if d.history == nil {
		return
	}
	m := func() store.Metrics { return d.history.Metrics() }
	counter := func(name, help string, labels prometheus.Labels, v func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cuecast_" + name, Help: help, ConstLabels: labels},
			func() float64 { return float64(v()) })
	}
	gauge := func(name, help string, v func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cuecast_" + name, Help: help}, v)
	}
	reg.MustRegister(
		counter("history_writes_total", "History writes by result.", prometheus.Labels{"result": "written"}, func() uint64 { return m().Written }),
		counter("history_writes_total", "History writes by result.", prometheus.Labels{"result": "dropped"}, func() uint64 { return m().Dropped }),
		counter("history_writes_total", "History writes by result.", prometheus.Labels{"result": "failed"}, func() uint64 { return m().Failed }),
		counter("history_pruned_total", "Shots and pictures pruned to keep history.max_bytes.", prometheus.Labels{"what": "shots"}, func() uint64 { return m().PrunedShots }),
		counter("history_pruned_total", "Shots and pictures pruned to keep history.max_bytes.", prometheus.Labels{"what": "pictures"}, func() uint64 { return m().PrunedImages }),
		gauge("history_bytes", "Bytes the history database uses.", func() float64 { return float64(m().Bytes) }),
		gauge("history_queue", "History writes waiting for the database.", func() float64 { return float64(m().Queued) }),
	)
}
