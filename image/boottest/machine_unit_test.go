package boottest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestMachineRestartsOnReset drives machine with a shell standing in for
// QEMU: each "boot" prints its number; the first two exit 0 (a guest
// reset under -no-reboot) and are started again on the same console; the
// third waits for a line, after expectExit, and its exit is the end.
func TestMachineRestartsOnReset(t *testing.T) {
	dir := t.TempDir()
	count := filepath.Join(dir, "boots")
	script := fmt.Sprintf(`n=$(cat %[1]s 2>/dev/null || echo 0); n=$((n+1)); echo $n > %[1]s
echo "boot $n"
[ $n -lt 3 ] && exit 0
read line; echo "got $line"`, count)
	m := startMachine(t, "/bin/sh", []string{"-c", script}, dir, 0, true)
	p, err := m.con.waitStages(0, regexp.MustCompile(`boot 3\n`), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.resets(); got != 2 {
		t.Errorf("resets = %d, want 2", got)
	}
	m.expectExit()
	fmt.Fprintf(m.con.in, "poweroff\n")
	if _, _, err := m.con.waitFor(p, regexp.MustCompile(`got poweroff`), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := m.Wait(); err != nil {
		t.Errorf("last exit: %v", err)
	}
	m.con.mu.Lock()
	out := string(m.con.buf)
	m.con.mu.Unlock()
	if n := len(regexp.MustCompile(`guest reset; QEMU exited`).FindAllString(readFile(t, filepath.Join(dir, "serial.log")), -1)); n != 2 {
		t.Errorf("serial.log marks %d restarts, want 2", n)
	}
	if n := len(regexp.MustCompile(`guest reset; QEMU exited`).FindAllString(out, -1)); n != 2 {
		t.Errorf("console marks %d restarts, want 2", n)
	}
	for i := 1; i <= 3; i++ {
		if !regexp.MustCompile(fmt.Sprintf(`boot %d\n`, i)).MatchString(out) {
			t.Errorf("console lacks boot %d:\n%s", i, out)
		}
	}
}

// TestMachineNoRestartOnError: a QEMU that fails is not started again.
func TestMachineNoRestartOnError(t *testing.T) {
	m := startMachine(t, "/bin/sh", []string{"-c", "echo broken; exit 3"}, t.TempDir(), 0, true)
	if err := m.Wait(); err == nil {
		t.Fatal("exit 3 reported as success")
	}
	if got := m.resets(); got != 0 {
		t.Errorf("resets = %d, want 0", got)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
