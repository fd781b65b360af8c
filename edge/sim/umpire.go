package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/cuecast/cuecast/edge/model"
)

// houseUmpire is the simulator's own small reading of the WPA rules, just
// enough to keep a simulated game going without the real referee: fouls
// (scratch, ball off the table, no contact, wrong ball first, no rail),
// groups in 8-ball, the lowest ball and the 9 in 9-ball, ball in hand, the
// rack's end. It is no referee (edge/referee is): no push-out, no options,
// no three-foul rule, the 8 on the break is spotted.
type houseUmpire struct {
	size    model.Size
	game    string
	players [2]string
	turn    int
	group   [2]string // "solids", "stripes" or "" (open table)
	on      map[int]bool
}

func (u *houseUmpire) NewRack(game string, players [2]string, breaker string) {
	u.game, u.players = game, players
	u.turn = u.index(breaker)
	u.group = [2]string{}
	last := 15
	if game == Game9Ball {
		last = 9
	}
	u.on = map[int]bool{}
	for n := 1; n <= last; n++ {
		u.on[n] = true
	}
}

func (u *houseUmpire) index(name string) int {
	if name == u.players[1] {
		return 1
	}
	return 0
}

func groupOfBall(n int) string {
	switch {
	case n >= 1 && n <= 7:
		return "solids"
	case n >= 9 && n <= 15:
		return "stripes"
	}
	return ""
}

// legal lists the balls player p may hit first.
func (u *houseUmpire) legal(p int) []string {
	var out []string
	if u.game == Game9Ball {
		for n := 1; n <= 9; n++ {
			if u.on[n] {
				return []string{model.BallID(n)}
			}
		}
		return nil
	}
	for n := 1; n <= 15; n++ {
		if u.on[n] && n != 8 && (u.group[p] == "" || groupOfBall(n) == u.group[p]) {
			out = append(out, model.BallID(n))
		}
	}
	if len(out) == 0 && u.on[8] {
		out = []string{"8"}
	}
	return out
}

func (u *houseUmpire) Judge(rec *model.ShotRecord) Ruling {
	p := u.index(rec.Shooter)
	u.turn = p
	s := &rec.Summary
	brk := rec.Number == 1
	legalFirst := u.legal(p)
	first, railAfter := "", false
	var down, off []int
	cueDown, cueOff := false, false
	for _, e := range s.Events {
		switch e.Type {
		case model.EventBallCollision:
			if first == "" && slices.Contains(e.Balls, "cue") {
				first = e.Balls[0]
				if first == "cue" {
					first = e.Balls[1]
				}
			}
		case model.EventBallCushion:
			railAfter = railAfter || first != ""
		case model.EventBallPocketed:
			if n := ballNumber(e.Balls[0]); n == 0 {
				cueDown = true
			} else if n > 0 {
				down = append(down, n)
			}
		case model.EventBallOffTable:
			if n := ballNumber(e.Balls[0]); n == 0 {
				cueOff = true
			} else if n > 0 {
				off = append(off, n)
			}
		}
	}
	var fouls []string
	switch {
	case cueDown:
		fouls = append(fouls, "scratch")
	case cueOff:
		fouls = append(fouls, "ball_off_table")
	}
	switch {
	case first == "":
		fouls = append(fouls, "no_contact")
	case !slices.Contains(legalFirst, first) && !(brk && u.game == Game8Ball):
		fouls = append(fouls, "wrong_ball_first")
	case !brk && !railAfter && len(down) == 0:
		fouls = append(fouls, "no_rail")
	}
	if len(off) > 0 && !slices.Contains(fouls, "ball_off_table") {
		fouls = append(fouls, "ball_off_table")
	}
	for _, n := range append(slices.Clone(down), off...) {
		delete(u.on, n)
	}
	d := model.Decision{Shot: rec.Number, Shooter: rec.Shooter, Legal: len(fouls) == 0, Fouls: fouls}
	r := Ruling{}
	over, winner := false, -1
	keep := false // the shooter stays at the table
	if u.game == Game9Ball {
		nine := slices.Contains(down, 9) || slices.Contains(off, 9)
		switch {
		case nine && len(fouls) == 0:
			over, winner = true, p
		case nine:
			u.on[9] = true
			r.Respot = []model.BallSpot{{ID: "9", Pos: footSpot(u.size, s.End)}}
		}
		keep = len(fouls) == 0 && len(down) > 0
	} else {
		eight := slices.Contains(down, 8) || slices.Contains(off, 8)
		if eight && brk && len(fouls) == 0 {
			u.on[8] = true
			r.Respot = []model.BallSpot{{ID: "8", Pos: footSpot(u.size, s.End)}}
			eight = false
		}
		if eight {
			// Legal only on the shooter's last ball, called, without a
			// foul; anything else loses the rack.
			cleared := slices.Equal(legalFirst, []string{"8"})
			called := rec.Called != nil && rec.Called.Ball == "8" && slices.ContainsFunc(s.Events, func(e model.Event) bool {
				return e.Type == model.EventBallPocketed && e.Balls[0] == "8" && e.Pocket == rec.Called.Pocket
			})
			over, winner = true, 1-p
			if cleared && called && len(fouls) == 0 {
				winner = p
			}
		}
		if !over && !brk && u.group[p] == "" && len(fouls) == 0 {
			for _, n := range down {
				if g := groupOfBall(n); g != "" {
					u.group[p] = g
					u.group[1-p] = map[string]string{"solids": "stripes", "stripes": "solids"}[g]
					break
				}
			}
		}
		for _, n := range down {
			keep = keep || len(fouls) == 0 && (brk || groupOfBall(n) == u.group[p] || u.group[p] == "")
		}
	}
	next := p
	if !keep || len(fouls) > 0 {
		next = 1 - p
	}
	if len(fouls) > 0 {
		r.BallInHand = "anywhere"
		if brk && u.game == Game8Ball && cueDown {
			r.BallInHand = "kitchen"
		}
	}
	if cueDown || cueOff {
		// The house rule is the rules': the cue ball comes back in hand.
		if r.BallInHand == "" {
			r.BallInHand = "anywhere"
		}
	}
	d.TurnOver = next != p
	d.BallInHand = r.BallInHand
	d.GameOver = over
	if over {
		w := u.players[winner]
		d.Winner = &w
	}
	d.Group = map[string]string{}
	for i, g := range u.group {
		if g != "" {
			d.Group[u.players[i]] = g
		}
	}
	switch {
	case over:
		d.Message = fmt.Sprintf("Rack to %s.", u.players[winner])
	case len(fouls) > 0:
		d.Message = fmt.Sprintf("Foul (%s): ball in hand for %s.", strings.Join(fouls, ", "), u.players[next])
	default:
		d.Message = fmt.Sprintf("%s to shoot.", u.players[next])
	}
	r.Decision, r.Next, r.RackOver = d, u.players[next], over
	r.Targets = u.legal(next)
	u.turn = next
	return r
}

// footSpot is where a ball is spotted: the foot spot, or the nearest free
// point behind it on the long string.
func footSpot(size model.Size, rest []model.BallSpot) model.Vec2 {
	L, W := size.Length, size.Width
	R := model.BallRadius
	for x := 0.75 * L; x < L-R; x += 0.003 {
		free := true
		for _, b := range rest {
			if len2(sub2(b.Pos, v2(x, W/2))) < 2*R+0.001 {
				free = false
				break
			}
		}
		if free {
			return v2(x, W/2)
		}
	}
	return v2(0.75*L, W/2)
}
