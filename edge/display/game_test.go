package display_test

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/display/browsertest"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// midGame is a table in the middle of a rack of 9-ball-ish play: seven
// balls left, the cue ball lined up on the 3 into the top-right corner.
func midGame() (*model.State, *model.Trajectory) {
	st := &model.State{Seq: 900, Table: model.Standard(model.Table9ft), Phase: "aiming", Width: 1280, Height: 720}
	at := map[int]model.Vec2{
		0: {X: 0.72, Y: 0.48}, 2: {X: 1.31, Y: 0.22}, 3: {X: 2.05, Y: 0.93}, 4: {X: 0.38, Y: 1.02},
		6: {X: 1.64, Y: 0.71}, 8: {X: 2.21, Y: 0.31}, 9: {X: 1.12, Y: 0.95}, 12: {X: 0.55, Y: 0.17},
	}
	for _, n := range []int{0, 2, 3, 4, 6, 8, 9, 12} {
		num := n
		st.Balls = append(st.Balls, model.Ball{ID: model.BallID(n), Class: model.ClassOf(n), Number: &num, Confidence: 0.97, Pos: at[n]})
	}
	pocket := model.Vec2{X: st.Table.Length, Y: st.Table.Width}
	three := at[3]
	dx, dy := pocket.X-three.X, pocket.Y-three.Y
	l := math.Hypot(dx, dy)
	dx, dy = dx/l, dy/l
	ghost := model.Vec2{X: three.X - 2*model.BallRadius*dx, Y: three.Y - 2*model.BallRadius*dy}
	// Stun-ish follow: the cue ball leaves the ghost position at right
	// angles to the object ball's line and stops 0.35 m on.
	after := model.Vec2{X: ghost.X + 0.35*dy, Y: ghost.Y - 0.35*dx}
	tr := &model.Trajectory{Seq: 900, Aiming: true, Ghost: &ghost, Target: "3",
		HeadingDeg: math.Atan2(ghost.Y-at[0].Y, ghost.X-at[0].X) * 180 / math.Pi, Speed: 2.1,
		Paths: []model.BallPath{
			{Ball: "cue", Points: []model.Vec2{at[0], ghost, after}},
			{Ball: "3", Points: []model.Vec2{three, pocket}},
		},
		Outcome: model.ShotOutcome{Pocketed: map[string]string{"3": model.PocketTopRight}}}
	return st, tr
}

// The display in a game: outcome in words over the table, the last shot's
// summary, a feed of pocketed balls readable from the table, an alert, the
// camera tile and the frame rate. It writes display.png (and projector.png
// from the projector page showing the same shot): the screenshots in docs/
// come from here:
//
//	CUECAST_ARTIFACTS=$PWD/docs go test ./edge/display -run TestPagesShowAGameInProgress
func TestPagesShowAGameInProgress(t *testing.T) {
	frames := simJPEGs(t, 4)
	b := newBoxWith(t, func(c *config.Config) { c.Box.Site, c.Box.Table = "Riverside Billiards", "Table 4" }, nil)
	st, tr := midGame()
	i := 0
	stop := publishEvery(b, 66*time.Millisecond, func(h *hub.Hub) {
		h.Publish(hub.StreamState, st)
		h.Publish(hub.StreamTrajectory, tr)
		h.PublishBinary(hub.StreamFrame, frames[i%len(frames)])
		if i%15 == 0 {
			h.Publish(hub.StreamPerformance, map[string]any{"fps": 29.7})
		}
		i++
	})
	defer stop()
	ctx := browsertest.New(t, 1280, 720)
	do(t, ctx, chromedp.Navigate(b.srv.URL+"/"))
	// The event stream has no "latest" for a fresh page: play the game once it is connected.
	poll(t, ctx, connected, 30*time.Second)
	h := b.Hub()
	t0 := time.Now().Add(-40 * time.Second)
	ev := func(dt float64, e model.Event) {
		e.Time = t0.Add(time.Duration(dt * float64(time.Second)))
		h.Publish(hub.StreamEvent, e)
	}
	ev(0, model.Event{Type: model.EventRackDetected})
	ev(6, model.Event{Type: model.EventShotStarted, Balls: []string{"cue"}})
	ev(6.2, model.Event{Type: model.EventBallCollision, Balls: []string{"cue", "1"}})
	ev(7.1, model.Event{Type: model.EventBallPocketed, Balls: []string{"1"}, Pocket: model.PocketBottomLeft})
	ev(8.0, model.Event{Type: model.EventBallPocketed, Balls: []string{"5"}, Pocket: model.PocketTopSide})
	ev(8.3, model.Event{Type: model.EventBallPocketed, Balls: []string{"14"}, Pocket: model.PocketBottomRight})
	ev(10.4, model.Event{Type: model.EventShotEnded, Shot: &model.ShotSummary{FirstContact: "1",
		Pocketed: map[string]string{"1": model.PocketBottomLeft, "5": model.PocketTopSide, "14": model.PocketBottomRight}, DurationS: 4.4}})
	h.RaiseAlert(model.Alert{Level: model.AlertWarning, Code: "projector_lamp", Source: "hw", Message: "Projector lamp at 1,950 h: replace within 50 h"})

	poll(t, ctx, connected+` && window.cuecast.events >= 7 && window.cuecast.video.shown >= 3 && document.querySelectorAll("#alerts .alert").length === 1`, 30*time.Second)
	do(t, ctx, chromedp.Sleep(1500*time.Millisecond)) // the fps and delay read-outs tick once a second
	text := func(sel string) string {
		return run(t, ctx, chromedp.Evaluate[string](`document.querySelector(`+jsString(sel)+`).textContent`))
	}
	if got, want := text("#outcome"), "3 → top-right corner"; got != want {
		t.Errorf("outcome = %q, want %q", got, want)
	}
	if got := text("#last-shot"); !strings.Contains(got, "hit 1 first") || !strings.Contains(got, "5 (top side)") || !strings.Contains(got, "4.4 s") {
		t.Errorf("last shot = %q, want first contact, pocketed balls with pockets and the duration", got)
	}
	feed := run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#events li")].map(li => li.textContent)`))
	joined := strings.Join(feed, "\n")
	for _, want := range []string{"Ball 5 in the top side", "Ball 14 in the bottom-right corner", "Rack detected"} {
		if !strings.Contains(joined, want) {
			t.Errorf("feed lacks %q:\n%s", want, joined)
		}
	}
	if got := text("#fps"); got != "29.7 fps" {
		t.Errorf("camera fps read-out = %q, want 29.7 fps", got)
	}
	if got := text("#table-name"); got != "Riverside Billiards / Table 4" {
		t.Errorf("table name = %q", got)
	}
	browsertest.Artifact(t, "display.png", run(t, ctx, chromedp.CaptureScreenshot()))

	// The projector page, with a slightly keystoned calibration, shows the same shot.
	cal, _ := json.Marshal(map[string]any{"corners": [4][2]float64{{0.06, 0.93}, {0.95, 0.9}, {0.93, 0.08}, {0.08, 0.06}}})
	req, _ := http.NewRequest("PUT", b.srv.URL+"/api/v1/projector/calibration", bytes.NewReader(cal))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	pctx := browsertest.New(t, 1280, 720)
	do(t, pctx, chromedp.Navigate(b.srv.URL+"/projector"))
	poll(t, pctx, `window.cuecast && window.cuecast.drawn > 2 && window.cuecast.calibration.corners[0][0] === 0.06`, 30*time.Second)
	do(t, pctx, chromedp.Sleep(300*time.Millisecond))
	browsertest.Artifact(t, "projector.png", run(t, pctx, chromedp.CaptureScreenshot()))
	// Calibration mode: grid on the diamonds, corner handles, the shot still drawn.
	do(t, pctx, chromedp.KeyEvent("c"))
	poll(t, pctx, `document.body.classList.contains("calibrating")`, 5*time.Second)
	do(t, pctx, chromedp.Sleep(300*time.Millisecond))
	browsertest.Artifact(t, "projector-calibrate.png", run(t, pctx, chromedp.CaptureScreenshot()))
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }
