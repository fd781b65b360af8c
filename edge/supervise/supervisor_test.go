package supervise

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
)

type recorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) notify(s string) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, s)
	r.mu.Unlock()
	return nil
}

func (r *recorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if strings.HasPrefix(m, prefix) {
			n++
		}
	}
	return n
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// The watchdog is pinged only while the gate component progresses.
func TestWatchdogGatedOnProgress(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "40000") // 40 ms: pings every 20 ms
	t.Setenv("WATCHDOG_PID", "")
	rec := &recorder{}
	s := New(Options{Log: quiet(), Notify: rec.notify})
	vision := s.Loop("vision")
	if s.WatchdogInterval() != 40*time.Millisecond {
		t.Fatalf("WatchdogInterval = %v, want 40ms", s.WatchdogInterval())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	s.Ready()
	stopProgress := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopProgress:
				return
			case <-time.After(2 * time.Millisecond):
				vision.Progress()
			}
		}
	}()
	waitFor(t, func() bool { return rec.count("WATCHDOG=1") >= 3 }, "3 pings while progressing")
	close(stopProgress)
	time.Sleep(50 * time.Millisecond) // let a ping already decided go out
	n := rec.count("WATCHDOG=1")
	time.Sleep(200 * time.Millisecond) // ten intervals without progress
	if got := rec.count("WATCHDOG=1"); got != n {
		t.Fatalf("pings without progress: %d after stall, want %d (none)", got, n)
	}
	if e, _ := s.LastError(); !strings.Contains(e, "vision made no progress") {
		t.Errorf("LastError = %q, want the stall named", e)
	}
	vision.Progress()
	waitFor(t, func() bool { return rec.count("WATCHDOG=1") > n }, "pings to resume after progress")
}

func TestReadyStatusStopping(t *testing.T) {
	rec := &recorder{}
	s := New(Options{Log: quiet(), Notify: rec.notify, Status: func() string { return "30 fps\n16 balls" }})
	s.Ready()
	s.Ready()
	if got := rec.count("READY=1"); got != 1 {
		t.Fatalf("READY=1 sent %d times, want once", got)
	}
	if !strings.Contains(rec.msgs[0], "STATUS=30 fps 16 balls") {
		t.Errorf("ready message %q: STATUS must be one line", rec.msgs[0])
	}
	if !s.IsReady() {
		t.Error("IsReady = false after Ready")
	}
	s.Stopping()
	if s.IsReady() || rec.count("STOPPING=1") != 1 {
		t.Errorf("after Stopping: IsReady=%v, STOPPING sent %d", s.IsReady(), rec.count("STOPPING=1"))
	}
	s.Trigger("camera thread wedged")
	if rec.count("WATCHDOG=trigger") != 1 {
		t.Error("Trigger did not send WATCHDOG=trigger")
	}
}

func TestHealth(t *testing.T) {
	s := New(Options{Log: quiet(), Notify: (&recorder{}).notify})
	mqtt := s.Component("mqtt")
	mqtt.Fail(errors.New("dial tcp 127.0.0.1:1883: connection refused"))
	s.Component("vision").OK("sim 1280x720")
	h := s.Health()
	if h.Status != "degraded" {
		t.Errorf("Health().Status = %q, want degraded", h.Status)
	}
	if len(h.Components) != 2 || h.Components[0].Name != "mqtt" || h.Components[0].State != StateFailed {
		t.Errorf("Health().Components = %+v", h.Components)
	}
	mqtt.OK("connected")
	if h := s.Health(); h.Status != StateStarting {
		t.Errorf("Health().Status before READY = %q, want starting", h.Status)
	}
	s.Ready()
	if h := s.Health(); h.Status != StateOK || !h.Ready {
		t.Errorf("Health() = %q ready=%v, want ok/true", h.Status, h.Ready)
	}
}

func TestJournalFields(t *testing.T) {
	type entry struct {
		msg  string
		pri  journal.Priority
		vars map[string]string
	}
	var got []entry
	h := NewJournalHandler(slog.LevelDebug, func(m string, p journal.Priority, v map[string]string) error {
		got = append(got, entry{m, p, v})
		return nil
	})
	log := slog.New(h).With("component", "ws")
	log.Warn("client dropped", "client", "c-17", "queue", 100)
	log.WithGroup("mqtt").Error("publish failed", "topic", "cuecast/a/b/event")
	if len(got) != 2 {
		t.Fatalf("%d entries, want 2", len(got))
	}
	e := got[0]
	if e.pri != journal.PriWarning || e.vars["CUECAST_COMPONENT"] != "ws" || e.vars["CUECAST_CLIENT"] != "c-17" || e.vars["CUECAST_QUEUE"] != "100" {
		t.Errorf("entry 0 = %+v", e)
	}
	if e.msg != "client dropped component=ws client=c-17 queue=100" {
		t.Errorf("message = %q", e.msg)
	}
	if got[1].pri != journal.PriErr || got[1].vars["CUECAST_MQTT_TOPIC"] != "cuecast/a/b/event" || got[1].vars["CUECAST_COMPONENT"] != "ws" {
		t.Errorf("entry 1 = %+v", got[1])
	}
	if slog.New(h).Enabled(context.Background(), slog.LevelDebug-1) {
		t.Error("handler enabled below its level")
	}
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Regression (issue 13): the camera's outage loop reported progress to
// "source" while the watchdog listened to "vision", so a lost camera
// stopped the pings and systemd restarted a daemon that was only waiting.
// The source is now a Child of the loop: its progress is the loop's.
func TestWatchdogFedByChildWhileLoopWaitsInIt(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "40000")
	t.Setenv("WATCHDOG_PID", "")
	rec := &recorder{}
	s := New(Options{Log: quiet(), Notify: rec.notify})
	loop := s.Loop("vision")
	source := loop.Child("source")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	s.Ready()

	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
				source.Progress() // only the child: the loop is inside its Read
			}
		}
	}()
	waitFor(t, func() bool { return rec.count("WATCHDOG=1") >= 3 }, "3 pings while only the child progresses")
	close(stop)
	// A wedged child (a read that never returns) starves the watchdog.
	waitFor(t, func() bool { e, _ := s.LastError(); return strings.Contains(e, "vision made no progress") }, "the stall to be noted")
	n := rec.count("WATCHDOG=1")
	time.Sleep(120 * time.Millisecond) // six intervals without progress
	if got := rec.count("WATCHDOG=1"); got != n {
		t.Fatalf("pings while the child is wedged: %d, want %d", got, n)
	}
	if h := source.Health(); h.LastProgress.IsZero() {
		t.Error("the child's own LastProgress is not recorded")
	}
}

func TestComponentHandles(t *testing.T) {
	s := New(Options{Log: quiet(), Notify: (&recorder{}).notify})
	c := s.Component("mqtt")
	select {
	case <-c.Settled():
		t.Fatal("Settled closed before any report")
	default:
	}
	c.Fail(errors.New("refused"))
	c.OK("connected") // settling twice must not panic
	select {
	case <-c.Settled():
	default:
		t.Fatal("Settled still open after Fail")
	}
	if h := c.Health(); h.Name != "mqtt" || h.State != StateOK || h.Detail != "connected" {
		t.Errorf("Health() = %+v", h)
	}
	for _, reg := range []func(){
		func() { s.Component("mqtt") },
		func() { s.Loop("vision"); s.Loop("other") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a duplicate registration did not panic")
				}
			}()
			reg()
		}()
	}
}

// Without a Loop nothing proves the daemon alive: no pings, and not live.
func TestWatchdogWithoutLoopWithholdsPings(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "20000")
	t.Setenv("WATCHDOG_PID", "")
	rec := &recorder{}
	s := New(Options{Log: quiet(), Notify: rec.notify})
	s.Component("http").Progress()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	s.Ready()
	time.Sleep(100 * time.Millisecond)
	cancel()
	<-done
	if n := rec.count("WATCHDOG=1"); n != 0 {
		t.Errorf("%d pings without a loop, want none", n)
	}
	if s.Live(time.Hour) {
		t.Error("Live without a loop")
	}
}
