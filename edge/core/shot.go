package core

import (
	"math"
	"slices"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// shotLog is what the tracker keeps of the shot in progress.
type shotLog struct {
	start        time.Time
	firstContact string
	striker      uint64 // uid of the track that started the shot (the cue ball), 0 unknown
	pocketed     map[string]string

	startSpots []model.BallSpot
	frozen     []string
	events     []model.Event    // the shot's game events, as emitted
	paths      []model.BallPath // paths of balls that left the table or fell
	// The cue strike is reported once the striker's launch is measured
	// (a few frames after it left), or earlier if it hits something or is
	// lost first.
	strikeDone bool
	strikeFrom model.Vec2
}

// zStamp is one measurement of a ball: where and when (seconds on the
// tracker's clock).
type zStamp struct {
	p model.Vec2
	t float64
}

// zRing is how many measurements a track keeps (cushion detection needs
// four, the launch fit up to five after the rest spot).
const zRing = 8

// z returns the k-th newest measurement (0 is the newest).
func (tr *track) z(k int) zStamp { return tr.zs[(tr.zn-1-k)%zRing] }

func (tr *track) addZ(p model.Vec2, at float64) {
	tr.zs[tr.zn%zRing] = zStamp{p, at}
	tr.zn++
}

// Measured paths. Each ball that moves in a shot gets a polyline of its
// measurements, decimated as they arrive: a new vertex is kept only when
// the straight line from the last vertex would pass further than pathTol
// from a point measured since. Vertices fall at reflections and impacts,
// straight runs cost two points. A path holds at most maxPath vertices
// (thinned by half when full), so a summary stays bounded whatever the shot.
const (
	pathTol = 0.01
	maxPath = 48
	pathBuf = 48 // measurements held between two vertices (a vertex is forced when full)
)

type pathRec struct {
	pts []model.Vec2 // vertices, reused across shots
	buf [pathBuf]model.Vec2
	nb  int
	on  bool // recording in the current shot
}

func (r *pathRec) start(p model.Vec2) {
	if r.pts == nil {
		r.pts = make([]model.Vec2, 0, maxPath)
	}
	r.pts, r.nb, r.on = append(r.pts[:0], p), 0, true
}

func (r *pathRec) add(p model.Vec2) {
	if !r.on {
		return
	}
	a := r.pts[len(r.pts)-1]
	ok := r.nb < pathBuf
	for i := 0; ok && i < r.nb; i++ {
		ok = segDist(r.buf[i], a, p) <= pathTol
	}
	if !ok {
		r.push(r.buf[r.nb-1])
		r.nb = 0
	}
	r.buf[r.nb] = p
	r.nb++
}

func (r *pathRec) push(p model.Vec2) {
	if len(r.pts) == maxPath {
		// Full: keep every other vertex (the first and the last stay).
		k := 1
		for j := 2; j < len(r.pts)-1; j += 2 {
			r.pts[k] = r.pts[j]
			k++
		}
		r.pts[k] = r.pts[len(r.pts)-1]
		r.pts = r.pts[:k+1]
	}
	r.pts = append(r.pts, p)
}

// path returns the finished polyline (a copy) ending at end, and stops
// recording.
func (r *pathRec) path(end model.Vec2) []model.Vec2 {
	if r.nb > 0 {
		r.push(r.buf[r.nb-1])
		r.nb = 0
	}
	if last := r.pts[len(r.pts)-1]; math.Hypot(last.X-end.X, last.Y-end.Y) > 1e-4 {
		r.push(end)
	}
	r.on = false
	return slices.Clone(r.pts)
}

// beginShot opens the shot log: every ball's spot (the striker's where it
// rested) and the balls frozen to a rail.
func (t *Tracker) beginShot(now time.Time, striker uint64) {
	s := &shotLog{start: now, pocketed: map[string]string{}, striker: striker}
	for _, tr := range t.tracks {
		if !tr.confirmed || tr.held() {
			continue
		}
		p := tr.pos
		if tr.moving {
			p = tr.from
			tr.path.start(tr.from)
			tr.path.add(tr.pos)
		}
		s.startSpots = append(s.startSpots, model.BallSpot{ID: tr.id, Pos: p})
		if t.frozenRail(p) != "" {
			s.frozen = append(s.frozen, tr.id)
		}
		if tr.uid == striker {
			s.strikeFrom = tr.from
		}
	}
	slices.SortFunc(s.startSpots, func(a, b model.BallSpot) int { return cmpID(a.ID, b.ID) })
	slices.SortFunc(s.frozen, cmpID)
	s.strikeDone = striker == 0
	t.shot = s
}

// held says whether a track is an unidentified ball not seen for a while:
// kept in the state (it may be under a hand) but no ball a referee can
// name, it is left out of a shot's start and end spots.
func (tr *track) held() bool { return tr.number < 0 && tr.unseenS > 0.5 }

// record adds this frame's measurements of the balls in motion to their
// paths and reports the cue strike once it is measured.
func (t *Tracker) record() {
	if t.shot == nil {
		return
	}
	for _, tr := range t.tracks {
		if !tr.confirmed {
			continue
		}
		if tr.justStarted && !tr.path.on {
			tr.path.start(tr.from)
		}
		if tr.seen && tr.path.on {
			tr.path.add(tr.z(0).p)
		}
		if tr.uid == t.shot.striker && !t.shot.strikeDone && tr.seen && tr.launchPoints(t.shot.strikeFrom, t.o.StartDistance) >= launchPoints {
			t.reportStrike(math.Inf(1))
		}
	}
}

// launchPoints is how many measurements of the launch the strike is
// measured from (when the ball is not stopped by an impact first).
const launchPoints = 4

// launchPoints counts the track's newest measurements away from its rest
// spot, in a row.
func (tr *track) launchPoints(from model.Vec2, minD float64) int {
	n := 0
	for k := 0; k < min(tr.zn, zRing); k++ {
		z := tr.z(k).p
		if math.Hypot(z.X-from.X, z.Y-from.Y) <= minD/2 {
			break
		}
		n++
	}
	return n
}

// slideDecel (m/s^2) is a struck ball's deceleration while it slides on
// the cloth (mu_s g with the cloth's sliding friction 0.2): the launch
// speed is the measured speed carried back to the moment of the strike.
const slideDecel = 0.2 * 9.81

// reportStrike reports the cue strike if it is still due: once measured,
// and before any other event of the shot (emit calls it with the event's
// time as before: only measurements until then are the launch), so a
// strike is always the shot's first game event.
func (t *Tracker) reportStrike(before float64) {
	s := t.shot
	if s == nil || s.strikeDone {
		return
	}
	s.strikeDone = true
	st := t.striker()
	if st == nil {
		return
	}
	from := s.strikeFrom
	// The launch: the measurements since it left its rest spot, oldest
	// first, while they run straight out from it (a rail or a ball may
	// have turned it since) and were taken before the event that called.
	var pts [launchPoints + 1]zStamp
	n := 0
	for k := min(st.launchPoints(from, t.o.StartDistance), launchPoints+1) - 1; k >= 0; k-- {
		z := st.z(k)
		if z.t > before {
			break
		}
		if n > 0 {
			// On from the last point, in line with the launch so far, and
			// not slowed by more than the cloth can (an impact did that).
			q := pts[n-1]
			d := math.Hypot(z.p.X-from.X, z.p.Y-from.Y)
			if d <= math.Hypot(q.p.X-from.X, q.p.Y-from.Y) || segDist(q.p, from, z.p) > 2*t.o.NoiseM+0.003 {
				break
			}
			if n > 1 {
				r := pts[n-2]
				now := math.Hypot(z.p.X-q.p.X, z.p.Y-q.p.Y) / (z.t - q.t)
				was := math.Hypot(q.p.X-r.p.X, q.p.Y-r.p.Y) / (q.t - r.t)
				if now < 0.75*was-0.1 {
					break
				}
				if now > 1.25*was+0.1 {
					// A ball does not speed up: the earlier points were
					// still at rest (noise just past the start distance).
					pts[0], n = q, 1
				}
			}
		}
		pts[n] = z
		n++
	}
	speed, t0, far := st.speed(), t.clock, st.pos
	if n > 0 {
		far = pts[n-1].p
	}
	// Least squares of the distance from the rest spot against time; the
	// line crosses zero at the strike, and its speed holds at the mean
	// time: the cloth took slideDecel off it since the strike.
	if n >= 2 {
		var sx, sy, sxx, sxy float64
		for _, z := range pts[:n] {
			d := math.Hypot(z.p.X-from.X, z.p.Y-from.Y)
			sx, sy, sxx, sxy = sx+z.t, sy+d, sxx+z.t*z.t, sxy+z.t*d
		}
		fn := float64(n)
		if den := fn*sxx - sx*sx; den > 0 {
			if beta := (fn*sxy - sx*sy) / den; beta > 0 {
				alpha := (sy - beta*sx) / fn
				t0 = -alpha / beta
				speed = beta + slideDecel*math.Max(0, sx/fn-t0)
			}
		}
	} else if n == 1 && speed > 0 {
		t0 = pts[0].t - math.Hypot(far.X-from.X, far.Y-from.Y)/speed
	}
	if n > 0 && (t0 > pts[0].t || t0 < pts[0].t-0.2) {
		t0 = pts[0].t - t.o.FrameInterval.Seconds()/2 // a bad fit: about half a frame before it was first seen leaving
	}
	h := math.Atan2(far.Y-from.Y, far.X-from.X) * 180 / math.Pi
	p := from
	t.emit(model.Event{Type: model.EventCueStrike, Time: t.at(t0), Balls: []string{st.id}, Pos: &p, Speed: speed, HeadingDeg: &h})
}

// striker is the track that started the shot, or nil.
func (t *Tracker) striker() *track {
	if t.shot == nil || t.shot.striker == 0 {
		return nil
	}
	for _, tr := range t.tracks {
		if tr.uid == t.shot.striker {
			return tr
		}
	}
	return nil
}

// keepPath files the path of a ball leaving the table (pocketed, off the
// table) with the shot, ending at end.
func (t *Tracker) keepPath(tr *track, end model.Vec2) {
	if t.shot != nil && tr.path.on {
		t.shot.paths = append(t.shot.paths, model.BallPath{Ball: tr.id, Points: tr.path.path(end)})
	}
}

// summary closes the shot: what shot_ended carries.
func (t *Tracker) summary(now time.Time) *model.ShotSummary {
	s := t.shot
	_, scratch := s.pocketed["cue"]
	sum := &model.ShotSummary{
		FirstContact: s.firstContact, Pocketed: s.pocketed, Scratch: scratch,
		DurationS: now.Sub(s.start).Seconds(),
		Start:     s.startSpots, Frozen: s.frozen, Events: s.events, Paths: s.paths,
	}
	for _, tr := range t.tracks {
		if !tr.confirmed {
			continue
		}
		if !tr.held() {
			sum.End = append(sum.End, model.BallSpot{ID: tr.id, Pos: tr.pos})
		}
		if tr.path.on {
			sum.Paths = append(sum.Paths, model.BallPath{Ball: tr.id, Points: tr.path.path(tr.pos)})
		}
	}
	slices.SortFunc(sum.End, func(a, b model.BallSpot) int { return cmpID(a.ID, b.ID) })
	slices.SortFunc(sum.Paths, func(a, b model.BallPath) int { return cmpID(a.Ball, b.Ball) })
	// In the order they happened (each stamped with its moment, not the
	// frame that reported it); the strike first whatever its estimate.
	slices.SortStableFunc(sum.Events, func(a, b model.Event) int {
		switch {
		case a.Type == model.EventCueStrike && b.Type != model.EventCueStrike:
			return -1
		case b.Type == model.EventCueStrike && a.Type != model.EventCueStrike:
			return 1
		}
		return a.Time.Compare(b.Time)
	})
	return sum
}

// at turns tracker seconds into a time.
func (t *Tracker) at(sec float64) time.Time {
	return t.epoch.Add(time.Duration(sec * float64(time.Second)))
}
