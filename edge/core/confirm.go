package core

import (
	"math"
	"math/bits"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

const (
	// tentativeMisses drops a track not yet confirmed after this many
	// frames unseen in a row: it starts over if the ball is seen again.
	tentativeMisses = 3
	// tentativeJitter (m): a tentative ball at rest measured further than
	// this from its estimate starts its confirmation over.
	tentativeJitter = 0.015
	// The bridge hand rests on the cloth behind the tip, under the stick,
	// and the stick runs on to the butt: stickReach metres back from the
	// tip and handWidth either side of the stick's line. Vision's false
	// balls on fingers and on a stick the colour of the cloth fall there.
	stickReach = 1.5
	handWidth  = 0.09
	tipReach   = 0.12
	// handHold keeps the hand zone this long after the stick was last seen.
	handHold = 500 * time.Millisecond
)

// confirm records this frame's sightings and confirms the tracks seen in
// ConfirmFrames of the last ConfirmWindow frames, except on the bridge
// hand while a cue is seen and beyond MaxBalls.
func (t *Tracker) confirm(cue *model.CueAim, now time.Time) {
	// Vision loses the stick for a frame now and then: the hand is held
	// where it was last seen for a moment.
	if cue != nil && cue.TipPos != nil {
		t.hand = handZone{tip: *cue.TipPos, headingDeg: cue.HeadingDeg, at: now, ok: true}
	}
	hand := t.hand.ok && now.Sub(t.hand.at) <= handHold
	mask := uint64(1)<<t.o.ConfirmWindow - 1
	n := 0
	for _, tr := range t.tracks {
		tr.justConfirmed = false
		tr.seenBits <<= 1
		if tr.seen {
			tr.seenBits |= 1
		}
		if tr.confirmed {
			n++
		}
	}
	for _, tr := range t.tracks {
		if tr.confirmed || !tr.seen || bits.OnesCount64(tr.seenBits&mask) < t.o.ConfirmFrames || hand && t.hand.covers(tr.pos) {
			continue
		}
		// A ball found again in a shot takes the identity of the one lost
		// (one ball in, one out).
		if tr.bornInShot || t.phase == PhaseShot || tr.moving || tr.leaveRun > 0 {
			if o := t.lostAs(tr, mask); o != nil {
				tr.confirmed, tr.justConfirmed = true, true
				t.adopt(tr, o)
				continue
			}
		}
		if n >= t.o.MaxBalls {
			// The table cannot hold another ball: this one is real only if
			// a held track is stale (its ball was picked up and put here
			// without showing its number). Retire the longest unseen ball
			// at rest; with none, this track stays unconfirmed.
			old := t.stalest()
			if old == nil {
				continue
			}
			old.retire = true
			n--
		}
		tr.confirmed, tr.justConfirmed = true, true
		n++
	}
}

// lostAs finds the ball a track confirmed in a shot was before vision lost
// it: a fast ball leaves its gate (a break), a blurred one is missed or
// misread for a few frames, and the new track that picks it up again is
// the same ball. Candidates are confirmed balls unseen now and not seen
// together with it in the confirmation window, not being pocketed, within
// the distance a ball rolls in the time it has been unseen (capped); the
// nearest wins, with a bonus for the number tr's sightings read and a cost
// for a class or number that disagrees (blurred readings are often wrong,
// so these only weigh).
func (t *Tracker) lostAs(tr *track, mask uint64) *track {
	n := tr.identifyVotes()
	if o := t.owner(model.BallID(n)); n >= 0 && o != nil && o != tr && o.seen {
		n = -1 // that ball is in view elsewhere: a misreading
	}
	total := 0.0
	for _, v := range tr.votes {
		total += v
	}
	var best *track
	bs := math.Inf(1)
	for _, o := range t.tracks {
		// Two balls seen in the same frames of the window are two balls
		// (one frame is allowed: the old track may have taken a stray
		// detection in the frame its ball left).
		if o == tr || !o.confirmed || o.retire || o.seen || o.pendingPocket != "" || bits.OnesCount64(o.seenBits&tr.seenBits&mask) > 1 {
			continue
		}
		// Reach: from where o was last seen to where tr was first seen,
		// over the time between (for a tentative track older than the
		// window, from its current place).
		from, gap := tr.born, o.unseenS-tr.ageS+t.o.FrameInterval.Seconds()
		if gap <= 0 {
			from, gap = tr.pos, o.unseenS
		}
		reach := math.Min(adoptReach, 0.3+5*gap)
		d := math.Min(math.Hypot(o.pos.X-from.X, o.pos.Y-from.Y), math.Hypot(o.seenPos.X-from.X, o.seenPos.Y-from.Y))
		if d > reach {
			continue
		}
		score := d
		switch {
		case n >= 0 && o.number == n:
			score -= 0.5
		case n >= 0 && o.number >= 0:
			score += 0.3
		case o.number >= 0 && total > 0:
			// No clear reading yet: the share of tr's blurred readings
			// that named o's number still says something.
			score -= 0.4 * tr.votes[o.number] / total
		}
		if tr.class != "" && o.class != "" && tr.class != o.class {
			score += 0.15
		}
		if score < bs {
			best, bs = o, score
		}
	}
	return best
}

// adoptReach caps how far (m) a lost ball may have rolled before it is
// found again under a new track.
const adoptReach = 1.2

// adopt gives track tr the identity of the lost track o, which goes away.
func (t *Tracker) adopt(tr, o *track) {
	tr.id, tr.number, tr.votes = o.id, o.number, o.votes
	if o.class != "" {
		tr.class = o.class
	}
	tr.hits += o.hits
	// The path so far was the lost track's: this one carries it on.
	if o.path.on {
		tr.path, o.path = o.path, tr.path
		tr.path.add(tr.pos)
	}
	o.id, o.number = "", -1
	o.retire = true
	t.dropContacts(o)
}

// stalest is the confirmed ball at rest, not being pocketed, unseen the
// longest (at least a few frames), or nil.
func (t *Tracker) stalest() *track {
	var best *track
	for _, tr := range t.tracks {
		if tr.confirmed && !tr.retire && !tr.seen && !tr.moving && tr.pendingPocket == "" && tr.pendingOff == "" && tr.missed >= tentativeMisses &&
			(best == nil || tr.unseenS > best.unseenS) {
			best = tr
		}
	}
	return best
}

// handZone is where the stick was last seen, in table metres.
type handZone struct {
	tip        model.Vec2
	headingDeg float64
	at         time.Time
	ok         bool
}

// covers says whether p lies where the bridge hand rests while the stick
// is down: behind the tip along the stick, close to its line, or near the
// tip.
func (h *handZone) covers(p model.Vec2) bool {
	s, co := math.Sincos(h.headingDeg * math.Pi / 180)
	// Heading points from butt to tip: back along the stick is -u.
	dx, dy := p.X-h.tip.X, p.Y-h.tip.Y
	along := -(dx*co + dy*s)
	across := math.Abs(-dx*s + dy*co)
	// Around the tip too: vision can take the forearm for the stick, and
	// then the real hand and stick lie about where it puts the tip.
	return along > -model.BallRadius && along < stickReach && across < handWidth || math.Hypot(dx, dy) < tipReach
}
