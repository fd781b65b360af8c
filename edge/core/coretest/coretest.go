// Package coretest scores the tracker's game-layer events (ball_cushion,
// cue_strike, ball_off_table, the shot summaries' frozen balls) against
// the simulator's truth. The tracker's own tests (on simulated detections)
// and the end-to-end tests (through the vision stage) share it, so both
// count the same way. It holds no state; a score is a plain value.
package coretest

import (
	"fmt"
	"math"
	"slices"

	"github.com/cuecast/cuecast/edge/model"
)

// Stamped is an event and the frame it came with.
type Stamped struct {
	model.Event
	Frame int
}

// Tolerances, stated in docs/game.md: a tracker contact matches a truth
// one of the same ball and rail within CushionDT and CushionDist; a
// contact slower than GrazeSpeed into the rail, or on a pocket's jaw, is
// not required (it moves the ball less than detection noise does, or
// happens inside the pocket's mouth) but is no invention when reported.
const (
	CushionDT   = 0.05 // s
	CushionDist = 0.05 // m
	GrazeSpeed  = 0.15 // m/s
	// A cue strike's launch speed within StrikeSpeedTol (relative) and
	// heading within StrikeHeadTol of the truth, when the cue ball ran
	// free for LaunchFrames frames (at 30 fps) before its first contact.
	StrikeSpeedTol = 0.10
	StrikeHeadTol  = 1.5 // degrees
	LaunchFrames   = 3
	// ShotWindow: a tracker shot matches a truth shot started within this
	// many frames.
	ShotWindow = 15
)

// Cushions is how the tracker's ball_cushion events compare with the truth.
type Cushions struct {
	Truth, Found, Missed, Invented int
	// WrongBall are contacts found at the right rail, time and place under
	// another ball's id (vision's identity errors, not missed contacts);
	// Found does not count them.
	WrongBall               int
	Optional, OptionalFound int // jaw contacts and grazes
	Notes                   []string
}

// Add sums o into c.
func (c *Cushions) Add(o Cushions) {
	c.Truth += o.Truth
	c.Found += o.Found
	c.Missed += o.Missed
	c.Invented += o.Invented
	c.WrongBall += o.WrongBall
	c.Optional += o.Optional
	c.OptionalFound += o.OptionalFound
	c.Notes = append(c.Notes, o.Notes...)
}

// Recall and Precision of the required contacts, whatever ball they name;
// BallRight is the share of those found that name the right ball.
func (c Cushions) Recall() float64 {
	return float64(c.Found+c.WrongBall) / math.Max(1, float64(c.Truth))
}
func (c Cushions) Precision() float64 {
	return float64(c.Found+c.WrongBall) / math.Max(1, float64(c.Found+c.WrongBall+c.Invented))
}
func (c Cushions) BallRight() float64 {
	return float64(c.Found) / math.Max(1, float64(c.Found+c.WrongBall))
}

func (c Cushions) String() string {
	return fmt.Sprintf("cushion contacts %d: found %d (recall %.3f), %d of them under another ball's id (ball right %.3f), missed %d, invented %d (precision %.3f); jaw contacts and grazes not required %d (found %d)",
		c.Truth, c.Found+c.WrongBall, c.Recall(), c.WrongBall, c.BallRight(), c.Missed, c.Invented, c.Precision(), c.Optional, c.OptionalFound)
}

// ScoreCushions matches the ball_cushion events of got to truth's.
func ScoreCushions(name string, truth, got []Stamped) Cushions {
	var cs Cushions
	w, h := only(truth, model.EventBallCushion), only(got, model.EventBallCushion)
	used := make([]bool, len(h))
	match := func(a Stamped, sameBall bool) bool {
		for j, b := range h {
			if !used[j] && (!sameBall || a.Balls[0] == b.Balls[0]) && a.Rail == b.Rail && math.Abs(a.Time.Sub(b.Time).Seconds()) <= CushionDT &&
				math.Hypot(a.Pos.X-b.Pos.X, a.Pos.Y-b.Pos.Y) <= CushionDist {
				used[j] = true
				return true
			}
		}
		return false
	}
	// Right ball first, over all contacts; then the rest by rail, time
	// and place alone.
	right := make([]bool, len(w))
	for i, a := range w {
		right[i] = match(a, true)
	}
	for i, a := range w {
		wrong := !right[i] && match(a, false)
		switch {
		case a.Pocket != "" || a.Speed < GrazeSpeed:
			cs.Optional++
			if right[i] || wrong {
				cs.OptionalFound++
			}
		case right[i]:
			cs.Truth++
			cs.Found++
		case wrong:
			cs.Truth++
			cs.WrongBall++
		default:
			cs.Truth++
			cs.Missed++
			cs.Notes = append(cs.Notes, fmt.Sprintf("%s frame %d: missed %s on %s at (%.3f, %.3f), %.2f m/s into it", name, a.Frame, a.Balls[0], a.Rail, a.Pos.X, a.Pos.Y, a.Speed))
		}
	}
	for j, b := range h {
		if !used[j] {
			cs.Invented++
			cs.Notes = append(cs.Notes, fmt.Sprintf("%s frame %d: invented %s on %s at (%.3f, %.3f)", name, b.Frame, b.Balls[0], b.Rail, b.Pos.X, b.Pos.Y))
		}
	}
	return cs
}

func only(evs []Stamped, typ string) []Stamped {
	var out []Stamped
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// Shots compares the shots' strikes, frozen balls and balls off the table.
type Shots struct {
	Shots, Found, Short int       // truth shots, found by the tracker with a strike, launches too short to measure
	SpeedErr, HeadErr   []float64 // relative launch speed error, heading error (deg), of measured launches
	FrozenTruth, Frozen int       // frozen balls in the truth, marked by the tracker
	FrozenWrong         int       // marked frozen, on the table and not frozen
	FrozenStale         int       // marked frozen, a ball the truth no longer has on the table
	OffTruth, OffFound  int
	OffInvented         int
	Notes               []string
}

// Add sums o into s.
func (s *Shots) Add(o Shots) {
	s.Shots += o.Shots
	s.Found += o.Found
	s.Short += o.Short
	s.SpeedErr = append(s.SpeedErr, o.SpeedErr...)
	s.HeadErr = append(s.HeadErr, o.HeadErr...)
	s.FrozenTruth += o.FrozenTruth
	s.Frozen += o.Frozen
	s.FrozenWrong += o.FrozenWrong
	s.FrozenStale += o.FrozenStale
	s.OffTruth += o.OffTruth
	s.OffFound += o.OffFound
	s.OffInvented += o.OffInvented
	s.Notes = append(s.Notes, o.Notes...)
}

// Within counts the measured launches within both strike tolerances.
func (s Shots) Within() int {
	n := 0
	for i := range s.SpeedErr {
		if s.SpeedErr[i] <= StrikeSpeedTol && s.HeadErr[i] <= StrikeHeadTol {
			n++
		}
	}
	return n
}

func (s Shots) String() string {
	return fmt.Sprintf("shots %d, strikes found %d (%d launches too short to measure); of %d measured, %d within %.0f%% and %.1f deg: speed error median %.3f p90 %.3f max %.3f, heading error median %.2f p90 %.2f max %.2f deg; "+
		"frozen: truth %d, marked right %d, wrongly %d (and %d balls held after they left the table); off the table: truth %d, found %d, invented %d",
		s.Shots, s.Found, s.Short, len(s.SpeedErr), s.Within(), StrikeSpeedTol*100, StrikeHeadTol,
		Quantile(s.SpeedErr, 0.5), Quantile(s.SpeedErr, 0.9), Quantile(s.SpeedErr, 1),
		Quantile(s.HeadErr, 0.5), Quantile(s.HeadErr, 0.9), Quantile(s.HeadErr, 1),
		s.FrozenTruth, s.Frozen, s.FrozenWrong, s.FrozenStale, s.OffTruth, s.OffFound, s.OffInvented)
}

// Quantile is the q-quantile of x (0 for none).
func Quantile(x []float64, q float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

type shot struct {
	start  int
	strike *model.Event
	sum    *model.ShotSummary
}

func shots(evs []Stamped) []*shot {
	var out []*shot
	var cur *shot
	for _, e := range evs {
		switch e.Type {
		case model.EventShotStarted:
			cur = &shot{start: e.Frame}
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

// ScoreShots pairs truth and tracker shots by their shot_started frames
// and compares their strikes, frozen balls and balls off the table.
func ScoreShots(name string, truth, got []Stamped) Shots {
	var ss Shots
	ws, gs := shots(truth), shots(got)
	used := make([]bool, len(gs))
	for _, w := range ws {
		if w.sum == nil || w.strike == nil {
			continue
		}
		var g *shot
		for j, c := range gs {
			if !used[j] && c.start+ShotWindow >= w.start && c.start <= w.start+ShotWindow {
				used[j], g = true, c
				break
			}
		}
		ss.Shots++
		ss.FrozenTruth += len(w.sum.Frozen)
		off := only(stamp(w.sum.Events), model.EventBallOffTable)
		ss.OffTruth += len(off)
		if g == nil || g.strike == nil || g.sum == nil {
			ss.Notes = append(ss.Notes, fmt.Sprintf("%s frame %d: shot or strike not found", name, w.start))
			continue
		}
		ss.Found++
		e := math.Abs(g.strike.Speed-w.strike.Speed) / w.strike.Speed
		h := math.Abs(*g.strike.HeadingDeg - *w.strike.HeadingDeg)
		if h > 180 {
			h = 360 - h
		}
		// The launch must be seen: a cue ball that meets a ball or a rail
		// within LaunchFrames of the strike is not measured, only kept.
		if launchTime(w.sum) < LaunchFrames/30.0 {
			ss.Short++
		} else {
			ss.SpeedErr = append(ss.SpeedErr, e)
			ss.HeadErr = append(ss.HeadErr, h)
			if e > StrikeSpeedTol || h > StrikeHeadTol {
				ss.Notes = append(ss.Notes, fmt.Sprintf("%s frame %d: strike %.2f m/s at %.1f deg, truth %.2f at %.1f", name, w.start, g.strike.Speed, *g.strike.HeadingDeg, w.strike.Speed, *w.strike.HeadingDeg))
			}
		}
		ss.frozen(name, w, g)
		for _, we := range off {
			if slices.ContainsFunc(g.sum.Events, func(ge model.Event) bool { return ge.Type == model.EventBallOffTable && ge.Balls[0] == we.Balls[0] }) {
				ss.OffFound++
			} else {
				ss.Notes = append(ss.Notes, fmt.Sprintf("%s frame %d: ball %s off the table not found", name, w.start, we.Balls[0]))
			}
		}
		for _, ge := range g.sum.Events {
			if ge.Type == model.EventBallOffTable && !slices.ContainsFunc(off, func(we Stamped) bool { return ge.Balls[0] == we.Balls[0] }) {
				ss.OffInvented++
				ss.Notes = append(ss.Notes, fmt.Sprintf("%s frame %d: ball %s off the table invented", name, w.start, ge.Balls[0]))
			}
		}
	}
	return ss
}

func stamp(evs []model.Event) []Stamped {
	out := make([]Stamped, len(evs))
	for i, e := range evs {
		out[i] = Stamped{Event: e}
	}
	return out
}

func (ss *Shots) frozen(name string, w, g *shot) {
	for _, id := range g.sum.Frozen {
		onTable := slices.ContainsFunc(w.sum.Start, func(b model.BallSpot) bool { return b.ID == id })
		switch {
		case slices.Contains(w.sum.Frozen, id):
			ss.Frozen++
		case !onTable:
			// A ball the tracker still holds (unseen for less than
			// HoldStill) after the scenario cleared the table for a new
			// layout: not a frozen-ball error.
			ss.FrozenStale++
		default:
			ss.FrozenWrong++
			ss.Notes = append(ss.Notes, fmt.Sprintf("%s frame %d: %s marked frozen, truth %v", name, w.start, id, w.sum.Frozen))
		}
	}
	for _, id := range w.sum.Frozen {
		if !slices.Contains(g.sum.Frozen, id) {
			ss.Notes = append(ss.Notes, fmt.Sprintf("%s frame %d: frozen %s not marked (tracker %v)", name, w.start, id, g.sum.Frozen))
		}
	}
}

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
