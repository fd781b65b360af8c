package e2e

import (
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// TestTrace prints, for finding why a check failed, the truth events, the
// tracker's events, and the truth balls, detections and state balls near
// one ball for a range of frames of one game:
//
//	E2E_TRACE=shots/lamps//1/1200 E2E_AT=700 E2E_BALL=15 go test ./edge/e2e -run TestTrace -v
//
// (scenario/lighting/felt/seed/frames[/rotation/tilt]; E2E_SPAN frames
// either side of E2E_AT, default 20). Skipped unless E2E_TRACE is set.
func TestTrace(t *testing.T) {
	spec := os.Getenv("E2E_TRACE")
	if spec == "" {
		t.Skip("set E2E_TRACE")
	}
	p := strings.Split(spec, "/")
	if len(p) < 5 {
		t.Fatalf("E2E_TRACE=%q: want scenario/lighting/felt/seed/frames[/rotation/tilt]", spec)
	}
	g := game{scenario: p[0], lighting: p[1], felt: p[2]}
	g.seed, _ = strconv.ParseInt(p[3], 10, 64)
	g.frames, _ = strconv.Atoi(p[4])
	if len(p) >= 7 {
		g.rotation, _ = strconv.ParseFloat(p[5], 64)
		g.tilt, _ = strconv.ParseFloat(p[6], 64)
	}
	at, _ := strconv.Atoi(os.Getenv("E2E_AT"))
	span := 20
	if v, err := strconv.Atoi(os.Getenv("E2E_SPAN")); err == nil {
		span = v
	}
	ball := os.Getenv("E2E_BALL")
	play(t, g, func(i int, f *frame) {
		for _, e := range f.truth.Events {
			if e.Type != model.EventBallCollision {
				t.Logf("%d TRUTH %s %v %s", i, e.Type, e.Balls, e.Pocket)
			}
		}
		for _, e := range f.events {
			if e.Type != model.EventBallCollision || i >= at-span && i <= at+span {
				t.Logf("%d TRACK %s %v %s", i, e.Type, e.Balls, e.Pocket)
			}
		}
		if i < at-span || i > at+span {
			return
		}
		var c model.Vec2
		found := false
		for _, tb := range f.truth.Balls {
			if tb.ID == ball {
				c, found = tb.Pos, true
				t.Logf("%d   truth %s (%.3f,%.3f) pocketed %v occluded %v", i, tb.ID, tb.Pos.X, tb.Pos.Y, tb.Pocketed, tb.Occluded)
			}
		}
		near := func(p model.Vec2) bool { return ball == "all" || found && math.Hypot(p.X-c.X, p.Y-c.Y) < 0.25 }
		for _, tb := range f.truth.Balls {
			if tb.ID != ball && near(tb.Pos) && !tb.Pocketed {
				t.Logf("%d   truth %s (%.3f,%.3f) occluded %v", i, tb.ID, tb.Pos.X, tb.Pos.Y, tb.Occluded)
			}
		}
		for _, b := range f.det.Balls {
			if b.Pos != nil && near(*b.Pos) {
				n := "-"
				if b.Number != nil {
					n = strconv.Itoa(*b.Number)
				}
				t.Logf("%d   det (%.3f,%.3f) %s #%s conf %.2f", i, b.Pos.X, b.Pos.Y, b.Class, n, b.Confidence)
			}
		}
		for _, b := range f.state.Balls {
			if near(b.Pos) {
				t.Logf("%d   state %s (%.3f,%.3f) v(%.2f,%.2f) moving %v occluded %v", i, b.ID, b.Pos.X, b.Pos.Y, b.Vel.X, b.Vel.Y, b.Moving, b.Occluded)
			}
		}
		t.Logf("%d   phase %s, %d state balls, %d detections, cue %v", i, f.state.Phase, len(f.state.Balls), len(f.det.Balls), f.det.Cue != nil)
		if c := f.det.Cue; c != nil && c.TipPos != nil {
			t.Logf("%d   cue tip (%.3f,%.3f) heading %.1f", i, c.TipPos.X, c.TipPos.Y, c.HeadingDeg)
		}
	})
}
