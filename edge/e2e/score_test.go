package e2e

import (
	"fmt"
	"maps"
	"math"
	"strings"

	"github.com/cuecast/cuecast/edge/model"
)

// stamped is an event and the frame it came with.
type stamped struct {
	model.Event
	seq int
}

// scorer compares the tracker with the simulator's truth frame by frame.
type scorer struct {
	name   string
	frames int

	truth, got []stamped

	// Ball counts: state balls against the balls on the table (truth, not
	// pocketed, hidden or not). "Seen" counts only state balls vision saw
	// this frame: a ball being confirmed as pocketed is held, unseen, for
	// PocketConfirm and is not a spurious ball.
	maxBalls                     int
	excessFrames, seenExcessFrms int
	maxExcess, maxSeenExcess     int
	over16                       int

	// Identity: each visible truth ball is matched to the nearest seen
	// state ball within a radius; its id should be the truth id and must
	// not change from one real id to another while the ball stays in view.
	idChecked, idRight int
	idFlips            int
	flipNotes          []string
	lastID             map[string]string
	lastPos            map[string]model.Vec2
}

func newScorer(name string) *scorer {
	return &scorer{name: name, lastID: map[string]string{}, lastPos: map[string]model.Vec2{}}
}

func (s *scorer) add(i int, f *frame) {
	s.frames++
	for _, e := range f.truth.Events {
		s.truth = append(s.truth, stamped{e, i})
	}
	for _, e := range f.events {
		e.Balls = append([]string(nil), e.Balls...)
		if e.Shot != nil {
			sh := *e.Shot
			sh.Pocketed = maps.Clone(sh.Pocketed)
			e.Shot = &sh
		}
		s.got = append(s.got, stamped{e, i})
	}
	on := 0
	for _, b := range f.truth.Balls {
		if !b.Pocketed {
			on++
		}
	}
	seen := 0
	for _, b := range f.state.Balls {
		if !b.Occluded {
			seen++
		}
	}
	n := len(f.state.Balls)
	s.maxBalls = max(s.maxBalls, n)
	if n > 16 {
		s.over16++
	}
	if n > on {
		s.excessFrames++
		s.maxExcess = max(s.maxExcess, n-on)
	}
	if seen > on {
		s.seenExcessFrms++
		s.maxSeenExcess = max(s.maxSeenExcess, seen-on)
	}

	for _, tb := range f.truth.Balls {
		if tb.Pocketed || tb.Occluded {
			delete(s.lastID, tb.ID)
			continue
		}
		// A ball that jumped further than a break ball can roll in a frame
		// was put somewhere else by hand: its identity starts over.
		if p, ok := s.lastPos[tb.ID]; ok && math.Hypot(p.X-tb.Pos.X, p.Y-tb.Pos.Y) > 0.35 {
			delete(s.lastID, tb.ID)
		}
		s.lastPos[tb.ID] = tb.Pos
		best, bd := -1, model.BallRadius
		for k, b := range f.state.Balls {
			if b.Occluded {
				continue
			}
			if d := math.Hypot(b.Pos.X-tb.Pos.X, b.Pos.Y-tb.Pos.Y); d < bd {
				best, bd = k, d
			}
		}
		if best < 0 {
			continue
		}
		id := f.state.Balls[best].ID
		s.idChecked++
		if id == tb.ID {
			s.idRight++
		}
		if prev, ok := s.lastID[tb.ID]; ok && prev != id && !strings.HasPrefix(prev, "?") {
			s.idFlips++
			if len(s.flipNotes) < 10 {
				s.flipNotes = append(s.flipNotes, fmt.Sprintf("frame %d: ball %s shown as %s, was %s", i, tb.ID, id, prev))
			}
		}
		s.lastID[tb.ID] = id
	}
}

// pocketScore is how the tracker's ball_pocketed events compare with the
// truth's.
type pocketScore struct {
	truth, correct, wrongPocket, wrongBall, missed, duplicate, phantom, late int
	notes                                                                    []string
}

func (p *pocketScore) add(o pocketScore) {
	p.truth += o.truth
	p.correct += o.correct
	p.wrongPocket += o.wrongPocket
	p.wrongBall += o.wrongBall
	p.missed += o.missed
	p.duplicate += o.duplicate
	p.phantom += o.phantom
	p.late += o.late
	p.notes = append(p.notes, o.notes...)
}

func (p pocketScore) String() string {
	return fmt.Sprintf("pocketed %d: correct %d, wrong pocket %d, wrong ball %d, missed %d, duplicate %d, phantom %d (ended by the run %d)",
		p.truth, p.correct, p.wrongPocket, p.wrongBall, p.missed, p.duplicate, p.phantom, p.late)
}

// pocketWindow is how many frames after the truth's pocketing the tracker
// may report it: PocketConfirm (200 ms) plus the frames it takes a blurred
// ball to be lost, with margin.
const pocketWindow = 30

// pockets matches truth and tracker ball_pocketed events within
// pocketWindow frames: first same ball and pocket, then same ball (wrong
// pocket), then same pocket (wrong ball). A tracker report left over names a
// ball it already reported since the truth last pocketed it (duplicate) or
// is a phantom.
func (s *scorer) pockets() pocketScore {
	var ps pocketScore
	var w, h []stamped
	for _, e := range s.truth {
		if e.Type == model.EventBallPocketed {
			w = append(w, e)
		}
	}
	for _, e := range s.got {
		if e.Type == model.EventBallPocketed {
			h = append(h, e)
		}
	}
	usedW, usedH := make([]bool, len(w)), make([]bool, len(h))
	pass := func(match func(a, b stamped) bool, tally *int) {
		for i, a := range w {
			if usedW[i] {
				continue
			}
			for j, b := range h {
				if !usedH[j] && b.seq >= a.seq && b.seq <= a.seq+pocketWindow && match(a, b) {
					usedW[i], usedH[j] = true, true
					*tally++
					if tally != &ps.correct {
						ps.notes = append(ps.notes, fmt.Sprintf("%s frame %d: truth %s->%s, tracker %s->%s", s.name, a.seq, a.Balls[0], a.Pocket, b.Balls[0], b.Pocket))
					}
					break
				}
			}
		}
	}
	pass(func(a, b stamped) bool { return a.Balls[0] == b.Balls[0] && a.Pocket == b.Pocket }, &ps.correct)
	pass(func(a, b stamped) bool { return a.Balls[0] == b.Balls[0] }, &ps.wrongPocket)
	pass(func(a, b stamped) bool { return a.Pocket == b.Pocket }, &ps.wrongBall)
	ps.truth = len(w)
	for i, a := range w {
		if usedW[i] {
			continue
		}
		if a.seq+pocketWindow >= s.frames {
			ps.late++ // the run ended before the tracker could confirm it
			ps.truth--
			continue
		}
		ps.missed++
		ps.notes = append(ps.notes, fmt.Sprintf("%s frame %d: missed %s->%s", s.name, a.seq, a.Balls[0], a.Pocket))
	}
	for j, b := range h {
		if usedH[j] {
			continue
		}
		dup := false
		for k := 0; k < j; k++ {
			if h[k].Balls[0] == b.Balls[0] && !pottedBetween(w, b.Balls[0], h[k].seq, b.seq) {
				dup = true
			}
		}
		if dup {
			ps.duplicate++
			ps.notes = append(ps.notes, fmt.Sprintf("%s frame %d: duplicate %s->%s", s.name, b.seq, b.Balls[0], b.Pocket))
		} else {
			ps.phantom++
			ps.notes = append(ps.notes, fmt.Sprintf("%s frame %d: phantom %s->%s", s.name, b.seq, b.Balls[0], b.Pocket))
		}
	}
	return ps
}

// pottedBetween says whether the truth pocketed ball id in frames (a, b].
func pottedBetween(w []stamped, id string, a, b int) bool {
	for _, e := range w {
		if e.Balls[0] == id && e.seq > a-pocketWindow && e.seq <= b {
			return true
		}
	}
	return false
}

// shotScore compares shots: each truth shot_started matched to a tracker
// one near it, the shot_ended summaries of matched shots, and the pairing
// of the tracker's own started/ended events.
type shotScore struct {
	truth, matched, missed, phantom, unpaired int
	summaries, pocketedOK, scratchOK          int
	firstKnown, firstOK                       int
	collisionsOutside, racksTruth, racksGot   int
	notes                                     []string
}

func (p *shotScore) add(o shotScore) {
	p.truth += o.truth
	p.matched += o.matched
	p.missed += o.missed
	p.phantom += o.phantom
	p.unpaired += o.unpaired
	p.summaries += o.summaries
	p.pocketedOK += o.pocketedOK
	p.scratchOK += o.scratchOK
	p.firstKnown += o.firstKnown
	p.firstOK += o.firstOK
	p.collisionsOutside += o.collisionsOutside
	p.racksTruth += o.racksTruth
	p.racksGot += o.racksGot
	p.notes = append(p.notes, o.notes...)
}

func (p shotScore) String() string {
	return fmt.Sprintf("shots %d: matched %d, missed %d, phantom %d, unpaired start/end %d; summaries %d: pocketed right %d, scratch right %d, first contact right %d/%d; collisions outside shots %d; racks truth %d tracker %d",
		p.truth, p.matched, p.missed, p.phantom, p.unpaired, p.summaries, p.pocketedOK, p.scratchOK, p.firstOK, p.firstKnown,
		p.collisionsOutside, p.racksTruth, p.racksGot)
}

// shotSpan is one shot: frames of its start and end, and its summary.
type shotSpan struct {
	start, end int // end -1 while open
	sum        *model.ShotSummary
}

func spans(evs []stamped) (out []shotSpan, unpaired int) {
	open := -1
	for _, e := range evs {
		switch e.Type {
		case model.EventShotStarted:
			if open >= 0 {
				unpaired++ // started twice
			}
			out = append(out, shotSpan{start: e.seq, end: -1})
			open = len(out) - 1
		case model.EventShotEnded:
			if open < 0 {
				unpaired++ // ended without a start
				continue
			}
			out[open].end, out[open].sum, open = e.seq, e.Shot, -1
		}
	}
	return out, unpaired
}

// shotWindow: the tracker flags a shot once the cue ball has stepped twice
// in line (a couple of frames); the truth stamps the strike.
const shotWindow = 15

func (s *scorer) shots() shotScore {
	var ss shotScore
	ws, _ := spans(s.truth)
	gs, unpaired := spans(s.got)
	ss.unpaired = unpaired
	used := make([]bool, len(gs))
	for _, w := range ws {
		found := -1
		for j, g := range gs {
			if !used[j] && g.start >= w.start-shotWindow && g.start <= w.start+shotWindow {
				found = j
				break
			}
		}
		if w.end < 0 {
			// The run ended mid-shot: not scored, but the tracker's
			// shot that matches it is not a phantom either.
			if found >= 0 {
				used[found] = true
			}
			continue
		}
		ss.truth++
		if found < 0 {
			ss.missed++
			ss.notes = append(ss.notes, fmt.Sprintf("%s frame %d: shot not seen", s.name, w.start))
			continue
		}
		used[found] = true
		ss.matched++
		g := gs[found]
		if g.end < 0 {
			if g.start+60*fps < s.frames {
				ss.notes = append(ss.notes, fmt.Sprintf("%s frame %d: shot never ended", s.name, g.start))
			}
			continue
		}
		ss.summaries++
		if fmt.Sprint(g.sum.Pocketed) == fmt.Sprint(w.sum.Pocketed) {
			ss.pocketedOK++
		} else {
			ss.notes = append(ss.notes, fmt.Sprintf("%s frame %d: shot pocketed %v, truth %v", s.name, w.start, g.sum.Pocketed, w.sum.Pocketed))
		}
		if g.sum.Scratch == w.sum.Scratch {
			ss.scratchOK++
		}
		if w.sum.FirstContact != "" {
			ss.firstKnown++
			if g.sum.FirstContact == w.sum.FirstContact {
				ss.firstOK++
			}
		}
	}
	for j, g := range gs {
		if !used[j] && g.start+shotWindow < s.frames {
			ss.phantom++
			ss.notes = append(ss.notes, fmt.Sprintf("%s frame %d: phantom shot", s.name, g.start))
		}
	}
	// A collision needs a moving ball: outside the truth's shots it is
	// invented.
	for _, e := range s.got {
		switch e.Type {
		case model.EventBallCollision:
			in := false
			for _, w := range ws {
				if e.seq >= w.start && (w.end < 0 || e.seq <= w.end+shotWindow) {
					in = true
				}
			}
			if !in {
				ss.collisionsOutside++
				ss.notes = append(ss.notes, fmt.Sprintf("%s frame %d: collision %v outside any shot", s.name, e.seq, e.Balls))
			}
		case model.EventRackDetected:
			ss.racksGot++
		}
	}
	for _, e := range s.truth {
		if e.Type == model.EventRackDetected {
			ss.racksTruth++
		}
	}
	return ss
}

// countScore sums the per-frame ball-count and identity figures.
type countScore struct {
	frames, maxBalls, over16, excessFrames, maxExcess, seenExcessFrames, maxSeenExcess int
	idChecked, idRight, idFlips                                                        int
	notes                                                                              []string
}

func (c *countScore) add(s *scorer) {
	c.frames += s.frames
	c.maxBalls = max(c.maxBalls, s.maxBalls)
	c.over16 += s.over16
	c.excessFrames += s.excessFrames
	c.maxExcess = max(c.maxExcess, s.maxExcess)
	c.seenExcessFrames += s.seenExcessFrms
	c.maxSeenExcess = max(c.maxSeenExcess, s.maxSeenExcess)
	c.idChecked += s.idChecked
	c.idRight += s.idRight
	c.idFlips += s.idFlips
	for _, n := range s.flipNotes {
		c.notes = append(c.notes, s.name+" "+n)
	}
}

func (c countScore) String() string {
	return fmt.Sprintf("frames %d: most balls in state %d, frames over 16 %d; more balls than on the table in %.2f%% of frames (max +%d), counting seen balls only %.2f%% (max +%d); ids right %.2f%% of %d ball-frames, id changes %d",
		c.frames, c.maxBalls, c.over16, pct(c.excessFrames, c.frames), c.maxExcess, pct(c.seenExcessFrames, c.frames), c.maxSeenExcess,
		pct(c.idRight, c.idChecked), c.idChecked, c.idFlips)
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(max(1, b)) }
