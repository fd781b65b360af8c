package video

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// simFrame renders one 720p frame of the simulator's demo table (with sensor
// noise), so JPEG sizes and encode costs are those of a real scene, not of
// a flat colour or of pure noise.
func simFrame(tb testing.TB) *model.Frame {
	tb.Helper()
	o := sim.DefaultOptions()
	o.Unpaced = true
	s, err := sim.Open(o)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	f := &model.Frame{}
	for i := 0; i < 45; i++ { // past the rack, into the break: balls spread out
		if err := s.Read(context.Background(), f); err != nil {
			tb.Fatal(err)
		}
	}
	return f
}

// BenchmarkEncodeGo720p is the standard library's JPEG encoder on a 720p
// table frame (the test encoder; the daemon uses OpenCV's, see
// bench_vision_test.go).
//
//	go test ./edge/video -run '^$' -bench 'Encode' -benchtime 40x
func BenchmarkEncodeGo720p(b *testing.B) {
	f := simFrame(b)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		j, err := goEncode(f, 0)
		if err != nil {
			b.Fatal(err)
		}
		size = len(j)
	}
	b.ReportMetric(float64(size)/1024, "KiB/frame")
}

// BenchmarkMJPEGViewers measures the frames per second that reach every one
// of N MJPEG viewers over loopback: each iteration offers one 720p frame and
// waits until all N viewers have read it, so the figure is the rate the
// fan-out sustains for everybody at once (the encoder is excluded: it
// returns a real 720p JPEG encoded ahead of time).
//
//	go test ./edge/video -run '^$' -bench MJPEGViewers -benchtime 300x
func BenchmarkMJPEGViewers(b *testing.B) {
	for _, n := range []int{10, 50} {
		b.Run(fmt.Sprintf("viewers=%d", n), func(b *testing.B) { benchViewers(b, n) })
	}
}

func benchViewers(b *testing.B, viewers int) {
	f := simFrame(b)
	jpeg, err := goEncode(f, 0)
	if err != nil {
		b.Fatal(err)
	}
	// MaxFPS far above any config value: the benchmark measures the fan-out,
	// not the cap (video.max_fps is at most 120).
	v := New(Options{Encode: func(*model.Frame, int) ([]byte, error) { return jpeg, nil }, Log: quiet(), MaxFPS: 1e4})
	mux := http.NewServeMux()
	v.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Add(1)
	go func() { defer wg.Done(); v.Run(ctx) }()

	// got[i] is the sequence number of the newest frame viewer i has read.
	got := make([]atomic.Uint64, viewers)
	tr := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: viewers}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	for i := range viewers {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/stream.mjpg", nil)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer resp.Body.Close()
			readSeqs(resp.Body, &got[i])
		}()
	}
	for v.Stats().Viewers != viewers {
		time.Sleep(time.Millisecond)
	}
	// One warm-up frame so every connection is past its first write.
	deliver := func(seq uint64) {
		f.Seq = seq
		v.Offer(f)
		deadline := time.Now().Add(30 * time.Second) // bounded, whatever goes wrong
		for i := range got {
			for got[i].Load() < seq {
				if time.Now().After(deadline) {
					b.Fatalf("viewer %d still at frame %d of %d after 30 s", i, got[i].Load(), seq)
				}
				time.Sleep(20 * time.Microsecond)
			}
		}
	}
	deliver(1)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	seq := uint64(1)
	for b.Loop() {
		seq++
		deliver(seq)
	}
	el := time.Since(start).Seconds()
	b.ReportMetric(float64(seq-1)/el, "frames/s")
	b.ReportMetric(float64(seq-1)*float64(viewers*len(jpeg))/el/(1<<20), "MiB/s")
	b.ReportMetric(float64(len(jpeg))/1024, "KiB/frame")
}

// readSeqs records the X-Frame-Seq of every part as soon as its
// Content-Length bytes are in, until the body ends. (mime/multipart would
// hold each part back until the next boundary arrives, one frame later,
// which deadlocks a lockstep benchmark.)
func readSeqs(body io.Reader, last *atomic.Uint64) {
	r := bufio.NewReaderSize(body, 256<<10)
	var seq uint64
	n := int64(-1)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		k, val, _ := strings.Cut(line, ":")
		switch {
		case strings.EqualFold(k, "Content-Length"):
			n, _ = strconv.ParseInt(strings.TrimSpace(val), 10, 64)
		case strings.EqualFold(k, "X-Frame-Seq"):
			seq, _ = strconv.ParseUint(strings.TrimSpace(val), 10, 64)
		case line == "" && n >= 0: // end of a part's headers
			if _, err := io.CopyN(io.Discard, r, n); err != nil {
				return
			}
			last.Store(seq)
			n = -1
		}
	}
}
