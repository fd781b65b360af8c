package core

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/sim"
)

// strikeScore compares the tracker's cue strikes with the truth's.
type strikeScore struct {
	shots, found, short int
	speedErr, headErr   []float64 // relative speed error, heading error (deg)
	frozenTruth, frozen int       // frozen balls in the truth, marked by the tracker
	frozenWrong         int       // marked frozen, not frozen in the truth
	frozenStale         int       // marked frozen, a ball no longer on the table
	offTruth, offFound  int
	offInvented         int
	notes               []string
}

// Tolerances of the cue strike, stated in docs/game.md.
const (
	strikeSpeedTol = 0.10 // relative
	strikeHeadTol  = 1.5  // degrees
)

// scoreShots pairs truth and tracker shots by their shot_started frames
// (within 15 frames) and compares their strikes, frozen balls and balls
// off the table.
func scoreShots(name string, truth, got []stamped) strikeScore {
	var ss strikeScore
	type shot struct {
		start  uint64
		strike *model.Event
		sum    *model.ShotSummary
	}
	collect := func(evs []stamped) []*shot {
		var out []*shot
		var cur *shot
		for _, e := range evs {
			switch e.Type {
			case model.EventShotStarted:
				cur = &shot{start: e.seq}
				out = append(out, cur)
			case model.EventCueStrike:
				if cur != nil && cur.strike == nil {
					ev := e.Event
					cur.strike = &ev
				}
			case model.EventShotEnded:
				if cur != nil {
					cur.sum = e.Shot
					cur = nil
				}
			}
		}
		return out
	}
	ws, gs := collect(truth), collect(got)
	used := make([]bool, len(gs))
	for _, w := range ws {
		if w.sum == nil || w.strike == nil {
			continue
		}
		var g *shot
		for j, c := range gs {
			if !used[j] && c.start+15 >= w.start && c.start <= w.start+15 {
				used[j], g = true, c
				break
			}
		}
		ss.shots++
		ss.frozenTruth += len(w.sum.Frozen)
		ss.offTruth += count2(w.sum.Events, model.EventBallOffTable)
		if g == nil || g.strike == nil || g.sum == nil {
			ss.notes = append(ss.notes, fmt.Sprintf("%s frame %d: shot or strike not found", name, w.start))
			continue
		}
		ss.found++
		e := math.Abs(g.strike.Speed-w.strike.Speed) / w.strike.Speed
		h := math.Abs(*g.strike.HeadingDeg - *w.strike.HeadingDeg)
		if h > 180 {
			h = 360 - h
		}
		// The launch must be seen: a cue ball that meets a ball or a rail
		// within launchFrames of the strike is not measured, only kept.
		if free := launchTime(w.sum); free < launchFrames/30.0 {
			ss.short++
		} else {
			ss.speedErr = append(ss.speedErr, e)
			ss.headErr = append(ss.headErr, h)
			if e > strikeSpeedTol || h > strikeHeadTol {
				ss.notes = append(ss.notes, fmt.Sprintf("%s frame %d: strike %.2f m/s at %.1f deg, truth %.2f at %.1f", name, w.start, g.strike.Speed, *g.strike.HeadingDeg, w.strike.Speed, *w.strike.HeadingDeg))
			}
		}
		for _, id := range g.sum.Frozen {
			onTable := slices.ContainsFunc(w.sum.Start, func(b model.BallSpot) bool { return b.ID == id })
			switch {
			case slices.Contains(w.sum.Frozen, id):
				ss.frozen++
			case !onTable:
				// A ball the tracker still holds (unseen for less than
				// HoldStill) after the scenario cleared the table for a
				// new layout: not a frozen-ball error.
				ss.frozenStale++
			default:
				ss.frozenWrong++
				gap := math.Inf(1)
				for _, sp := range w.sum.Start {
					if sp.ID == id {
						for _, rl := range railLines(model.Standard(model.Table9ft)) {
							gap = math.Min(gap, rl.gap(sp.Pos))
						}
					}
				}
				ss.notes = append(ss.notes, fmt.Sprintf("%s frame %d: %s marked frozen (%.1f mm from a rail), truth %v", name, w.start, id, gap*1000, w.sum.Frozen))
			}
		}
		for _, id := range w.sum.Frozen {
			if !slices.Contains(g.sum.Frozen, id) {
				ss.notes = append(ss.notes, fmt.Sprintf("%s frame %d: frozen %s not marked (tracker %v)", name, w.start, id, g.sum.Frozen))
			}
		}
		for _, we := range w.sum.Events {
			if we.Type != model.EventBallOffTable {
				continue
			}
			found := false
			for _, ge := range g.sum.Events {
				found = found || ge.Type == model.EventBallOffTable && ge.Balls[0] == we.Balls[0]
			}
			if found {
				ss.offFound++
			} else {
				ss.notes = append(ss.notes, fmt.Sprintf("%s frame %d: ball %s off the table not found", name, w.start, we.Balls[0]))
			}
		}
		for _, ge := range g.sum.Events {
			if ge.Type != model.EventBallOffTable {
				continue
			}
			found := false
			for _, we := range w.sum.Events {
				found = found || we.Type == model.EventBallOffTable && ge.Balls[0] == we.Balls[0]
			}
			if !found {
				ss.offInvented++
				ss.notes = append(ss.notes, fmt.Sprintf("%s frame %d: ball %s off the table invented", name, w.start, ge.Balls[0]))
			}
		}
	}
	return ss
}

// launchFrames: a strike is measured when the cue ball runs free for at
// least this many frames.
const launchFrames = 3

// launchTime is how long (s) the cue ball ran free after the strike: until
// its first collision or cushion contact in the truth.
func launchTime(s *model.ShotSummary) float64 {
	t0 := s.Events[0].Time
	for _, e := range s.Events[1:] {
		if (e.Type == model.EventBallCollision || e.Type == model.EventBallCushion) && slices.Contains(e.Balls, "cue") {
			return e.Time.Sub(t0).Seconds()
		}
	}
	return math.Inf(1)
}

func count2(evs []model.Event, typ string) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func quantile(x []float64, q float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// TestShotsOnTruth scores the cue strikes, frozen balls, balls off the
// table and the summaries' shape on the noisy detection feed.
func TestShotsOnTruth(t *testing.T) {
	var all strikeScore
	for _, c := range []struct {
		sc   string
		seed int64
	}{{"banks", 1}, {"banks", 2}, {"banks", 3}, {"shots", 1}, {"break", 1}} {
		truth, got, _ := run(t, sim.Options{Scenario: c.sc, Seed: c.seed}, uint64(c.seed), 120*30)
		ss := scoreShots(fmt.Sprintf("%s/%d", c.sc, c.seed), truth, got)
		all.shots += ss.shots
		all.found += ss.found
		all.short += ss.short
		all.speedErr = append(all.speedErr, ss.speedErr...)
		all.headErr = append(all.headErr, ss.headErr...)
		all.frozenTruth += ss.frozenTruth
		all.frozen += ss.frozen
		all.frozenWrong += ss.frozenWrong
		all.frozenStale += ss.frozenStale
		all.offTruth += ss.offTruth
		all.offFound += ss.offFound
		all.offInvented += ss.offInvented
		all.notes = append(all.notes, ss.notes...)
		for _, e := range got {
			if e.Type == model.EventShotEnded {
				checkSummary(t, e.Shot)
			}
		}
	}
	t.Logf("shots %d, strikes found %d (%d with a launch too short to measure); speed error median %.3f p90 %.3f max %.3f; heading error median %.2f p90 %.2f max %.2f deg",
		all.shots, all.found, all.short, quantile(all.speedErr, 0.5), quantile(all.speedErr, 0.9), quantile(all.speedErr, 1),
		quantile(all.headErr, 0.5), quantile(all.headErr, 0.9), quantile(all.headErr, 1))
	t.Logf("frozen: truth %d, marked right %d, marked wrongly %d (and %d balls held after they were cleared away); off the table: truth %d, found %d, invented %d",
		all.frozenTruth, all.frozen, all.frozenWrong, all.frozenStale, all.offTruth, all.offFound, all.offInvented)
	for _, n := range all.notes {
		t.Log(n)
	}
	within := 0
	for i := range all.speedErr {
		if all.speedErr[i] <= strikeSpeedTol && all.headErr[i] <= strikeHeadTol {
			within++
		}
	}
	switch {
	case all.shots < 50 || all.frozenTruth < 30 || all.offTruth < 3:
		t.Errorf("too little to judge: %d shots, %d frozen balls, %d off the table", all.shots, all.frozenTruth, all.offTruth)
	case all.found < all.shots:
		t.Errorf("strikes found in %d of %d shots", all.found, all.shots)
	case float64(within) < 0.95*float64(len(all.speedErr)):
		t.Errorf("strikes within %.0f%% and %.1f deg: %d of %d, want 95%%", strikeSpeedTol*100, strikeHeadTol, within, len(all.speedErr))
	case float64(all.frozen) < 0.95*float64(all.frozenTruth) || float64(all.frozenWrong) > 0.05*float64(all.frozenTruth):
		t.Errorf("frozen balls marked %d of %d, wrongly %d", all.frozen, all.frozenTruth, all.frozenWrong)
	case all.offFound < all.offTruth || all.offInvented > 0:
		t.Errorf("balls off the table found %d of %d, invented %d", all.offFound, all.offTruth, all.offInvented)
	}
}

// checkSummary: the strike first, events in time order after it, paths
// bounded and starting at their ball's start spot.
func checkSummary(t *testing.T, s *model.ShotSummary) {
	t.Helper()
	if len(s.Events) > 0 && s.Events[0].Type == model.EventCueStrike {
		if !slices.IsSortedFunc(s.Events[1:], func(a, b model.Event) int { return a.Time.Compare(b.Time) }) {
			t.Errorf("summary events out of order: %v", s.Events)
		}
	}
	for _, p := range s.Paths {
		if len(p.Points) < 2 || len(p.Points) > maxPath {
			t.Errorf("path of %s has %d points", p.Ball, len(p.Points))
		}
	}
}
