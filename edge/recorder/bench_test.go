package recorder

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/store"
)

// BenchmarkFrameLoopPublish measures what the frame loop pays per frame to
// publish its state (16 balls) on the hub, every 30th frame also a shot's
// start and end (a shot a second: far more than any table), with and
// without the recorder storing every shot and its two pictures (decoded,
// scaled and written on the recorder's own goroutines, competing for the
// same 2 cores). Reported: p50/p99 of the publish call, as the frame loop
// sees it.
//
//	go test ./edge/recorder -run '^$' -bench FrameLoopPublish -benchtime 3000x
func BenchmarkFrameLoopPublish(b *testing.B) {
	jpg := fakeJPEG(b, 1280, 720)
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("recorder=%v", on), func(b *testing.B) {
			h := hub.New(config.Default().Hub, quiet())
			if on {
				st, err := store.Open(store.Options{Path: filepath.Join(b.TempDir(), "h.db"), Log: quiet()})
				if err != nil {
					b.Fatal(err)
				}
				r := New(Options{Hub: h, Store: st, Log: quiet(),
					Snapshot: func(context.Context, time.Duration) ([]byte, error) { return jpg, nil }})
				r.Start()
				defer func() { r.Close(); st.Close() }()
			}
			state := &model.State{Table: model.Standard(model.Table9ft), Phase: "idle"}
			for n := 0; n < 16; n++ {
				num := n
				state.Balls = append(state.Balls, model.Ball{ID: model.BallID(n), Number: &num, Pos: model.Vec2{X: 0.1 + 0.15*float64(n), Y: 0.6}})
			}
			sum := &model.ShotSummary{FirstContact: "3", Pocketed: map[string]string{"3": model.PocketTopRight}, DurationS: 1,
				Start: []model.BallSpot{{ID: "cue", Pos: model.Vec2{X: 1, Y: 0.5}}, {ID: "3", Pos: model.Vec2{X: 2, Y: 1}}},
				End:   []model.BallSpot{{ID: "cue", Pos: model.Vec2{X: 1.7, Y: 0.7}}}}
			lat := make([]time.Duration, 0, b.N)
			t0 := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				state.Seq = uint64(i)
				start := time.Now()
				h.Publish(hub.StreamState, state)
				if i%30 == 10 {
					h.Publish(hub.StreamEvent, model.Event{Type: model.EventShotStarted, Time: t0.Add(time.Duration(i) * time.Second)})
				}
				if i%30 == 29 {
					h.Publish(hub.StreamEvent, model.Event{Type: model.EventShotEnded, Time: t0.Add(time.Duration(i) * time.Second), Shot: sum})
				}
				lat = append(lat, time.Since(start))
				time.Sleep(time.Second / 60) // the frame loop's pace
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
		})
	}
}
