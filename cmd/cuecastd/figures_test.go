package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFigures measures the daemon's start-up and idle figures recorded in
// docs/bench/daemon.md. It is not a pass/fail speed test: run it on a quiet
// machine with
//
//	CUECAST_FIGURES=1 go test ./cmd/cuecastd -run TestFigures -v
func TestFigures(t *testing.T) {
	if os.Getenv("CUECAST_FIGURES") == "" {
		t.Skip("set CUECAST_FIGURES=1 to measure start-up time and idle RSS")
	}
	daemonBinary(t) // build outside the timing
	for i := 0; i < 3; i++ {
		notify := newNotifyRecorder(t)
		t0 := time.Now()
		d := startDaemon(t, notify, "")
		notify.wait(t, 0, "READY", "1", 60*time.Second)
		ready := time.Since(t0)
		time.Sleep(10 * time.Second) // idle: simulator running, no clients
		rss := rssOf(t, d.cmd.Process.Pid)
		t.Logf("run %d: start to READY=1 %v; RSS after 10 s idle %.1f MiB", i+1, ready.Round(time.Millisecond), float64(rss)/(1<<20))
		d.cmd.Process.Kill()
	}
}

func rssOf(t *testing.T, pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}
