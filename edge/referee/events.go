package referee

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// analysis is what the rules ask of one shot's ordered events.
type analysis struct {
	first   string // first object ball the cue ball touched; "" for none
	firstAt int    // index of that contact in the events
	// ties are the other object balls the cue ball touched at the same
	// instant as first: the rules give the shooter the benefit (IDWrongBallFirst).
	ties []string
	// frozenContact: first was frozen to the cue ball and moved by the
	// stroke without a collision the tracker could see (IDFrozenBalls).
	frozenContact bool
	pocketed      []pocketing     // object balls pocketed, in order
	off           []string        // object balls that left the table
	scratch       bool            // the cue ball was pocketed
	cueOff        bool            // the cue ball left the table
	railAfter     bool            // a ball was driven to a rail after the first contact (IDDrivenToRail, IDNoRail)
	railBalls     map[string]bool // object balls driven to a rail (or off the table) at any time: the break's count
	moved         map[string]bool // balls that took part in any event
	pocketedAt    map[string]string
	// contactUnseen: the tracker saw no collision of the cue ball, but an
	// object ball moved after the strike: only the cue ball can have set
	// it moving, so there was a contact, on a ball nobody can name
	// (UncertainFirstContact).
	contactUnseen bool
	// doubts are what the camera could not tell and the shooter was given
	// (Uncertain* codes, in the order found).
	doubts []string
}

// doubt records an uncertainty once.
func (a *analysis) doubt(code string) {
	if !has(a.doubts, code) {
		a.doubts = append(a.doubts, code)
	}
}

// unnamedDown reports whether a ball the camera could not name was
// pocketed, and whether one left the table.
func (a *analysis) unnamedDown() (pocketed, off bool) {
	for _, p := range a.pocketed {
		pocketed = pocketed || IsUnidentified(p.ball)
	}
	for _, id := range a.off {
		off = off || IsUnidentified(id)
	}
	return pocketed, off
}

type pocketing struct{ ball, pocket string }

// cushionSlack is how far from a cushion nose (or from another ball) a
// ball's edge may be and still count as touching it (the tracker's
// position error).
const cushionSlack = 0.006

// tieWindow: two events the tracker timed this close together happened at
// the same instant. The 2025 rules resolve a simultaneous hit of a legal and
// an illegal ball, or of a legal ball and a cushion, for the shooter
// (IDWrongBallFirst, IDNoRail), and the referee does so in both editions:
// the 2016 text is silent, and the order of events within one frame is
// not a measurement. The tracker stamps events by frame, so one frame's
// events tie.
const tieWindow = 0.001

// analyse reads s's events on a table of size t.
func analyse(s *Shot, t model.Size) analysis {
	a := analysis{firstAt: -1, railBalls: map[string]bool{}, moved: map[string]bool{}, pocketedAt: map[string]string{}}
	start := map[string]model.Vec2{}
	for _, b := range s.BallsStart {
		start[b.ID] = model.Vec2{X: b.X, Y: b.Y}
	}
	frozen := map[string]bool{}
	for _, id := range s.Frozen {
		frozen[id] = true
	}
	onCue := frozenToCue(s)
	// left records that a frozen ball has been off its cushion: it then
	// counts for any rail it reaches.
	left := map[string]bool{}
	cueMoved := false   // the cue ball took part in an event after the strike
	var early []float64 // times of cushion contacts before the first contact
	objAt := -1         // the first event of an object ball
	var rails []int     // events that drive a ball to a rail (IDDrivenToRail)
	for i, e := range s.Events {
		if objAt < 0 && e.Type != evStrike {
			for _, id := range e.Balls {
				if id != "cue" {
					objAt = i
				}
			}
		}
		if a.firstAt < 0 && !cueMoved && e.Type != evStrike && !has(e.Balls, "cue") {
			// IDFrozenBalls: a ball frozen to the cue ball that the stroke moved has
			// been contacted, though the tracker saw no collision; before
			// the cue ball touches anything only the stroke moves a ball.
			for _, id := range e.Balls {
				if onCue[id] {
					a.first, a.firstAt, a.frozenContact = id, i, true
					break
				}
			}
		}
		for _, id := range e.Balls {
			a.moved[id] = true
		}
		if e.Type != evStrike && has(e.Balls, "cue") {
			cueMoved = true
		}
		switch e.Type {
		case evBall:
			if !has(e.Balls, "cue") {
				break
			}
			other := ""
			for _, id := range e.Balls {
				if id != "cue" {
					other = id
					break
				}
			}
			switch {
			case other == "":
			case a.firstAt < 0:
				a.first, a.firstAt = other, i
			case other != a.first && sameInstant(s.Events[a.firstAt].T, e.T) && !has(a.ties, other):
				a.ties = append(a.ties, other)
			}
		case evCushion:
			id := e.Balls[0]
			if frozen[id] && !left[id] && !leftCushion(id, e, start, t) {
				// IDDrivenToRail: a ball frozen to a cushion has not been driven
				// to it unless it leaves the cushion and returns.
				continue
			}
			if frozen[id] {
				left[id] = true
			}
			if id != "cue" {
				a.railBalls[id] = true
			}
			rails = append(rails, i)
			if a.firstAt >= 0 {
				a.railAfter = true
			} else {
				early = append(early, e.T)
			}
		case evPocket:
			id := e.Balls[0]
			if id == "cue" {
				a.scratch = true
			} else if _, dup := a.pocketedAt[id]; !dup {
				a.pocketed = append(a.pocketed, pocketing{id, e.Pocket})
				a.pocketedAt[id] = e.Pocket
			}
			// IDDrivenToRail: a pocketed ball counts as driven to a rail.
			rails = append(rails, i)
			if a.firstAt >= 0 {
				a.railAfter = true
			}
		case evOff:
			for _, id := range e.Balls {
				if id == "cue" {
					a.cueOff = true
				} else {
					if !has(a.off, id) {
						a.off = append(a.off, id)
					}
					a.railBalls[id] = true // IDDrivenToRail: so does one driven off the table
				}
			}
			rails = append(rails, i)
			if a.firstAt >= 0 {
				a.railAfter = true
			}
		}
	}
	if a.firstAt < 0 && objAt >= 0 {
		// An object ball moved, so the cue ball touched one, though the
		// tracker did not see where (a blur, a ball it nearly touched
		// already): the contact was no later than that ball's first event,
		// and what reached a rail from then on counts as after it.
		a.contactUnseen = true
		for _, i := range rails {
			if i >= objAt {
				a.railAfter = true
			}
		}
	}
	if !a.railAfter && a.firstAt >= 0 {
		// IDNoRail (2025 wording): a cushion contact at the instant of the first
		// contact counts as after it.
		for _, et := range early {
			if sameInstant(et, s.Events[a.firstAt].T) {
				a.railAfter = true
			}
		}
	}
	return a
}

// sameInstant reports whether two event times (seconds from the strike)
// are one instant. Times the input left out (zero) never tie.
func sameInstant(t1, t2 float64) bool {
	return t1 > 0 && t2 > 0 && math.Abs(t1-t2) <= tieWindow
}

// frozenToCue lists the object balls touching the cue ball at the start.
func frozenToCue(s *Shot) map[string]bool {
	out := map[string]bool{}
	c, ok := cuePlaced(s)
	if !ok {
		return out
	}
	lim := 2*model.BallRadius + cushionSlack
	for _, b := range s.BallsStart {
		if b.ID != "cue" && math.Hypot(b.X-c.X, b.Y-c.Y) <= lim {
			out[b.ID] = true
		}
	}
	return out
}

// leftCushion reports whether cushion event e of frozen ball id is a
// return to the rail rather than the ball pressed into the cushion it lay
// on: the rail is not one it was frozen to, or the contact is well away
// from where it lay.
func leftCushion(id string, e Event, start map[string]model.Vec2, t model.Size) bool {
	p, ok := start[id]
	if !ok {
		return false
	}
	if !frozenTo(p, e.Rail, t) {
		return true
	}
	if e.Pos != nil && math.Hypot(e.Pos.X-p.X, e.Pos.Y-p.Y) > 4*model.BallRadius {
		return true
	}
	return false
}

// frozenTo reports whether a ball at p touches the named rail.
func frozenTo(p model.Vec2, rail string, t model.Size) bool {
	lim := model.BallRadius + cushionSlack
	switch rail {
	case model.RailBottom:
		return p.Y <= lim
	case model.RailTop:
		return p.Y >= t.Width-lim
	case model.RailLeft:
		return p.X <= lim
	case model.RailRight:
		return p.X >= t.Length-lim
	}
	return false
}

// kitchenBallFirst reports the foul of IDKitchenPlay: the cue ball, in hand behind
// the head string (x < L/4; the head rail is "left", x = 0), first touched
// an object ball that also lay behind the head string, and did not cross
// the head string before that contact. A ball on the head string is
// playable. Where the events cannot tell whether the cue ball crossed (a
// side-rail contact without a position) the shooter has the benefit.
func kitchenBallFirst(s *Shot, a *analysis, t model.Size) bool {
	if a.first == "" || a.frozenContact {
		return false
	}
	hs := t.Length / 4
	c, ok := cuePlaced(s)
	if !ok || c.X > hs {
		return false // placed in front of the head string: IDBadPlacement's foul, not this one
	}
	var q model.Vec2
	found := false
	for _, b := range s.BallsStart {
		if b.ID == a.first {
			q, found = model.Vec2{X: b.X, Y: b.Y}, true
		}
	}
	if !found || q.X >= hs {
		return false
	}
	// The cue ball travels in straight lines between its cushion contacts:
	// if every contact before the hit lies behind the head string, so does
	// its whole path.
	for i := 0; i < a.firstAt; i++ {
		e := s.Events[i]
		if e.Type != evCushion || e.Balls[0] != "cue" {
			continue
		}
		switch {
		case e.Rail == model.RailRight:
			return false // the foot rail: it crossed
		case e.Rail == model.RailLeft:
		case e.Pos == nil || e.Pos.X > hs:
			return false
		}
	}
	if p := s.Events[a.firstAt].Pos; p != nil && p.X > hs {
		return false
	}
	return true
}

// jawReach is how far from a pocket's centre a cushion contact counts as
// touching that pocket's jaws on the way in: incidental, not a bank.
const jawReach = 0.12

// obviousCall is the call a shot implies when none was given (IDCallShot: an
// obvious ball and pocket need not be called): the cue ball went straight
// (no cushion) to the first ball it touched, and that ball went straight
// into a pocket, touching no other ball and no cushion but the jaws of the
// pocket it fell in. Anything else (a bank, a kick, a kiss, a combination)
// is not obvious, and nil is returned.
func obviousCall(s *Shot, a *analysis, t model.Size) *model.Call {
	b := a.first
	pk, ok := a.pocketedAt[b]
	if b == "" || !ok || a.frozenContact {
		return nil
	}
	for i := 0; i < a.firstAt; i++ {
		if e := s.Events[i]; e.Type == evCushion && e.Balls[0] == "cue" {
			return nil
		}
	}
	var mouth model.Vec2
	for _, p := range model.Standard(t).Pockets {
		if p.Name == pk {
			mouth = p.Pos
		}
	}
	for _, e := range s.Events[a.firstAt+1:] {
		if !has(e.Balls, b) {
			continue
		}
		switch e.Type {
		case evPocket:
			return &model.Call{Ball: b, Pocket: pk}
		case evCushion:
			if e.Pos == nil || math.Hypot(e.Pos.X-mouth.X, e.Pos.Y-mouth.Y) > jawReach {
				return nil
			}
		default:
			return nil
		}
	}
	return nil
}

func has(list []string, id string) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// objectPocketed reports whether any object ball was pocketed.
func (a *analysis) objectPocketed() bool { return len(a.pocketed) > 0 }
