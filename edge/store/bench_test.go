package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/history"
)

// BenchmarkInsertShotWithImages stores one shot with its two pictures
// (about 20 KB each, as the recorder's thumbnails are) and waits for the
// durable commit, one shot at a time as a table produces them: the latency
// a shot waits for, fsync included. It reports p50/p99 of that wait and
// how long AddShot itself takes on the caller's goroutine (the part the
// hub consumer pays; the frame loop pays nothing).
//
//	go test ./edge/store -run '^$' -bench InsertShot -benchtime 400x
func BenchmarkInsertShotWithImages(b *testing.B) {
	s := open(b, Options{Path: filepath.Join(b.TempDir(), "bench.db")})
	img := testJPEG(b, 160, 90, 3)
	for len(img) < 18<<10 { // grow to a realistic thumbnail size
		img = append(img[:len(img)-2], append(make([]byte, 2048), 0xFF, 0xD9)...)
	}
	waits := make([]time.Duration, 0, b.N)
	var enqueue time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprint("b", i)
		sh := shotAt(id, i, "ann")
		done := make(chan error, 3)
		t0 := time.Now()
		s.AddShot(sh, false, func(err error) { done <- err })
		s.PutImage(id, history.ImageBefore, img, func(err error) { done <- err })
		s.PutImage(id, history.ImageAfter, img, func(err error) { done <- err })
		enqueue += time.Since(t0)
		for k := 0; k < 3; k++ {
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		}
		waits = append(waits, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
	b.ReportMetric(float64(waits[len(waits)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(waits[len(waits)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(enqueue.Nanoseconds())/float64(b.N)/1000, "enqueue-µs")
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// fillShots writes n shots (no pictures) in large batches, spread over 30
// days and four players, with every figure the statistics read.
func fillShots(b *testing.B, s *Store, n int) {
	r := rand.New(rand.NewPCG(1, 2))
	pending := make(chan error, 256)
	inflight := 0
	for i := 0; i < n; i++ {
		sh := shotAt(fmt.Sprint("f", i), i, []string{"ann", "bob", "cat", "dan"}[r.IntN(4)])
		sh.Ended = time.Now().Add(-time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
		sh.Started, sh.Record.Ended, sh.Record.Started = sh.Ended.Add(-3*time.Second), sh.Ended, sh.Ended.Add(-3*time.Second)
		sh.Record.ID = sh.ID
		for !s.AddShot(sh, i%12 == 0, func(err error) { pending <- err }) {
			if err := <-pending; err != nil {
				b.Fatal(err)
			}
			inflight--
		}
		inflight++
		for inflight > 128 {
			if err := <-pending; err != nil {
				b.Fatal(err)
			}
			inflight--
		}
	}
	for ; inflight > 0; inflight-- {
		if err := <-pending; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStats100k computes the full statistics (pocketing by band,
// breaks, fouls, innings and runs, position and path errors, per player)
// over 100,000 stored shots, and over the last 24 hours of them.
//
//	go test ./edge/store -run '^$' -bench Stats100k -benchtime 5x
func BenchmarkStats100k(b *testing.B) {
	s := open(b, Options{Path: filepath.Join(b.TempDir(), "bench.db"), QueueSize: 1024, SessionIdle: 365 * 24 * time.Hour})
	fillShots(b, s, 100_000)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		q    history.Query
	}{{"all", history.Query{}}, {"24h", history.Query{From: time.Now().Add(-24 * time.Hour)}}, {"player", history.Query{Player: "ann"}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var shots int
			// CPU time as well as wall time: on a shared machine the wall
			// clock mostly measures the other builds.
			cpu0 := cpuTime()
			defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op") }()
			for i := 0; i < b.N; i++ {
				st, err := s.Stats(ctx, c.q)
				if err != nil {
					b.Fatal(err)
				}
				shots = st.Shots
			}
			b.ReportMetric(float64(shots), "shots")
		})
	}
}
