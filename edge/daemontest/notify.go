package daemontest

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Notify is the systemd end of a real NOTIFY_SOCKET: a unixgram socket on a
// temporary path that records every sd_notify datagram. Point the daemon at
// it with NOTIFY_SOCKET=Path (the environment of a child process, or
// t.Setenv for a daemon run in-process).
type Notify struct {
	Path string
	conn *net.UnixConn

	mu   sync.Mutex // guards msgs
	msgs []NotifyMsg
	cond *sync.Cond
}

// NotifyMsg is one datagram: when it came and its KEY=VALUE assignments.
type NotifyMsg struct {
	At   time.Time
	Vars map[string]string
}

// NewNotify listens on a fresh socket until the test ends.
func NewNotify(t testing.TB) *Notify {
	t.Helper()
	// Unix socket paths are limited to ~108 bytes: keep it short.
	dir, err := os.MkdirTemp("", "nfy")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	n := &Notify{Path: filepath.Join(dir, "notify")}
	n.cond = sync.NewCond(&n.mu)
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: n.Path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	n.conn = conn
	done := make(chan struct{})
	t.Cleanup(func() { conn.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			k, err := conn.Read(buf)
			if err != nil {
				return
			}
			m := NotifyMsg{At: time.Now(), Vars: map[string]string{}}
			for _, line := range strings.Split(string(buf[:k]), "\n") {
				if key, v, ok := strings.Cut(line, "="); ok {
					m.Vars[key] = v
				}
			}
			n.mu.Lock()
			n.msgs = append(n.msgs, m)
			n.cond.Broadcast()
			n.mu.Unlock()
		}
	}()
	return n
}

// Wait blocks until a message from index from on has key=val (val "" matches
// any value) and returns its index; it fails the test after timeout.
func (n *Notify) Wait(t testing.TB, from int, key, val string, timeout time.Duration) int {
	t.Helper()
	i, ok := n.WaitFunc(from, timeout, func(m NotifyMsg) bool {
		v, ok := m.Vars[key]
		return ok && (val == "" || v == val)
	})
	if !ok {
		t.Fatalf("no %s=%s from the daemon within %v (got %d messages)", key, val, timeout, len(n.Snapshot()))
	}
	return i
}

// WaitFunc blocks until a message from index from on satisfies match,
// returning its index, or reports false after timeout.
func (n *Notify) WaitFunc(from int, timeout time.Duration, match func(NotifyMsg) bool) (int, bool) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() { n.mu.Lock(); n.cond.Broadcast(); n.mu.Unlock() })
	defer timer.Stop()
	n.mu.Lock()
	defer n.mu.Unlock()
	for {
		for i := from; i < len(n.msgs); i++ {
			if match(n.msgs[i]) {
				return i, true
			}
		}
		if !time.Now().Before(deadline) {
			return -1, false
		}
		n.cond.Wait()
	}
}

// Snapshot returns the messages so far.
func (n *Notify) Snapshot() []NotifyMsg {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]NotifyMsg(nil), n.msgs...)
}

// Count returns how many messages so far have key=val.
func (n *Notify) Count(key, val string) int {
	c := 0
	for _, m := range n.Snapshot() {
		if m.Vars[key] == val {
			c++
		}
	}
	return c
}
