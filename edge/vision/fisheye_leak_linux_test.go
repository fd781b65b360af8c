package vision

import (
	"image"
	"testing"

	"gocv.io/x/gocv"
)

// TestFisheyeNoCMemoryGrowth builds and frees fisheye undistorters (1.8 MB
// of maps each at 640x480) and runs solves that OpenCV throws out of,
// checking the resident set does not grow: the maps are gocv Mats the Go GC
// does not see, and the bridge's exception paths must unwind its C++
// objects.
func TestFisheyeNoCMemoryGrowth(t *testing.T) {
	if testing.Short() {
		t.Skip("memory loop")
	}
	obj := boardPoints(CalibrateOptions{Cols: cols, Rows: rows, Square: square})
	var views [][]gocv.Point2f
	for _, bp := range fisheyePoses()[:6] {
		views = append(views, bp.corners())
	}
	bad := make([]gocv.Point2f, len(obj)) // all at (0, 0): OpenCV asserts
	views = append(views, bad)
	in := Intrinsics{Model: ModelFisheye, Width: 640, Height: 480, K: [9]float64{300, 0, 326.5, 0, 302, 236, 0, 0, 1}, Dist: trueLens.d[:]}
	src := gocv.NewMatWithSize(480, 640, gocv.MatTypeCV8UC3)
	defer src.Close()
	run := func(n int) {
		for i := 0; i < n; i++ {
			u := newUndistorter(in)
			if _, err := u.apply(src); err != nil {
				t.Fatal(err)
			}
			u.close()
			if _, _, _, _, err := fisheyeCalibrate(obj, views, image.Pt(640, 480)); err == nil {
				t.Fatal("a view of one pixel solved")
			}
		}
	}
	run(20)
	before := rssBytes(t)
	run(150)
	after := rssBytes(t)
	if growth := after - before; growth > 6<<20 {
		t.Errorf("RSS grew %.1f MB over 150 undistorters and failed solves (%.1f -> %.1f MB)", float64(growth)/(1<<20), float64(before)/(1<<20), float64(after)/(1<<20))
	} else {
		t.Logf("RSS %.1f -> %.1f MB over 150 undistorters and failed solves", float64(before)/(1<<20), float64(after)/(1<<20))
	}
}
