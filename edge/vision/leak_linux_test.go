package vision

import (
	"os"
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
	run(100) // warm up: allocator arenas, OpenCV's buffers
	before := rssBytes(t)
	run(500)
	after := rssBytes(t)
	if growth := after - before; growth > 6<<20 {
		t.Errorf("RSS grew %.1f MB over 500 frames (%.1f -> %.1f MB)", float64(growth)/(1<<20), float64(before)/(1<<20), float64(after)/(1<<20))
	} else {
		t.Logf("RSS %.1f -> %.1f MB over 500 frames", float64(before)/(1<<20), float64(after)/(1<<20))
	}
}
