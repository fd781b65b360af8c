package video

import (
	"bufio"
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// goEncode is a real JPEG encoder (the standard library's) for tests; the
// daemon uses OpenCV's.
func goEncode(f *model.Frame, _ int) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	for i := 0; i < f.Width*f.Height; i++ {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = f.Pix[3*i+2], f.Pix[3*i+1], f.Pix[3*i], 255
	}
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 70})
	return b.Bytes(), err
}

// countingEncoder returns one real JPEG encoded ahead of time, so the test
// measures the fan-out, not the standard library's encoder (slow under -race
// on a loaded machine).
type countingEncoder struct {
	n    atomic.Int64
	once sync.Once
	jpeg []byte
}

func (c *countingEncoder) encode(f *model.Frame, _ int) ([]byte, error) {
	c.once.Do(func() { c.jpeg, _ = goEncode(f, 0) })
	c.n.Add(1)
	return c.jpeg, nil
}

// noise makes frames that compress badly, like a real sensor's, so MJPEG
// parts are large enough to fill a stalled viewer's socket buffers.
var noise = func() []byte {
	b := make([]byte, 1<<21)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}()

func frame(seq uint64, w, h int) *model.Frame {
	f := &model.Frame{Seq: seq, Width: w, Height: h, Captured: time.Now(), Pix: make([]byte, w*h*3)}
	off := int(seq*4099) % (len(noise) - len(f.Pix))
	copy(f.Pix, noise[off:])
	return f
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// feed offers frames at fps until ctx ends, like the frame loop.
func feed(ctx context.Context, v *Video, fps float64, w, h int) {
	t := time.NewTicker(time.Duration(float64(time.Second) / fps))
	defer t.Stop()
	var seq uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			seq++
			v.Offer(frame(seq, w, h))
		}
	}
}

func TestEncodesOnlyWhileWatched(t *testing.T) {
	enc := &countingEncoder{}
	v := New(Options{Encode: enc.encode, Log: quiet(), MaxFPS: 100})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go v.Run(ctx)
	for i := 0; i < 20; i++ {
		v.Offer(frame(uint64(i), 32, 24))
	}
	time.Sleep(50 * time.Millisecond)
	if n := enc.n.Load(); n != 0 {
		t.Fatalf("encoded %d frames with nobody watching, want 0", n)
	}
	// A snapshot request makes the next offered frame encode.
	got := make(chan []byte)
	go func() {
		b, err := v.Snapshot(ctx, time.Second)
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	deadline := time.After(5 * time.Second)
	for {
		v.Offer(frame(99, 32, 24))
		select {
		case b := <-got:
			if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
				t.Fatalf("snapshot is not a JPEG: %v", err)
			}
			return
		case <-deadline:
			t.Fatal("no snapshot within 5 s")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// readParts reads MJPEG parts from resp, counting them until ctx ends.
func readParts(t *testing.T, body io.Reader, contentType string, n *atomic.Int64) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Errorf("content type %q: %v", contentType, err)
		return
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return
		}
		if p.Header.Get("Content-Type") != "image/jpeg" || len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
			t.Errorf("part is not a JPEG (%q, %d bytes)", p.Header.Get("Content-Type"), len(b))
			return
		}
		n.Add(1)
	}
}

// Ten viewers and one that never reads: the ten keep the full frame rate,
// the stalled one is cut off, and memory stays bounded.
func TestMJPEGStalledViewerDoesNotSlowOthers(t *testing.T) {
	const fps = 20
	enc := &countingEncoder{}
	v := New(Options{Encode: enc.encode, Log: quiet(), MaxFPS: fps, WriteTimeout: 500 * time.Millisecond})
	mux := http.NewServeMux()
	v.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); v.Run(ctx) }()
	// 640x480 frames make ~30 KB JPEGs: the stalled viewer's socket buffers fill fast.
	go func() { defer wg.Done(); feed(ctx, v, fps, 640, 480) }()
	defer func() { cancel(); wg.Wait() }()

	// The stalled viewer: a raw connection that sends the request and never reads.
	stalled, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	if tc, ok := stalled.(*net.TCPConn); ok {
		tc.SetReadBuffer(4096)
	}
	io.WriteString(stalled, "GET /stream.mjpg HTTP/1.1\r\nHost: x\r\n\r\n")

	var counts [10]atomic.Int64
	var rwg sync.WaitGroup
	rctx, rcancel := context.WithCancel(context.Background())
	for i := range counts {
		req, _ := http.NewRequestWithContext(rctx, "GET", srv.URL+"/stream.mjpg", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rwg.Add(1)
		go func(i int) {
			defer rwg.Done()
			defer resp.Body.Close()
			readParts(t, bufio.NewReader(resp.Body), resp.Header.Get("Content-Type"), &counts[i])
		}(i)
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// Stream until the encoder has produced enough frames to judge, however
	// slow this machine is today: the checks below compare viewers with the
	// encoder, never with the wall clock.
	const enough = 60
	deadline := time.Now().Add(60 * time.Second)
	for (enc.n.Load() < enough || v.Stats().Viewers != 10) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// The stalled viewer was cut off by the write deadline: ten remain.
	if n := v.Stats().Viewers; n != 10 {
		t.Errorf("%d MJPEG viewers after %d frames, want 10 (the stalled one disconnected)", n, enc.n.Load())
	}
	rcancel()
	rwg.Wait()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)

	encoded := enc.n.Load()
	if encoded < enough {
		t.Fatalf("encoded only %d frames in 60 s at %d fps offered: the encoder is stuck", encoded, fps)
	}
	for i := range counts {
		got := counts[i].Load()
		// Every viewer gets (almost) every encoded frame: the stalled one
		// costs them nothing. Allow a few frames at the edges (the first
		// ones encoded before a viewer connected, the last one in flight).
		if got < encoded*8/10 {
			t.Errorf("viewer %d got %d frames of %d encoded", i, got, encoded)
		}
	}
	// Bounded memory: a handful of frames, not a queue per viewer.
	if grow := int64(after.HeapInuse) - int64(before.HeapInuse); grow > 16<<20 {
		t.Errorf("heap grew by %d bytes during streaming", grow)
	}
	deadline = time.Now().Add(5 * time.Second)
	for v.Stats().Viewers != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := v.Stats().Viewers; n != 0 {
		t.Errorf("%d viewers still counted after all left", n)
	}
}

type fakeHub struct {
	watchers atomic.Int32 // frame subscribers at full
	small    atomic.Int32 // frame subscribers at 640
	pubs     atomic.Int32
	mu       sync.Mutex
	last     [hub.NumLevels][]byte
}

func (h *fakeHub) PublishFrame(j [hub.NumLevels][]byte) (*hub.Publication, error) {
	if j[hub.LevelFull] == nil && j[hub.Level960] == nil && j[hub.Level640] == nil {
		panic("unexpected publish")
	}
	h.mu.Lock()
	h.last = j
	h.mu.Unlock()
	h.pubs.Add(1)
	return nil, nil
}

func (h *fakeHub) FrameLevels() [hub.NumLevels]int {
	return [hub.NumLevels]int{hub.LevelFull: int(h.watchers.Load()), hub.Level640: int(h.small.Load())}
}

func TestFrameStreamPublishesWhileSubscribed(t *testing.T) {
	h := &fakeHub{}
	v := New(Options{Encode: goEncode, Hub: h, Log: quiet(), MaxFPS: 100})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go v.Run(ctx)
	h.watchers.Store(1)
	deadline := time.Now().Add(5 * time.Second)
	for h.pubs.Load() < 3 && time.Now().Before(deadline) {
		v.Offer(frame(1, 16, 16))
		time.Sleep(5 * time.Millisecond)
	}
	if h.pubs.Load() < 3 {
		t.Fatalf("published %d frames with a subscriber, want >= 3", h.pubs.Load())
	}
	h.watchers.Store(0)
	time.Sleep(50 * time.Millisecond)
	n := h.pubs.Load()
	for i := 0; i < 10; i++ {
		v.Offer(frame(2, 16, 16))
	}
	time.Sleep(50 * time.Millisecond)
	if h.pubs.Load() != n {
		t.Errorf("published after the last subscriber left")
	}
}

// A new MJPEG viewer gets the newest image at once, without waiting for the
// camera's next frame (at a low fps cap that could take seconds).
func TestMJPEGNewViewerGetsLatestAtOnce(t *testing.T) {
	enc := &countingEncoder{}
	v := New(Options{Encode: enc.encode, Log: quiet(), MaxFPS: 30})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); v.Run(ctx) }()
	defer func() { cancel(); <-done }()
	snap := make(chan error, 1)
	go func() { _, err := v.Snapshot(ctx, time.Second); snap <- err }()
	for v.Latest().JPEG == nil {
		v.Offer(frame(7, 32, 24))
		time.Sleep(5 * time.Millisecond)
	}
	if err := <-snap; err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	v.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	req, _ := http.NewRequestWithContext(rctx, "GET", srv.URL+"/stream.mjpg?fps=0.5", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	var seq string
	for seq == "" { // no further frame is offered: the greeting is the only one
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("no part before %v", err)
		}
		if v, ok := strings.CutPrefix(line, "X-Frame-Seq: "); ok {
			seq = strings.TrimSpace(v)
		}
	}
	if seq != "7" {
		t.Errorf("first part is frame %s, want the latest, 7", seq)
	}
}

// Field probe: /stream.mjpg?fps=1e-300 overflowed the gap between frames
// into a negative duration, that is no cap at all. Out-of-range (and NaN)
// rates are refused with the range; the slowest allowed one is served.
func TestMJPEGFPSTooSmallRefusedNotUncapped(t *testing.T) {
	v := New(Options{Encode: goEncode, Log: quiet(), MaxFPS: 30})
	mux := http.NewServeMux()
	v.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, fps := range []string{"1e-300", "0.001", "0", "-1", "NaN", "Inf", "121", "fast"} {
		resp, err := http.Get(srv.URL + "/stream.mjpg?fps=" + fps)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "want a number from 0.01 to 120") {
			t.Errorf("fps=%s: %d %q, want 400 with the range", fps, resp.StatusCode, body)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/stream.mjpg?fps=0.01", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("fps=0.01: status %d, want 200", resp.StatusCode)
	}
}

// levelEncoder names the level and frame in its output, and counts
// encodes per level.
type levelEncoder struct{ n [hub.NumLevels]atomic.Int64 }

func (e *levelEncoder) encode(f *model.Frame, level int) ([]byte, error) {
	e.n[level].Add(1)
	return []byte(hub.LevelNames[level] + "/" + strconv.FormatUint(f.Seq, 10)), nil
}

// TestLevelsEncodedOnlyWhileWatched: each level is encoded once per frame
// while someone watches it (an MJPEG viewer or a frame subscriber), and not
// at all otherwise; an MJPEG viewer of 640 gets the 640 image.
func TestLevelsEncodedOnlyWhileWatched(t *testing.T) {
	h := &fakeHub{}
	enc := &levelEncoder{}
	v := New(Options{Encode: enc.encode, Hub: h, Log: quiet(), MaxFPS: 200})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); v.Run(ctx) }()
	defer func() { cancel(); <-done }()

	mux := http.NewServeMux()
	v.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cl := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	bad, err := cl.Get(srv.URL + "/stream.mjpg?quality=4k")
	if err != nil || bad.StatusCode != http.StatusBadRequest {
		t.Fatalf("quality=4k: %v %v, want 400", bad, err)
	}
	bad.Body.Close()
	rctx, rcancel := context.WithCancel(context.Background())
	defer rcancel()
	req, _ := http.NewRequestWithContext(rctx, "GET", srv.URL+"/stream.mjpg?quality=640", nil)
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parts := make(chan string, 64)
	go func() {
		defer close(parts)
		_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		mr := multipart.NewReader(resp.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return
			}
			b, _ := io.ReadAll(p)
			parts <- string(b)
		}
	}()
	// Offer frames until the viewer has its first part.
	var first string
	for seq := uint64(1); first == ""; seq++ {
		v.Offer(frame(seq, 16, 16))
		select {
		case first = <-parts:
		case <-time.After(20 * time.Millisecond):
		}
	}
	if !strings.HasPrefix(first, "640/") {
		t.Fatalf("640 viewer got %q", first)
	}
	if n := enc.n[hub.LevelFull].Load() + enc.n[hub.Level960].Load(); n != 0 {
		t.Errorf("encoded %d full/960 images with only a 640 viewer", n)
	}
	// A full subscriber on the hub: full is encoded too, published with 640.
	h.watchers.Store(1)
	for seq := uint64(1000); h.pubs.Load() == 0; seq++ {
		v.Offer(frame(seq, 16, 16))
		time.Sleep(5 * time.Millisecond)
	}
	h.mu.Lock()
	last := h.last
	h.mu.Unlock()
	if !strings.HasPrefix(string(last[hub.LevelFull]), "full/") || !strings.HasPrefix(string(last[hub.Level640]), "640/") || last[hub.Level960] != nil {
		t.Errorf("published levels %q, want full and 640 only", last)
	}
}
