package referee

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// analysis is what the rules ask of one shot's ordered events.
type analysis struct {
	first      string          // first object ball the cue ball touched; "" for none
	firstAt    int             // index of that contact in the events
	pocketed   []pocketing     // object balls pocketed, in order
	off        []string        // object balls that left the table
	scratch    bool            // the cue ball was pocketed
	cueOff     bool            // the cue ball left the table
	railAfter  bool            // a ball reached a rail after the first contact (frozen balls per 6.3)
	railBalls  map[string]bool // object balls that reached a rail at any time (for the break)
	moved      map[string]bool // balls that took part in any event
	pocketedAt map[string]string
}

type pocketing struct{ ball, pocket string }

// cushionSlack is how far from a cushion nose a ball's edge may be and
// still count as frozen to it (the tracker's position error).
const cushionSlack = 0.006

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
	// left records that a frozen ball has been off its cushion: it then
	// counts for any rail it reaches.
	left := map[string]bool{}
	for i, e := range s.Events {
		for _, id := range e.Balls {
			a.moved[id] = true
		}
		switch e.Type {
		case evBall:
			if a.firstAt < 0 && has(e.Balls, "cue") {
				for _, id := range e.Balls {
					if id != "cue" {
						a.first, a.firstAt = id, i
						break
					}
				}
			}
		case evCushion:
			id := e.Balls[0]
			if frozen[id] && !left[id] && !leftCushion(id, e, start, t) {
				// 6.3: a ball frozen to a cushion has not been driven
				// to it unless it leaves the cushion and returns.
				continue
			}
			if frozen[id] {
				left[id] = true
			}
			if id != "cue" {
				a.railBalls[id] = true
			}
			if a.firstAt >= 0 {
				a.railAfter = true
			}
		case evPocket:
			id := e.Balls[0]
			if id == "cue" {
				a.scratch = true
				continue
			}
			if _, dup := a.pocketedAt[id]; !dup {
				a.pocketed = append(a.pocketed, pocketing{id, e.Pocket})
				a.pocketedAt[id] = e.Pocket
			}
		case evOff:
			for _, id := range e.Balls {
				if id == "cue" {
					a.cueOff = true
				} else if !has(a.off, id) {
					a.off = append(a.off, id)
				}
			}
		}
	}
	return a
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
