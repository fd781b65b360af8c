package core

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

const (
	touchTol     = 0.006 // centres within 2R+touchTol count as touching
	collisionTol = 0.012 // closest approach within 2R+collisionTol is an impact
	separateTol  = 0.03  // a pair in contact re-arms once this far apart
	kickReach    = 0.02  // a ball set moving where a mover's path came this close to contact
)

// lose handles tracks not seen this frame: occlusion, pocketing, dropping.
func (t *Tracker) lose(now time.Time, dt float64) {
	keep := t.tracks[:0]
	for _, tr := range t.tracks {
		if tr.seen {
			keep = append(keep, tr)
			continue
		}
		if tr.retire {
			t.dropContacts(tr)
			continue
		}
		tr.missed++
		tr.unseenS += dt
		tr.lastZS += dt
		tr.occluded = true
		if !tr.confirmed {
			// Never published: a false detection that went away, or a
			// ball that will start over when it is seen again.
			if tr.missed >= tentativeMisses {
				t.dropContacts(tr)
				continue
			}
			keep = append(keep, tr)
			continue
		}
		// Only a ball in play can fall: one flagged moving, or during a
		// shot one that was rolling when last seen (hit and gone within
		// the frames it takes to flag it moving). A still ball that
		// vanishes was picked up or covered.
		recent := tr.moving || t.phase == PhaseShot && (math.Hypot(tr.seenVel.X, tr.seenVel.Y) > t.o.StopSpeed || t.struck(tr))
		if tr.pendingPocket == "" && tr.missed == 1 && recent {
			if name, ok := t.pocketFor(tr, dt); ok {
				tr.pendingPocket = name
			}
		}
		if tr.pendingPocket == "" && tr.pendingOff == "" && tr.missed == 1 && recent && t.phase == PhaseShot {
			tr.pendingOff, tr.offPos = t.offRail(tr, dt)
		}
		if tr.pendingPocket != "" {
			tr.vel = model.Vec2{}
			if tr.unseenS >= t.o.PocketConfirm.Seconds() {
				p := tr.pos
				// Stamped when it dropped (about a frame after it was
				// last seen), not when the drop was confirmed.
				t.emit(model.Event{Type: model.EventBallPocketed, Time: t.at(tr.seenT + dt), Balls: []string{tr.id}, Pocket: tr.pendingPocket, Pos: &p})
				if t.shot != nil {
					t.shot.pocketed[tr.id] = tr.pendingPocket
				}
				t.keepPath(tr, t.pocketPos(tr.pendingPocket, p))
				t.dropContacts(tr)
				continue
			}
			keep = append(keep, tr)
			continue
		}
		if tr.pendingOff != "" && tr.unseenS >= t.o.OffTableConfirm.Seconds() {
			// Gone for good. Until then the track is predicted on as any
			// lost ball (one missed for a frame or two at the rail comes
			// back reflected, and is picked up again).
			{
				p := tr.offPos
				sp := math.Max(math.Hypot(tr.seenVel.X, tr.seenVel.Y), offMinSpeed)
				gone := tr.seenT + math.Hypot(p.X-tr.seenPos.X, p.Y-tr.seenPos.Y)/sp
				t.emit(model.Event{Type: model.EventBallOffTable, Time: t.at(gone), Balls: []string{tr.id}, Rail: tr.pendingOff, Pos: &p})
				t.keepPath(tr, p)
				t.dropContacts(tr)
				continue
			}
		}
		if tr.moving && tr.unseenS > 0.5 {
			// Lost in the open while moving (under an arm, say): hold it
			// where the prediction left it.
			tr.moving, tr.vel = false, model.Vec2{}
		}
		if tr.moving {
			t.clampToTable(tr)
		}
		if !tr.moving && tr.unseenS > t.o.HoldStill.Seconds() {
			t.dropContacts(tr) // picked up, or gone for good: no event
			continue
		}
		keep = append(keep, tr)
	}
	for i := len(keep); i < len(t.tracks); i++ {
		t.tracks[i] = nil
	}
	t.tracks = keep
}

// pocketPos is the position of the pocket called name (p when unknown).
func (t *Tracker) pocketPos(name string, p model.Vec2) model.Vec2 {
	for _, pk := range t.o.Table.Pockets {
		if pk.Name == name {
			return pk.Pos
		}
	}
	return p
}

// struck reports whether a moving ball's recent path came within touching
// distance of tr: a ball resting in a jaw can be knocked in and vanish
// before it is ever seen moving.
func (t *Tracker) struck(tr *track) bool {
	for _, o := range t.tracks {
		if o != tr && o.moving && o.passedNear(tr.pos) <= 2*model.BallRadius+collisionTol {
			return true
		}
	}
	return false
}

// dedupe removes a resting track that sits on another one: two balls
// cannot overlap by more than half a radius, so one of the two is a
// duplicate (a ball whose number was read late after a re-rack, a detection
// briefly split). The track
// kept is the one seen this frame, then the identified one, then the older.
func (t *Tracker) dedupe() {
	R := model.BallRadius
	for i := 0; i < len(t.tracks); i++ {
		for j := i + 1; j < len(t.tracks); j++ {
			a, b := t.tracks[i], t.tracks[j]
			// Only balls at rest, one of them seen now: two tracks can
			// pass over the same spot in a shot (one dropping into a
			// pocket where another is being confirmed as pocketed).
			if a.moving || b.moving || a.pendingPocket != "" || b.pendingPocket != "" || a.pendingOff != "" || b.pendingOff != "" || !a.seen && !b.seen ||
				math.Hypot(a.pos.X-b.pos.X, a.pos.Y-b.pos.Y) >= 1.5*R {
				continue
			}
			keep, drop := a, b
			if better(b, a) {
				keep, drop = b, a
			}
			if keep.number < 0 && drop.number >= 0 {
				keep.id, keep.number, keep.class = drop.id, drop.number, drop.class
			}
			keep.hits = max(keep.hits, drop.hits)
			keep.seenBits |= drop.seenBits
			keep.confirmed = keep.confirmed || drop.confirmed
			t.dropContacts(drop)
			t.tracks = slices.Delete(t.tracks, j, j+1)
			if drop == a {
				t.tracks[i] = keep
			}
			j = i // re-scan a's pairs
		}
	}
}

// better ranks duplicate tracks: seen now, identified, older.
func better(a, b *track) bool {
	if a.seen != b.seen {
		return a.seen
	}
	if (a.number >= 0) != (b.number >= 0) {
		return a.number >= 0
	}
	return a.uid < b.uid
}

// pocketFor finds the pocket a lost ball was heading into: the one closest
// to its path from where it was last seen, over the distance it could have
// covered since, if that is within the pocket's mouth plus PocketReach.
func (t *Tracker) pocketFor(tr *track, dt float64) (string, bool) {
	p, v := tr.seenPos, tr.seenVel
	sp := math.Hypot(v.X, v.Y)
	reach := sp*3*dt + 0.05
	var ux, uy float64
	if sp > 0 {
		ux, uy = v.X/sp, v.Y/sp
	}
	best, bd := "", math.Inf(1)
	for _, pk := range t.o.Table.Pockets {
		// Distance from the pocket to the segment p .. p+u*reach.
		s := math.Max(0, math.Min(reach, (pk.Pos.X-p.X)*ux+(pk.Pos.Y-p.Y)*uy))
		d := math.Hypot(p.X+ux*s-pk.Pos.X, p.Y+uy*s-pk.Pos.Y) - pk.Radius
		if d < bd {
			best, bd = pk.Name, d
		}
	}
	return best, bd <= t.o.PocketReach
}

// clampToTable keeps a predicted moving ball inside the cushion noses (a
// ball in a jaw is legitimately less than a radius from the nose line).
func (t *Tracker) clampToTable(tr *track) {
	tr.pos.X = math.Max(0, math.Min(t.o.Table.Length, tr.pos.X))
	tr.pos.Y = math.Max(0, math.Min(t.o.Table.Width, tr.pos.Y))
}

// motion runs each seen ball's moving/at-rest decision and starts a shot
// when a ball starts moving on a quiet table.
func (t *Tracker) motion(now time.Time, dt float64) {
	for _, tr := range t.tracks {
		if !tr.confirmed {
			tr.justStarted = false
			continue
		}
		if tr.seen && tr.settle(&t.o, dt) && t.phase == PhaseShot {
			t.cameToRail(tr)
		}
	}
	if t.phase == PhaseShot {
		return
	}
	var movers []string
	var striker uint64 // the cue ball's track, or the only mover
	for _, tr := range t.tracks {
		if tr.justStarted || tr.justConfirmed && tr.moving {
			movers = append(movers, tr.id)
			if tr.id == "cue" || striker == 0 {
				striker = tr.uid
			}
		}
	}
	if len(movers) > 1 && !slices.Contains(movers, "cue") {
		striker = 0 // several balls, none known as the cue ball
	}
	if len(movers) == 0 {
		return
	}
	sort.Slice(movers, func(i, j int) bool { return idLess(movers[i], movers[j]) })
	e := model.Event{Type: model.EventShotStarted, Time: now, Balls: movers}
	if cb := t.owner("cue"); cb != nil {
		p := cb.pos
		e.Pos = &p
	}
	t.emit(e)
	t.phase = PhaseShot
	t.beginShot(now, striker)
	t.quietS = 0
	t.racked = false
	// Balls started together (the cue ball and a ball frozen to it) are
	// already in contact: not a collision of this shot.
	for _, tr := range t.tracks {
		tr.justStarted = false
	}
}

// collisions reports impacts during a shot: two moving tracks whose paths
// over this frame came within touching distance, or a ball that just
// started moving from a spot some moving ball's recent path passed within
// touching distance of (the impact fell between frames, and a struck ball
// is only flagged moving a frame or two later).
func (t *Tracker) collisions(now time.Time, dt float64) {
	R := model.BallRadius
	first, firstAge := "", -1.0
	for i, a := range t.tracks {
		for _, b := range t.tracks[i+1:] {
			key := pairKey(a, b)
			d := math.Hypot(a.pos.X-b.pos.X, a.pos.Y-b.pos.Y)
			if t.contacts[key] {
				if d > 2*R+separateTol {
					delete(t.contacts, key)
				}
				continue
			}
			active := t.phase == PhaseShot && (a.moving || b.moving) &&
				a.confirmed && b.confirmed
			if !active {
				// Touching at rest (a cluster, a frozen pair): remember it so
				// it never reads as an impact.
				if d <= 2*R+touchTol {
					t.contacts[key] = true
				}
				continue
			}
			hit, age := false, 0.0
			var gap float64
			switch {
			case a.justStarted && !b.justStarted:
				gap, age = b.passedNearAge(a.from)
				hit = gap <= 2*R+kickReach
			case b.justStarted && !a.justStarted:
				gap, age = a.passedNearAge(b.from)
				hit = gap <= 2*R+kickReach
			case !a.justStarted && !b.justStarted:
				var s float64
				gap, s = closestApproachAt(a.prevPos, a.pos, b.prevPos, b.pos)
				hit, age = gap <= 2*R+collisionTol, 1-s
			}
			if !hit {
				continue
			}
			t.contacts[key] = true
			ids := []string{a.id, b.id}
			if idLess(b.id, a.id) {
				ids[0], ids[1] = b.id, a.id
			}
			mid := model.Vec2{X: (a.pos.X + b.pos.X) / 2, Y: (a.pos.Y + b.pos.Y) / 2}
			// Stamped when the paths met (age frames ago), not when seen.
			at := now.Add(-time.Duration(age * dt * float64(time.Second)))
			t.emit(model.Event{Type: model.EventBallCollision, Time: at, Balls: ids, Pos: &mid})
			// Several impacts can surface in one frame (a break, a kiss
			// right after contact): the first contact is the cue ball's
			// earliest, by how long ago the paths met.
			// The cue ball is the ball that started the shot, whatever
			// vision read its blurred image as since.
			if t.shot != nil && t.shot.firstContact == "" && age > firstAge {
				switch {
				case t.shot.striker != 0 && a.uid == t.shot.striker && b.class != model.ClassCue:
					first, firstAge = b.id, age
				case t.shot.striker != 0 && b.uid == t.shot.striker && a.class != model.ClassCue:
					first, firstAge = a.id, age
				case t.shot.striker == 0 && ids[0] == "cue":
					first, firstAge = ids[1], age
				}
			}
		}
	}
	if first != "" {
		t.shot.firstContact = first
	}
	for _, tr := range t.tracks {
		tr.remember()
	}
}

func pairKey(a, b *track) [2]uint64 {
	if a.uid > b.uid {
		return [2]uint64{b.uid, a.uid}
	}
	return [2]uint64{a.uid, b.uid}
}

// dropContacts forgets every contact of a track that is going away or
// starting over.
func (t *Tracker) dropContacts(tr *track) {
	for k := range t.contacts {
		if k[0] == tr.uid || k[1] == tr.uid {
			delete(t.contacts, k)
		}
	}
}

// closestApproach is the least distance between two points moving linearly
// from a0 to a1 and from b0 to b1 over the same interval.
func closestApproach(a0, a1, b0, b1 model.Vec2) float64 {
	d, _ := closestApproachAt(a0, a1, b0, b1)
	return d
}

// closestApproachAt is closestApproach and when (0..1 of the interval).
func closestApproachAt(a0, a1, b0, b1 model.Vec2) (float64, float64) {
	dx, dy := a0.X-b0.X, a0.Y-b0.Y
	vx, vy := (a1.X-a0.X)-(b1.X-b0.X), (a1.Y-a0.Y)-(b1.Y-b0.Y)
	vv := vx*vx + vy*vy
	s := 0.0
	if vv > 0 {
		s = math.Max(0, math.Min(1, -(dx*vx+dy*vy)/vv))
	}
	return math.Hypot(dx+vx*s, dy+vy*s), s
}

// endShot closes a shot once every ball has been still for ShotEndQuiet
// and no pocketing is being confirmed.
func (t *Tracker) endShot(now time.Time, dt float64) {
	if t.phase != PhaseShot {
		return
	}
	busy := false
	for _, tr := range t.tracks {
		busy = busy || tr.moving || tr.pendingPocket != "" || tr.pendingOff != ""
	}
	if busy {
		t.quietS = 0
	} else {
		t.quietS += dt
	}
	if t.quietS < t.o.ShotEndQuiet.Seconds() && now.Sub(t.shot.start) < t.o.MaxShot {
		return
	}
	s := t.shot
	t.reportStrike(math.Inf(1)) // a shot that ended before its launch was measured
	sum := t.summary(now)
	scratch := sum.Scratch
	t.emit(model.Event{Type: model.EventShotEnded, Time: now, Shot: sum})
	objects := 0
	for _, tr := range t.tracks {
		if tr.class != model.ClassCue && tr.confirmed {
			objects++
		}
	}
	if objects == 0 && len(s.pocketed) > 0 && !(scratch && len(s.pocketed) == 1) {
		t.emit(model.Event{Type: model.EventTableCleared, Time: now})
	}
	t.phase, t.shot, t.quietS = PhaseIdle, nil, 0
}

// rack reports a fresh rack: 15 object balls at rest, packed (at least 26
// of a full triangle's 30 touching pairs), or 14 with at least 22, within a
// triangle's reach of either end spot. It fires once per rack; breaking or removing it re-arms.
func (t *Tracker) rack(now time.Time, dt float64) {
	if t.phase == PhaseShot {
		return
	}
	found, c, ids := false, model.Vec2{}, []string(nil)
	for _, fx := range [2]float64{0.75, 0.25} {
		if found, c, ids = t.rackAt(model.Vec2{X: fx * t.o.Table.Length, Y: t.o.Table.Width / 2}); found {
			break
		}
	}
	if found {
		t.rackGoneS = 0
	} else {
		t.rackGoneS += dt
	}
	switch {
	case found && !t.racked:
		t.racked = true
		t.phase = PhaseRacked
		// A fresh rack: balls held unseen at rest were picked up to
		// rack it; they are not on the table any more.
		for _, tr := range t.tracks {
			if tr.confirmed && !tr.seen && !tr.moving && tr.unseenS > 0.5 && tr.pendingPocket == "" && tr.pendingOff == "" {
				tr.retire = true
			}
		}
		centre := c
		t.emit(model.Event{Type: model.EventRackDetected, Time: now, Balls: ids, Pos: &centre})
	case t.racked && t.rackGoneS > 1:
		// Gone for a second (taken apart, not just a missed detection).
		t.racked = false
		if t.phase == PhaseRacked {
			t.phase = PhaseIdle
		}
	}
}

func (t *Tracker) rackAt(spot model.Vec2) (bool, model.Vec2, []string) {
	R := model.BallRadius
	near := t.near[:0]
	var c model.Vec2
	for _, tr := range t.tracks {
		// A ball unseen for more than a few frames may be a stale track
		// of a ball that was picked up: not part of a rack.
		if tr.class == model.ClassCue || tr.moving || tr.missed > 5 || !tr.confirmed {
			continue
		}
		// The rack's apex sits on the spot; its far row is 0.2 m away.
		if math.Hypot(tr.pos.X-spot.X, tr.pos.Y-spot.Y) < 0.3 {
			near = append(near, tr)
			c.X += tr.pos.X
			c.Y += tr.pos.Y
		}
	}
	t.near = near
	// A full rack, or one with a ball vision keeps missing (the eight in
	// the rack's shadow under a dim lamp): a ball never seen is never
	// tracked, and the rack is no less there.
	n := len(near)
	if n < 14 || n > 15 {
		return false, c, nil
	}
	c.X /= float64(n)
	c.Y /= float64(n)
	touching := 0
	for i, a := range near {
		if math.Hypot(a.pos.X-c.X, a.pos.Y-c.Y) > 0.17 {
			return false, c, nil
		}
		for _, b := range near[i+1:] {
			if math.Hypot(a.pos.X-b.pos.X, a.pos.Y-b.pos.Y) <= 2*R+touchTol {
				touching++
			}
		}
	}
	// A full triangle has 30 touching pairs; a missing ball takes away up
	// to 6 of them.
	if n == 15 && touching < 26 || n == 14 && touching < 22 {
		return false, c, nil
	}
	ids := make([]string, len(near))
	for i, tr := range near {
		ids[i] = tr.id
	}
	sort.Slice(ids, func(i, j int) bool { return idLess(ids[i], ids[j]) })
	return true, c, ids
}
