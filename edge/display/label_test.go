//go:build cgo

package display_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/display/browsertest"
	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/labels/labelapi"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
	"github.com/cuecast/cuecast/edge/vision"
)

// The labelling page on a simulated frame with the real detector's
// proposals: drag a ball, renumber one, delete one, save, and the label file
// holds exactly that; a save without the token changes nothing.
func TestLabelPageEditsAndSaves(t *testing.T) {
	dir := t.TempDir()
	s := sim.New(sim.Options{Width: 1280, Height: 720, FPS: 30, Scenario: "still", Seed: 5, NoiseSigma: 2, Unpaced: true})
	var f model.Frame
	s.Render(&f, time.Unix(0, 0))
	s.Close()
	if err := labelapi.WritePNG(filepath.Join(dir, "table.png"), &f); err != nil {
		t.Fatal(err)
	}
	setPath := filepath.Join(dir, "labels.json")
	var auth func(*http.Request) (int, string)
	svc := labelapi.New(labelapi.Options{
		Root: dir, SetPath: setPath, Source: "test", Log: quiet(),
		Capture: func(context.Context) (string, *model.Frame, error) { return "table.png", &f, nil },
		Detect: func(fr *model.Frame, det *model.Detection) error {
			d, err := vision.NewDetector(config.Default().Vision, vision.DetectorOptions{Table: model.Standard(model.Table9ft)})
			if err != nil {
				return err
			}
			defer d.Close()
			return d.Detect(fr, det)
		},
		Authorize: func(r *http.Request) (int, string) { return auth(r) },
	})
	b := newBoxWith(t, nil, svc.Register)
	// The display's own token check guards the label API's writes.
	auth = func(r *http.Request) (int, string) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			return http.StatusUnauthorized, "needs the token"
		}
		return 0, ""
	}

	ctx := browsertest.New(t, 1600, 900)
	do(t, ctx, chromedp.Navigate(b.srv.URL+"/label#token=wrong"))
	poll(t, ctx, `window.labelState && window.labelState.ready`, 60*time.Second)
	type ball struct {
		X, Y, R float64
		Number  *int
	}
	balls := run(t, ctx, chromedp.Evaluate[[]ball](`labelState.frame.balls.map(b => ({X: b.x, Y: b.y, R: b.r, Number: b.number}))`))
	if len(balls) < 10 {
		t.Fatalf("page shows %d proposed balls, want the simulator's table (>= 10)", len(balls))
	}

	// A save with a wrong token is refused and writes nothing.
	do(t, ctx, chromedp.Click(chromedp.ID("save")))
	poll(t, ctx, `document.getElementById("msg").textContent.startsWith("Not saved")`, 10*time.Second)
	if _, err := labels.Load(setPath); err == nil {
		t.Fatal("a save with a wrong token wrote the label file")
	}
	run(t, ctx, chromedp.Evaluate[any](fmt.Sprintf(`localStorage.setItem("cuecast.token", %q)`, token)))

	// Drag ball 0 by (+30, +15) screen pixels.
	type geo struct{ Left, Top, Scale float64 }
	g := run(t, ctx, chromedp.Evaluate[geo](`(() => { const r = document.getElementById("marks").getBoundingClientRect(); return {Left: r.left, Top: r.top, Scale: r.width / labelState.frame.width}; })()`))
	x0, y0 := g.Left+balls[0].X*g.Scale, g.Top+balls[0].Y*g.Scale
	do(t, ctx,
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x0, y0, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0+15, y0+7, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x0+30, y0+15, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x0+30, y0+15, chromedp.ButtonLeft),
	)
	// Select ball 1 and give it number 11 (the class follows).
	x1, y1 := g.Left+balls[1].X*g.Scale, g.Top+balls[1].Y*g.Scale
	do(t, ctx,
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x1, y1, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x1, y1, chromedp.ButtonLeft),
		chromedp.SetValue(chromedp.ID("bnum"), "11"),
	)
	run(t, ctx, chromedp.Evaluate[any](`document.getElementById("bnum").dispatchEvent(new Event("change"))`))
	// Select the last ball and delete it with the key.
	last := balls[len(balls)-1]
	xl, yl := g.Left+last.X*g.Scale, g.Top+last.Y*g.Scale
	do(t, ctx,
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, xl, yl, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, xl, yl, chromedp.ButtonLeft),
		chromedp.KeyEvent(kb.Delete),
	)
	poll(t, ctx, fmt.Sprintf(`labelState.frame.balls.length === %d`, len(balls)-1), 5*time.Second)
	do(t, ctx, chromedp.Click(chromedp.ID("save")))
	poll(t, ctx, `labelState.saved === 1`, 10*time.Second)

	set, err := labels.Load(setPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Frames) != 1 || set.Frames[0].Image != "table.png" || set.Frames[0].Width != 1280 {
		t.Fatalf("label file holds %+v, want one 1280-wide frame of table.png", set.Frames)
	}
	if err := set.Verify(dir); err != nil {
		t.Errorf("saved labels do not match the picture: %v", err)
	}
	got := set.Frames[0].Balls
	if len(got) != len(balls)-1 {
		t.Fatalf("%d balls saved, want %d (one deleted)", len(got), len(balls)-1)
	}
	wantX, wantY := balls[0].X+30/g.Scale, balls[0].Y+15/g.Scale
	if d := math.Hypot(got[0].X-wantX, got[0].Y-wantY); d > 1/g.Scale {
		t.Errorf("ball 0 saved at (%.2f, %.2f), dragged to (%.2f, %.2f): %.2f px off", got[0].X, got[0].Y, wantX, wantY, d)
	}
	if got[1].Number == nil || *got[1].Number != 11 || got[1].Class != model.ClassStripe {
		t.Errorf("ball 1 saved as %s %v, want stripe 11", got[1].Class, got[1].Number)
	}
	for _, b := range got {
		if b.X == last.X && b.Y == last.Y {
			t.Error("the deleted ball was saved")
		}
	}
	// Reloading shows the saved labels, not new proposals.
	do(t, ctx, chromedp.Navigate(b.srv.URL+"/label"))
	poll(t, ctx, `window.labelState && window.labelState.ready`, 30*time.Second)
	if n := run(t, ctx, chromedp.Evaluate[int](`labelState.frame.balls.length`)); n != len(balls)-1 {
		t.Errorf("after reload the page shows %d balls, want the saved %d", n, len(balls)-1)
	}
}

// "Teach this venue" on the real daemon's /label page: with nothing saved
// it teaches nothing; with a wrong token it is refused and no venue is
// stored; after two captures labelled and saved (the detector's proposals
// on the simulator, numbered right) it teaches a venue pooled from both,
// which the box then serves.
func TestLabelPageTeachesVenue(t *testing.T) {
	d := runDaemon(t, "[source]\nwidth = 1280\nheight = 720\nfps = 5.0\ntarget_fps = 5.0\n")
	base := "http://" + d.addr
	venue := func() (int, string) {
		t.Helper()
		res, err := http.Get(base + "/api/v1/vision/venue")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	ctx := browsertest.New(t, 1600, 900)
	do(t, ctx, chromedp.Navigate(base+"/label#token="+token))
	poll(t, ctx, `window.labelState && window.labelState.ready`, 60*time.Second)
	first := run(t, ctx, chromedp.Evaluate[string](`labelState.frame.image`))

	// Nothing saved yet: nothing to teach from.
	do(t, ctx, chromedp.Click(chromedp.ID("teach")))
	poll(t, ctx, `document.getElementById("msg").textContent.startsWith("Not taught: save")`, 10*time.Second)
	do(t, ctx, chromedp.Click(chromedp.ID("save")))
	poll(t, ctx, `labelState.saved === 1`, 20*time.Second)

	// A wrong token is refused and stores nothing.
	run(t, ctx, chromedp.Evaluate[any](`localStorage.setItem("cuecast.token", "wrong")`))
	do(t, ctx, chromedp.Click(chromedp.ID("teach")))
	poll(t, ctx, `document.getElementById("msg").textContent.startsWith("Not taught") && localStorage.getItem("cuecast.token") === null`, 20*time.Second)
	if code, body := venue(); code != http.StatusNotFound {
		t.Fatalf("after a refused teach GET venue = %d %s, want 404", code, body)
	}

	// A second lay-out (here: the next frame), saved, then taught from both.
	run(t, ctx, chromedp.Evaluate[any](fmt.Sprintf(`localStorage.setItem("cuecast.token", %q)`, token)))
	do(t, ctx, chromedp.Click(chromedp.ID("capture")))
	poll(t, ctx, fmt.Sprintf(`labelState.ready && labelState.frame.image !== %q`, first), 60*time.Second)
	second := run(t, ctx, chromedp.Evaluate[string](`labelState.frame.image`))
	do(t, ctx, chromedp.Click(chromedp.ID("save")))
	poll(t, ctx, `labelState.saved === 2`, 20*time.Second)
	if got := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("teachn").textContent`)); got != "from 2 saved frames" {
		t.Errorf("teach count shows %q, want %q", got, "from 2 saved frames")
	}
	do(t, ctx, chromedp.Click(chromedp.ID("teach")))
	poll(t, ctx, `labelState.taught !== null`, 60*time.Second)
	if m := run(t, ctx, chromedp.Evaluate[string](`document.getElementById("msg").textContent`)); !strings.HasPrefix(m, "Venue taught: ") {
		t.Errorf("message after teaching: %q", m)
	}
	code, body := venue()
	if code != http.StatusOK {
		t.Fatalf("GET venue after teaching = %d %s", code, body)
	}
	v, err := vision.ParseVenue([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	// How many numbers depends on the balls the simulated camera shows
	// at the two captures; any frame with a numbered ball teaches one.
	if v.Source != first+" + "+second || len(v.Balls) == 0 {
		t.Errorf("the box's venue is from %q with %d numbers, want pooled from %s and %s", v.Source, len(v.Balls), first, second)
	}
	if n := run(t, ctx, chromedp.Evaluate[int](`labelState.taught.balls.length`)); n != len(v.Balls) {
		t.Errorf("page says %d numbers taught, the box has %d", n, len(v.Balls))
	}
}
