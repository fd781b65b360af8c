package boottest

import (
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// kioskTimeout bounds the wait for the projector page: Chromium under
// software emulation on two shared cores takes minutes to start.
// CUECAST_KIOSK_TIMEOUT (a Go duration) raises it on a crowded machine.
var kioskTimeout = envDuration("CUECAST_KIOSK_TIMEOUT", 20*time.Minute)

// The projector page (edge/display/web/projector.html) and its calibration
// pattern (projector.js, drawPattern and #help), as the screen shows them.
var (
	pageBlack = color.RGBA{0, 0, 0, 255}       // body and canvas background
	pageWhite = color.RGBA{255, 255, 255, 255} // Chromium's empty window
	helpPanel = color.RGBA{17, 17, 17, 255}    // #help: rgba(20,20,20,.85) over black
	helpText  = color.RGBA{221, 221, 221, 255} // #help text, #ddd
)

type kiosk struct {
	t    *testing.T
	con  *console
	cmd  *exec.Cmd
	mon  monitor
	port int
	dir  string
	tmp  string
}

// TestKiosk boots the product image with the kiosk (cage and Chromium on
// tty1) and a virtual display, and looks at the screen: the projector page
// the kiosk opens must connect to cuecastd, fill the screen with its black
// background, and draw its calibration pattern when a technician presses C
// on a keyboard plugged into the box. The screenshot of that is kept as
// kiosk.png in the image directory (and at CUECAST_KIOSK_SHOT if set).
func TestKiosk(t *testing.T) {
	dir := os.Getenv("CUECAST_KIOSK_TEST_DIR")
	if dir == "" {
		t.Skip("boots the kiosk image under QEMU: run `make image-test` (it builds the kiosk image and sets CUECAST_KIOSK_TEST_DIR)")
	}
	start := time.Now()
	k := startKiosk(t, dir)
	figures := map[string]string{}

	m := k.con.mark()
	if _, _, err := k.con.waitFor(m, regexp.MustCompile(`root@cuecast:~# `), bootTimeout); err != nil {
		k.fail("no shell on the serial console: %v", err)
	}
	k.con.must("dmesg -n 1; stty -echo", shortCommand)
	// Under emulation on a loaded host the simulated camera's frame loop
	// stalls for seconds while Chromium starts on the same two emulated
	// CPUs, and cuecastd's 10 s watchdog restarts it again and again (each
	// restart drops the page's WebSocket). This test is about the screen:
	// it turns the daemon's watchdog off for this boot (TestImage checks the
	// watchdog) and lowers the simulator to 5 fps. The kiosk unit itself
	// runs as shipped.
	k.con.must(`systemctl stop cuecast-kiosk; mkdir -p /run/systemd/system/cuecastd.service.d && printf '[Service]\nWatchdogSec=0\n' > /run/systemd/system/cuecastd.service.d/kiosk-test.conf && printf '\n[source]\nfps = 5.0\ntarget_fps = 5.0\n' >> /etc/cuecast/cuecast.toml && systemctl daemon-reload && systemctl reset-failed cuecastd; systemctl restart cuecastd && systemctl start --no-block cuecast-kiosk`, 10*time.Minute)

	// The page is up when cuecastd counts a WebSocket client: the only
	// client in the VM is the kiosk's Chromium on the projector page, and
	// projector.js connects after it has installed its key handler and
	// drawn its first frame.
	ready, page := k.waitPage(start)
	figures["QEMU start to cuecastd READY (after the test's restart)"] = ready.Round(time.Second).String()
	figures["QEMU start to the projector page connected"] = page.Round(time.Second).String()

	// The page fills the screen: its black background (with whatever the
	// simulated game draws on it), not Chromium's white window, and no
	// calibration panel yet.
	shot := filepath.Join(k.tmp, "screen.ppm")
	// It must also have drawn something of the simulated demo game (more
	// than one colour): a screen still all black may be cage's background
	// before Chromium's window is up, and a key sent then is lost (seen:
	// the page drew its game a minute later and never saw the C).
	img, p := k.waitScreen(shot, "the projector page drawing the demo game on its black background", 10*time.Minute, func(p palette) bool {
		return len(p) > 1 && p.share(pageBlack) > 0.9 && p.share(pageWhite) < 0.05 && p.near(helpPanel, 3) < p.total()/100
	})
	t.Logf("projector page: %v", p)
	if err := writePNG(filepath.Join(dir, "kiosk-page.png"), img); err != nil {
		t.Error(err)
	}

	// C switches the projector page to its calibration pattern: the table
	// outline and grid, the corner handles and the help panel.
	if out, err := k.mon.do("sendkey c"); err != nil || strings.Contains(out, "rror") || strings.Contains(out, "nknown") {
		k.fail("sendkey c: %v %q", err, out)
	}
	keyed := time.Now()
	img, p = k.waitScreen(shot, "the calibration pattern (help panel and its text)", 5*time.Minute, func(p palette) bool {
		n := p.total()
		// Measured: the panel is ~6% of a 1280x800 screen, its text ~4000
		// pixels near #ddd; the page without it ~100 and ~500.
		return n > 0 && p.near(helpPanel, 3) > n/50 && p.near(helpText, 24) > 2000 && p.share(pageBlack) > 0.5
	})
	figures["key C to calibration pattern on screen"] = time.Since(keyed).Round(time.Second).String()
	t.Logf("calibration pattern: %v", p)
	out := filepath.Join(dir, "kiosk.png")
	if err := writePNG(out, img); err != nil {
		t.Fatal(err)
	}
	if dst := os.Getenv("CUECAST_KIOSK_SHOT"); dst != "" {
		if err := writePNG(dst, img); err != nil {
			t.Error(err)
		}
		out = dst
	}
	t.Logf("screenshot: %s", out)

	powerOff(t, k.con, k.cmd, 3*time.Minute, start, figures, "whole kiosk test", "CUECAST_KIOSK_FIGURES")
}

func startKiosk(t *testing.T, dir string) *kiosk {
	t.Helper()
	img := filepath.Join(dir, "disk.img")
	if _, err := os.Stat(img); err != nil {
		t.Fatalf("kiosk image missing: %v (run make image-test)", err)
	}
	tmp := t.TempDir()
	code := firstExisting("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE.fd")
	varsSrc := firstExisting("/usr/share/OVMF/OVMF_VARS_4M.fd", "/usr/share/OVMF/OVMF_VARS.fd")
	if code == "" || varsSrc == "" {
		t.Fatal("no OVMF firmware (Debian package ovmf)")
	}
	vars := filepath.Join(tmp, "OVMF_VARS.fd")
	if b, err := os.ReadFile(varsSrc); err != nil {
		t.Fatal(err)
	} else if err := os.WriteFile(vars, b, 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	mon := monitor{path: filepath.Join(tmp, "monitor.sock")}
	args := []string{
		"-machine", "q35,accel=tcg", "-cpu", "max", "-m", "2048", "-smp", "2",
		// virtio-vga: the kernel's virtio-gpu driver, drawn without 3D
		// (cage uses wlroots' pixman renderer). Not -vga std: its
		// bochs-drm cannot import PRIME buffers, which cage's wlroots
		// requires. The q35 board's PS/2 keyboard takes sendkey.
		"-nodefaults", "-device", "virtio-vga", "-display", "none",
		"-monitor", "unix:" + mon.path + ",server,nowait",
		"-serial", "stdio",
		// -snapshot: the image stays unchanged.
		"-snapshot",
		"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + code,
		"-drive", "if=pflash,format=raw,unit=1,file=" + vars,
		"-drive", "file=" + img + ",format=raw,if=virtio",
		// The guest reaches nothing but the forwarded port on loopback.
		"-nic", fmt.Sprintf("user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:%d-:8080", port),
		// No hardware watchdog (TestImage checks it): with Chromium
		// starting on both emulated CPUs of a loaded host, a
		// systemd-reload can keep PID 1 from petting a 30 s watchdog, and
		// the board resets in the middle of the test.
	}
	con, cmd := runQEMU(t, "qemu-system-x86_64", args, dir, port)
	return &kiosk{t: t, con: con, cmd: cmd, mon: mon, port: port, dir: dir, tmp: tmp}
}

// waitPage polls cuecastd's health through the forwarded port until it is
// READY and counts a WebSocket client; it returns both times since start
// (QEMU's start). The daemon was restarted just before: READY is this
// daemon's.
func (k *kiosk) waitPage(start time.Time) (ready, page time.Duration) {
	k.t.Helper()
	c := &http.Client{Timeout: 20 * time.Second}
	deadline := time.Now().Add(kioskTimeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		if k.cmd.ProcessState != nil {
			k.fail("QEMU exited")
		}
		resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/health", k.port))
		if err != nil {
			last = err.Error()
		} else {
			var h struct {
				Phase   string `json:"phase"`
				Clients *int   `json:"clients"`
			}
			err := json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			switch {
			case err != nil:
				last = "health: " + err.Error()
			default:
				last = fmt.Sprintf("phase %s, clients %v", h.Phase, h.Clients)
				if h.Phase == "ready" && ready == 0 {
					ready = time.Since(start)
					k.t.Logf("cuecastd READY after %v", ready.Round(time.Second))
				}
				if h.Clients != nil && *h.Clients > 0 {
					page = time.Since(start)
					k.t.Logf("projector page connected after %v", page.Round(time.Second))
					return ready, page
				}
			}
		}
		time.Sleep(5 * time.Second)
	}
	k.fail("the projector page did not connect within %v (last health: %s)", kioskTimeout, last)
	return
}

// waitScreen takes screenshots until ok accepts one, or fails after
// timeout with the last one saved as kiosk-failed.png.
func (k *kiosk) waitScreen(path, what string, timeout time.Duration, ok func(palette) bool) (*image.RGBA, palette) {
	k.t.Helper()
	deadline := time.Now().Add(timeout)
	var img *image.RGBA
	var p palette
	for {
		var err error
		img, err = k.mon.screendump(path)
		if err != nil {
			k.fail("screendump: %v", err)
		}
		p = colours(img)
		if ok(p) {
			return img, p
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(3 * time.Second)
	}
	failed := filepath.Join(k.dir, "kiosk-failed.png")
	writePNG(failed, img)
	k.fail("the screen does not show %s within %v: %v (saved %s)", what, timeout, p, failed)
	return nil, nil
}

// fail stops the test with the kiosk's own account from the guest's
// journal and what the screen showed.
func (k *kiosk) fail(format string, args ...any) {
	k.t.Helper()
	msg := fmt.Sprintf(format, args...)
	if k.cmd.ProcessState == nil {
		if img, err := k.mon.screendump(filepath.Join(k.tmp, "fail.ppm")); err == nil {
			writePNG(filepath.Join(k.dir, "kiosk-failed.png"), img)
			msg += fmt.Sprintf("\nscreen: %v (saved kiosk-failed.png)", colours(img))
		}
		if out, _ := k.con.run("systemctl status --no-pager -n 0 cuecast-kiosk seatd cuecastd | cut -c1-200; journalctl -b --no-pager -o short-monotonic _UID=$(id -u cuecast-kiosk) | grep -v MESA-LOADER | tail -n 60 | cut -c1-400", 2*time.Minute); out != "" {
			msg += "\nguest:\n" + out
		}
	}
	k.t.Fatal(msg)
}
