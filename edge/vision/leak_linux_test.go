package vision

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// rssBytes reads the process's resident set size from /proc/self/statm.
func rssBytes(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm")
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// TestNoCMemoryGrowth runs detection and JPEG encoding on many frames and
// checks the resident set does not grow: gocv Mats and vectors live in C
// memory the Go GC does not see, so a per-frame leak shows up only here (a
// leaked 720p Mat per frame would add 2.7 MB a frame).
func TestNoCMemoryGrowth(t *testing.T) {
	if testing.Short() {
		t.Skip("600 frames")
	}
	f := simFrame(t, 1280, 720)
	d, err := NewDetector(defaultVision(), DetectorOptions{Table: f.Truth.Table})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	e, _ := NewJPEGEncoder(80, 0)
	defer e.Close()
	var det model.Detection
	run := func(n int) {
		for i := 0; i < n; i++ {
			f.Captured = f.Captured.Add(500 * 1e6) // table re-checks run too
			if err := d.Detect(f, &det); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Encode(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Two windows after the warm-up: a per-frame leak grows both by the
	// same amount, while a one-off (an arena, a buffer sized to a rare
	// frame, the Go heap's next step on a loaded machine) lands in one.
	// Go's heap is collected and returned first, so RSS is mostly C memory.
	run(100) // warm up: allocator arenas, OpenCV's buffers
	var rss [3]int64
	for i := range rss {
		if i > 0 {
			run(300)
		}
		runtime.GC()
		debug.FreeOSMemory()
		rss[i] = rssBytes(t)
	}
	mb := func(v int64) float64 { return float64(v) / (1 << 20) }
	g1, g2 := rss[1]-rss[0], rss[2]-rss[1]
	t.Logf("RSS %.1f -> %.1f -> %.1f MB over two windows of 300 frames", mb(rss[0]), mb(rss[1]), mb(rss[2]))
	if min(g1, g2) > 3<<20 {
		t.Errorf("RSS grew in both windows (%.1f and %.1f MB per 300 frames): a per-frame leak of about %.0f KB", mb(g1), mb(g2), float64(min(g1, g2))/300/1024)
	}
}
