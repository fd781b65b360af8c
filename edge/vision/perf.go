package vision

import (
	"slices"
	"sync"

	"github.com/cuecast/cuecast/edge/model"
)

// perfWindow is how many recent frames Performance summarises.
const perfWindow = 256

// perfStats keeps the last frames' timings for GET /api/v1/vision/performance
// and the performance stream. add is called by the detect loop; snapshot by
// HTTP handlers.
type perfStats struct {
	mu    sync.Mutex // guards the fields below
	ring  [perfWindow]model.StageTimings
	n     int // frames recorded, total
	last  model.StageTimings
	balls int
}

func (p *perfStats) add(t model.StageTimings, balls int) {
	p.mu.Lock()
	p.ring[p.n%perfWindow] = t
	p.n++
	p.last = t
	p.balls = balls
	p.mu.Unlock()
}

// StageStats summarises one stage over the window, in milliseconds.
type StageStats struct {
	Median float64 `json:"median_ms"`
	P99    float64 `json:"p99_ms"`
	Max    float64 `json:"max_ms"`
}

// Performance is the detector's recent timing, as served at
// GET /api/v1/vision/performance.
type Performance struct {
	Frames  int                   `json:"frames"` // frames detected since start
	Window  int                   `json:"window"` // frames summarised below
	Last    model.StageTimings    `json:"last"`
	Stages  map[string]StageStats `json:"stages"` // capture, table, balls, cue, total
	Balls   int                   `json:"balls"`  // balls in the last frame
	Threads int                   `json:"threads"`
}

// Performance returns the recent per-stage timings. Safe for concurrent use.
func (d *Detector) Performance() Performance {
	p := &d.perf
	p.mu.Lock()
	n := min(p.n, perfWindow)
	ring := p.ring
	out := Performance{Frames: p.n, Window: n, Last: p.last, Balls: p.balls, Threads: Threads()}
	p.mu.Unlock()
	stages := map[string]func(t model.StageTimings) float64{
		"capture": func(t model.StageTimings) float64 { return t.CaptureMS },
		"table":   func(t model.StageTimings) float64 { return t.TableMS },
		"balls":   func(t model.StageTimings) float64 { return t.BallsMS },
		"cue":     func(t model.StageTimings) float64 { return t.CueMS },
		"total":   func(t model.StageTimings) float64 { return t.CaptureMS + t.TableMS + t.BallsMS + t.CueMS },
	}
	out.Stages = make(map[string]StageStats, len(stages))
	v := make([]float64, n)
	for name, get := range stages {
		for i := 0; i < n; i++ {
			v[i] = get(ring[i])
		}
		slices.Sort(v)
		if n == 0 {
			out.Stages[name] = StageStats{}
			continue
		}
		out.Stages[name] = StageStats{Median: v[n/2], P99: v[min(n-1, n*99/100)], Max: v[n-1]}
	}
	return out
}
