package main

import (
	"context"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
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

// TestFiguresNoCamera measures start to READY=1 with the camera absent
// (camera:/dev/video99), recorded in docs/field.md:
//
//	CUECAST_FIGURES=1 go test ./cmd/cuecastd -run TestFiguresNoCamera -v
func TestFiguresNoCamera(t *testing.T) {
	if os.Getenv("CUECAST_FIGURES") == "" {
		t.Skip("set CUECAST_FIGURES=1 to measure start-up time without a camera")
	}
	daemonBinary(t) // build outside the timing
	for i := 0; i < 5; i++ {
		notify := newNotifyRecorder(t)
		t0 := time.Now()
		d := startDaemon(t, notify, "[source]\nkind = \"camera:/dev/video99\"\n", "WATCHDOG_USEC=10000000")
		r := notify.wait(t, 0, "READY", "1", 60*time.Second)
		ready := time.Since(t0)
		t.Logf("run %d: start to READY=1 without a camera %v; STATUS=%s", i+1, ready.Round(time.Millisecond), notify.snapshot()[r].Vars["STATUS"])
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

// TestSoakFigures runs the daemon on the simulator for CUECAST_SOAK (a Go
// duration, e.g. 10m) and reports capture-to-published latency p99 and RSS
// over time from the performance stream:
//
//	CUECAST_SOAK=10m go test ./cmd/cuecastd -run TestSoakFigures -v -timeout 20m
func TestSoakFigures(t *testing.T) {
	soak, err := time.ParseDuration(os.Getenv("CUECAST_SOAK"))
	if err != nil {
		t.Skip("set CUECAST_SOAK=10m to run the soak measurement")
	}
	notify := newNotifyRecorder(t)
	d := startDaemon(t, notify, "")
	notify.wait(t, 0, "READY", "1", 60*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), soak)
	defer cancel()
	conn, _, _, err := ws.Dial(ctx, "ws://"+d.addr+"/ws")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	wsutil.WriteClientText(conn, []byte(`{"type":"subscribe","data":{"streams":["performance"]}}`))
	var p99s []float64
	var first, last, peak float64
	var fps float64
	nextLog := time.Now()
	for {
		msg, err := wsutil.ReadServerText(conn)
		if err != nil {
			break
		}
		var pub struct {
			Stream string `json:"stream"`
			Data   struct {
				FPS float64 `json:"fps"`
				P99 float64 `json:"latency_p99_ms"`
				RSS float64 `json:"rss_bytes"`
			} `json:"data"`
		}
		if json.Unmarshal(msg, &pub) != nil || pub.Stream != "performance" || pub.Data.RSS == 0 {
			continue
		}
		p99s = append(p99s, pub.Data.P99)
		mib := pub.Data.RSS / (1 << 20)
		if first == 0 {
			first = mib
		}
		last, fps = mib, pub.Data.FPS
		if mib > peak {
			peak = mib
		}
		if time.Now().After(nextLog) {
			t.Logf("%s: fps %.1f, latency p99 %.1f ms, RSS %.1f MiB", time.Now().Format("15:04:05"), fps, pub.Data.P99, mib)
			nextLog = time.Now().Add(time.Minute)
		}
	}
	sort.Float64s(p99s)
	if len(p99s) == 0 {
		t.Fatal("no performance publications")
	}
	t.Logf("soak %v: %d windows; capture-to-published p99 per 500 ms window: median %.1f ms, worst %.1f ms; RSS first %.1f MiB, last %.1f MiB, peak %.1f MiB",
		soak, len(p99s), p99s[len(p99s)/2], p99s[len(p99s)-1], first, last, peak)
}
