package referee

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// Shot is the referee's input for one shot: what the tracker measured and
// what a person said. Its JSON is the input line of `cuecast referee`
// (docs/game.md). Balls are "cue", "1".."15", or "?N" for a ball the camera
// saw but could not name (judged in the shooter's favour where its name
// matters: Decision.Uncertain); a call names a ball.
type Shot struct {
	Shooter    string   `json:"shooter"`
	BallsStart []Spot   `json:"balls_start"`
	Frozen     []string `json:"frozen,omitempty"` // balls touching a cushion at the start
	// BallsEnd is where the balls came to rest (optional): a spotted ball
	// is put clear of them (IDSpotting). Absent, the balls that took part in no
	// event are taken to lie where they started.
	BallsEnd []Spot      `json:"balls_end,omitempty"`
	Events   []Event     `json:"events"` // in the order they happened
	Called   *model.Call `json:"called,omitempty"`
	PushOut  bool        `json:"push_out,omitempty"`
	// BallInHandPlaced is where the cue ball was put when it was in hand;
	// absent, its start position is taken.
	BallInHandPlaced *model.Vec2 `json:"ball_in_hand_placed,omitempty"`
	// Option is the choice made before this shot by the player entitled
	// to one (Decision.Options): "play", "pass", "accept", "rerack",
	// "respot", "in_hand". Absent, it follows from the shot: "pass" when
	// the shooter is the player who would have been passed the table,
	// "rerack" when the other player breaks again, "in_hand" when the cue
	// ball was placed behind the head string, else the first option.
	Option string `json:"option,omitempty"`
}

// Spot is a ball at a place, table metres.
type Spot struct {
	ID string  `json:"id"`
	X  float64 `json:"x"`
	Y  float64 `json:"y"`
}

// Event is one event of a shot. Types are the event stream's:
// cue_strike, ball_collision (or ball_ball), ball_cushion, ball_pocketed
// (or ball_pocket), ball_off_table.
type Event struct {
	T      float64     `json:"t"`
	Type   string      `json:"type"`
	Balls  []string    `json:"balls"`
	Rail   string      `json:"rail,omitempty"`
	Pocket string      `json:"pocket,omitempty"`
	Pos    *model.Vec2 `json:"pos,omitempty"`
}

// Event types as the referee names them (aliases are normalised by Validate).
const (
	evStrike  = model.EventCueStrike
	evBall    = model.EventBallCollision
	evCushion = model.EventBallCushion
	evPocket  = model.EventBallPocketed
	evOff     = model.EventBallOffTable
)

var pocketNames = map[string]bool{
	model.PocketBottomLeft: true, model.PocketBottomSide: true, model.PocketBottomRight: true,
	model.PocketTopRight: true, model.PocketTopSide: true, model.PocketTopLeft: true,
}

var railNames = map[string]bool{model.RailBottom: true, model.RailRight: true, model.RailTop: true, model.RailLeft: true}

// IsUnidentified reports whether id is a ball the camera saw but could not
// name: "?N", N a positive number, as the tracker publishes it. The referee
// judges such a ball by what it did, never by which ball it might be: it
// may be any object ball but the 8 (9, 10) that decides a rack, and a
// rule that needs its name gives the shooter the benefit of the doubt
// (Decision.Uncertain).
func IsUnidentified(id string) bool {
	if len(id) < 2 || id[0] != '?' || id[1] == '0' {
		return false
	}
	for _, c := range id[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(id) <= 10
}

// validBall reports whether id may name a ball the tracker saw: "cue",
// "1".."15", or "?N".
func validBall(id string) bool { return ballNumber(id) >= 0 || IsUnidentified(id) }

// ballNumber returns the number of a ball id: 0 for "cue", 1..15, or -1.
func ballNumber(id string) int {
	if id == "cue" {
		return 0
	}
	n, err := strconv.Atoi(id)
	if err != nil || n < 1 || n > 15 || strconv.Itoa(n) != id {
		return -1
	}
	return n
}

// Validate checks a shot's form (names, ids, numbers) and normalises event
// type aliases. It does not check it against a game: Referee.Judge does.
func (s *Shot) Validate() error {
	seen := map[string]bool{}
	for i, b := range s.BallsStart {
		if !validBall(b.ID) {
			return fmt.Errorf("balls_start[%d]: unknown ball id %q (cue, 1..15, or ?N for a ball the camera could not name)", i, b.ID)
		}
		if seen[b.ID] {
			return fmt.Errorf("balls_start[%d]: ball %s listed twice", i, b.ID)
		}
		if !finite(b.X) || !finite(b.Y) {
			return fmt.Errorf("balls_start[%d]: position of %s is not a number", i, b.ID)
		}
		seen[b.ID] = true
	}
	for i, b := range s.BallsEnd {
		if !validBall(b.ID) {
			return fmt.Errorf("balls_end[%d]: unknown ball id %q (cue, 1..15, or ?N)", i, b.ID)
		}
		if !finite(b.X) || !finite(b.Y) {
			return fmt.Errorf("balls_end[%d]: position of %s is not a number", i, b.ID)
		}
	}
	for i, id := range s.Frozen {
		if !validBall(id) {
			return fmt.Errorf("frozen[%d]: unknown ball id %q", i, id)
		}
	}
	for i := range s.Events {
		e := &s.Events[i]
		switch e.Type {
		case "ball_ball":
			e.Type = evBall
		case "ball_pocket":
			e.Type = evPocket
		}
		if !finite(e.T) || e.T < 0 {
			return fmt.Errorf("events[%d]: t %v is not a time in seconds", i, e.T)
		}
		for _, id := range e.Balls {
			if !validBall(id) {
				return fmt.Errorf("events[%d]: unknown ball id %q (cue, 1..15, or ?N)", i, id)
			}
		}
		need := 1
		switch e.Type {
		case evStrike:
		case evBall:
			need = 2
		case evCushion:
			if !railNames[e.Rail] {
				return fmt.Errorf("events[%d]: ball_cushion rail %q is not one of bottom, right, top, left", i, e.Rail)
			}
		case evPocket:
			if !pocketNames[e.Pocket] {
				return fmt.Errorf("events[%d]: ball_pocketed pocket %q is not a pocket name", i, e.Pocket)
			}
		case evOff:
		default:
			return fmt.Errorf("events[%d]: unknown event type %q (cue_strike, ball_ball, ball_cushion, ball_pocket, ball_off_table)", i, e.Type)
		}
		if len(e.Balls) < need {
			return fmt.Errorf("events[%d]: %s names %d balls, needs %d", i, e.Type, len(e.Balls), need)
		}
	}
	if c := s.Called; c != nil {
		if n := ballNumber(c.Ball); n <= 0 {
			return fmt.Errorf("called: %q is not an object ball", c.Ball)
		}
		if !pocketNames[c.Pocket] {
			return fmt.Errorf("called: pocket %q is not a pocket name", c.Pocket)
		}
	}
	if p := s.BallInHandPlaced; p != nil && (!finite(p.X) || !finite(p.Y)) {
		return fmt.Errorf("ball_in_hand_placed: not a position")
	}
	switch s.Option {
	case "", OptionPlay, OptionPass, OptionAccept, OptionRerack, OptionRespot, OptionInHand:
	default:
		return fmt.Errorf("option %q is not one of play, pass, accept, rerack, respot, in_hand", s.Option)
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// FromSummary turns the tracker's shot summary into the referee's input.
// The shot's times are made relative to its first event.
func FromSummary(shooter string, sum *model.ShotSummary) Shot {
	s := Shot{Shooter: shooter, Frozen: append([]string(nil), sum.Frozen...)}
	for _, b := range sum.Start {
		s.BallsStart = append(s.BallsStart, Spot{ID: b.ID, X: b.Pos.X, Y: b.Pos.Y})
	}
	for _, b := range sum.End {
		s.BallsEnd = append(s.BallsEnd, Spot{ID: b.ID, X: b.Pos.X, Y: b.Pos.Y})
	}
	var t0 time.Time
	if len(sum.Events) > 0 {
		t0 = sum.Events[0].Time
	}
	for _, e := range sum.Events {
		ev := Event{Type: e.Type, Balls: append([]string(nil), e.Balls...), Rail: e.Rail, Pocket: e.Pocket, Pos: e.Pos}
		if !e.Time.IsZero() && !t0.IsZero() {
			ev.T = math.Max(0, e.Time.Sub(t0).Seconds())
		}
		s.Events = append(s.Events, ev)
	}
	// A summary without an ordered list still names its pocketings and the
	// first contact: rebuild a minimal list so the referee can judge it.
	if len(s.Events) == 0 {
		if sum.FirstContact != "" {
			s.Events = append(s.Events, Event{Type: evBall, Balls: []string{"cue", sum.FirstContact}})
		}
		for _, id := range sortedIDs(sum.Pocketed) {
			s.Events = append(s.Events, Event{Type: evPocket, Balls: []string{id}, Pocket: sum.Pocketed[id]})
		}
	}
	return s
}

func sortedIDs(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	sortBalls(out)
	return out
}

// sortKey orders ball ids: the cue ball, 1..15, then the unidentified.
func sortKey(id string) int {
	if n := ballNumber(id); n >= 0 {
		return n
	}
	n, _ := strconv.Atoi(id[min(1, len(id)):])
	return 100 + n
}

// CompareBalls orders ball ids as the tracker lists them: the cue ball,
// 1..15, then "?N" by N (a comparison function for slices.SortFunc).
func CompareBalls(a, b string) int {
	ka, kb := sortKey(a), sortKey(b)
	switch {
	case ka < kb:
		return -1
	case ka > kb:
		return 1
	}
	return strings.Compare(a, b)
}

// sortBalls orders ids by number, the cue ball first, the unidentified last.
func sortBalls(ids []string) {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && sortKey(ids[j]) < sortKey(ids[j-1]); j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}
