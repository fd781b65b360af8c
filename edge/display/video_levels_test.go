package display_test

import (
	"context"
	"fmt"
	"image/jpeg"
	"mime"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cuecast/cuecast/edge/display/browsertest"
)

// TestVideoLevelsPerPage: the real daemon (simulated 1280x720 camera, real
// JPEG) serves two table displays at once: a wide one gets the full image,
// a phone-width one the 640-px level, each from the same frame stream; an
// MJPEG viewer asking ?quality=640 gets 640-px parts too.
func TestVideoLevelsPerPage(t *testing.T) {
	d := runDaemon(t, "[source]\nwidth = 1280\nheight = 720\nfps = 5.0\ntarget_fps = 5.0\n")
	addr := d.addr

	wide := browsertest.New(t, 1280, 760)
	do(t, wide, chromedp.Navigate("http://"+addr+"/"))
	// The phone: a second tab of the same browser with a phone's viewport.
	phone, cancel := chromedp.NewContext(wide)
	defer cancel()
	do(t, phone, chromedp.EmulateViewport(390, 844), chromedp.Navigate("http://"+addr+"/"))
	// The first frame a page gets may be the one the box last encoded (for
	// whoever watched then); from the next one on, each gets its level.
	size := `[window.cuecast.video.width, window.cuecast.video.height]`
	poll(t, phone, `window.cuecast && window.cuecast.video.width === 640 && window.cuecast.video.height === 360`, 60*time.Second)
	poll(t, wide, `window.cuecast && window.cuecast.video.width === 1280 && window.cuecast.video.height === 720`, 60*time.Second)
	// And they keep them, frame after frame, while both watch.
	for name, ctx := range map[string]context.Context{"wide": wide, "phone": phone} {
		n := run(t, ctx, chromedp.Evaluate[int](`window.cuecast.video.shown`))
		poll(t, ctx, fmt.Sprintf(`window.cuecast.video.shown >= %d`, n+3), 60*time.Second)
		got := run(t, ctx, chromedp.Evaluate[[]int](size))
		t.Logf("%s page: %d frames shown, now %dx%d", name, n+3, got[0], got[1])
		if want := map[string]int{"wide": 1280, "phone": 640}[name]; got[0] != want {
			t.Errorf("%s page video width %d after 3 more frames, want %d", name, got[0], want)
		}
	}

	resp, err := http.Get("http://" + addr + "/stream.mjpg?quality=640")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	part, err := multipart.NewReader(resp.Body, params["boundary"]).NextPart()
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(part)
	if err != nil {
		t.Fatalf("MJPEG part: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 360 {
		t.Errorf("/stream.mjpg?quality=640 part is %v, want 640x360", b)
	}
}
