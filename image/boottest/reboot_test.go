package boottest

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestImageReboots reboots the test image CUECAST_IMAGE_TEST_REBOOTS times
// in one QEMU and fails, with the emulator's state, at the first reboot
// after which nothing reaches the serial console. It is the reproducer for
// the silent reboots seen in the full boot test (docs/image.md, "Silent
// reboots"); make image-test does not run it. CUECAST_IMAGE_TEST_REBOOT_HOW
// picks how: systemctl (default: `systemctl reboot` at the shell prompt,
// the way the boot test reboots), sysrq (`echo b > /proc/sysrq-trigger` at
// the prompt: no shutdown) or qmp (QMP system_reset as soon as the
// initramfs runs: firmware and early kernel only, fastest).
func TestImageReboots(t *testing.T) {
	dir := os.Getenv("CUECAST_IMAGE_TEST_DIR")
	n, _ := strconv.Atoi(os.Getenv("CUECAST_IMAGE_TEST_REBOOTS"))
	if dir == "" || n <= 0 {
		t.Skip("set CUECAST_IMAGE_TEST_DIR (a built test image) and CUECAST_IMAGE_TEST_REBOOTS=N")
	}
	a := archOf(os.Getenv("CUECAST_IMAGE_ARCH"))
	if a == nil {
		t.Fatalf("CUECAST_IMAGE_ARCH=%q: no QEMU set-up for it", os.Getenv("CUECAST_IMAGE_ARCH"))
	}
	how := os.Getenv("CUECAST_IMAGE_TEST_REBOOT_HOW")
	if how == "" {
		how = "systemctl"
	}
	v := startVM(t, dir, a, false)
	t.Logf("%s %s", v.m.qemu, v.m.args)
	prompt := regexp.MustCompile(`root@cuecast:~# `)
	initramfs := regexp.MustCompile(`Begin: Running /scripts/init-premount`)
	kernel := regexp.MustCompile(`Kernel command line: `)
	m := v.con.mark()
	for i := 0; i <= n; i++ {
		if how == "qmp" {
			if _, p, err := v.con.waitFor(m, initramfs, bootTimeout); err != nil {
				t.Fatalf("boot %d: %v", i+1, err)
			} else {
				m = p
			}
		} else {
			_, p, err := v.con.waitFor(m, prompt, bootTimeout)
			if err != nil {
				t.Fatalf("boot %d: %v", i+1, err)
			}
			m = p
		}
		if i == n {
			break
		}
		start := time.Now()
		m = v.con.mark()
		switch how {
		case "qmp":
			if _, err := v.qmp.do("system_reset", nil); err != nil {
				t.Fatal(err)
			}
		case "sysrq":
			fmt.Fprintf(v.con.in, "echo b > /proc/sysrq-trigger\n")
		default:
			fmt.Fprintf(v.con.in, "systemctl reboot\n")
		}
		_, p, err := v.con.waitFor(m, kernel, bootTimeout)
		if err != nil {
			t.Fatalf("reboot %d of %d (%s): %v", i+1, n, how, err)
		}
		t.Logf("reboot %d (%s): kernel started after %v", i+1, how, time.Since(start).Round(time.Second))
		m = p
	}
	t.Logf("guest resets that restarted QEMU: %d", v.m.resets())
	v.m.expectExit()
	fmt.Fprintf(v.con.in, "systemctl poweroff\n")
	v.m.Wait()
}
