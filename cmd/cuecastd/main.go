// Command cuecastd is the pool-table vision daemon: one process from camera
// frames to the projector, the table displays and the MQTT broker, supervised
// by systemd's watchdog. This package keeps flags, the first config load and
// signals; the daemon's assembly (parts, their order, reload) is edge/daemon.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/daemon"
	"github.com/cuecast/cuecast/edge/supervise"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

func main() { os.Exit(run()) }

func run() int {
	var (
		cfgPath = flag.String("config", "", "config file (default "+config.DefaultPath+" when it exists, else built-in defaults)")
		ov      daemon.Overrides
		showV   = flag.Bool("version", false, "print the version and exit")
	)
	flag.StringVar(&ov.Listen, "listen", "", "HTTP listen address, e.g. :8080 (overrides http.listen)")
	flag.StringVar(&ov.Source, "source", "", "frame source: sim | file:PATH | image:PATH | camera:/dev/videoN (overrides source.kind)")
	flag.StringVar(&ov.MQTT, "mqtt", "", "MQTT broker URL (tcp://host:1883, ssl://host:8883) or off (overrides mqtt.url)")
	flag.StringVar(&ov.StateDir, "state-dir", "", "state directory (overrides box.state_dir)")
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
	cfg, fromFile, err := daemon.LoadConfig(path, explicit, ov)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecastd:", err)
		return 2
	}

	level := new(slog.LevelVar)
	level.Set(daemon.ParseLevel(cfg.Log.Level))
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

	d, err := daemon.New(daemon.Options{Config: cfg, Path: path, Overrides: ov, Level: level, Log: log})
	if err != nil {
		log.Error("start failed", "component", "daemon", "err", err)
		return 1
	}
	if err := d.Start(ctx); err != nil {
		log.Error("start failed", "component", "daemon", "err", err)
		shutdown(d, nil)
		return 1
	}
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping", "component", "daemon", "reason", "signal")
			shutdown(d, nil)
			return 0
		case <-hup:
			d.Reload(ctx)
		case err := <-d.Fatal():
			log.Error("fatal", "component", "daemon", "err", err)
			shutdown(d, err)
			return 1
		}
	}
}

// stopBudget is the time an orderly stop gets (below the unit's
// TimeoutStopSec).
const stopBudget = 10 * time.Second

func shutdown(d *daemon.Daemon, cause error) {
	ctx, cancel := context.WithTimeout(context.Background(), stopBudget)
	defer cancel()
	if cause != nil {
		d.Abort(ctx, cause)
		return
	}
	d.Shutdown(ctx)
}
