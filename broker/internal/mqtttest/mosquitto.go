// Package mqtttest runs a real Mosquitto for tests: a config file written by
// the test, a free loopback port, stopped (and its goroutine gone) when the
// test ends. It also makes throw-away TLS material (a CA, a server and a
// client certificate) with crypto/x509.
package mqtttest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Binary is the broker the box ships (Debian's mosquitto 2.0.11).
const Binary = "/usr/sbin/mosquitto"

// Broker is one Mosquitto process. Conf is the full config file text; Port
// is its first listener. Start/Stop may be repeated (a broker restart keeps
// the same port and persistence directory).
type Broker struct {
	t    testing.TB
	Name string
	Port int
	Dir  string // per-broker directory: config, persistence, log
	Conf string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mqtttest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// New prepares a broker; conf may use {{PORT}} and {{DIR}}, replaced with the
// listener port and the broker's directory. It skips the test when Mosquitto
// is not installed.
func New(t testing.TB, name, conf string) *Broker {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		t.Skipf("mqtttest: %s not installed (apt-get install mosquitto): %v", Binary, err)
	}
	b := &Broker{t: t, Name: name, Port: FreePort(t), Dir: t.TempDir()}
	b.Conf = strings.NewReplacer("{{PORT}}", fmt.Sprint(b.Port), "{{DIR}}", b.Dir).Replace(conf)
	if os.Geteuid() == 0 {
		// Started as root, Mosquitto drops to user "mosquitto", which cannot
		// read the test's private temporary directories.
		b.Conf = "user root\n" + b.Conf
	}
	if err := os.WriteFile(filepath.Join(b.Dir, "mosquitto.conf"), []byte(b.Conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Stop() })
	return b
}

// Plain is a minimal broker config: one loopback listener, anonymous access,
// persistence in the broker's directory (so persistent sessions survive a
// restart), Nagle off as on the box (broker/mosquitto/mosquitto.conf).
const Plain = `
set_tcp_nodelay true
listener {{PORT}} 127.0.0.1
allow_anonymous true
persistence true
persistence_location {{DIR}}/
autosave_interval 1
`

// Start runs the broker and waits until its port accepts connections.
func (b *Broker) Start() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd != nil {
		return
	}
	b.log = &bytes.Buffer{}
	cmd := exec.Command(Binary, "-c", filepath.Join(b.Dir, "mosquitto.conf"))
	cmd.Stdout, cmd.Stderr = b.log, b.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		b.t.Fatalf("mqtttest: start %s: %v", b.Name, err)
	}
	b.cmd, b.done = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(b.done)
	addr := fmt.Sprintf("127.0.0.1:%d", b.Port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-b.done:
			b.t.Fatalf("mqtttest: %s exited at start:\n%s\nconfig:\n%s", b.Name, b.log.String(), b.Conf)
		default:
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("mqtttest: %s not listening on %s after 10s:\n%s", b.Name, addr, b.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the broker with SIGTERM (Mosquitto saves its persistence file
// on the way out) and waits for it. Safe to call when stopped.
func (b *Broker) Stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd == nil {
		return
	}
	b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		b.cmd.Process.Kill()
		<-b.done
	}
	b.cmd = nil
}

// Log returns what the broker printed so far (for failure messages).
func (b *Broker) Log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.log == nil {
		return ""
	}
	return b.log.String()
}

// URL is the broker's tcp:// URL.
func (b *Broker) URL() string { return fmt.Sprintf("tcp://127.0.0.1:%d", b.Port) }

// WaitFor polls cond every 20ms until it holds or ctx ends.
func WaitFor(ctx context.Context, cond func() bool) bool {
	for !cond() {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
	return true
}
