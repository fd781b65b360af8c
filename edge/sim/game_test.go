package sim

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// TestGameRacks plays whole racks of 8-ball and 9-ball with the house
// umpire and checks the game goes on as a game does: every shot has a
// record after its shot_ended, racks end and new ones are broken, the
// player aims at legal balls most of the time, and the deliberate errors
// give the referee fouls of several kinds to rule on.
func TestGameRacks(t *testing.T) {
	for _, kind := range []string{Game8Ball, Game9Ball} {
		t.Run(kind, func(t *testing.T) {
			s := New(Options{Scenario: kind, Seed: 5, Width: 160, Height: 90, Unpaced: true})
			var f model.Frame
			fouls := map[string]int{}
			shots, racks, legal, frames := 0, 0, 0, 0
			var ended *model.ShotSummary
			for i := 0; racks < 4 && i < 30*60*20; i++ {
				frames++
				if err := s.Read(context.Background(), &f); err != nil {
					t.Fatal(err)
				}
				for _, e := range f.Truth.Events {
					switch e.Type {
					case model.EventShotEnded:
						ended = e.Shot
					case model.EventShot:
						r := e.Record
						if ended == nil || r == nil || r.Decision == nil || r.Shooter == "" || r.GameType != kind {
							t.Fatalf("frame %d: shot record %+v after summary %v", i, r, ended != nil)
						}
						if len(r.Summary.Events) != len(ended.Events) {
							t.Errorf("frame %d: record has %d events, the summary %d", i, len(r.Summary.Events), len(ended.Events))
						}
						ended = nil
						shots++
						if r.Decision.Legal {
							legal++
						}
						for _, f := range r.Decision.Fouls {
							fouls[f]++
						}
						if kind == Game8Ball && r.Number > 1 && r.Called == nil {
							t.Errorf("frame %d: 8-ball shot %d without a call", i, r.Number)
						}
						if r.Decision.GameOver {
							racks++
							t.Logf("rack %d over after %d shots: %s", racks, r.Number, r.Decision.Message)
						}
					}
				}
			}
			var fs []string
			for k, v := range fouls {
				fs = append(fs, fmt.Sprintf("%s %d", k, v))
			}
			sort.Strings(fs)
			t.Logf("%d racks, %d shots (%d legal) in %.0f s of play; fouls: %v", racks, shots, legal, float64(frames)/30, fs)
			if racks < 4 {
				t.Errorf("only %d racks finished in 20 minutes of play", racks)
			}
			if len(fouls) < 3 || legal < shots/2 {
				t.Errorf("fouls of %d kinds, %d of %d shots legal: want several kinds and mostly legal play", len(fouls), legal, shots)
			}
		})
	}
}
