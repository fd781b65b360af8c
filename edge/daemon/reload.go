package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cuecast/cuecast/edge/atomicfile"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// Reload is SIGHUP: RELOADING=1, read and validate the file, apply it as a
// whole or keep the old config running and raise an alert; READY=1 after
// either way.
func (d *Daemon) Reload(ctx context.Context) {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	d.sup.Reloading()
	defer d.sup.Reloaded()
	d.log.Info("reloading", "component", "config", "file", d.path)
	cfg, _, err := LoadConfig(d.path, true, d.ov)
	if err == nil {
		err = d.apply(ctx, cfg, nil)
	}
	if err != nil {
		d.log.Error("reload refused; the old config keeps running", "component", "config", "file", d.path, "err", err)
		d.alert(model.AlertError, "config_reload_failed", "config reload refused, old config still running: "+err.Error(), "config")
		return
	}
	d.log.Info("reloaded", "component", "config", "file", d.path)
}

// apply swaps in cfg as a whole or not at all. The steps that can fail run
// before anything changes: the state paths are checked, the new listen
// address (if it changed) is bound, and then write (the REST API's: the
// file) runs; a failure in any of them undoes the others and leaves the
// running config and the file as they were. After that every part applies
// its own section (part.reload).
func (d *Daemon) apply(ctx context.Context, cfg config.Config, write func() error) error {
	old := d.Current()
	if err := checkStatePaths(d.path, cfg); err != nil {
		return err
	}
	commit, abort, err := d.web.prepare(old, cfg)
	if err != nil {
		return err
	}
	if write != nil {
		if err := write(); err != nil {
			abort()
			return err
		}
	}
	commit()
	d.mu.Lock()
	d.cfg = cfg
	d.mu.Unlock()
	d.level.Set(ParseLevel(cfg.Log.Level))
	for _, p := range d.startOrder {
		p.reload(ctx, old, cfg)
	}
	d.publishConfig()
	d.alert(model.AlertInfo, "config_applied", "configuration applied", "config")
	return nil
}

// Apply validates a whole TOML document and, unless validateOnly, applies
// it exactly like SIGHUP and writes it to the config file. The file is
// written only once the new config has been accepted (its listen address
// bound) and before it replaces the running one: a refused config leaves
// the file byte-identical, and a failed write leaves the old config
// running. On any error nothing changes.
func (d *Daemon) Apply(ctx context.Context, doc []byte, validateOnly bool) error {
	cfg, err := config.Parse(d.path, doc)
	if err != nil {
		return err
	}
	d.ov.Apply(&cfg)
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := checkStatePaths(d.path, cfg); err != nil {
		return err
	}
	if validateOnly {
		return nil
	}
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	d.sup.Reloading()
	defer d.sup.Reloaded()
	return d.apply(ctx, cfg, func() error {
		// A box running on built-in defaults may have no config directory.
		if err := os.MkdirAll(filepath.Dir(d.path), 0o750); err != nil {
			return fmt.Errorf("config: %w", err)
		}
		if err := atomicfile.Write(d.path, doc, 0o640); err != nil {
			return fmt.Errorf("config: %w (is the directory writable by cuecastd? ReadWritePaths=/etc/cuecast)", err)
		}
		d.log.Info("config written", "component", "config", "file", d.path)
		return nil
	})
}

// Reset writes a config with only the box identity kept (site, table, state
// directory: resetting must not orphan the box from its dashboards) and
// applies it.
func (d *Daemon) Reset(ctx context.Context) error {
	cur := d.Current()
	doc := fmt.Appendf(nil, "# reset to defaults by the REST API; identity kept\n[box]\nsite = %q\ntable = %q\nstate_dir = %q\n",
		cur.Box.Site, cur.Box.Table, cur.Box.StateDir)
	return d.Apply(ctx, doc, false)
}
