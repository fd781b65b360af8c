package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/daemontest"
)

// These tests run the real daemon binary under a fake systemd: a unixgram
// NOTIFY_SOCKET the test listens on, WATCHDOG_USEC set, signals sent as
// systemctl would.

// daemonBinary builds cuecastd once per test run.
func daemonBinary(t *testing.T) string { return daemontest.Binary(t) }

func TestMain(m *testing.M) {
	code := m.Run()
	daemontest.Remove()
	os.Exit(code)
}

// notifyRecorder is the fake systemd end of NOTIFY_SOCKET (a real unixgram
// socket).
type notifyRecorder struct{ *daemontest.Notify }

func newNotifyRecorder(t *testing.T) *notifyRecorder {
	return &notifyRecorder{daemontest.NewNotify(t)}
}

func (r *notifyRecorder) wait(t *testing.T, from int, key, val string, timeout time.Duration) int {
	t.Helper()
	return r.Wait(t, from, key, val, timeout)
}

type notifyMsg = daemontest.NotifyMsg

func (r *notifyRecorder) snapshot() []notifyMsg { return r.Snapshot() }

type runningDaemon struct {
	cmd  *exec.Cmd
	addr string
	logs *syncBuffer
	done chan error
}

type syncBuffer = daemontest.Buffer

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startDaemon runs cuecastd with a config file in a temp dir.
func startDaemon(t *testing.T, notify *notifyRecorder, configTOML string, env ...string) *runningDaemon {
	t.Helper()
	return startDaemonIn(t, t.TempDir(), notify, configTOML, env...)
}

// startDaemonIn runs cuecastd with its config and state under dir (a second
// daemon in the same dir finds the first one's state).
func startDaemonIn(t *testing.T, dir string, notify *notifyRecorder, configTOML string, env ...string) *runningDaemon {
	t.Helper()
	bin := daemonBinary(t)
	cfgPath := filepath.Join(dir, "cuecast.toml")
	if err := os.WriteFile(cfgPath, []byte(configTOML), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cmd := exec.Command(bin, "--config", cfgPath, "--listen", addr, "--mqtt", "off", "--state-dir", filepath.Join(dir, "state"))
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+notify.Path)
	cmd.Env = append(cmd.Env, env...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &runningDaemon{cmd: cmd, addr: addr, logs: logs, done: make(chan error, 1)}
	go func() { d.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-d.done
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	})
	return d
}

func (d *runningDaemon) signal(t *testing.T, s os.Signal) {
	t.Helper()
	if err := d.cmd.Process.Signal(s); err != nil {
		t.Fatal(err)
	}
}

func (d *runningDaemon) getJSON(t *testing.T, path string, v any) int {
	t.Helper()
	return daemontest.GetJSON(t, "http://"+d.addr+path, v)
}

func TestLifecycleUnderSystemd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the daemon")
	}
	notify := newNotifyRecorder(t)
	const wdUsec = 1_000_000 // pings every 500 ms
	d := startDaemon(t, notify, "[source]\nfps = 30.0\n", fmt.Sprintf("WATCHDOG_USEC=%d", wdUsec))

	ready := notify.wait(t, 0, "READY", "1", 60*time.Second)
	// READY=1 means the HTTP listener is up and a frame was processed.
	var health struct {
		Phase string `json:"phase"`
	}
	if code := d.getJSON(t, "/api/v1/health", &health); code != 200 || health.Phase != "ready" {
		t.Fatalf("health after READY: HTTP %d phase %q", code, health.Phase)
	}
	// STATUS refreshed about once a second, saying what a technician wants.
	first := notify.wait(t, ready+1, "STATUS", "", 5*time.Second)
	notify.wait(t, first+1, "STATUS", "", 5*time.Second)
	msgs := notify.snapshot()
	st := msgs[first].Vars["STATUS"]
	t.Logf("STATUS=%s", st)
	for _, want := range []string{"fps", "balls", "clients", "mqtt"} {
		if !strings.Contains(st, want) {
			t.Errorf("STATUS=%q does not mention %q", st, want)
		}
	}
	// WATCHDOG=1 at about half the interval.
	w1 := notify.wait(t, ready, "WATCHDOG", "1", 5*time.Second)
	w2 := notify.wait(t, w1+1, "WATCHDOG", "1", 5*time.Second)
	w3 := notify.wait(t, w2+1, "WATCHDOG", "1", 5*time.Second)
	msgs = notify.snapshot()
	gap := msgs[w3].At.Sub(msgs[w1].At) / 2
	if gap < 300*time.Millisecond || gap > 900*time.Millisecond {
		t.Errorf("watchdog pings every %v, want about 500ms (WATCHDOG_USEC/2)", gap)
	}

	// SIGTERM: STOPPING=1 then a clean exit.
	d.signal(t, syscall.SIGTERM)
	notify.wait(t, w3, "STOPPING", "1", 5*time.Second)
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("daemon exit after SIGTERM: %v, want status 0", err)
		}
		d.done <- err // for Cleanup
	case <-time.After(15 * time.Second):
		t.Fatal("daemon did not exit within 15 s of SIGTERM (TimeoutStopSec)")
	}
}

func TestWatchdogStopsWhenFramesStall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the daemon")
	}
	notify := newNotifyRecorder(t)
	d := startDaemon(t, notify, "", "WATCHDOG_USEC=600000", "CUECAST_SIM_STALL_AFTER=60")
	ready := notify.wait(t, 0, "READY", "1", 60*time.Second)
	notify.wait(t, ready, "WATCHDOG", "1", 5*time.Second)
	// 60 frames at 30 fps: the source wedges about 2 s in. Wait for the
	// stall itself (60 frames read: processed or dropped by the fps cap),
	// not for the first withheld ping, which a slow frame on a loaded
	// machine also earns; then for the loop to be a whole interval without
	// progress, by when the last earned ping has gone out.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var perf struct{ Frames, Dropped uint64 }
		d.getJSON(t, "/api/v1/vision/performance", &perf)
		var h struct {
			Live bool `json:"live"`
		}
		d.getJSON(t, "/api/v1/health", &h)
		if perf.Frames+perf.Dropped >= 60 && !h.Live {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the simulator did not stall within 60 s (frames %d, dropped %d, live %v)", perf.Frames, perf.Dropped, h.Live)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(d.logs.String(), "watchdog pings withheld") {
		t.Error("no 'watchdog pings withheld' log line for the stall")
	}
	before := countVar(notify.snapshot(), "WATCHDOG", "1")
	time.Sleep(2 * time.Second) // more than three ping intervals
	if after := countVar(notify.snapshot(), "WATCHDOG", "1"); after != before {
		t.Errorf("watchdog pinged %d more times while frames were stalled", after-before)
	}
	// The daemon is still serving HTTP: it is systemd's call to restart it.
	var health struct {
		Live bool `json:"live"`
	}
	d.getJSON(t, "/api/v1/health", &health)
	if health.Live {
		t.Error("/api/v1/health says live while the frame loop is stalled")
	}
}

func countVar(msgs []notifyMsg, key, val string) int {
	n := 0
	for _, m := range msgs {
		if m.Vars[key] == val {
			n++
		}
	}
	return n
}

// SIGHUP with a broken file keeps the old config; a good one is applied.
func TestReloadKeepsOldConfigOnError(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the daemon")
	}
	notify := newNotifyRecorder(t)
	d := startDaemon(t, notify, "[log]\nlevel = \"info\"\n[hub]\nhistory_count = 500\n")
	ready := notify.wait(t, 0, "READY", "1", 60*time.Second)
	cfgPath := d.cmd.Args[2]

	os.WriteFile(cfgPath, []byte("[hub]\nhistory_count = 0\nbogus = 1\n"), 0o644)
	d.signal(t, syscall.SIGHUP)
	rl := notify.wait(t, ready+1, "RELOADING", "1", 10*time.Second)
	notify.wait(t, rl+1, "READY", "1", 10*time.Second)
	var cfg struct {
		Hub struct {
			HistoryCount int `json:"history_count"`
		} `json:"hub"`
	}
	d.getJSON(t, "/api/v1/config", &cfg)
	if cfg.Hub.HistoryCount != 500 {
		t.Errorf("after a bad reload hub.history_count = %d, want the old 500", cfg.Hub.HistoryCount)
	}
	logs := d.logs.String()
	if !strings.Contains(logs, "reload refused") || !strings.Contains(logs, "hub.bogus") {
		t.Errorf("bad reload not logged with the key; log:\n%s", logs)
	}
	var alerts struct {
		Alerts []struct {
			Code string `json:"code"`
		} `json:"alerts"`
	}
	d.getJSON(t, "/api/v1/alerts", &alerts)
	found := false
	for _, a := range alerts.Alerts {
		found = found || a.Code == "config_reload_failed"
	}
	if !found {
		t.Errorf("no config_reload_failed alert: %+v", alerts)
	}

	os.WriteFile(cfgPath, []byte("[hub]\nhistory_count = 700\n"), 0o644)
	d.signal(t, syscall.SIGHUP)
	rl = notify.wait(t, rl+1, "RELOADING", "1", 10*time.Second)
	notify.wait(t, rl+1, "READY", "1", 10*time.Second)
	d.getJSON(t, "/api/v1/config", &cfg)
	if cfg.Hub.HistoryCount != 700 {
		t.Errorf("after a good reload hub.history_count = %d, want 700", cfg.Hub.HistoryCount)
	}
}
