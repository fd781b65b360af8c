package core

import (
	"testing"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// recorded is a prepared sequence of detections (simulator truth with
// noise and misses), so the benchmark measures Update alone.
func recorded(b *testing.B, scenario string, frames int) []model.Detection {
	fd := newFeed(b, sim.Options{Scenario: scenario, Seed: 7}, 7)
	out := make([]model.Detection, frames)
	for i := range out {
		d, _ := fd.next(b)
		out[i] = *d
		out[i].Balls = append([]model.BallDetection(nil), d.Balls...)
		for k := range out[i].Balls {
			p := *out[i].Balls[k].Pos
			out[i].Balls[k].Pos = &p
		}
	}
	return out
}

func benchUpdate(b *testing.B, scenario string) {
	dets := recorded(b, scenario, 1800) // a minute at 30 fps
	tr := NewTracker(Options{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tr.Update(&dets[i%len(dets)])
	}
}

// BenchmarkUpdateStill is a 16-ball table at rest.
func BenchmarkUpdateStill(b *testing.B) { benchUpdate(b, "still") }

// BenchmarkUpdateBreak replays racks, breaks and their rolling balls.
func BenchmarkUpdateBreak(b *testing.B) { benchUpdate(b, "break") }
