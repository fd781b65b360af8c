package referee

// Foul codes, as the decision's fouls list and `cuecast referee` print them.
const (
	FoulScratch          = "scratch"            // the cue ball was pocketed (6.1)
	FoulNoContact        = "no_contact"         // the cue ball touched no object ball (6.3)
	FoulWrongBallFirst   = "wrong_ball_first"   // the first ball touched was not a legal target (6.2)
	FoulNoRail           = "no_rail"            // nothing pocketed and no ball reached a rail after contact (6.3)
	FoulBallOffTable     = "ball_off_table"     // a ball left the table (6.1 for the cue ball, 6.5 otherwise)
	FoulIllegalBreak     = "illegal_break"      // the break met neither requirement (2.3, 3.3, 4.3)
	FoulEightEarly       = "eight_early"        // the 8 fell before the shooter's group was cleared (3.8)
	FoulEightWrongPocket = "eight_wrong_pocket" // the 8 fell in a pocket other than the one called (3.8)
	FoulBadPlacement     = "bad_placement"      // the cue ball in hand was placed where it may not be (6.10)
	FoulThreeFouls       = "three_fouls"        // the third foul in a row (6.14)
	FoulOverruled        = "overruled"          // a person ruled a foul the camera cannot see (touched ball, double hit)
)

// Rule numbers of the WPA Rules of Play the referee cites.
const (
	RuleCueBallInHand  = "1.3"  // cue ball in hand: where it may be placed
	RuleNineBreak      = "2.3"  // 9-ball legal break shot
	RuleNineContinue   = "2.4"  // 9-ball continuing play (the 9 on a legal shot wins)
	RuleNinePushOut    = "2.5"  // 9-ball push out
	RuleNineFouls      = "2.6"  // 9-ball fouls: ball in hand, the 9 respotted
	RuleEightBreak     = "3.3"  // 8-ball break shot
	RuleEightOpen      = "3.4"  // 8-ball open table, choosing groups
	RuleEightContinue  = "3.5"  // 8-ball continuing play
	RuleEightCalled    = "3.6"  // 8-ball called shots
	RuleEightLoss      = "3.8"  // 8-ball losing the game
	RuleTenBreak       = "4.3"  // 10-ball legal break shot
	RuleTenPushOut     = "4.4"  // 10-ball push out
	RuleTenContinue    = "4.5"  // 10-ball continuing play, called shots
	RuleTenFouls       = "4.6"  // 10-ball fouls
	RuleScratch        = "6.1"  // cue ball scratch or off the table
	RuleWrongBallFirst = "6.2"  // wrong ball first
	RuleNoRail         = "6.3"  // no rail after contact (and no contact at all)
	RuleBallOffTable   = "6.5"  // ball driven off the table
	RuleBadPlacement   = "6.10" // bad cue ball placement
	RuleThreeFouls     = "6.14" // three consecutive fouls
	RuleStandardFouls  = "6"    // a foul ruled by a person
)

// foulRule is the standard-foul rule of a foul code; the game's own rule
// stands in for codes the game defines.
func foulRule(code string, g Game) string {
	switch code {
	case FoulScratch:
		return RuleScratch
	case FoulNoContact, FoulNoRail:
		return RuleNoRail
	case FoulWrongBallFirst:
		return RuleWrongBallFirst
	case FoulBallOffTable:
		return RuleBallOffTable
	case FoulBadPlacement:
		return RuleBadPlacement
	case FoulThreeFouls:
		return RuleThreeFouls
	case FoulEightEarly, FoulEightWrongPocket:
		return RuleEightLoss
	case FoulIllegalBreak:
		switch g {
		case EightBall:
			return RuleEightBreak
		case TenBall:
			return RuleTenBreak
		}
		return RuleNineBreak
	}
	return RuleStandardFouls
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
		FoulEightEarly, FoulEightWrongPocket, FoulBadPlacement, FoulThreeFouls, FoulOverruled:
		return true
	}
	return false
}
