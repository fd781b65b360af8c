package boottest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// machine is the boot test's QEMU. With coldReset, QEMU runs with
// -no-reboot: a guest reset (systemctl reboot, panic=, the watchdog, a
// failed health check's FailureAction=reboot) makes it exit, and machine
// starts it again with the same arguments, a cold start of the emulator.
// Everything the guest keeps across a reboot lives in files that outlast
// the process (the disk's qcow2 overlay and the firmware's variables, both
// in the test's temporary directory), so the guest sees a power cycle.
// Why: after a warm reset inside one long-lived QEMU the emulator was seen
// printing nothing at all, not even the firmware's first lines, for
// minutes (docs/image.md, "Silent reboots"); a fresh process starts the
// firmware from its reset vector with fresh emulator state every time.
// The console spans all the processes.
type machine struct {
	t         *testing.T
	qemu      string
	args      []string
	coldReset bool
	con       *console
	logf      *os.File

	mu       sync.Mutex
	cmd      *exec.Cmd    // guarded by mu: the running QEMU
	sig      *signalWatch // guarded by mu: its stderr
	fired    int          // guarded by mu: watchdog expiries in earlier QEMUs
	starts   int          // guarded by mu: QEMU processes started
	stopping bool         // guarded by mu: poweroff asked, or the test ends

	exited  chan struct{} // closed when the last QEMU exited and none follows
	exitErr error         // its exit status; read after exited is closed
}

// startMachine starts QEMU and the goroutine that restarts it after guest
// resets (coldReset adds -no-reboot); the test's cleanup stops both.
func startMachine(t *testing.T, qemu string, args []string, dir string, port int, coldReset bool) *machine {
	t.Helper()
	if coldReset {
		args = append(append([]string{}, args...), "-no-reboot")
	}
	logPath := filepath.Join(dir, "serial.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("serial console log: %s; health port 127.0.0.1:%d", logPath, port)
	m := &machine{t: t, qemu: qemu, args: args, coldReset: coldReset, logf: logf,
		con: newDetachedConsole(t, logf), exited: make(chan struct{})}
	cmd, out, err := m.start()
	if err != nil {
		t.Fatal(err)
	}
	go m.supervise(cmd, out)
	t.Cleanup(func() {
		m.mu.Lock()
		m.stopping = true
		cmd := m.cmd
		m.mu.Unlock()
		if cmd != nil && cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
		select {
		case <-m.exited:
		case <-time.After(time.Minute):
		}
		logf.Close()
	})
	return m
}

func (m *machine) start() (*exec.Cmd, *os.File, error) {
	cmd := exec.Command(m.qemu, m.args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cmd.Stdout = w
	// QEMU exits 0 on SIGTERM too: its "terminating on signal" on stderr
	// tells that apart from a guest reset (supervise restarts only the
	// latter).
	sig := &signalWatch{w: os.Stderr}
	cmd.Stderr = sig
	// QEMU dies with the test process (a timed-out test panics without
	// running its cleanups).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, nil, err
	}
	w.Close()
	m.mu.Lock()
	if m.sig != nil {
		m.fired += m.sig.watchdogFired()
	}
	m.cmd = cmd
	m.sig = sig
	m.starts++
	m.mu.Unlock()
	m.con.in.set(stdin)
	return cmd, r, nil
}

// supervise copies each QEMU's output to the console and, while cold
// resets are on and no poweroff was asked, starts the next QEMU when one
// exits cleanly (-no-reboot: the guest reset the machine).
func (m *machine) supervise(cmd *exec.Cmd, out *os.File) {
	for {
		m.con.read(out)
		out.Close()
		err := cmd.Wait()
		m.con.in.set(nil)
		m.mu.Lock()
		again := m.coldReset && err == nil && !m.stopping && !m.sig.seen()
		m.mu.Unlock()
		if !again {
			m.finish(err)
			return
		}
		m.con.note(fmt.Sprintf("\n[boottest %s: guest reset; QEMU exited (-no-reboot); starting it again]\n", time.Now().UTC().Format("15:04:05")))
		var err2 error
		if cmd, out, err2 = m.start(); err2 != nil {
			m.t.Errorf("restarting QEMU after a guest reset: %v", err2)
			m.finish(err2)
			return
		}
	}
}

func (m *machine) finish(err error) {
	m.exitErr = err
	m.con.end()
	close(m.exited)
}

// expectExit says the guest is being powered off: its QEMU's exit is the
// end, not a reset to restart from.
func (m *machine) expectExit() {
	m.mu.Lock()
	m.stopping = true
	m.mu.Unlock()
}

// Wait waits until the last QEMU exited (after expectExit, or a failure).
func (m *machine) Wait() error {
	<-m.exited
	return m.exitErr
}

// pid is the running QEMU's process id.
func (m *machine) pid() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cmd.Process.Pid
}

// resets is how many times QEMU was started again after a guest reset.
func (m *machine) resets() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.starts - 1
}

// signalWatch passes QEMU's stderr on and notes whether QEMU said it was
// terminated by a signal, and how often the emulated watchdog expired
// (-action watchdog=debug prints "watchdog: timer fired").
type signalWatch struct {
	w     *os.File
	mu    sync.Mutex
	hit   bool   // guarded by mu
	fired int    // guarded by mu
	tail  []byte // guarded by mu: the end of what was written, for a line split across writes
}

func (s *signalWatch) Write(p []byte) (int, error) {
	s.mu.Lock()
	s.tail = append(s.tail, p...)
	if bytes.Contains(s.tail, []byte("terminating on signal")) {
		s.hit = true
	}
	if n := bytes.Count(s.tail, []byte("watchdog: timer fired")); n > 0 {
		s.fired += n
		s.tail = s.tail[bytes.LastIndex(s.tail, []byte("watchdog: timer fired"))+len("watchdog: timer fired"):]
	}
	if len(s.tail) > 64 {
		s.tail = s.tail[len(s.tail)-64:]
	}
	s.mu.Unlock()
	return s.w.Write(p)
}

func (s *signalWatch) seen() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hit
}

func (s *signalWatch) watchdogFired() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fired
}

// watchdogFired is how often the emulated hardware watchdog expired over
// all the QEMUs so far.
func (m *machine) watchdogFired() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.fired
	if m.sig != nil {
		n += m.sig.watchdogFired()
	}
	return n
}
