package referee

import (
	"fmt"
	"strings"
)

// The rule books the referee can cite (Config.Edition). The two editions
// number the same rules differently: the WPA World Standardized Rules of
// 2016 (and 2008 before them) have Nine Ball 2, Eight Ball 3, Fouls 6,
// Definitions 8 and Ten Ball 9; the WPA Rules of Play effective 2025-09-15
// have General Rules 1, Definitions 2, Fouls 3, Eight Ball 4, Nine Ball 5,
// Ten Ball 6. The 2016 numbering is the default: it is the one players
// quote ("6.1 scratch", "6.3 no rail"), and the 2025 numbers come from
// secondary copies that nobody here has checked against the WPA's PDF
// (docs/game.md, Sources).
const (
	Edition2016    = "2016"
	Edition2025    = "2025"
	DefaultEdition = Edition2016
)

// Edition is the title of the default edition's book (DefaultEdition);
// EditionTitle names each.
const Edition = "WPA World Standardized Rules, 2016 edition"

// Editions lists the editions Config.Edition accepts, the default first.
func Editions() []string { return []string{Edition2016, Edition2025} }

// ParseEdition accepts an edition's year ("2016", "2025"); "" is
// DefaultEdition.
func ParseEdition(s string) (string, error) {
	switch strings.TrimSpace(s) {
	case "":
		return DefaultEdition, nil
	case Edition2016:
		return Edition2016, nil
	case Edition2025:
		return Edition2025, nil
	}
	return "", fmt.Errorf("rules edition %q is not one of %s", s, strings.Join(Editions(), ", "))
}

// EditionTitle names an edition's book ("" for an unknown edition).
func EditionTitle(edition string) string {
	if b := bookOf(edition); b != nil {
		return b.title
	}
	return ""
}

// RuleID names a rule the referee applies, whatever number an edition
// gives it: decisions are made by identity and numbered at the end, from
// the table of the game's edition (Number).
type RuleID string

// The rules the referee cites. The comment gives what the rule covers and
// its numbers (2016 / 2025); docs/game.md says more about each.
const (
	IDSpotting       RuleID = "spotting"               // spotting balls (1.4 / 1.5)
	IDCueBallInHand  RuleID = "cue_ball_in_hand"       // where the cue ball in hand may be placed (1.5 / 1.6)
	IDCallShot       RuleID = "call_shot"              // standard call shot: obvious shots need no call (1.6 / 1.7)
	IDDrivenToRail   RuleID = "driven_to_rail"         // definition: driven to a rail, frozen balls (8.4 / 2.7)
	IDStandardFouls  RuleID = "fouls"                  // a foul ruled by a person: touched ball, double hit, push shot (6 / 3)
	IDScratch        RuleID = "scratch"                // cue ball scratch or off the table (6.1 / 3.1)
	IDWrongBallFirst RuleID = "wrong_ball_first"       // wrong ball first (6.2 / 3.2)
	IDNoRail         RuleID = "no_rail"                // no rail after contact, and no contact at all (6.3 / 3.3)
	IDBallOffTable   RuleID = "ball_off_table"         // object ball driven off the table (6.5 / 3.5)
	IDFrozenBalls    RuleID = "frozen_balls"           // double hit / frozen balls: a ball frozen to the cue ball (6.7 / 3.7)
	IDBadPlacement   RuleID = "bad_placement"          // bad cue ball placement (6.10 / 3.10)
	IDKitchenPlay    RuleID = "kitchen_play"           // bad play from behind the head string (6.11 / 3.11)
	IDThreeFouls     RuleID = "three_fouls"            // three consecutive fouls (6.14 / 3.13)
	IDEightBreak     RuleID = "8ball_break"            // 8-ball break shot (3.3 / 4.3)
	IDEightOpen      RuleID = "8ball_open_table"       // 8-ball open table, choosing groups (3.4 / 4.4)
	IDEightContinue  RuleID = "8ball_continuing_play"  // 8-ball continuing play (3.5 / 4.5)
	IDEightCalled    RuleID = "8ball_called_shots"     // 8-ball shots required to be called (3.6 / 4.6)
	IDEightSpot      RuleID = "8ball_spotting"         // 8-ball spotting: only the 8, after the break (3.7 / 4.7)
	IDEightLoss      RuleID = "8ball_loss_of_rack"     // 8-ball loss of rack (3.8 / 4.8)
	IDEightFouls     RuleID = "8ball_fouls"            // 8-ball standard fouls: ball in hand anywhere (3.9 / 4.9)
	IDNineBreak      RuleID = "9ball_break"            // 9-ball legal break shot (2.3 / 5.3)
	IDNinePushOut    RuleID = "9ball_push_out"         // 9-ball push out (2.4 / 5.4)
	IDNineContinue   RuleID = "9ball_continuing_play"  // 9-ball continuing play; the 9 on a legal shot wins (2.5 / 5.5)
	IDNineSpot       RuleID = "9ball_spotting"         // 9-ball spotting: only the 9 (2.6 / 5.6)
	IDNineFouls      RuleID = "9ball_fouls"            // 9-ball standard fouls: ball in hand anywhere (2.7 / 5.7)
	IDTenBreak       RuleID = "10ball_break"           // 10-ball legal break shot (9.3 / 6.3)
	IDTenPushOut     RuleID = "10ball_push_out"        // 10-ball push out (9.4 / 6.4)
	IDTenCalled      RuleID = "10ball_call_shots"      // 10-ball call shots (9.5 / 6.5)
	IDTenWrongful    RuleID = "10ball_wrong_pocket"    // 10-ball wrongfully pocketed balls: the incoming player's option (9.7 / 6.6)
	IDTenContinue    RuleID = "10ball_continuing_play" // 10-ball continuing play; the 10 wins as the last ball (9.8 / 6.7)
	IDTenSpot        RuleID = "10ball_spotting"        // 10-ball spotting: only the 10 (9.9 / 6.8)
	IDTenFouls       RuleID = "10ball_fouls"           // 10-ball standard fouls (9.10 / 6.9)
)

// RuleIDs lists every rule the referee may cite, in the order of
// docs/game.md's table.
func RuleIDs() []RuleID {
	return []RuleID{IDSpotting, IDCueBallInHand, IDCallShot, IDDrivenToRail, IDStandardFouls, IDScratch, IDWrongBallFirst,
		IDNoRail, IDBallOffTable, IDFrozenBalls, IDBadPlacement, IDKitchenPlay, IDThreeFouls,
		IDEightBreak, IDEightOpen, IDEightContinue, IDEightCalled, IDEightSpot, IDEightLoss, IDEightFouls,
		IDNineBreak, IDNinePushOut, IDNineContinue, IDNineSpot, IDNineFouls,
		IDTenBreak, IDTenPushOut, IDTenCalled, IDTenWrongful, IDTenContinue, IDTenSpot, IDTenFouls}
}

// Foul codes, as the decision's fouls list and `cuecast referee` print them.
// The comment names the rule (RuleID) a foul cites when it comes first.
const (
	FoulScratch          = "scratch"            // the cue ball was pocketed (IDScratch)
	FoulNoContact        = "no_contact"         // the cue ball touched no object ball (IDNoRail)
	FoulWrongBallFirst   = "wrong_ball_first"   // the first ball touched was not a legal target (IDWrongBallFirst)
	FoulNoRail           = "no_rail"            // nothing pocketed and no ball reached a rail after contact (IDNoRail)
	FoulBallOffTable     = "ball_off_table"     // a ball left the table (IDScratch for the cue ball, else IDBallOffTable)
	FoulIllegalBreak     = "illegal_break"      // the break met neither requirement (the game's break rule)
	FoulEightEarly       = "eight_early"        // the 8 fell before the shooter's group was cleared (IDEightLoss)
	FoulEightWrongPocket = "eight_wrong_pocket" // the 8 fell in a pocket it was not called to (IDEightLoss)
	FoulBadPlacement     = "bad_placement"      // the cue ball in hand was placed where it may not be (IDBadPlacement)
	FoulKitchenBallFirst = "kitchen_ball_first" // from the kitchen, a ball behind the head string was hit first (IDKitchenPlay)
	FoulThreeFouls       = "three_fouls"        // the third foul in a row (IDThreeFouls)
	FoulOverruled        = "overruled"          // a person ruled a foul the camera cannot see (IDStandardFouls)
)

// Rule numbers of DefaultEdition (the 2016 World Standardized Rules), kept
// for callers that compare a decision's Rule with a constant; a decision
// cites the numbers of its game's Config.Edition, which Number returns.
const (
	RuleSpotting       = "1.4"
	RuleCueBallInHand  = "1.5"
	RuleCallShot       = "1.6"
	RuleDrivenToRail   = "8.4"
	RuleStandardFouls  = "6"
	RuleScratch        = "6.1"
	RuleWrongBallFirst = "6.2"
	RuleNoRail         = "6.3"
	RuleBallOffTable   = "6.5"
	RuleFrozenBalls    = "6.7"
	RuleBadPlacement   = "6.10"
	RuleKitchenPlay    = "6.11"
	RuleThreeFouls     = "6.14"
	RuleEightBreak     = "3.3"
	RuleEightOpen      = "3.4"
	RuleEightContinue  = "3.5"
	RuleEightCalled    = "3.6"
	RuleEightSpot      = "3.7"
	RuleEightLoss      = "3.8"
	RuleEightFouls     = "3.9"
	RuleNineBreak      = "2.3"
	RuleNinePushOut    = "2.4"
	RuleNineContinue   = "2.5"
	RuleNineSpot       = "2.6"
	RuleNineFouls      = "2.7"
	RuleTenBreak       = "9.3"
	RuleTenPushOut     = "9.4"
	RuleTenCalled      = "9.5"
	RuleTenWrongful    = "9.7"
	RuleTenContinue    = "9.8"
	RuleTenSpot        = "9.9"
	RuleTenFouls       = "9.10"
)

// book is one edition: its title, the number it gives every rule, and the
// few points where its substance differs in what the referee decides
// (docs/game.md, "Editions and where they differ").
type book struct {
	title   string
	numbers map[RuleID]string
	// eightFirstOnOpenTable: on an open table the 8 may be hit first, and
	// called to win, once a whole group is off the table (new in 2025).
	eightFirstOnOpenTable bool
	// eightBreakAnyFoul: the 8 pocketed on the break with any foul gives
	// the incoming player the choice between the 8 spotted with ball in
	// hand behind the head string and a re-rack (2025). The 2016 text gives
	// that choice after a scratch only; after another foul the 8 is spotted
	// and the foul is penalised as any other foul on the break.
	eightBreakAnyFoul bool
}

var books = map[string]*book{
	Edition2016: {
		title: Edition,
		numbers: map[RuleID]string{
			IDSpotting: RuleSpotting, IDCueBallInHand: RuleCueBallInHand, IDCallShot: RuleCallShot,
			IDDrivenToRail: RuleDrivenToRail, IDStandardFouls: RuleStandardFouls, IDScratch: RuleScratch,
			IDWrongBallFirst: RuleWrongBallFirst, IDNoRail: RuleNoRail, IDBallOffTable: RuleBallOffTable,
			IDFrozenBalls: RuleFrozenBalls, IDBadPlacement: RuleBadPlacement, IDKitchenPlay: RuleKitchenPlay,
			IDThreeFouls: RuleThreeFouls,
			IDEightBreak: RuleEightBreak, IDEightOpen: RuleEightOpen, IDEightContinue: RuleEightContinue,
			IDEightCalled: RuleEightCalled, IDEightSpot: RuleEightSpot, IDEightLoss: RuleEightLoss, IDEightFouls: RuleEightFouls,
			IDNineBreak: RuleNineBreak, IDNinePushOut: RuleNinePushOut, IDNineContinue: RuleNineContinue,
			IDNineSpot: RuleNineSpot, IDNineFouls: RuleNineFouls,
			IDTenBreak: RuleTenBreak, IDTenPushOut: RuleTenPushOut, IDTenCalled: RuleTenCalled, IDTenWrongful: RuleTenWrongful,
			IDTenContinue: RuleTenContinue, IDTenSpot: RuleTenSpot, IDTenFouls: RuleTenFouls,
		},
	},
	Edition2025: {
		title: "WPA Rules of Play, effective 2025-09-15",
		numbers: map[RuleID]string{
			IDSpotting: "1.5", IDCueBallInHand: "1.6", IDCallShot: "1.7", IDDrivenToRail: "2.7",
			IDStandardFouls: "3", IDScratch: "3.1", IDWrongBallFirst: "3.2", IDNoRail: "3.3", IDBallOffTable: "3.5",
			IDFrozenBalls: "3.7", IDBadPlacement: "3.10", IDKitchenPlay: "3.11", IDThreeFouls: "3.13",
			IDEightBreak: "4.3", IDEightOpen: "4.4", IDEightContinue: "4.5", IDEightCalled: "4.6",
			IDEightSpot: "4.7", IDEightLoss: "4.8", IDEightFouls: "4.9",
			IDNineBreak: "5.3", IDNinePushOut: "5.4", IDNineContinue: "5.5", IDNineSpot: "5.6", IDNineFouls: "5.7",
			IDTenBreak: "6.3", IDTenPushOut: "6.4", IDTenCalled: "6.5", IDTenWrongful: "6.6",
			IDTenContinue: "6.7", IDTenSpot: "6.8", IDTenFouls: "6.9",
		},
		eightFirstOnOpenTable: true,
		eightBreakAnyFoul:     true,
	},
}

func bookOf(edition string) *book {
	ed, err := ParseEdition(edition)
	if err != nil {
		return nil
	}
	return books[ed]
}

// Number is rule id's number in an edition ("" is DefaultEdition); "" for
// an unknown edition or rule.
func Number(edition string, id RuleID) string {
	if b := bookOf(edition); b != nil {
		return b.numbers[id]
	}
	return ""
}

// foulRule is the rule of a foul code; the game's own rule stands in for
// codes the game defines.
func foulRule(code string, g Game) RuleID {
	switch code {
	case FoulScratch:
		return IDScratch
	case FoulNoContact, FoulNoRail:
		return IDNoRail
	case FoulWrongBallFirst:
		return IDWrongBallFirst
	case FoulBallOffTable:
		return IDBallOffTable
	case FoulBadPlacement:
		return IDBadPlacement
	case FoulKitchenBallFirst:
		return IDKitchenPlay
	case FoulThreeFouls:
		return IDThreeFouls
	case FoulEightEarly, FoulEightWrongPocket:
		return IDEightLoss
	case FoulIllegalBreak:
		switch g {
		case EightBall:
			return IDEightBreak
		case TenBall:
			return IDTenBreak
		}
		return IDNineBreak
	}
	return IDStandardFouls
}

// foulSentence says what happened, for the decision's message.
func foulSentence(code string) string {
	switch code {
	case FoulScratch:
		return "the cue ball was pocketed"
	case FoulNoContact:
		return "the cue ball touched no object ball"
	case FoulWrongBallFirst:
		return "the cue ball touched the wrong ball first"
	case FoulNoRail:
		return "no ball reached a rail after contact"
	case FoulBallOffTable:
		return "a ball left the table"
	case FoulIllegalBreak:
		return "no ball was pocketed and fewer than four object balls reached a rail on the break"
	case FoulEightEarly:
		return "the 8 was pocketed before the group was cleared"
	case FoulEightWrongPocket:
		return "the 8 was pocketed in a pocket that was not called"
	case FoulBadPlacement:
		return "the cue ball was placed where it may not be"
	case FoulKitchenBallFirst:
		return "from behind the head string, the cue ball hit a ball behind the head string without first crossing it"
	case FoulThreeFouls:
		return "the third foul in a row"
	case FoulOverruled:
		return "a foul was ruled at the table"
	}
	return code
}

// IsFoulCode reports whether s is one of the foul codes.
func IsFoulCode(s string) bool {
	switch s {
	case FoulScratch, FoulNoContact, FoulWrongBallFirst, FoulNoRail, FoulBallOffTable, FoulIllegalBreak,
		FoulEightEarly, FoulEightWrongPocket, FoulBadPlacement, FoulKitchenBallFirst, FoulThreeFouls, FoulOverruled:
		return true
	}
	return false
}
