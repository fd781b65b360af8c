package core

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
	"os"
	"strconv"
	"testing"

	"github.com/cuecast/cuecast/edge/sim"
)

// TestDebugTrace prints truth and tracker events and one ball's track around
// a frame, for finding why a tracker test failed: e.g.
// TRACE_SCENARIO=break TRACE_SEED=1 TRACE_AT=737 TRACE_BALL=10 (or
// TRACE_BALL=moving for every moving track; TRACE_EVENTS=1 lists all
// events from the start). Skipped unless TRACE_SCENARIO is set.
func TestDebugTrace(t *testing.T) {
	sc := os.Getenv("TRACE_SCENARIO")
	if sc == "" {
		t.Skip()
	}
	seed, _ := strconv.Atoi(os.Getenv("TRACE_SEED"))
	at, _ := strconv.Atoi(os.Getenv("TRACE_AT"))
	ball := os.Getenv("TRACE_BALL")
	fd := newFeed(t, sim.Options{Scenario: sc, Seed: int64(seed)}, uint64(seed))
	tr := NewTracker(Options{Table: fd.s.Geometry()})
	for i := 0; i <= at+40; i++ {
		det, tru := fd.next(t)
		st, evs := tr.Update(det)
		if i < at-40 {
			if os.Getenv("TRACE_EVENTS") != "" {
				for _, e := range tru.Events {
					if e.Type != "ball_collision" {
						t.Logf("%d TRUTH %s %v %s", i, e.Type, e.Balls, e.Pocket)
					}
				}
				for _, e := range evs {
					if e.Type != "ball_collision" {
						t.Logf("%d TRACK %s %v %s", i, e.Type, e.Balls, e.Pocket)
					}
				}
			}
			continue
		}
		for _, e := range tru.Events {
			if e.Type != "ball_collision" || ball == "" || e.Balls[0] == ball || e.Balls[1] == ball {
				t.Logf("%d TRUTH %s %v %s", i, e.Type, e.Balls, e.Pocket)
			}
		}
		for _, e := range evs {
			t.Logf("%d TRACK %s %v %s", i, e.Type, e.Balls, e.Pocket)
		}
		for _, b := range det.Balls {
			if ball == "cue" && b.Class == "cue" {
				t.Logf("%d det cue at %.3f,%.3f", i, b.Pos.X, b.Pos.Y)
			}
		}
		for _, b := range tru.Balls {
			if b.ID == ball {
				t.Logf("%d truth %s pos %.3f,%.3f pocketed %v occ %v", i, b.ID, b.Pos.X, b.Pos.Y, b.Pocketed, b.Occluded)
			}
		}
		for _, trk := range tr.tracks {
			if trk.id == ball || ball == "moving" && (trk.moving || trk.pendingPocket != "") {
				t.Logf("%d track %s pos %.3f,%.3f vel %.2f,%.2f seen %v moving %v missed %d pend %q leave %d", i, trk.id, trk.pos.X, trk.pos.Y, trk.vel.X, trk.vel.Y, trk.seen, trk.moving, trk.missed, trk.pendingPocket, trk.leaveRun)
			}
		}
		_ = st
		if os.Getenv("TRACE_RACK") != "" && i%5 == 0 {
			spot := model.Vec2{X: 0.75 * tr.o.Table.Length, Y: tr.o.Table.Width / 2}
			n, mv, occ := 0, 0, 0
			for _, k := range tr.tracks {
				if k.class != model.ClassCue && math.Hypot(k.pos.X-spot.X, k.pos.Y-spot.Y) < 0.3 {
					n++
					if k.moving {
						mv++
					}
					if k.missed > 5 {
						occ++
					}
				}
			}
			ok, _, _ := tr.rackAt(spot)
			t.Logf("%d rack ok %v near %d moving %d stale %d racked %v phase %s", i, ok, n, mv, occ, tr.racked, tr.phase)
		}
	}
}
