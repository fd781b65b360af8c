//go:build cgo

package video

import (
	"context"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/vision"
)

// BenchmarkEncodeOpenCV720p is the daemon's encoder (edge/vision's
// JPEGEncoder, OpenCV's libjpeg-turbo) driven the way the daemon drives it:
// as this package's Encoder func, on a 720p table frame, at the default
// video.quality (75) and at the quality vision benchmarks (80).
// Only built with cgo: edge/video itself stays cgo-free.
//
//	go test ./edge/video -run '^$' -bench 'Encode' -benchtime 100x
func BenchmarkEncodeOpenCV720p(b *testing.B) {
	f := simFrame(b)
	for _, q := range []int{75, 80} {
		b.Run(map[int]string{75: "q75", 80: "q80"}[q], func(b *testing.B) {
			e, err := vision.NewJPEGEncoder(q, 0)
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			var enc Encoder = func(f *model.Frame, _ int) ([]byte, error) { return e.Encode(f) }
			b.ReportAllocs()
			var size int
			for b.Loop() {
				j, err := enc(f, hub.LevelFull)
				if err != nil {
					b.Fatal(err)
				}
				size = len(j)
			}
			b.ReportMetric(float64(size)/1024, "KiB/frame")
		})
	}
}

// BenchmarkOfferToImage720p is the whole per-frame cost on the daemon's
// side while someone watches: Offer copies the frame, Run encodes it with
// OpenCV, and the image is published to viewers. One iteration is one frame
// from Offer until the new Image is visible.
//
//	go test ./edge/video -run '^$' -bench OfferToImage -benchtime 100x
func BenchmarkOfferToImage720p(b *testing.B) {
	f := simFrame(b)
	e, err := vision.NewJPEGEncoder(75, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	v := New(Options{Encode: func(f *model.Frame, _ int) ([]byte, error) { return e.Encode(f) }, Log: quiet(), MaxFPS: 120})
	v.snapWait.Add(1) // someone watches (as a waiting snapshot does), without HTTP
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); v.Run(ctx) }()
	defer func() { cancel(); <-done }()
	b.ReportAllocs()
	var seq uint64
	for b.Loop() {
		seq++
		img := v.Latest()
		f.Seq = seq
		v.Offer(f)
		<-img.next
		for v.Latest().Seq != seq {
			time.Sleep(10 * time.Microsecond)
		}
	}
}
