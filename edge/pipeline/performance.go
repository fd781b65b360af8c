package pipeline

import (
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// Performance is published on the `performance` stream (seed: every 500 ms).
type Performance struct {
	Time         time.Time          `json:"time"`
	FPS          float64            `json:"fps"`
	Frames       uint64             `json:"frames"`
	Dropped      uint64             `json:"dropped"`
	Timings      model.StageTimings `json:"timings"` // mean per stage over the window, ms
	TotalMS      float64            `json:"total_ms"`
	LatencyP50MS float64            `json:"latency_p50_ms"` // capture -> published
	LatencyP99MS float64            `json:"latency_p99_ms"`
	CPUPercent   float64            `json:"cpu_percent"` // of one core, this process
	RSSBytes     uint64             `json:"rss_bytes"`
	Goroutines   int                `json:"goroutines"`
}

// window accumulates one performance period. Owned by the loop goroutine.
type window struct {
	start time.Time
	n     int
	sum   model.StageTimings
	lat   []float64
	cpuAt time.Duration
}

func (w *window) reset(now time.Time) {
	w.start, w.n, w.sum = now, 0, model.StageTimings{}
	w.lat = w.lat[:0]
	w.cpuAt = cpuTime()
}

func (w *window) add(t *model.StageTimings, latency time.Duration) {
	w.n++
	w.sum.CaptureMS += t.CaptureMS
	w.sum.TableMS += t.TableMS
	w.sum.BallsMS += t.BallsMS
	w.sum.CueMS += t.CueMS
	w.sum.TrackingMS += t.TrackingMS
	w.sum.PublishMS += t.PublishMS
	w.lat = append(w.lat, ms(latency))
}

func (p *Pipeline) performance(w *window, now time.Time) Performance {
	el := now.Sub(w.start)
	perf := Performance{Time: now, Goroutines: runtime.NumGoroutine(), RSSBytes: rss()}
	if w.n > 0 {
		n := float64(w.n)
		perf.FPS = n / el.Seconds()
		perf.Timings = model.StageTimings{
			CaptureMS: w.sum.CaptureMS / n, TableMS: w.sum.TableMS / n, BallsMS: w.sum.BallsMS / n,
			CueMS: w.sum.CueMS / n, TrackingMS: w.sum.TrackingMS / n, PublishMS: w.sum.PublishMS / n,
		}
		t := perf.Timings
		perf.TotalMS = t.CaptureMS + t.TableMS + t.BallsMS + t.CueMS + t.TrackingMS + t.PublishMS
		sort.Float64s(w.lat)
		perf.LatencyP50MS = w.lat[len(w.lat)/2]
		perf.LatencyP99MS = w.lat[(len(w.lat)*99)/100]
	}
	if el > 0 {
		perf.CPUPercent = 100 * float64(cpuTime()-w.cpuAt) / float64(el)
	}
	p.mu.Lock()
	p.stats.FPS = perf.FPS
	p.stats.Timings = perf.Timings
	p.stats.LatencyP99MS = perf.LatencyP99MS
	perf.Frames, perf.Dropped = p.stats.Frames, p.stats.Dropped
	p.perf = perf
	p.mu.Unlock()
	return perf
}

// cpuTime is this process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rss reads the resident set size from /proc (0 where there is no /proc).
// runtime.MemStats would miss gocv's C allocations, which are the ones to watch.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}
