//go:build cgo

package display_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cuecast/cuecast/edge/display/browsertest"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/vision"
)

// The camera calibration view against edge/vision's real calibration API
// (built with cgo only, as vision is): it shows the saved corners on the
// snapshot, moves them by mouse and by keys, saves them without dropping
// the lens calibration held beside them, and goes back to automatic.
func TestCameraCalibrationViewSavesThroughVisionAPI(t *testing.T) {
	snap := simJPEGs(t, 1)[0]
	path := filepath.Join(t.TempDir(), "calibration.json")
	lens := &vision.Intrinsics{Model: "pinhole", Width: 1280, Height: 720, K: [9]float64{900, 0, 640, 0, 900, 360, 0, 0, 1}, Dist: []float64{-0.1, 0.01, 0, 0, 0}, RMS: 0.3, Views: 12}
	start := [4]model.Pixel{{X: 100, Y: 650}, {X: 1180, Y: 640}, {X: 1170, Y: 80}, {X: 110, Y: 70}}
	if err := vision.SaveCalibration(path, &vision.Calibration{Corners: &start, Width: 1280, Height: 720, Camera: lens}); err != nil {
		t.Fatal(err)
	}
	store, err := vision.OpenCalibrationStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := newBoxWith(t, nil, func(mux *http.ServeMux) {
		store.Register(mux)
		mux.HandleFunc("GET /snapshot.jpg", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			w.Write(snap)
		})
	})
	ctx := browsertest.New(t, 1400, 900)
	do(t, ctx, chromedp.Navigate(b.srv.URL+"/calibrate"))
	poll(t, ctx, `window.cuecast && window.cuecast.ready`, 30*time.Second)
	type pt struct{ X, Y float64 }
	shown := run(t, ctx, chromedp.Evaluate[[]pt](`window.cuecast.corners.map(p => ({X: p.x, Y: p.y}))`))
	for i := range start {
		if len(shown) != 4 || shown[i].X != start[i].X || shown[i].Y != start[i].Y {
			t.Fatalf("page shows corners %v, want the saved %v", shown, start)
		}
	}

	// Drag corner 1 by (+40, -20) screen pixels with the mouse.
	type geo struct{ Left, Top, Scale float64 }
	g := run(t, ctx, chromedp.Evaluate[geo](`(() => { const r = document.getElementById("marks").getBoundingClientRect(); return {Left: r.left, Top: r.top, Scale: r.width / document.getElementById("snap").naturalWidth}; })()`))
	x0, y0 := g.Left+start[0].X*g.Scale, g.Top+start[0].Y*g.Scale
	do(t, ctx,
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y0, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0+20, y0-10, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0+40, y0-20, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x0+40, y0-20, chromedp.ButtonLeft),
	)
	// Corner 3 five pixels right with the keys.
	do(t, ctx, chromedp.KeyEvent("3"), chromedp.KeyEvent(strings.Repeat(kb.ArrowRight, 5)))
	run(t, ctx, chromedp.Evaluate[any](fmt.Sprintf(`localStorage.setItem("cuecast.token", %q)`, token)))
	do(t, ctx, chromedp.Click(chromedp.ID("save")))
	poll(t, ctx, `document.getElementById("msg").textContent === "Saved on the box."`, 10*time.Second)

	got := store.Get()
	if got.Corners == nil {
		t.Fatal("no corners stored after Save")
	}
	want := start
	want[0] = model.Pixel{X: start[0].X + 40/g.Scale, Y: start[0].Y - 20/g.Scale}
	want[2].X += 5
	for i := range want {
		if d := max(abs(got.Corners[i].X-want[i].X), abs(got.Corners[i].Y-want[i].Y)); d > 0.6/g.Scale+0.1 {
			t.Errorf("stored corner %d = %v, want %v", i+1, got.Corners[i], want[i])
		}
	}
	if got.Width != 1280 || got.Height != 720 {
		t.Errorf("stored image size %dx%d, want the snapshot's 1280x720", got.Width, got.Height)
	}
	if got.Camera == nil || got.Camera.K != lens.K || got.Camera.RMS != lens.RMS {
		t.Errorf("lens calibration after saving corners = %+v, want it kept: %+v", got.Camera, lens)
	}
	shot := run(t, ctx, chromedp.CaptureScreenshot())
	browsertest.Artifact(t, "calibrate.png", shot)

	do(t, ctx, chromedp.Click(chromedp.ID("auto")))
	poll(t, ctx, `document.getElementById("msg").textContent.startsWith("Showing")`, 10*time.Second)
	if got := store.Get(); got.Corners != nil || got.Camera == nil {
		t.Errorf("after Back to automatic: corners %v (want none), lens %v (want kept)", got.Corners, got.Camera)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
