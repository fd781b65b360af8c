package referee

import (
	"fmt"
	"strings"

	"github.com/cuecast/cuecast/edge/model"
)

// What the camera could not tell (model.Decision.Uncertain). A referee
// with a partly blocked view calls no foul on what he did not see, and says
// so; so does this one: each code is a point decided in the shooter's
// favour, named in the decision and said in its message, for a person to
// overrule if needed.
const (
	// UncertainFirstContact: the ball the cue ball hit first has no name
	// (or the contact was not seen, but an object ball moved), and some
	// ball on the table would have been a foul to hit first. No
	// wrong-ball or no-contact foul is called; the rail rule still holds.
	UncertainFirstContact = "first_contact"
	// UncertainPocketed: a ball went down that the camera could not name.
	// It counts as an object ball pocketed (a legal break, the shooter
	// stays at the table where any of his balls would keep him there),
	// never as the 8, 9 or 10 for a win or a loss, and it gives no group.
	UncertainPocketed = "pocketed"
	// UncertainOffTable: a ball the camera could not name left the table.
	// The foul stands (any ball off the table is one); the ball is not
	// taken for the 8 (a loss) or the 9 or 10 (spotted).
	UncertainOffTable = "off_table"
	// UncertainBreakRails: the break reached four balls driven to a rail
	// only by counting balls the camera could not name, each as a ball of
	// its own (one may be a named ball seen again under a new track).
	UncertainBreakRails = "break_rails"
)

// UncertainCodes lists every code a decision's Uncertain may carry.
func UncertainCodes() []string {
	return []string{UncertainFirstContact, UncertainPocketed, UncertainOffTable, UncertainBreakRails}
}

// deciding is the ball whose fall decides the rack, as the messages name it.
func (r *Referee) deciding() string {
	switch r.cfg.Game {
	case EightBall:
		return "the 8"
	case NineBall:
		return "the 9"
	case TenBall:
		return "the 10"
	}
	return "a ball that decides the rack"
}

// doubtSentences are the plain sentences for a's doubts, each with its
// leading space.
func (r *Referee) doubtSentences(a *analysis) string {
	var b strings.Builder
	for _, c := range a.doubts {
		switch c {
		case UncertainFirstContact:
			if a.first == "" {
				b.WriteString(" The camera did not see which ball the cue ball hit first: no foul called; overrule if needed.")
			} else {
				b.WriteString(" The camera could not name the ball hit first: no foul called; overrule if needed.")
			}
		case UncertainPocketed:
			fmt.Fprintf(&b, " The camera could not name a pocketed ball: it counts as an object ball, not %s; overrule if needed.", r.deciding())
		case UncertainOffTable:
			fmt.Fprintf(&b, " The camera could not name the ball that left the table: it is not taken for %s; overrule if needed.", r.deciding())
		case UncertainBreakRails:
			b.WriteString(" The camera could not name every ball that reached a rail: each counts as a ball of its own; overrule if needed.")
		}
	}
	return b.String()
}

// calledDown reports whether the called ball went into the called pocket:
// seen to (named), or, with named false, a ball the camera could not name
// went into that pocket while the called ball was seen nowhere else (not
// pocketed elsewhere, not off the table, not at rest). The ball that decides
// the rack is never taken on a doubt.
func (r *Referee) calledDown(s *Shot, a *analysis, c *model.Call) (made, named bool) {
	if pk, ok := a.pocketedAt[c.Ball]; ok {
		return pk == c.Pocket, true
	}
	if c.Ball == "8" && r.cfg.Game == EightBall || ballNumber(c.Ball) == r.topBall() || has(a.off, c.Ball) {
		return false, true
	}
	for _, b := range s.BallsEnd {
		if b.ID == c.Ball {
			return false, true
		}
	}
	for _, pk := range a.pocketed {
		if IsUnidentified(pk.ball) && pk.pocket == c.Pocket {
			return true, false
		}
	}
	return false, true
}
