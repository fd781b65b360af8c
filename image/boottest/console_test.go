package boottest

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// console is the guest's serial port: everything QEMU prints is appended to
// buf (and a log file); commands go to the root shell that the boot-test
// image autologins on ttyS0.
type console struct {
	t   *testing.T
	in  *switchWriter // the current QEMU's stdin
	log io.Writer

	mu   sync.Mutex
	buf  []byte // guarded by mu
	done bool   // guarded by mu: QEMU's output ended
	cond *sync.Cond

	seq int
	// diag, when set, describes the emulator's state; waitFor logs it when
	// a wait times out (a guest that went silent: docs/image.md).
	diag func() string
}

func newConsole(t *testing.T, in io.Writer, out io.Reader, log io.Writer) *console {
	c := newDetachedConsole(t, log)
	c.in.set(in)
	go func() { // ends when QEMU closes its stdout
		c.read(out)
		c.end()
	}()
	return c
}

// newDetachedConsole is a console with no QEMU yet: machine attaches each
// QEMU it starts (one per guest boot when guest resets restart QEMU), and
// the output of all of them is one console.
func newDetachedConsole(t *testing.T, log io.Writer) *console {
	c := &console{t: t, in: &switchWriter{}, log: log}
	c.cond = sync.NewCond(&c.mu)
	return c
}

// read appends out to the console until out ends.
func (c *console) read(out io.Reader) {
	b := make([]byte, 4096)
	for {
		n, err := out.Read(b)
		if n > 0 {
			c.log.Write(b[:n])
			c.mu.Lock()
			c.buf = append(c.buf, b[:n]...)
			c.cond.Broadcast()
			c.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// note adds the harness's own line to the console (and its log), between
// two QEMUs' output.
func (c *console) note(s string) {
	c.log.Write([]byte(s))
	c.mu.Lock()
	c.buf = append(c.buf, s...)
	c.cond.Broadcast()
	c.mu.Unlock()
}

// end marks the output finished: no QEMU will write to it again.
func (c *console) end() {
	c.mu.Lock()
	c.done = true
	c.cond.Broadcast()
	c.mu.Unlock()
}

// switchWriter writes to the current QEMU's stdin; input typed while no
// QEMU runs (between a guest reset and the next start) is dropped, as a
// real serial line drops what is typed into a board that is resetting.
type switchWriter struct {
	mu sync.Mutex
	w  io.Writer // guarded by mu
}

func (s *switchWriter) set(w io.Writer) {
	s.mu.Lock()
	s.w = w
	s.mu.Unlock()
}

func (s *switchWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	w := s.w
	s.mu.Unlock()
	if w == nil {
		return len(p), nil
	}
	return w.Write(p)
}

// mark is a position in the output: waits look only after it.
func (c *console) mark() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.buf)
}

// waitFor waits until re matches the output after from and returns the
// match and the position after it.
func (c *console) waitFor(from int, re *regexp.Regexp, timeout time.Duration) ([]string, int, error) {
	m, p, err := c.wait(from, re, timeout)
	if err != nil && c.diag != nil {
		c.mu.Lock()
		done := c.done
		c.mu.Unlock()
		if !done {
			c.t.Logf("waited %v for %q; %d bytes of output since (0: silent); emulator state:\n%s", timeout, re, p-from, c.diag())
		}
	}
	return m, p, err
}

func (c *console) wait(from int, re *regexp.Regexp, timeout time.Duration) ([]string, int, error) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		if loc := re.FindSubmatchIndex(c.buf[from:]); loc != nil {
			var groups []string
			for i := 0; i < len(loc); i += 2 {
				if loc[i] < 0 {
					groups = append(groups, "")
					continue
				}
				groups = append(groups, string(c.buf[from+loc[i]:from+loc[i+1]]))
			}
			return groups, from + loc[1], nil
		}
		if c.done {
			return nil, len(c.buf), fmt.Errorf("QEMU exited while waiting for %q", re)
		}
		if time.Now().After(deadline) {
			return nil, len(c.buf), fmt.Errorf("no %q on the serial console within %v", re, timeout)
		}
		c.cond.Wait()
	}
}

// run types a shell command and returns its output and exit status. The
// markers are typed with an empty quote in the middle so that the shell's
// echo of the command line never matches them, only the command's output.
func (c *console) run(cmd string, timeout time.Duration) (string, int) {
	c.t.Helper()
	out, rc, err := c.try(cmd, timeout)
	if err != nil {
		c.t.Fatalf("console: %s: %v", cmd, err)
	}
	return out, rc
}

// try is run that returns a console that did not answer as an error
// instead of failing the test (for diagnostics after a failure).
func (c *console) try(cmd string, timeout time.Duration) (string, int, error) {
	c.seq++
	n := c.seq
	from := c.mark()
	fmt.Fprintf(c.in, "echo @@B''%d@@; ( %s ) 2>&1; echo @@E''%d:$?@@\n", n, cmd, n)
	re := regexp.MustCompile(fmt.Sprintf(`(?s)@@B%d@@\r?\n(.*?)@@E%d:(\d+)@@`, n, n))
	m, _, err := c.waitFor(from, re, timeout)
	if err != nil {
		return "", 0, err
	}
	rc, _ := strconv.Atoi(m[2])
	return strings.ReplaceAll(m[1], "\r", ""), rc, nil
}

// must runs cmd and fails the test unless it exits 0.
func (c *console) must(cmd string, timeout time.Duration) string {
	c.t.Helper()
	out, rc := c.run(cmd, timeout)
	if rc != 0 {
		c.t.Fatalf("guest: %s: exit %d:\n%s", cmd, rc, out)
	}
	return out
}

// bootStages are console lines that mark progress through a reboot's long
// silent stretches: the shutdown's end, the firmware handing over to the
// boot loader, the kernel's EFI stub (after it, xz-decompressing the
// kernel prints nothing for up to minutes under emulation), the
// initramfs, a panic's countdown, and the harness's own note that a reset
// started a new QEMU.
var bootStages = `reboot: Restarting system|Rebooting in \d+ seconds|\[boottest [^\]]*guest reset|BdsDxe: starting|EFI stub: |Run /init as init process|Begin: Mounting root file system`

// maxBootStages bounds waitBoot's stages: a reboot passes through at most
// a handful; a box that boot-loops fails after this many.
const maxBootStages = 12

// waitStages waits for want after from like waitFor, but timeout bounds
// each stage of a reboot (bootStages) instead of the whole: under load a
// reboot's shutdown, firmware, kernel decompression and userspace each
// took minutes, and one timeout for all of them failed runs whose guest
// was only slow. A stage that prints nothing for timeout still fails, with
// the emulator's state.
func (c *console) waitStages(from int, want *regexp.Regexp, timeout time.Duration) (int, error) {
	re := regexp.MustCompile(`(` + want.String() + `)|(?:` + bootStages + `)`)
	p := from
	for i := 0; i < maxBootStages; i++ {
		m, q, err := c.waitFor(p, re, timeout)
		if err != nil {
			return q, fmt.Errorf("%w (after %d boot stages)", err, i)
		}
		if m[1] != "" {
			return q, nil
		}
		p = q
	}
	return p, fmt.Errorf("no %q within %d boot stages (a boot loop?)", want, maxBootStages)
}
