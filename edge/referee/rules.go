package referee

// Edition is the rule book the referee cites: the WPA Rules of Play
// (World Standardized Rules) effective 15 September 2025. That edition
// moved the chapters: General Rules 1, Definitions 2, Fouls 3, Eight Ball 4,
// Nine Ball 5, Ten Ball 6 (the 2016 edition had Nine Ball 2, Eight Ball 3,
// Fouls 6, Definitions 8, Ten Ball 9). docs/game.md maps every number to
// both editions and says where the two differ.
const Edition = "WPA Rules of Play, effective 2025-09-15"

// Foul codes, as the decision's fouls list and `cuecast referee` print them.
const (
	FoulScratch          = "scratch"            // the cue ball was pocketed (3.1)
	FoulNoContact        = "no_contact"         // the cue ball touched no object ball (3.3)
	FoulWrongBallFirst   = "wrong_ball_first"   // the first ball touched was not a legal target (3.2)
	FoulNoRail           = "no_rail"            // nothing pocketed and no ball reached a rail after contact (3.3)
	FoulBallOffTable     = "ball_off_table"     // a ball left the table (3.1 for the cue ball, 3.5 otherwise)
	FoulIllegalBreak     = "illegal_break"      // the break met neither requirement (4.3, 5.3, 6.3)
	FoulEightEarly       = "eight_early"        // the 8 fell before the shooter's group was cleared (4.8)
	FoulEightWrongPocket = "eight_wrong_pocket" // the 8 fell in a pocket it was not called to (4.8)
	FoulBadPlacement     = "bad_placement"      // the cue ball in hand was placed where it may not be (3.10)
	FoulKitchenBallFirst = "kitchen_ball_first" // from the kitchen, a ball behind the head string was hit first (3.11)
	FoulThreeFouls       = "three_fouls"        // the third foul in a row (3.13)
	FoulOverruled        = "overruled"          // a person ruled a foul the camera cannot see (touched ball, double hit)
)

// Rule numbers of the WPA Rules of Play (Edition) the referee cites. The
// comment gives the 2016 edition's number where it differs.
const (
	RuleSpotting       = "1.5"  // spotting balls (2016: 1.4)
	RuleCueBallInHand  = "1.6"  // cue ball in hand: where it may be placed (2016: 1.5)
	RuleCallShot       = "1.7"  // standard call shot: obvious shots need no call (2016: 1.6)
	RuleDrivenToRail   = "2.7"  // definition: driven to a rail, frozen balls (2016: 8.4)
	RuleStandardFouls  = "3"    // a foul ruled by a person (touched ball 3.6, double hit 3.7, push shot 3.8; 2016: 6)
	RuleScratch        = "3.1"  // cue ball scratch or off the table (2016: 6.1)
	RuleWrongBallFirst = "3.2"  // wrong ball first (2016: 6.2)
	RuleNoRail         = "3.3"  // no rail after contact, and no contact at all (2016: 6.3)
	RuleBallOffTable   = "3.5"  // object ball driven off the table (2016: 6.5)
	RuleFrozenBalls    = "3.7"  // double hit / frozen balls: a ball frozen to the cue ball (2016: 6.7)
	RuleBadPlacement   = "3.10" // bad cue ball placement (2016: 6.10)
	RuleKitchenPlay    = "3.11" // bad play from behind (above) the head string (2016: 6.11)
	RuleThreeFouls     = "3.13" // three consecutive fouls (2016: 6.14)
	RuleEightBreak     = "4.3"  // 8-ball break shot (2016: 3.3)
	RuleEightOpen      = "4.4"  // 8-ball open table, choosing groups (2016: 3.4)
	RuleEightContinue  = "4.5"  // 8-ball continuing play (2016: 3.5)
	RuleEightCalled    = "4.6"  // 8-ball shots required to be called (2016: 3.6)
	RuleEightSpot      = "4.7"  // 8-ball spotting: only the 8, after the break (2016: 3.7)
	RuleEightLoss      = "4.8"  // 8-ball loss of rack (2016: 3.8)
	RuleEightFouls     = "4.9"  // 8-ball standard fouls: ball in hand anywhere (2016: 3.9)
	RuleNineBreak      = "5.3"  // 9-ball legal break shot (2016: 2.3)
	RuleNinePushOut    = "5.4"  // 9-ball push out (2016: 2.4)
	RuleNineContinue   = "5.5"  // 9-ball continuing play; the 9 on a legal shot wins (2016: 2.5)
	RuleNineSpot       = "5.6"  // 9-ball spotting: only the 9 (2016: 2.6)
	RuleNineFouls      = "5.7"  // 9-ball standard fouls: ball in hand anywhere (2016: 2.7)
	RuleTenBreak       = "6.3"  // 10-ball legal break shot (2016: 9.3)
	RuleTenPushOut     = "6.4"  // 10-ball push out (2016: 9.4)
	RuleTenCalled      = "6.5"  // 10-ball call shots (2016: 9.5)
	RuleTenWrongful    = "6.6"  // 10-ball wrongfully pocketed balls: the incoming player's option (2016: 9.7)
	RuleTenContinue    = "6.7"  // 10-ball continuing play; the 10 wins as the last ball (2016: 9.8)
	RuleTenSpot        = "6.8"  // 10-ball spotting: only the 10 (2016: 9.9)
	RuleTenFouls       = "6.9"  // 10-ball standard fouls (2016: 9.10)
)

// foulRule is the rule of a foul code; the game's own rule stands in for
// codes the game defines.
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
	case FoulKitchenBallFirst:
		return RuleKitchenPlay
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
