package referee

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cuecast/cuecast/edge/model"
)

// foulDecision fills in a foul: the turn passes with ball in hand, and
// the rule is the first foul's.
func (r *Referee) foulDecision(d *model.Decision, a *analysis, p int, fouls []string) {
	d.Legal = false
	d.Fouls = fouls
	d.Rule = foulRule(fouls[0], r.cfg.Game)
	if fouls[0] == FoulBallOffTable && a.cueOff {
		d.Rule = RuleScratch
	}
	d.TurnOver = true
	r.turn = r.other(p)
	r.bih = r.cfg.BallInHand
	d.BallInHand = r.bih
}

// foulMessage is "Foul (6.3): no ball reached a rail after contact; also
// ... Ball in hand for Anna."
func (r *Referee) foulMessage(d *model.Decision, fouls []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Foul (%s): %s", d.Rule, foulSentence(fouls[0]))
	if len(fouls) > 1 {
		rest := make([]string, 0, len(fouls)-1)
		for _, f := range fouls[1:] {
			rest = append(rest, foulSentence(f))
		}
		b.WriteString("; also " + strings.Join(rest, ", "))
	}
	b.WriteString(".")
	return b.String()
}

func (r *Referee) bihSentence() string {
	where := ""
	if r.bih == PlaceKitchen {
		where = " behind the head string"
	}
	return fmt.Sprintf(" Ball in hand%s for %s.", where, r.player(r.turn))
}

func (r *Referee) win(d *model.Decision, w int) {
	d.GameOver = true
	name := r.player(w)
	d.Winner = &name
	r.over, r.winner = true, w
	r.racks[w]++
	r.bih = ""
	r.options = nil
	r.push = false
}

func ballList(ps []pocketing) string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ball
	}
	switch len(ids) {
	case 0:
		return "no ball"
	case 1:
		return "the " + ids[0]
	}
	return "the " + strings.Join(ids[:len(ids)-1], ", ") + " and " + ids[len(ids)-1]
}

// removeDown takes the pocketed and jumped balls off the table, keeping
// those in keep (they are spotted instead).
func (r *Referee) removeDown(a *analysis) {
	for _, p := range a.pocketed {
		r.onTable[ballNumber(p.ball)] = false
	}
	for _, id := range a.off {
		r.onTable[ballNumber(id)] = false
	}
}

// eight judges an 8-ball shot (section 3).
func (r *Referee) eight(s *Shot, a *analysis, p int, brk bool, fouls []string) model.Decision {
	d := model.Decision{Fouls: []string{}}
	eightPocket, eightIn := a.pocketedAt["8"]
	eightOff := has(a.off, "8")
	wasOnEight := r.onEight(p)
	r.removeDown(a)
	if brk {
		d.Rule = RuleEightBreak
		if eightIn || eightOff {
			r.spot(s, a, 8)
		}
		if len(fouls) > 0 {
			r.foulDecision(&d, a, p, fouls)
			msg := r.foulMessage(&d, fouls)
			if has(fouls, FoulIllegalBreak) || eightIn {
				r.options, r.optFor = []string{OptionAccept, OptionRerack}, r.turn
				msg += fmt.Sprintf(" %s may play the table as it lies with ball in hand or have it re-racked (3.3).", r.player(r.turn))
			} else {
				msg += r.bihSentence()
			}
			if eightIn || eightOff {
				msg += " The 8 is spotted."
			}
			d.Message = msg
			return d
		}
		d.Legal = true
		r.bih = ""
		if a.objectPocketed() {
			d.Message = fmt.Sprintf("Legal break: %s pocketed. %s continues; the table is open (3.4).", ballList(a.pocketed), r.player(p))
			if eightIn {
				r.options, r.optFor = []string{OptionRespot, OptionRerack}, p
				d.Message = fmt.Sprintf("Legal break with the 8 pocketed (3.3): the 8 is spotted and %s continues, or asks for a re-rack.", r.player(p))
			}
			return d
		}
		d.TurnOver = true
		r.turn = r.other(p)
		d.Message = fmt.Sprintf("Legal break, nothing pocketed. %s to shoot; the table is open (3.4).", r.player(r.turn))
		return d
	}

	// The 8 decides the game whenever it goes down or off (3.8).
	if eightIn || eightOff {
		d.Rule = RuleEightLoss
		switch {
		case eightOff:
			if !has(fouls, FoulBallOffTable) {
				fouls = append(fouls, FoulBallOffTable)
			}
			d.Fouls = fouls
			r.win(&d, r.other(p))
			d.Message = fmt.Sprintf("Loss of game (3.8): the 8 left the table. %s wins the rack.", r.player(r.other(p)))
			return d
		case !wasOnEight:
			d.Fouls = append([]string{FoulEightEarly}, without(fouls, FoulEightEarly)...)
			r.win(&d, r.other(p))
			d.Message = fmt.Sprintf("Loss of game (3.8): the 8 was pocketed before %s's group was cleared. %s wins the rack.", r.player(p), r.player(r.other(p)))
			return d
		case len(fouls) > 0:
			d.Fouls = fouls
			r.win(&d, r.other(p))
			d.Message = fmt.Sprintf("Loss of game (3.8): the 8 was pocketed on a foul (%s). %s wins the rack.", foulSentence(fouls[0]), r.player(r.other(p)))
			return d
		case s.Called == nil || s.Called.Ball != "8" || s.Called.Pocket != eightPocket:
			d.Fouls = []string{FoulEightWrongPocket}
			why := "a pocket that was not called"
			if s.Called == nil || s.Called.Ball != "8" {
				why = "no called pocket"
			}
			r.win(&d, r.other(p))
			d.Message = fmt.Sprintf("Loss of game (3.8): the 8 was pocketed with %s. %s wins the rack.", why, r.player(r.other(p)))
			return d
		}
		d.Legal = true
		r.win(&d, p)
		d.Message = fmt.Sprintf("%s pocketed the 8 in the called pocket and wins the rack (3.8).", r.player(p))
		return d
	}

	if len(fouls) > 0 {
		r.foulDecision(&d, a, p, fouls)
		d.Message = r.foulMessage(&d, fouls) + r.bihSentence()
		return d
	}
	d.Legal = true
	r.bih = ""
	// Which pocketed balls keep the shooter at the table (3.5, 3.6).
	made := r.madeEight(s, a, p)
	open := r.group[p] == ""
	if made == "" {
		d.TurnOver = true
		r.turn = r.other(p)
		d.Rule = RuleEightContinue
		if a.objectPocketed() {
			d.Message = fmt.Sprintf("No foul, but %s did not keep %s at the table. %s to shoot.", ballList(a.pocketed), r.player(p), r.player(r.turn))
			if s.Called != nil {
				d.Rule = RuleEightCalled
				d.Message = fmt.Sprintf("No foul, but the called %s did not go in the %s. %s to shoot.", s.Called.Ball, s.Called.Pocket, r.player(r.turn))
			}
		} else {
			d.Message = fmt.Sprintf("No ball pocketed. %s to shoot.", r.player(r.turn))
		}
		return d
	}
	if open {
		g := groupOf(ballNumber(made))
		r.group[p], r.group[r.other(p)] = g, other(g)
		d.Rule = RuleEightOpen
		d.Message = fmt.Sprintf("Legal shot: %s pocketed. %s takes %s and continues (3.4).", ballList(a.pocketed), r.player(p), g)
		return d
	}
	d.Rule = RuleEightContinue
	d.Message = fmt.Sprintf("Legal shot: %s pocketed. %s continues.", ballList(a.pocketed), r.player(p))
	if r.onEight(p) {
		d.Message = fmt.Sprintf("Legal shot: %s pocketed. %s continues on the 8: call its pocket.", ballList(a.pocketed), r.player(p))
	}
	return d
}

// madeEight returns the ball that keeps player p at the table after a
// legal 8-ball shot, or "": the called ball in the called pocket, or
// without a call the first pocketed ball of p's group (any ball but the 8
// on an open table).
func (r *Referee) madeEight(s *Shot, a *analysis, p int) string {
	if s.Called != nil {
		if a.pocketedAt[s.Called.Ball] == s.Called.Pocket {
			return s.Called.Ball
		}
		return ""
	}
	if r.cfg.CallAll {
		return ""
	}
	g := r.group[p]
	for _, pk := range a.pocketed {
		n := ballNumber(pk.ball)
		if n == 8 {
			continue
		}
		if g == "" || groupOf(n) == g {
			return pk.ball
		}
	}
	return ""
}

func other(g string) string {
	if g == Solids {
		return Stripes
	}
	return Solids
}

func without(list []string, x string) []string {
	out := []string{}
	for _, v := range list {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// rotation judges a 9-ball (section 2) or 10-ball (section 4) shot.
func (r *Referee) rotation(s *Shot, a *analysis, p int, brk bool, fouls []string) model.Decision {
	d := model.Decision{Fouls: []string{}}
	top := r.topBall()
	topID := strconv.Itoa(top)
	topPocket, topIn := a.pocketedAt[topID]
	topDown := topIn || has(a.off, topID)
	nine := r.cfg.Game == NineBall
	rules := struct{ brk, push, cont, fouls string }{RuleNineBreak, RuleNinePushOut, RuleNineContinue, RuleNineFouls}
	if !nine {
		rules.brk, rules.push, rules.cont, rules.fouls = RuleTenBreak, RuleTenPushOut, RuleTenContinue, RuleTenFouls
	}
	r.removeDown(a)
	other := r.other(p)

	if len(fouls) > 0 {
		r.fouls[p]++
		if topDown {
			r.spot(s, a, top)
		}
		if r.fouls[p] >= 3 {
			d.Fouls = append(fouls, FoulThreeFouls)
			d.Rule = RuleThreeFouls
			r.win(&d, other)
			d.Message = fmt.Sprintf("Loss of game (6.14): %s's third foul in a row (%s). %s wins the rack.", r.player(p), foulSentence(fouls[0]), r.player(other))
			return d
		}
		r.foulDecision(&d, a, p, fouls)
		msg := r.foulMessage(&d, fouls) + r.bihSentence()
		if topDown {
			msg += fmt.Sprintf(" The %d is spotted (%s).", top, rules.fouls)
		}
		if r.fouls[p] == 2 {
			msg += fmt.Sprintf(" Warning: %s has two fouls in a row; a third loses the rack (6.14).", r.player(p))
		}
		d.Message = msg
		if brk {
			// No push-out after a foul on the break.
			r.push = false
		}
		return d
	}

	r.fouls[p] = 0
	d.Legal = true
	r.bih = ""
	if brk {
		d.Rule = rules.brk
		r.push = true // the next shot, whoever plays it, may be a push-out
		if topDown {
			if nine {
				r.win(&d, p)
				d.Message = fmt.Sprintf("%s pocketed the 9 on a legal break and wins the rack (2.3).", r.player(p))
				return d
			}
			r.spot(s, a, top) // the 10 on the break is spotted (4.3)
		}
		if a.objectPocketed() {
			d.Message = fmt.Sprintf("Legal break: %s pocketed. %s continues and may push out.", ballList(a.pocketed), r.player(p))
			if topDown {
				d.Message += " The 10 is spotted."
			}
			return d
		}
		d.TurnOver = true
		r.turn = other
		d.Message = fmt.Sprintf("Legal break, nothing pocketed. %s to shoot and may push out.", r.player(other))
		return d
	}

	if s.PushOut {
		d.Rule = rules.push
		d.TurnOver = true
		if topDown {
			r.spot(s, a, top)
		}
		r.turn = other
		r.options, r.optFor = []string{OptionPlay, OptionPass}, other
		d.Message = fmt.Sprintf("Push-out (%s): %s may play from here or pass the shot back to %s.", rules.push, r.player(other), r.player(p))
		if topDown {
			d.Message += fmt.Sprintf(" The %d is spotted.", top)
		}
		return d
	}

	d.Rule = rules.cont
	if nine {
		if topIn {
			r.win(&d, p)
			d.Message = fmt.Sprintf("%s pocketed the 9 on a legal shot and wins the rack (2.4).", r.player(p))
			return d
		}
		if topDown { // the 9 left the table on a legal shot: spotted
			r.spot(s, a, top)
		}
		if a.objectPocketed() {
			d.Message = fmt.Sprintf("Legal shot: %s pocketed. %s continues.", ballList(a.pocketed), r.player(p))
			return d
		}
		d.TurnOver = true
		r.turn = other
		d.Message = fmt.Sprintf("No ball pocketed. %s to shoot.", r.player(other))
		return d
	}
	// 10-ball: only the called ball in the called pocket counts.
	made := s.Called != nil && a.pocketedAt[s.Called.Ball] == s.Called.Pocket
	if made && topIn && s.Called.Ball == topID && topPocket == s.Called.Pocket {
		r.win(&d, p)
		d.Message = fmt.Sprintf("%s pocketed the called 10 and wins the rack (4.5).", r.player(p))
		return d
	}
	if topDown {
		r.spot(s, a, top)
	}
	if made {
		d.Message = fmt.Sprintf("Legal shot: the called %s went in. %s continues.", s.Called.Ball, r.player(p))
		return d
	}
	d.TurnOver = true
	r.turn = other
	if a.objectPocketed() {
		r.options, r.optFor = []string{OptionPlay, OptionPass}, other
		d.Message = fmt.Sprintf("No foul, but the called shot was not made (4.5): %s may play from here or pass the shot back to %s.", r.player(other), r.player(p))
		return d
	}
	d.Message = fmt.Sprintf("No ball pocketed. %s to shoot.", r.player(other))
	return d
}

// practice records a free-practice shot: fouls are reported for the
// player's information, nothing passes and no rack is decided.
func (r *Referee) practice(s *Shot, p int, o *Override) model.Decision {
	a := analyse(s, r.cfg.Table)
	fouls := []string{}
	if a.scratch {
		fouls = append(fouls, FoulScratch)
	} else if a.cueOff {
		fouls = append(fouls, FoulBallOffTable)
	}
	if a.first == "" {
		fouls = append(fouls, FoulNoContact)
	} else if !a.railAfter && !a.objectPocketed() {
		fouls = append(fouls, FoulNoRail)
	}
	if len(a.off) > 0 && !has(fouls, FoulBallOffTable) {
		fouls = append(fouls, FoulBallOffTable)
	}
	if o != nil {
		fouls = append([]string{}, o.Fouls...)
	}
	r.shots++
	r.inRack++
	for _, pk := range a.pocketed {
		r.onTable[ballNumber(pk.ball)] = false
	}
	d := model.Decision{Shot: r.shots, Shooter: s.Shooter, Legal: len(fouls) == 0, Fouls: fouls, Overruled: o != nil}
	switch {
	case len(fouls) > 0:
		d.Rule = foulRule(fouls[0], Practice)
		d.Message = fmt.Sprintf("Practice: %s would be a foul (%s).", foulSentence(fouls[0]), d.Rule)
	case a.objectPocketed():
		d.Message = fmt.Sprintf("Practice: %s pocketed.", ballList(a.pocketed))
	default:
		d.Message = "Practice: no ball pocketed."
	}
	if p >= 0 {
		d.Next = r.player(p)
	}
	dd := cloneDecision(d)
	r.last = &dd
	return d
}
