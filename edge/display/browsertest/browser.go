// Package browsertest drives Debian's Chromium headless from Go tests
// (chromedp), the way the kiosk shows cuecast's pages.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path is where Debian installs Chromium (package chromium).
const Path = "/usr/bin/chromium"

// New starts a headless Chromium with a fresh profile and a window of w x h
// CSS pixels, returning a context for chromedp actions. It skips the test
// when Chromium is not installed (make deps installs it). Everything stops
// at test cleanup.
func New(t testing.TB, w, h int) context.Context {
	t.Helper()
	if _, err := exec.LookPath(Path); err != nil {
		t.Skipf("browsertest: %s not found (make deps installs chromium)", Path)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Path),
		chromedp.NoSandbox, // root in CI; the page is our own, on loopback
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("force-device-scale-factor", "1"),
		chromedp.WindowSize(w, h),
		chromedp.UserDataDir(t.TempDir()),
	)
	base, cancelTimeout := context.WithTimeout(context.Background(), 3*time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		cancelTimeout()
	})
	if err := chromedp.Do(ctx); err != nil { // start the browser now: fail early
		t.Fatalf("browsertest: start chromium: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(int64(w), int64(h))); err != nil {
		t.Fatalf("browsertest: viewport: %v", err)
	}
	return ctx
}

// Artifact writes b under $CUECAST_ARTIFACTS (if set) or the test's temp
// dir, returning the path.
func Artifact(t testing.TB, name string, b []byte) string {
	t.Helper()
	dir := os.Getenv("CUECAST_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	os.MkdirAll(dir, 0o755)
	path := dir + "/" + name
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Errorf("browsertest: write artifact: %v", err)
	}
	t.Logf("artifact: %s", path)
	return path
}
