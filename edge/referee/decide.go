package referee

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cuecast/cuecast/edge/model"
)

// num is rule id's number in the game's edition: every number a decision
// cites, in Rule or in its message, comes from here.
func (r *Referee) num(id RuleID) string { return r.book.numbers[id] }

// firstFoulRule is the rule a decision with these fouls cites: the first
// foul's, the cue ball off the table being a scratch.
func (r *Referee) firstFoulRule(a *analysis, fouls []string) RuleID {
	if fouls[0] == FoulBallOffTable && a.cueOff {
		return IDScratch
	}
	return foulRule(fouls[0], r.cfg.Game)
}

// foulDecision fills in a foul: the turn passes with the cue ball in hand
// where (PlaceAnywhere, PlaceKitchen), and the rule is the first foul's.
func (r *Referee) foulDecision(d *model.Decision, a *analysis, p int, fouls []string, where string) {
	d.Legal = false
	d.Fouls = fouls
	d.Rule = r.num(r.firstFoulRule(a, fouls))
	d.TurnOver = true
	r.turn = r.other(p)
	r.bih = where
	d.BallInHand = r.bih
}

// foulMessage is "Foul (6.3): no ball reached a rail after contact; also
// ..." ending with a full stop; the number is the decision's rule.
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
	var items []string
	unnamed := 0
	for _, p := range ps {
		if IsUnidentified(p.ball) {
			unnamed++
		} else {
			items = append(items, p.ball)
		}
	}
	if len(items) > 0 {
		items[0] = "the " + items[0]
	}
	switch unnamed {
	case 0:
	case 1:
		items = append(items, "a ball the camera could not name")
	default:
		items = append(items, fmt.Sprintf("%d balls the camera could not name", unnamed))
	}
	switch len(items) {
	case 0:
		return "no ball"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// removeDown takes the pocketed and jumped balls off the table (those to
// be spotted are put back by spot).
func (r *Referee) removeDown(a *analysis) {
	for _, p := range a.pocketed {
		if n := ballNumber(p.ball); n > 0 {
			r.onTable[n] = false
		}
	}
	for _, id := range a.off {
		if n := ballNumber(id); n > 0 {
			r.onTable[n] = false
		}
	}
}

// call is the shot's call: the one a person gave, else the one an obvious
// shot implies (IDCallShot).
func (r *Referee) call(s *Shot, a *analysis) *model.Call {
	if s.Called != nil {
		return s.Called
	}
	return obviousCall(s, a, r.cfg.Table)
}

// eight judges an 8-ball shot (2016 chapter 3, 2025 chapter 4).
func (r *Referee) eight(s *Shot, a *analysis, p int, brk bool, fouls []string) model.Decision {
	d := model.Decision{Fouls: []string{}}
	eightPocket, eightIn := a.pocketedAt["8"]
	eightOff := has(a.off, "8")
	// On the 8 at the start of the shot: the group cleared, or (2025
	// edition) on an open table with a whole group gone, the 8 called.
	wasOnEight := r.onEight(p) || (r.book.eightFirstOnOpenTable && r.group[p] == "" && !brk && s.Called != nil && s.Called.Ball == "8" && r.groupGone())
	r.removeDown(a)
	if brk {
		return r.eightBreak(s, a, p, fouls, eightIn, eightOff)
	}

	// The 8 decides the rack whenever it goes down or off (IDEightLoss).
	if eightIn || eightOff {
		d.Rule = r.num(IDEightLoss)
		loss := "Loss of rack (" + d.Rule + ")"
		other := r.player(r.other(p))
		c := r.call(s, a)
		switch {
		case eightOff:
			if !has(fouls, FoulBallOffTable) {
				fouls = append(fouls, FoulBallOffTable)
			}
			d.Fouls = fouls
			r.win(&d, r.other(p))
			d.Message = fmt.Sprintf("%s: the 8 left the table. %s wins the rack.", loss, other)
		case !wasOnEight:
			d.Fouls = append([]string{FoulEightEarly}, without(fouls, FoulEightEarly)...)
			r.win(&d, r.other(p))
			d.Message = fmt.Sprintf("%s: the 8 was pocketed before %s's group was cleared. %s wins the rack.", loss, r.player(p), other)
		case len(fouls) > 0:
			d.Fouls = fouls
			r.win(&d, r.other(p))
			d.Message = fmt.Sprintf("%s: the 8 was pocketed on a foul (%s). %s wins the rack.", loss, foulSentence(fouls[0]), other)
		case c == nil || c.Ball != "8":
			d.Fouls = []string{FoulEightWrongPocket}
			r.win(&d, r.other(p))
			d.Message = fmt.Sprintf("%s: the 8 went in without a call, on a shot that was not obvious (%s). %s wins the rack.", loss, r.num(IDCallShot), other)
		case c.Pocket != eightPocket:
			d.Fouls = []string{FoulEightWrongPocket}
			r.win(&d, r.other(p))
			d.Message = fmt.Sprintf("%s: the 8 went in the %s, not the called %s. %s wins the rack.", loss, eightPocket, c.Pocket, other)
		default:
			d.Legal = true
			d.Rule = r.num(IDEightContinue)
			r.win(&d, p)
			how := "the called pocket"
			if s.Called == nil {
				how = "an obvious pocket (" + r.num(IDCallShot) + ")"
			}
			d.Message = fmt.Sprintf("%s pocketed the 8 in %s and wins the rack (%s).", r.player(p), how, d.Rule)
		}
		return d
	}

	if len(fouls) > 0 {
		r.foulDecision(&d, a, p, fouls, r.cfg.BallInHand)
		d.Message = r.foulMessage(&d, fouls) + r.bihSentence()
		return d
	}
	d.Legal = true
	r.bih = ""
	// Which pocketed balls keep the shooter at the table (IDEightContinue,
	// IDEightCalled).
	made := r.madeEight(s, a, p)
	open := r.group[p] == ""
	if made == "" {
		d.TurnOver = true
		r.turn = r.other(p)
		d.Rule = r.num(IDEightContinue)
		switch {
		case !a.objectPocketed():
			d.Message = fmt.Sprintf("No ball pocketed. %s to shoot.", r.player(r.turn))
		case s.Called != nil:
			d.Rule = r.num(IDEightCalled)
			d.Message = fmt.Sprintf("No foul, but the called %s did not go in the %s. %s to shoot.", s.Called.Ball, s.Called.Pocket, r.player(r.turn))
		case r.cfg.CallAll:
			d.Rule = r.num(IDEightCalled)
			d.Message = fmt.Sprintf("No foul, but %s went in on a shot that was neither called nor obvious (%s). %s to shoot.", ballList(a.pocketed), d.Rule, r.player(r.turn))
		default:
			d.Message = fmt.Sprintf("No foul, but %s did not keep %s at the table. %s to shoot.", ballList(a.pocketed), r.player(p), r.player(r.turn))
		}
		return d
	}
	if open && IsUnidentified(made) {
		// No group from a ball nobody can name: the table stays open.
		d.Rule = r.num(IDEightOpen)
		d.Message = fmt.Sprintf("Legal shot: %s pocketed. %s continues; the table stays open (%s).", ballList(a.pocketed), r.player(p), d.Rule)
		return d
	}
	if open {
		g := groupOf(ballNumber(made))
		r.group[p], r.group[r.other(p)] = g, other(g)
		d.Rule = r.num(IDEightOpen)
		d.Message = fmt.Sprintf("Legal shot: %s pocketed. %s takes %s and continues (%s).", ballList(a.pocketed), r.player(p), g, d.Rule)
		return d
	}
	d.Rule = r.num(IDEightContinue)
	d.Message = fmt.Sprintf("Legal shot: %s pocketed. %s continues.", ballList(a.pocketed), r.player(p))
	if r.onEight(p) {
		d.Message = fmt.Sprintf("Legal shot: %s pocketed. %s continues on the 8: call its pocket.", ballList(a.pocketed), r.player(p))
	}
	return d
}

// eightBreak judges an 8-ball break (IDEightBreak). The cue ball starts in
// hand behind the head string; no ball is called and any ball may be hit
// first. The table stays open whatever falls. The letters are those of
// the break rule's clauses (the same in both editions).
func (r *Referee) eightBreak(s *Shot, a *analysis, p int, fouls []string, eightIn, eightOff bool) model.Decision {
	brk := r.num(IDEightBreak)
	d := model.Decision{Fouls: []string{}, Rule: brk}
	other := r.other(p)
	if eightIn || eightOff {
		r.spot(s, a, 8) // (e)-(g), IDEightSpot: the 8 is the one ball spotted
	}
	real := without(fouls, FoulIllegalBreak) // fouls other than the break count itself
	// (f): the 8 pocketed on a foul gives the incoming player a choice.
	// The 2025 text says with any foul, the 2016 text with a scratch (the
	// cue ball pocketed or off the table, one rule in both): after another
	// foul the 8 is spotted and the foul penalised as on any break.
	eightChoice := eightIn && len(real) > 0 && (r.book.eightBreakAnyFoul || a.scratch || a.cueOff)
	spotSaid := false
	switch {
	case eightIn && len(real) == 0: // (e)
		d.Legal = true
		r.bih = ""
		r.options, r.optFor = []string{OptionRespot, OptionRerack}, p
		spotSaid = true
		d.Message = fmt.Sprintf("Legal break with the 8 pocketed (%s): the 8 is spotted and %s plays on from where the balls lie, or has them re-racked and breaks again.", brk, r.player(p))
	case eightChoice: // (f)
		r.foulDecision(&d, a, p, fouls, PlaceKitchen)
		r.options, r.optFor = []string{OptionRespot, OptionRerack}, other
		spotSaid = true
		d.Message = r.foulMessage(&d, fouls) + fmt.Sprintf(" The 8 went in on the break (%s): %s may have it spotted and take ball in hand behind the head string, or have the balls re-racked.", brk, r.player(other))
	case has(fouls, FoulIllegalBreak): // (d)
		with := "as it lies"
		if len(real) > 0 {
			// An illegal break that also fouled: accepting the table
			// comes with the cue ball in hand behind the head string.
			r.foulDecision(&d, a, p, fouls, PlaceKitchen)
			d.Message = r.foulMessage(&d, fouls)
			with = "with ball in hand behind the head string"
		} else {
			r.foulDecision(&d, a, p, fouls, "")
			d.Message = fmt.Sprintf("Illegal break (%s): %s.", brk, foulSentence(FoulIllegalBreak))
		}
		r.options, r.optFor = []string{OptionAccept, OptionRerack}, other
		d.Message += fmt.Sprintf(" %s may play the table %s, or have the balls re-racked and break or let %s break again.", r.player(other), with, r.player(p))
	case len(real) > 0: // (g), (h)
		r.foulDecision(&d, a, p, fouls, PlaceKitchen)
		d.Message = r.foulMessage(&d, fouls)
		if a.scratch || a.cueOff {
			d.Message += fmt.Sprintf(" Ball in hand behind the head string for %s (%s).", r.player(other), brk)
		} else {
			r.options, r.optFor = []string{OptionInHand, OptionPlay}, other
			d.Message += fmt.Sprintf(" %s may take ball in hand behind the head string or play the cue ball where it lies (%s).", r.player(other), brk)
		}
	case a.objectPocketed(): // (c)
		d.Legal = true
		r.bih = ""
		d.Message = fmt.Sprintf("Legal break: %s pocketed. %s continues; the table is open (%s).", ballList(a.pocketed), r.player(p), r.num(IDEightOpen))
	default:
		d.Legal = true
		r.bih = ""
		d.TurnOver = true
		r.turn = other
		d.Message = fmt.Sprintf("Legal break, nothing pocketed. %s to shoot; the table is open (%s).", r.player(other), r.num(IDEightOpen))
	}
	if (eightIn || eightOff) && !spotSaid {
		d.Message += fmt.Sprintf(" The 8 is spotted (%s).", r.num(IDEightSpot))
	}
	return d
}

// madeEight returns the ball that keeps player p at the table after a
// legal 8-ball shot, or "": the called ball in the called pocket (an
// obvious shot counts as called, IDCallShot); without a call and without the
// call-all setting, the first pocketed ball of p's group (any ball but the
// 8 on an open table).
func (r *Referee) madeEight(s *Shot, a *analysis, p int) string {
	g := r.group[p]
	ok := func(id string) bool {
		if IsUnidentified(id) {
			// Not the 8, and perhaps one of his: it keeps him at the
			// table where a ball of his would (UncertainPocketed).
			return g == "" || r.groupLeft(g)
		}
		n := ballNumber(id)
		return n != 8 && (g == "" || groupOf(n) == g)
	}
	if c := r.call(s, a); c != nil {
		if a.pocketedAt[c.Ball] == c.Pocket && (s.Called != nil || ok(c.Ball)) {
			return c.Ball
		}
		if s.Called != nil {
			if made, named := r.calledDown(s, a, c); made && !named {
				for _, pk := range a.pocketed {
					if IsUnidentified(pk.ball) && pk.pocket == c.Pocket {
						return pk.ball
					}
				}
			}
			return ""
		}
	}
	if r.cfg.CallAll {
		return ""
	}
	// A named ball first: only it can give a group.
	for _, unnamed := range []bool{false, true} {
		for _, pk := range a.pocketed {
			if IsUnidentified(pk.ball) == unnamed && ok(pk.ball) {
				return pk.ball
			}
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

// rotationRules are one rotation game's rules.
type rotationRules struct{ brk, push, cont, spot, fouls RuleID }

var (
	nineRules = rotationRules{IDNineBreak, IDNinePushOut, IDNineContinue, IDNineSpot, IDNineFouls}
	tenRules  = rotationRules{IDTenBreak, IDTenPushOut, IDTenContinue, IDTenSpot, IDTenFouls}
)

// warnTwo is the warning a player on two fouls gets when coming to the
// table (IDThreeFouls: a third in a row loses the rack), or "".
func (r *Referee) warnTwo(i int) string {
	if r.fouls[i] < 2 {
		return ""
	}
	return fmt.Sprintf(" Warning: %s is on two fouls; a third in a row loses the rack (%s).", r.player(i), r.num(IDThreeFouls))
}

// rotation judges a 9-ball (2016 chapter 2, 2025 chapter 5) or 10-ball
// (2016 chapter 9, 2025 chapter 6) shot.
func (r *Referee) rotation(s *Shot, a *analysis, p int, brk bool, fouls []string) model.Decision {
	d := model.Decision{Fouls: []string{}}
	top := r.topBall()
	topID := strconv.Itoa(top)
	_, topIn := a.pocketedAt[topID]
	topDown := topIn || has(a.off, topID)
	nine := r.cfg.Game == NineBall
	rules := tenRules
	if nine {
		rules = nineRules
	}
	lastBall := len(r.ballsOnTable()) == 1 && r.onTable[top] // the top ball alone at the start of the shot
	r.removeDown(a)
	other := r.other(p)

	if len(fouls) > 0 {
		r.fouls[p]++
		if topDown {
			r.spot(s, a, top)
		}
		if r.fouls[p] >= 3 {
			d.Fouls = append(fouls, FoulThreeFouls)
			d.Rule = r.num(IDThreeFouls)
			r.win(&d, other)
			d.Message = fmt.Sprintf("Loss of rack (%s): %s's third foul in a row (%s). %s wins the rack.", d.Rule, r.player(p), foulSentence(fouls[0]), r.player(other))
			return d
		}
		r.foulDecision(&d, a, p, fouls, r.cfg.BallInHand)
		msg := r.foulMessage(&d, fouls) + r.bihSentence()
		if topDown {
			msg += fmt.Sprintf(" The %d is spotted (%s).", top, r.num(rules.spot))
		}
		if r.fouls[p] == 2 {
			msg += fmt.Sprintf(" Warning: %s has two fouls in a row; a third loses the rack (%s).", r.player(p), r.num(IDThreeFouls))
		}
		d.Message = msg + r.warnTwo(other)
		return d
	}

	r.fouls[p] = 0
	d.Legal = true
	r.bih = ""
	if brk {
		d.Rule = r.num(rules.brk)
		r.push = true // the next shot, whoever plays it, may be a push-out (rules.push)
		if topDown {
			if nine {
				r.win(&d, p)
				d.Message = fmt.Sprintf("%s pocketed the 9 on a legal break and wins the rack (%s).", r.player(p), d.Rule)
				return d
			}
			r.spot(s, a, top) // the 10 on the break is spotted (IDTenSpot)
		}
		if a.objectPocketed() {
			d.Message = fmt.Sprintf("Legal break: %s pocketed. %s continues and may push out.", ballList(a.pocketed), r.player(p))
			if topDown {
				d.Message += fmt.Sprintf(" The 10 is spotted (%s).", r.num(rules.spot))
			}
			return d
		}
		d.TurnOver = true
		r.turn = other
		d.Message = fmt.Sprintf("Legal break, nothing pocketed. %s to shoot and may push out.", r.player(other))
		return d
	}

	if s.PushOut {
		d.Rule = r.num(rules.push)
		d.TurnOver = true
		if topDown {
			r.spot(s, a, top)
		}
		r.turn = other
		r.options, r.optFor = []string{OptionPlay, OptionPass}, other
		d.Message = fmt.Sprintf("Push-out (%s): %s may play from here or pass the shot back to %s.", d.Rule, r.player(other), r.player(p))
		if topDown {
			d.Message += fmt.Sprintf(" The %d is spotted (%s).", top, r.num(rules.spot))
		}
		return d
	}

	d.Rule = r.num(rules.cont)
	if nine {
		if topIn {
			r.win(&d, p)
			d.Message = fmt.Sprintf("%s pocketed the 9 on a legal shot and wins the rack (%s).", r.player(p), d.Rule)
			return d
		}
		if topDown { // the 9 left the table on a shot ruled legal: spotted
			r.spot(s, a, top)
		}
		if a.objectPocketed() {
			d.Message = fmt.Sprintf("Legal shot: %s pocketed. %s continues.", ballList(a.pocketed), r.player(p))
			return d
		}
		d.TurnOver = true
		r.turn = other
		d.Message = fmt.Sprintf("No ball pocketed. %s to shoot.", r.player(other)) + r.warnTwo(other)
		return d
	}
	// 10-ball: only the called ball in the called pocket counts (IDTenCalled;
	// an obvious shot counts as called, IDCallShot), and the 10 wins only as
	// the last ball on the table (IDTenContinue); early, it is spotted
	// (IDTenSpot).
	c := r.call(s, a)
	made, named := false, true
	if c != nil {
		made, named = r.calledDown(s, a, c)
	}
	if made && named && c.Ball == topID && lastBall {
		r.win(&d, p)
		d.Message = fmt.Sprintf("%s pocketed the called 10 and wins the rack (%s).", r.player(p), d.Rule)
		return d
	}
	if topDown {
		r.spot(s, a, top)
	}
	if made {
		d.Message = fmt.Sprintf("Legal shot: the called %s went in. %s continues.", c.Ball, r.player(p))
		if !named {
			d.Message = fmt.Sprintf("Legal shot: a ball went in the called %s, perhaps the called %s. %s continues.", c.Pocket, c.Ball, r.player(p))
		} else if IsUnidentified(c.Ball) {
			d.Message = fmt.Sprintf("Legal shot: %s went in as it was obviously played. %s continues.", ballList([]pocketing{{c.Ball, c.Pocket}}), r.player(p))
		}
		if topDown {
			d.Message += fmt.Sprintf(" The 10 is spotted: it wins only as the last ball (%s, %s).", d.Rule, r.num(rules.spot))
		}
		return d
	}
	d.TurnOver = true
	r.turn = other
	if a.objectPocketed() {
		d.Rule = r.num(IDTenWrongful)
		r.options, r.optFor = []string{OptionPlay, OptionPass}, other
		d.Message = fmt.Sprintf("No foul, but the called shot was not made (%s): %s may play from here or pass the shot back to %s.", d.Rule, r.player(other), r.player(p))
		if topDown {
			d.Message += fmt.Sprintf(" The 10 is spotted (%s).", r.num(rules.spot))
		}
		d.Message += r.warnTwo(other)
		return d
	}
	d.Message = fmt.Sprintf("No ball pocketed. %s to shoot.", r.player(other)) + r.warnTwo(other)
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
	if a.first == "" && !a.contactUnseen {
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
		if n := ballNumber(pk.ball); n > 0 {
			r.onTable[n] = false
		}
	}
	d := model.Decision{Shot: r.shots, Shooter: s.Shooter, Legal: len(fouls) == 0, Fouls: fouls, Overruled: o != nil, Edition: r.cfg.Edition}
	switch {
	case len(fouls) > 0:
		d.Rule = r.num(r.firstFoulRule(&a, fouls))
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
