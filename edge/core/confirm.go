package core

import (
	"math"
	"math/bits"

	"github.com/cuecast/cuecast/edge/model"
)

const (
	// tentativeMisses drops a track not yet confirmed after this many
	// frames unseen in a row: it starts over if the ball is seen again.
	tentativeMisses = 3
	// The bridge hand rests on the cloth behind the tip, under the stick:
	// handReach metres back from the tip and handWidth either side of the
	// stick's line. Vision's false balls on fingers fall there.
	handReach = 0.45
	handWidth = 0.09
)

// confirm records this frame's sightings and confirms the tracks seen in
// ConfirmFrames of the last ConfirmWindow frames, except on the bridge
// hand while a cue is seen and beyond MaxBalls.
func (t *Tracker) confirm(cue *model.CueAim) {
	mask := uint64(1)<<t.o.ConfirmWindow - 1
	n := 0
	for _, tr := range t.tracks {
		tr.seenBits <<= 1
		if tr.seen {
			tr.seenBits |= 1
		}
		if tr.confirmed {
			n++
		}
	}
	for _, tr := range t.tracks {
		if tr.confirmed || !tr.seen || bits.OnesCount64(tr.seenBits&mask) < t.o.ConfirmFrames || onHand(cue, tr.pos) {
			continue
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
		tr.confirmed = true
		n++
	}
}

// stalest is the confirmed ball at rest, not being pocketed, unseen the
// longest (at least a few frames), or nil.
func (t *Tracker) stalest() *track {
	var best *track
	for _, tr := range t.tracks {
		if tr.confirmed && !tr.retire && !tr.seen && !tr.moving && tr.pendingPocket == "" && tr.missed >= tentativeMisses &&
			(best == nil || tr.unseenS > best.unseenS) {
			best = tr
		}
	}
	return best
}

// onHand says whether p lies where the bridge hand rests while the cue c
// is seen: behind the tip along the stick, close to its line.
func onHand(c *model.CueAim, p model.Vec2) bool {
	if c == nil || c.TipPos == nil {
		return false
	}
	s, co := math.Sincos(c.HeadingDeg * math.Pi / 180)
	// Heading points from butt to tip: back along the stick is -u.
	dx, dy := p.X-c.TipPos.X, p.Y-c.TipPos.Y
	along := -(dx*co + dy*s)
	across := math.Abs(-dx*s + dy*co)
	return along > -model.BallRadius && along < handReach && across < handWidth
}
