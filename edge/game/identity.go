package game

import (
	"math"
	"slices"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/referee"
)

// The tracker publishes a ball it has not identified as "?N" (vision never
// read its number: a ball lost in a blur and found again as a new track,
// a number turned away from the camera). The game knows more than one
// frame does: which balls are on the table, where each came to rest after
// the previous shot, where the rules rack the balls whose place is fixed.
// A referee with that knowledge names such a ball as a person would, and
// only where nothing else fits; what stays unnamed the referee judges with
// the benefit of the doubt (edge/referee, Decision.Uncertain).

// restTol is how far from where a ball came to rest an unnamed ball may lie
// and still be taken for it: a ball's radius. Two balls' centres are at
// least a diameter apart, so no two rest spots can both be this close to
// one ball; the tracker's own noise at rest is millimetres.
const restTol = model.BallRadius

// pathTol is how close to an unnamed ball's start spot a named ball's
// measured path must begin for the two to be one ball: the tracker begins
// a path where the ball rested, the start spot being the same measurement.
const pathTol = model.BallRadius / 2

// RackSpots are the balls whose place in a rack the rules fix, on a table
// of size t (foot spot at 3L/4, W/2; rows towards the foot rail): 8-ball,
// the 8 in the middle of the third row (WPA 8-ball racking); 9-ball, the 1
// on the foot spot and the 9 in the middle; 10-ball, the 1 on the foot spot
// and the 10 in the middle of the third row. Practice fixes none.
func RackSpots(g referee.Game, t model.Size) []model.BallSpot {
	foot := model.Vec2{X: 0.75 * t.Length, Y: t.Width / 2}
	// The third row's middle: two rows of touching balls behind the apex.
	mid := model.Vec2{X: foot.X + 2*math.Sqrt(3)*model.BallRadius, Y: foot.Y}
	switch g {
	case referee.EightBall:
		return []model.BallSpot{{ID: "8", Pos: mid}}
	case referee.NineBall:
		return []model.BallSpot{{ID: "1", Pos: foot}, {ID: "9", Pos: mid}}
	case referee.TenBall:
		return []model.BallSpot{{ID: "1", Pos: foot}, {ID: "10", Pos: mid}}
	}
	return nil
}

// RestSpots is where the game knows the balls lie before the next shot,
// given the referee's state st and where the tracker saw the balls at rest
// after the last shot (lastEnd; nil when there was none): at a break, the
// rack's fixed spots; otherwise the last shot's end spots that have a
// name, for balls still on the table, the balls spotted since put where
// they were spotted, and not the cue ball when it is in hand (it is about
// to be moved).
func RestSpots(g referee.Game, st referee.State, lastEnd []model.BallSpot, t model.Size) []model.BallSpot {
	if st.Break {
		return RackSpots(g, t)
	}
	var out []model.BallSpot
	for _, b := range lastEnd {
		switch {
		case referee.IsUnidentified(b.ID):
		case b.ID == "cue":
			if st.BallInHand == "" {
				out = append(out, b)
			}
		case slices.Contains(st.OnTable, b.ID) && !slices.ContainsFunc(st.Respot, func(r model.BallSpot) bool { return r.ID == b.ID }):
			out = append(out, b)
		}
	}
	return append(out, st.Respot...)
}

// Identify names the balls a shot's summary calls "?N" that the game can
// name, and returns the summary with those names (sum itself is not
// changed) and the names given ("?7" -> "3"; nil when none). onTable are
// the object balls the referee has on the table before the shot; rest is
// where the game knows balls lie (RestSpots). A ball is named only when
// exactly one ball fits, in this order:
//
//  1. an unnamed ball at the start where a named ball's measured path of
//     this shot begins is that ball (the tracker read its number during
//     the shot);
//  2. an unnamed ball at the start lying where a ball came to rest
//     (within a ball's radius), when that ball is not at the start under
//     its own name and no other ball lies at that spot, is that ball;
//  3. the one unnamed ball at the start, when exactly one ball in play is
//     missing from the start, is that ball;
//  4. the one unnamed ball at rest after the shot or gone from the table
//     (pocketed, off), when exactly one ball in play is neither at rest
//     under its name nor seen to go, is that ball.
//
// Balls in play are the cue ball and onTable. A name that would put one
// ball twice at the start or at the end, or make a ball collide with
// itself, is not given: then no name is.
func Identify(sum *model.ShotSummary, onTable []string, rest []model.BallSpot) (model.ShotSummary, map[string]string) {
	if !hasUnnamed(sum) {
		return *sum, nil
	}
	inPlay := append([]string{"cue"}, onTable...)
	names := map[string]string{}
	given := map[string]bool{}
	give := func(u, id string) {
		if !clash(sum, names, u, id) {
			names[u], given[id] = id, true
		}
	}
	atStart := map[string]bool{}
	var unnamedStart []model.BallSpot
	for _, b := range sum.Start {
		if referee.IsUnidentified(b.ID) {
			unnamedStart = append(unnamedStart, b)
		} else {
			atStart[b.ID] = true
		}
	}
	free := func(id string) bool { return slices.Contains(inPlay, id) && !atStart[id] && !given[id] }

	// 1. A named path from an unnamed ball's start spot.
	for _, u := range unnamedStart {
		var fit []string
		for _, p := range sum.Paths {
			if len(p.Points) > 0 && free(p.Ball) && dist(p.Points[0], u.Pos) <= pathTol && !slices.Contains(fit, p.Ball) {
				fit = append(fit, p.Ball)
			}
		}
		if len(fit) == 1 {
			give(u.ID, fit[0])
		}
	}
	// 2. Where a ball came to rest.
	for _, u := range unnamedStart {
		if names[u.ID] != "" {
			continue
		}
		var fit []model.BallSpot
		for _, r := range rest {
			if free(r.ID) && dist(r.Pos, u.Pos) <= restTol {
				fit = append(fit, r)
			}
		}
		if len(fit) != 1 {
			continue
		}
		claimed := false // another ball at the start lies at that spot too
		for _, b := range sum.Start {
			if b.ID != u.ID && dist(b.Pos, fit[0].Pos) <= restTol {
				claimed = true
			}
		}
		if !claimed {
			give(u.ID, fit[0].ID)
		}
	}
	// 3. The one ball missing from the start.
	var left []model.BallSpot
	for _, u := range unnamedStart {
		if names[u.ID] == "" {
			left = append(left, u)
		}
	}
	if missing := slices.DeleteFunc(slices.Clone(inPlay), func(id string) bool { return !free(id) }); len(left) == 1 && len(missing) == 1 {
		give(left[0].ID, missing[0])
	}
	// 4. The one ball missing at the end.
	name := func(id string) string {
		if n := names[id]; n != "" {
			return n
		}
		return id
	}
	accounted := map[string]bool{}
	var unnamedEnd []string
	see := func(id string) {
		id = name(id)
		if referee.IsUnidentified(id) {
			if !slices.Contains(unnamedEnd, id) {
				unnamedEnd = append(unnamedEnd, id)
			}
		} else {
			accounted[id] = true
		}
	}
	for _, b := range sum.End {
		see(b.ID)
	}
	for _, e := range sum.Events {
		if e.Type == model.EventBallPocketed || e.Type == model.EventBallOffTable {
			for _, id := range e.Balls {
				see(id)
			}
		}
	}
	// A ball named at the start but not seen at the end may be the
	// unnamed one there: a track lost and found again is a new "?N".
	var gone []string
	for _, id := range inPlay {
		if !accounted[id] {
			gone = append(gone, id)
		}
	}
	if len(unnamedEnd) == 1 && len(gone) == 1 {
		give(unnamedEnd[0], gone[0])
	}
	if len(names) == 0 {
		return *sum, nil
	}
	out := renamed(sum, names)
	if !consistent(&out) {
		return *sum, nil
	}
	return out, names
}

func dist(a, b model.Vec2) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

// hasUnnamed reports whether the summary names any ball "?N".
func hasUnnamed(s *model.ShotSummary) bool {
	for _, b := range s.Start {
		if referee.IsUnidentified(b.ID) {
			return true
		}
	}
	for _, b := range s.End {
		if referee.IsUnidentified(b.ID) {
			return true
		}
	}
	for _, e := range s.Events {
		if slices.ContainsFunc(e.Balls, referee.IsUnidentified) {
			return true
		}
	}
	return slices.ContainsFunc(s.Frozen, referee.IsUnidentified)
}

// clash reports whether naming the unnamed ball u id would make two balls
// one: both at the start, both at rest at the end, or colliding, as the
// summary has them or as another ball already named id does.
func clash(s *model.ShotSummary, names map[string]string, u, id string) bool {
	same := []string{id} // the ids that would then be ball id
	for v, n := range names {
		if n == id {
			same = append(same, v)
		}
	}
	in := func(spots []model.BallSpot, ids ...string) bool {
		for _, x := range ids {
			if slices.ContainsFunc(spots, func(b model.BallSpot) bool { return b.ID == x }) {
				return true
			}
		}
		return false
	}
	if in(s.Start, u) && in(s.Start, same...) || in(s.End, u) && in(s.End, same...) {
		return true
	}
	for _, e := range s.Events {
		if e.Type == model.EventBallCollision && slices.Contains(e.Balls, u) && slices.ContainsFunc(e.Balls, func(b string) bool { return slices.Contains(same, b) }) {
			return true
		}
	}
	return false
}

// renamed is a copy of s with the balls named (every slice and map it
// rewrites is its own).
func renamed(s *model.ShotSummary, names map[string]string) model.ShotSummary {
	name := func(id string) string {
		if n := names[id]; n != "" {
			return n
		}
		return id
	}
	spots := func(in []model.BallSpot) []model.BallSpot {
		out := slices.Clone(in)
		for i := range out {
			out[i].ID = name(out[i].ID)
		}
		return out
	}
	out := *s
	out.FirstContact = name(s.FirstContact)
	out.Start, out.End = spots(s.Start), spots(s.End)
	out.Frozen = slices.Clone(s.Frozen)
	for i := range out.Frozen {
		out.Frozen[i] = name(out.Frozen[i])
	}
	if s.Pocketed != nil {
		out.Pocketed = make(map[string]string, len(s.Pocketed))
		for id, p := range s.Pocketed {
			out.Pocketed[name(id)] = p
		}
		_, cue := out.Pocketed["cue"]
		out.Scratch = s.Scratch || cue
	}
	out.Events = slices.Clone(s.Events)
	for i := range out.Events {
		e := &out.Events[i]
		e.Balls = slices.Clone(e.Balls)
		for j := range e.Balls {
			e.Balls[j] = name(e.Balls[j])
		}
	}
	out.Paths = slices.Clone(s.Paths)
	for i := range out.Paths {
		out.Paths[i].Ball = name(out.Paths[i].Ball)
	}
	sortSpots(out.Start)
	sortSpots(out.End)
	return out
}

// consistent reports whether a named summary still has each ball once at
// the start and once at the end, and no ball colliding with itself.
func consistent(s *model.ShotSummary) bool {
	once := func(spots []model.BallSpot) bool {
		seen := map[string]bool{}
		for _, b := range spots {
			if seen[b.ID] {
				return false
			}
			seen[b.ID] = true
		}
		return true
	}
	if !once(s.Start) || !once(s.End) {
		return false
	}
	for _, e := range s.Events {
		if e.Type == model.EventBallCollision && len(e.Balls) == 2 && e.Balls[0] == e.Balls[1] {
			return false
		}
	}
	return true
}

// sortSpots keeps the tracker's order: the cue ball, 1..15, then "?N".
func sortSpots(s []model.BallSpot) {
	slices.SortStableFunc(s, func(a, b model.BallSpot) int { return referee.CompareBalls(a.ID, b.ID) })
}
