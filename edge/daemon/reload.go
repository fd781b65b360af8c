package daemon

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// Reload is SIGHUP: RELOADING=1, read and validate the file, apply
// it as a whole or keep the old config running and raise an alert; READY=1
// after either way.
func (d *Daemon) Reload(ctx context.Context) {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	d.sup.Reloading()
	defer d.sup.Reloaded()
	d.log.Info("reloading", "component", "config", "file", d.path)
	cfg, _, err := LoadConfig(d.path, true, d.ov)
	if err == nil {
		err = d.apply(cfg)
	}
	if err != nil {
		d.log.Error("reload refused; the old config keeps running", "component", "config", "file", d.path, "err", err)
		d.alert(model.AlertError, "config_reload_failed", "config reload refused, old config still running: "+err.Error(), "config")
		return
	}
	d.log.Info("reloaded", "component", "config", "file", d.path)
}

// apply swaps in cfg. The only step that can fail (binding a new listen
// address) runs first, before anything changes; after it the parts whose
// section changed are restarted with the new values.
func (d *Daemon) apply(cfg config.Config) error {
	d.mu.Lock()
	old := d.cfg
	d.mu.Unlock()

	var oldWeb *webServer
	if cfg.HTTP.Listen != old.HTTP.Listen {
		web, err := listen(cfg.HTTP.Listen, d.mux, d.log)
		if err != nil {
			return err
		}
		d.mu.Lock()
		oldWeb, d.web = d.web, web
		d.mu.Unlock()
	}

	d.mu.Lock()
	d.cfg = cfg
	d.mu.Unlock()
	d.level.Set(ParseLevel(cfg.Log.Level))
	d.configureLive(cfg)

	if oldWeb != nil {
		// Existing WebSocket clients stay on their connections; only the
		// listening socket moves. Requests in flight get a minute to finish
		// (MJPEG viewers reconnect to the new address), then are cut.
		d.goBackground(func() {
			ctx, cancel := context.WithTimeout(d.bgCtx, time.Minute)
			defer cancel()
			oldWeb.shutdown(ctx, nil)
		})
	}
	if !reflect.DeepEqual(old.Source, cfg.Source) || !reflect.DeepEqual(old.Vision, cfg.Vision) || !reflect.DeepEqual(old.Physics, cfg.Physics) || old.Box != cfg.Box {
		if err := d.restartPipeline(cfg); err != nil {
			// The config itself was valid; the source failing to open is a
			// runtime condition the pipeline reports and retries.
			d.log.Error("pipeline restart", "component", "vision", "err", err)
		}
	}
	for _, name := range consumerNames {
		if consumerChanged(name, old, cfg) {
			d.restartPart(name, cfg)
		}
	}
	d.publishConfig()
	d.alert(model.AlertInfo, "config_applied", "configuration applied", "config")
	return nil
}

// Current returns the running config (for the REST API).
func (d *Daemon) Current() config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

// Apply validates a whole TOML document and, unless validateOnly, writes it
// atomically to the config file and applies it exactly like SIGHUP. On any
// error nothing is written and nothing changes.
func (d *Daemon) Apply(ctx context.Context, doc []byte, validateOnly bool) error {
	cfg, err := config.Parse(d.path, doc)
	if err != nil {
		return err
	}
	d.ov.Apply(&cfg)
	if err := cfg.Validate(); err != nil {
		return err
	}
	if validateOnly {
		return nil
	}
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	d.sup.Reloading()
	defer d.sup.Reloaded()
	if err := writeAtomic(d.path, doc); err != nil {
		return err
	}
	d.log.Info("config written", "component", "config", "file", d.path)
	return d.apply(cfg)
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

// writeAtomic replaces path with data: temp file in the same directory,
// fsync, rename, fsync the directory. A crash leaves the old or the new file,
// never half of one.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("config: create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".cuecast-*.toml")
	if err != nil {
		return fmt.Errorf("config: write %s: %w (is the directory writable by cuecastd? ReadWritePaths=/etc/cuecast)", dir, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o640)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("config: write %s: %w", path, err)
	}
	if df, err := os.Open(dir); err == nil {
		df.Sync()
		df.Close()
	}
	return nil
}
