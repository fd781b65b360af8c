package daemon

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/daemontest"
)

// testConfig is the built-in defaults on loopback, MQTT off, state in a
// temp dir: the daemon as `cuecastd --listen 127.0.0.1:0 --mqtt off` runs it.
func testConfig(t *testing.T) (config.Config, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	ov := Overrides{Listen: "127.0.0.1:0", MQTT: "off", StateDir: filepath.Join(dir, "state")}
	ov.Apply(&cfg)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg, filepath.Join(dir, "cuecast.toml")
}

// startDaemon builds and starts the daemon in-process; Cleanup stops it.
func startDaemon(t *testing.T, cfg config.Config, path string) *Daemon {
	t.Helper()
	return runDaemon(t, Options{Config: cfg, Path: path})
}

// runDaemon builds and starts o's daemon in-process, logging into a buffer
// shown when the test fails; Cleanup stops it (cleanups registered after
// this call run before the stop).
func runDaemon(t *testing.T, o Options) *Daemon {
	t.Helper()
	logs := &daemontest.Buffer{}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(logs, nil))
	}
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		d.Shutdown(sctx)
		cancel()
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	})
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return d
}

// waitPhase polls /api/v1/health until it reports phase, bounded by timeout.
func waitPhase(t *testing.T, addr, phase string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got string
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/api/v1/health")
		if err == nil {
			var h struct {
				Phase string `json:"phase"`
			}
			json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if got = h.Phase; got == phase {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("health phase %q after %v, want %q", got, timeout, phase)
}

// The assembly builds and runs without the binary: the simulator's first
// frame makes it ready, and Shutdown stops it (twice is harmless).
func TestDaemonStartsInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon on the simulator")
	}
	cfg, path := testConfig(t)
	d := startDaemon(t, cfg, path)
	if d.Addr() == "" {
		t.Fatal("Addr() empty after Start")
	}
	waitPhase(t, d.Addr(), "ready", 60*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d.Shutdown(ctx)
	d.Shutdown(ctx)
}
