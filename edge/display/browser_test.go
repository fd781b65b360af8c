package display_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/display"
	"github.com/cuecast/cuecast/edge/display/browsertest"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/ws"
)

const token = "t0k3n"

// box is an in-process cuecast front end (hub, WebSocket server, pages) on a
// real loopback HTTP server. restart replaces everything behind the same
// listener with a new process epoch, as a daemon restart does.
type box struct {
	t   *testing.T
	srv *httptest.Server
	dir string

	tweak  func(*config.Config) // test-specific settings; may be nil
	routes func(*http.ServeMux) // test-specific handlers (other parts' APIs); may be nil

	mu  sync.Mutex
	hub *hub.Hub
	ws  *ws.Server
	mux atomic.Pointer[http.ServeMux]
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newBox(t *testing.T) *box { return newBoxWith(t, nil, nil) }

func newBoxWith(t *testing.T, tweak func(*config.Config), routes func(*http.ServeMux)) *box {
	b := &box{t: t, dir: t.TempDir(), tweak: tweak, routes: routes}
	b.build()
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mux.Load().ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		b.mu.Lock()
		s := b.ws
		b.mu.Unlock()
		done := make(chan error, 1)
		go func() { done <- s.Shutdown(ctx) }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ws shutdown: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("ws shutdown hung")
		}
		b.srv.Close()
	})
	return b
}

func (b *box) cfg() config.Config {
	c := config.Default()
	c.HTTP.Token = token
	c.Display.ReconnectDelay = config.Duration(200 * time.Millisecond)
	if b.tweak != nil {
		b.tweak(&c)
	}
	return c
}

func (b *box) build() {
	c := b.cfg()
	h := hub.New(c.Hub, quiet())
	s := ws.NewServer(c.WebSocket, c.HTTP, h, quiet())
	d := display.New(display.Options{
		StateDir: b.dir, Config: b.cfg, Log: quiet(),
		State: func() []byte {
			if p := h.Latest(hub.StreamState); p != nil {
				return p.Data
			}
			return nil
		},
		Changed: func() { h.Publish(hub.StreamConfig, c) },
	})
	mux := http.NewServeMux()
	s.Register(mux)
	d.Register(mux)
	if b.routes != nil {
		b.routes(mux)
	}
	b.mu.Lock()
	b.hub, b.ws = h, s
	b.mu.Unlock()
	b.mux.Store(mux)
}

func (b *box) Hub() *hub.Hub {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.hub
}

// restart closes every client with 1001 and starts a new epoch.
func (b *box) restart() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.mu.Lock()
	old := b.ws
	b.mu.Unlock()
	old.Shutdown(ctx)
	b.build()
}

// dropClients closes every client with 1001 but keeps the epoch: a network
// blip as the page sees it.
func (b *box) dropClients() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.mu.Lock()
	old, h := b.ws, b.hub
	b.mu.Unlock()
	old.Shutdown(ctx)
	c := b.cfg()
	s := ws.NewServer(c.WebSocket, c.HTTP, h, quiet())
	mux := http.NewServeMux()
	s.Register(mux)
	display.New(display.Options{StateDir: b.dir, Config: b.cfg, Log: quiet(), State: func() []byte { return nil }}).Register(mux)
	b.mu.Lock()
	b.ws = s
	b.mu.Unlock()
	b.mux.Store(mux)
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, as ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, as...); err != nil {
		t.Fatal(err)
	}
}

// testState puts 16 balls on a grid, far enough apart to measure each one.
func testState(seq uint64) *model.State {
	st := &model.State{Seq: seq, Table: model.Standard(model.Table9ft), Phase: "idle", Width: 1280, Height: 720}
	for n := 0; n <= 15; n++ {
		num := n
		st.Balls = append(st.Balls, model.Ball{
			ID: model.BallID(n), Class: model.ClassOf(n), Number: &num, Confidence: 1,
			Pos: model.Vec2{X: 0.2 + 0.3*float64(n%8) + 0.013*float64(n), Y: 0.33 + 0.55*float64(n/8) + 0.007*float64(n)},
		})
	}
	return st
}

// ballColours are the page's (web/js/balls.js).
var ballColours = map[int]color.RGBA{
	0: {0xf4, 0xf1, 0xe6, 255}, 1: {0xf2, 0xc2, 0x00, 255}, 2: {0x16, 0x46, 0xc8, 255}, 3: {0xd4, 0x1a, 0x1a, 255},
	4: {0x6a, 0x2a, 0xa8, 255}, 5: {0xf0, 0x78, 0x18, 255}, 6: {0x12, 0x8a, 0x48, 255}, 7: {0x8a, 0x1c, 0x1c, 255}, 8: {0x10, 0x10, 0x10, 255},
}

func near(c color.Color, want color.RGBA, tol float64) bool {
	r, g, b, _ := c.RGBA()
	d := math.Sqrt(sq(float64(r>>8)-float64(want.R)) + sq(float64(g>>8)-float64(want.G)) + sq(float64(b>>8)-float64(want.B)))
	return d <= tol
}

func sq(x float64) float64 { return x * x }

type rect struct{ Left, Top, Width, Height float64 }

// The page draws every ball where the state says: the centroid of each
// ball's colour is within 2 px of the state's position mapped to the screen
// by the documented layout (playing surface plus 0.12 m rails, fitted and
// centred, y up).
func TestDisplayDrawsBallsWhereStateSays(t *testing.T) {
	b := newBox(t)
	ctx := browsertest.New(t, 1280, 760)
	st := testState(4242)
	stop := publishEvery(b, 50*time.Millisecond, func(h *hub.Hub) { h.Publish(hub.StreamState, st) })
	defer stop()
	do(t, ctx, chromedp.Navigate(b.srv.URL+"/"))
	run(t, ctx, chromedp.Poll[bool](`window.cuecast && window.cuecast.lastState && window.cuecast.lastState.seq === 4242 && window.cuecast.view !== null`, chromedp.WithPollingTimeout(30*time.Second)))
	run(t, ctx, chromedp.Evaluate[any](`window.cuecast.freeze(true)`))
	do(t, ctx, chromedp.Sleep(200*time.Millisecond)) // a frame or two to settle
	r := run(t, ctx, chromedp.Evaluate[rect](`(() => { const r = document.getElementById("table").getBoundingClientRect(); return {Left: r.left, Top: r.top, Width: r.width, Height: r.height}; })()`))
	shot := run(t, ctx, chromedp.CaptureScreenshot())
	browsertest.Artifact(t, "display.png", shot)
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	const rail = 0.12
	L, W := st.Table.Length, st.Table.Width
	scale := math.Min(r.Width/(L+2*rail), r.Height/(W+2*rail))
	ox, oy := (r.Width-L*scale)/2, (r.Height+W*scale)/2
	rad := model.BallRadius * scale
	for _, ball := range st.Balls {
		n := *ball.Number
		want := ballColours[n]
		if n > 8 {
			want = ballColours[n-8]
		}
		ex, ey := r.Left+ox+ball.Pos.X*scale, r.Top+oy-ball.Pos.Y*scale
		var sx, sy, cnt float64
		win := 2.5 * rad
		for y := int(ey - win); y <= int(ey+win); y++ {
			for x := int(ex - win); x <= int(ex+win); x++ {
				if near(img.At(x, y), want, 18) {
					sx += float64(x) + 0.5
					sy += float64(y) + 0.5
					cnt++
				}
			}
		}
		if cnt < 10 {
			t.Errorf("ball %d: %v pixels of its colour near (%.1f, %.1f): not drawn there", n, cnt, ex, ey)
			continue
		}
		cx, cy := sx/cnt, sy/cnt
		if d := math.Hypot(cx-ex, cy-ey); d > 2 {
			t.Errorf("ball %d drawn at (%.1f, %.1f), state maps to (%.1f, %.1f): %.2f px off, want <= 2", n, cx, cy, ex, ey, d)
		}
	}
}

// publishEvery calls f on the current hub until stopped (the state is
// conflating: a page gets the latest whenever it connects).
func publishEvery(b *box, d time.Duration, f func(*hub.Hub)) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			f(b.Hub())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// feedKeys returns the event feed's keys (epoch:offset), newest first.
func feedKeys(t *testing.T, ctx context.Context) []string {
	return run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#events li")].map(li => li.dataset.key)`))
}

func pocketed(n int) model.Event {
	return model.Event{Type: model.EventBallPocketed, Time: time.Now(), Balls: []string{fmt.Sprint(n)}, Pocket: model.PocketTopSide}
}

// Events appear once each: across a network blip (resume within the same
// epoch: the ones published while the page was away arrive, none twice) and
// across a daemon restart (a new epoch: nothing from the old one repeats).
func TestDisplayEventsOnceAcrossReconnectAndRestart(t *testing.T) {
	b := newBox(t)
	ctx := browsertest.New(t, 1280, 760)
	stop := publishEvery(b, 100*time.Millisecond, func(h *hub.Hub) { h.Publish(hub.StreamState, testState(1)) })
	defer stop()
	do(t, ctx, chromedp.Navigate(b.srv.URL+"/"))
	run(t, ctx, chromedp.Poll[bool](`document.querySelector("#conn").classList.contains("connected")`, chromedp.WithPollingTimeout(30*time.Second)))
	h := b.Hub()
	for i := 1; i <= 5; i++ {
		h.Publish(hub.StreamEvent, pocketed(i))
	}
	run(t, ctx, chromedp.Poll[bool](`window.cuecast.events >= 5`, chromedp.WithPollingTimeout(10*time.Second)))

	// A blip: every client dropped; events happen while the page is away.
	b.dropClients()
	for i := 6; i <= 9; i++ {
		h.Publish(hub.StreamEvent, pocketed(i))
	}
	run(t, ctx, chromedp.Poll[bool](`window.cuecast.events >= 9`, chromedp.WithPollingTimeout(20*time.Second)))
	do(t, ctx, chromedp.Sleep(300*time.Millisecond))
	keys := feedKeys(t, ctx)
	if len(keys) != 9 {
		t.Fatalf("feed has %d events after the blip, want 9: %v", len(keys), keys)
	}
	for i, k := range keys { // newest first: offsets 9..1 of one epoch
		if want := fmt.Sprintf("%s:%d", h.Epoch(), 9-i); k != want {
			t.Errorf("feed[%d] = %s, want %s (every event once, in order)", i, k, want)
		}
	}

	// A restart: new epoch; the page reconnects by itself.
	b.restart()
	h2 := b.Hub()
	if h2.Epoch() == h.Epoch() {
		t.Fatal("restart kept the epoch")
	}
	// The new process plays on before the page is back: those events must
	// arrive too (no gap), not only the latest.
	for i := 10; i <= 11; i++ {
		h2.Publish(hub.StreamEvent, pocketed(i))
	}
	run(t, ctx, chromedp.Poll[bool](fmt.Sprintf(`window.cuecast.client.epoch === %q && document.querySelector("#conn").classList.contains("connected")`, h2.Epoch()), chromedp.WithPollingTimeout(30*time.Second)))
	run(t, ctx, chromedp.Poll[bool](`window.cuecast.events >= 11`, chromedp.WithPollingTimeout(10*time.Second)))
	do(t, ctx, chromedp.Sleep(300*time.Millisecond))
	keys = feedKeys(t, ctx)
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("event %s shown twice", k)
		}
		seen[k] = true
	}
	if len(keys) != 11 || !seen[h2.Epoch()+":1"] || !seen[h2.Epoch()+":2"] {
		t.Errorf("feed after restart = %v, want the 9 old events and offsets 1, 2 of the new epoch (both published before the page reconnected)", keys)
	}
}

// homography maps table metres to screen pixels through four corners, as
// the projector page does (solved here independently).
func homography(src, dst [4][2]float64) [9]float64 {
	var A [8][9]float64
	for i := 0; i < 4; i++ {
		x, y, u, v := src[i][0], src[i][1], dst[i][0], dst[i][1]
		A[2*i] = [9]float64{x, y, 1, 0, 0, 0, -u * x, -u * y, u}
		A[2*i+1] = [9]float64{0, 0, 0, x, y, 1, -v * x, -v * y, v}
	}
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(A[r][c]) > math.Abs(A[p][c]) {
				p = r
			}
		}
		A[c], A[p] = A[p], A[c]
		for r := 0; r < 8; r++ {
			if r != c {
				f := A[r][c] / A[c][c]
				for k := c; k < 9; k++ {
					A[r][k] -= f * A[c][k]
				}
			}
		}
	}
	var H [9]float64
	for i := 0; i < 8; i++ {
		H[i] = A[i][8] / A[i][i]
	}
	H[8] = 1
	return H
}

func project(H [9]float64, x, y float64) (float64, float64) {
	w := H[6]*x + H[7]*y + H[8]
	return (H[0]*x + H[1]*y + H[2]) / w, (H[3]*x + H[4]*y + H[5]) / w
}

// The projector page with a saved calibration draws a known trajectory at
// the pixels the homography gives, and nothing (black) beside it.
func TestProjectorDrawsTrajectoryThroughCalibration(t *testing.T) {
	b := newBox(t)
	const w, h = 1280, 720
	corners := [4][2]float64{{0.10, 0.90}, {0.92, 0.86}, {0.88, 0.12}, {0.13, 0.08}}
	body, _ := json.Marshal(map[string]any{"corners": corners})
	req, _ := http.NewRequest("PUT", b.srv.URL+"/api/v1/projector/calibration", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT calibration: HTTP %d", resp.StatusCode)
	}
	traj := &model.Trajectory{Seq: 7, Aiming: true, Ghost: &model.Vec2{X: 1.5, Y: 0.5},
		Paths: []model.BallPath{
			{Ball: "cue", Points: []model.Vec2{{X: 0.6, Y: 0.4}, {X: 1.5, Y: 0.5}}},
			{Ball: "3", Points: []model.Vec2{{X: 1.55, Y: 0.5}, {X: 2.3, Y: 1.1}}},
		},
		Outcome: model.ShotOutcome{Pocketed: map[string]string{"3": model.PocketTopRight}}}
	stop := publishEvery(b, 100*time.Millisecond, func(h *hub.Hub) {
		h.Publish(hub.StreamState, testState(1))
		h.Publish(hub.StreamTrajectory, traj)
	})
	defer stop()
	ctx := browsertest.New(t, w, h)
	do(t, ctx, chromedp.Navigate(b.srv.URL+"/projector"))
	run(t, ctx, chromedp.Poll[bool](`window.cuecast && window.cuecast.drawn > 2 && window.cuecast.calibration.corners[0][0] === 0.1`, chromedp.WithPollingTimeout(30*time.Second)))
	do(t, ctx, chromedp.Sleep(300*time.Millisecond))
	shot := run(t, ctx, chromedp.CaptureScreenshot())
	browsertest.Artifact(t, "projector.png", shot)
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	var dst [4][2]float64
	for i, c := range corners {
		dst[i] = [2]float64{c[0] * w, c[1] * h}
	}
	H := homography([4][2]float64{{0, 0}, {2.54, 0}, {2.54, 1.27}, {0, 1.27}}, dst)
	red := color.RGBA{0xd4, 0x1a, 0x1a, 255}
	a, z := traj.Paths[1].Points[0], traj.Paths[1].Points[1]
	ax, ay := project(H, a.X, a.Y)
	zx, zy := project(H, z.X, z.Y)
	nx, ny := -(zy - ay), zx-ax // normal
	nl := math.Hypot(nx, ny)
	nx, ny = nx/nl, ny/nl
	for i := 1; i < 20; i++ {
		f := float64(i) / 20
		// The object-ball path is a straight line in table metres, so its
		// image is the straight segment between the projected end points.
		px, py := ax+f*(zx-ax), ay+f*(zy-ay)
		if !anyNear(img, px, py, 2, red, 60) {
			t.Errorf("object-ball path missing at (%.0f, %.0f) (%.0f%% along)", px, py, 100*f)
		}
		if !black(img.At(int(px+25*nx), int(py+25*ny))) || !black(img.At(int(px-25*nx), int(py-25*ny))) {
			t.Errorf("light 25 px beside the path at (%.0f, %.0f)", px, py)
		}
	}
	// The ghost ball's outline passes through points one ball radius from its centre.
	gx, gy := project(H, traj.Ghost.X+model.BallRadius, traj.Ghost.Y)
	if !anyNear(img, gx, gy, 2, color.RGBA{255, 255, 255, 255}, 80) {
		t.Errorf("ghost ball outline missing at (%.0f, %.0f)", gx, gy)
	}
	// The target pocket is highlighted.
	px, py := project(H, 2.54, 1.27)
	found := false
	for a := 0.0; a < 2*math.Pi && !found; a += math.Pi / 16 {
		r := 0.0603 * 1.3
		qx, qy := project(H, 2.54+r*math.Cos(a), 1.27+r*math.Sin(a))
		found = anyNear(img, qx, qy, 2, color.RGBA{0x3c, 0xff, 0x6e, 255}, 80)
	}
	if !found {
		t.Errorf("target pocket not highlighted near (%.0f, %.0f)", px, py)
	}
}

func anyNear(img image.Image, x, y float64, win int, want color.RGBA, tol float64) bool {
	for dy := -win; dy <= win; dy++ {
		for dx := -win; dx <= win; dx++ {
			if near(img.At(int(x)+dx, int(y)+dy), want, tol) {
				return true
			}
		}
	}
	return false
}

func black(c color.Color) bool { return near(c, color.RGBA{0, 0, 0, 255}, 30) }

func TestCalibrationRejectsBadInput(t *testing.T) {
	b := newBox(t)
	put := func(body, tok string) int {
		req, _ := http.NewRequest("PUT", b.srv.URL+"/api/v1/projector/calibration", strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := `{"corners":[[0,1],[1,1],[1,0],[0,0]]}`
	for _, tc := range []struct {
		name, body, tok string
		want            int
	}{
		{"no token", good, "", 401},
		{"wrong token", good, "Bearer nope", 401},
		{"a prefix of the token", good, "Bearer " + token[:3], 401},
		{"token without scheme", good, token, 401},
		{"unknown field", `{"corners":[[0,1],[1,1],[1,0],[0,0]],"x":1}`, "Bearer " + token, 400},
		{"folded quad", `{"corners":[[0,1],[1,0],[1,1],[0,0]]}`, "Bearer " + token, 400},
		{"off screen", `{"corners":[[0,9],[1,1],[1,0],[0,0]]}`, "Bearer " + token, 400},
		{"not json", `{"corners":`, "Bearer " + token, 400},
		{"good", good, "Bearer " + token, 200},
		{"scheme in any case (RFC 7235)", good, "bearer " + token, 200},
	} {
		if got := put(tc.body, tc.tok); got != tc.want {
			t.Errorf("%s: HTTP %d, want %d", tc.name, got, tc.want)
		}
	}
}
