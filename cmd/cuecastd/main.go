// Command cuecastd is the pool-table vision daemon: one process from camera
// frames to the projector, the table displays and the MQTT broker, supervised
// by systemd's watchdog. This package only wires: flags, config, signals, and
// the order things start and stop in. Every part lives in its own package.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/supervise"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

// overrides are the command-line flags that win over the config file, on
// start and on every reload.
type overrides struct {
	listen, source, mqtt, stateDir string
}

func (o overrides) apply(c *config.Config) {
	if o.listen != "" {
		c.HTTP.Listen = o.listen
	}
	if o.source != "" {
		c.Source.Kind = o.source
	}
	if o.mqtt != "" {
		c.MQTT.URL = o.mqtt
	}
	if o.stateDir != "" {
		c.Box.StateDir = o.stateDir
	}
}

func main() { os.Exit(run()) }

func run() int {
	var (
		cfgPath = flag.String("config", "", "config file (default "+config.DefaultPath+" when it exists, else built-in defaults)")
		ov      overrides
		showV   = flag.Bool("version", false, "print the version and exit")
	)
	flag.StringVar(&ov.listen, "listen", "", "HTTP listen address, e.g. :8080 (overrides http.listen)")
	flag.StringVar(&ov.source, "source", "", "frame source: sim | file:PATH | image:PATH | camera:/dev/videoN (overrides source.kind)")
	flag.StringVar(&ov.mqtt, "mqtt", "", "MQTT broker URL (tcp://host:1883, ssl://host:8883) or off (overrides mqtt.url)")
	flag.StringVar(&ov.stateDir, "state-dir", "", "state directory (overrides box.state_dir)")
	flag.Parse()
	if *showV {
		fmt.Println("cuecastd", version)
		return 0
	}
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "cuecastd: unexpected arguments %q\n", flag.Args())
		return 2
	}

	path, explicit := *cfgPath, *cfgPath != ""
	if !explicit {
		path = config.DefaultPath
	}
	cfg, fromFile, err := loadConfig(path, explicit, ov)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecastd:", err)
		return 2
	}

	level := new(slog.LevelVar)
	level.Set(parseLevel(cfg.Log.Level))
	log := supervise.NewLogger(os.Stderr, level)
	slog.SetDefault(log)
	if fromFile {
		log.Info("config loaded", "component", "config", "file", path)
	} else {
		log.Info("no config file; running on built-in defaults", "component", "config", "file", path)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	d, err := newDaemon(cfg, path, ov, level, log)
	if err != nil {
		log.Error("start failed", "component", "daemon", "err", err)
		return 1
	}
	if err := d.start(ctx); err != nil {
		log.Error("start failed", "component", "daemon", "err", err)
		d.shutdown(10 * time.Second)
		return 1
	}
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping", "component", "daemon", "reason", "signal")
			d.shutdown(10 * time.Second)
			return 0
		case <-hup:
			d.reloadFromFile(ctx)
		case err := <-d.fatal:
			log.Error("fatal", "component", "daemon", "err", err)
			d.sup.Trigger(err.Error())
			d.shutdown(10 * time.Second)
			return 1
		}
	}
}

// loadConfig reads path over the defaults and applies the flag overrides.
// An absent default path means built-in defaults; an absent explicit path is
// an error.
func loadConfig(path string, explicit bool, ov overrides) (cfg config.Config, fromFile bool, err error) {
	cfg, err = config.Load(path)
	switch {
	case err == nil:
		fromFile = true
	case !explicit && errors.Is(err, fs.ErrNotExist):
		cfg, err = config.Default(), nil
	default:
		return cfg, false, err
	}
	ov.apply(&cfg)
	if err := cfg.Validate(); err != nil {
		return cfg, fromFile, fmt.Errorf("command-line flags: %w", err)
	}
	return cfg, fromFile, nil
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}
