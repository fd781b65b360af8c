package referee

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// eightOpen is a legal 8-ball break by Anna that pockets the 3: she
// continues on an open table.
func eightOpen() step { return step{shot: shot("Anna", hit("1"), pocket("3", "corner-top-right"))} }

// eightSolids gives Anna solids: the break pockets the 3, she pockets the 1.
func eightSolids() []step {
	return []step{eightOpen(), {shot: shot("Anna", hit("1"), pocket("1", "side-top"))}}
}

// onTheEight clears Anna's solids: every solid goes down, she is on the 8.
func onTheEight() []step {
	steps := eightSolids() // the 3 and the 1 are down
	for _, b := range []string{"2", "4", "5", "6", "7"} {
		steps = append(steps, step{shot: shot("Anna", hit(b), pocket(b, "corner-top-left"))})
	}
	return steps
}

// stripesGone is a legal break that pockets every stripe: the table stays
// open with a whole group off it.
func stripesGone() step {
	ev := []Event{hit("1")}
	for _, b := range []string{"9", "10", "11", "12", "13", "14", "15"} {
		ev = append(ev, pocket(b, "corner-top-right"))
	}
	return step{shot: shot("Anna", ev...)}
}

func then(steps []step, more ...step) []step { return append(append([]step{}, steps...), more...) }

// ruleCase is one rule's case: the shots as ordered events, and what the
// referee must decide. rule is the rule the case covers; its number, like
// every number the wants cite, is looked up in the edition the case runs
// in. only restricts a case to one edition (where the books differ).
type ruleCase struct {
	rule  RuleID
	only  string
	name  string
	game  Game
	cfg   func(*Config)
	steps []step
	check func(t *testing.T, r *Referee)
}

// TestRules is the referee by the book, in each edition: every case names
// the WPA rule it covers (docs/game.md lists them), and runs as
// TestRules/<edition>/<number> <name>.
func TestRules(t *testing.T) {
	kitchen := func(c *Config) { c.BallInHand = PlaceKitchen }
	callAll := func(c *Config) { c.CallAll = true }
	cases := []ruleCase{
		// General rules (2016 chapter 1, 2025 chapter 1).
		{rule: IDCueBallInHand, name: "the kitchen setting: ball in hand behind the head string after a standard foul", game: EightBall, cfg: kitchen,
			steps: then(eightSolids(), step{shot("Anna", hit("2")), &want{fouls: []string{FoulNoRail}, rule: IDNoRail, turnOver: true, bih: "kitchen", msg: "Ball in hand behind the head string for Ben."}})},
		{rule: IDCallShot, name: "the 8 without a call on an obvious shot wins", game: EightBall,
			steps: then(onTheEight(), step{shot("Anna", hit("8"), pocket("8", "side-bottom")), &want{rule: IDEightContinue, over: true, winner: "Anna", msg: "obvious pocket ({call_shot})"}})},
		{rule: IDCallShot, name: "a touch of the jaws on the way in keeps a shot obvious", game: EightBall,
			steps: then(onTheEight(), step{shot("Anna", hit("8"), where(rail("8", "top"), 1.22, 1.24), pocket("8", "side-top")), &want{rule: IDEightContinue, over: true, winner: "Anna"}})},

		// Definitions (2016 chapter 8, 2025 chapter 2).
		{rule: IDDrivenToRail, name: "a pocketed cue ball counts as driven to a rail: only the scratch is named", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), pocket("cue", "side-top")), &want{fouls: []string{FoulScratch}, rule: IDScratch, turnOver: true, bih: "anywhere"}})},
		{rule: IDDrivenToRail, name: "a ball driven off the table counts for the break's four", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), rail("2", "top"), rail("4", "bottom"), rail("5", "right"), off("6")),
				&want{fouls: []string{FoulBallOffTable}, rule: IDBallOffTable, turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionInHand, OptionPlay}}}}},

		// Fouls (2016 chapter 6, 2025 chapter 3).
		{rule: IDScratch, name: "a scratch: ball in hand anywhere for the other player", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), rail("1", "top"), pocket("cue", "side-top")),
				&want{fouls: []string{FoulScratch}, rule: IDScratch, turnOver: true, bih: "anywhere", next: "Anna", msg: "Foul ({scratch}): the cue ball was pocketed. Ball in hand for Anna."}}}},
		{rule: IDScratch, name: "the cue ball off the table", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), rail("2", "top"), off("cue")), &want{fouls: []string{FoulBallOffTable}, rule: IDScratch, turnOver: true, bih: "anywhere"}})},
		{rule: IDWrongBallFirst, name: "9-ball: the lowest ball first", game: NineBall,
			steps: []step{{shot("Anna", hit("1"), pocket("1", "side-top")), nil},
				{shot("Anna", hit("3"), rail("3", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere"}}}},
		{rule: IDWrongBallFirst, name: "8-ball: a ball of the other group first", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("12"), rail("12", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere", next: "Ben"}})},
		{rule: IDWrongBallFirst, name: "8-ball: on the 8, a stripe first", game: EightBall,
			steps: then(onTheEight(), step{shot("Anna", hit("9"), rail("9", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere"}})},
		{rule: IDWrongBallFirst, name: "a legal and an illegal ball hit at one instant: the shooter has the benefit", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", at(hit("3"), 0.40), at(hit("1"), 0.40), at(rail("1", "top"), 0.9)), &want{rule: IDNineContinue, turnOver: true, next: "Anna"}}}},
		{rule: IDWrongBallFirst, name: "the same two hits a frame apart: wrong ball first", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", at(hit("3"), 0.40), at(hit("1"), 0.433), at(rail("1", "top"), 0.9)), &want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere"}}}},
		{rule: IDNoRail, name: "no rail after contact", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2")), &want{fouls: []string{FoulNoRail}, rule: IDNoRail, turnOver: true, bih: "anywhere",
				msg: "Foul ({no_rail}): no ball reached a rail after contact. Ball in hand for Ben."}})},
		{rule: IDNoRail, name: "no contact at all", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", rail("cue", "top"), rail("cue", "left")), &want{fouls: []string{FoulNoContact}, rule: IDNoRail, turnOver: true, bih: "anywhere"}})},
		{rule: IDNoRail, name: "a rail before the contact does not count", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", rail("cue", "top"), hit("2")), &want{fouls: []string{FoulNoRail}, rule: IDNoRail, turnOver: true, bih: "anywhere"}})},
		{rule: IDNoRail, name: "a rail at the instant of the contact counts", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", at(rail("cue", "top"), 0.5), at(hit("2"), 0.5)), &want{rule: IDEightContinue, turnOver: true, next: "Ben"}})},
		{rule: IDNoRail, name: "a miss that reaches a rail: no foul, the turn passes", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), rail("2", "right")), &want{rule: IDEightContinue, turnOver: true, next: "Ben", msg: "No ball pocketed"}})},
		{rule: IDBallOffTable, name: "an object ball off the table: a foul; in 8-ball it stays out", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), rail("2", "top"), off("2")), &want{fouls: []string{FoulBallOffTable}, rule: IDBallOffTable, turnOver: true, bih: "anywhere"}}),
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); has(st.OnTable, "2") || len(st.Respot) != 0 {
					t.Errorf("the jumped 2 was put back: %v %v", st.OnTable, st.Respot)
				}
			}},
		{rule: IDBallOffTable, name: "9-ball: a jumped ball other than the 9 stays out", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), kiss("1", "5"), off("5")), &want{fouls: []string{FoulBallOffTable}, rule: IDBallOffTable, turnOver: true, bih: "anywhere"}}},
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); has(st.OnTable, "5") {
					t.Errorf("the jumped 5 was put back: %v", st.OnTable)
				}
			}},
		{rule: IDFrozenBalls, name: "a ball frozen to the cue ball, moved by the stroke, was hit", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {frozenToCueShot("Ben", "1", rail("1", "right")), &want{rule: IDNineContinue, turnOver: true, next: "Anna"}}}},
		{rule: IDFrozenBalls, name: "a wrong ball frozen to the cue ball, moved by the stroke, was hit first", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {frozenToCueShot("Ben", "3", rail("3", "right")), &want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere"}}}},
		{rule: IDThreeFouls, name: "three fouls in a row lose the rack, with the warning after the second", game: NineBall,
			steps: []step{
				{fourRails("Anna"), nil},
				{shot("Ben", hit("1")), &want{fouls: []string{FoulNoRail}, rule: IDNoRail, turnOver: true, bih: "anywhere", next: "Anna"}},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("2"), rail("2", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere", msg: "Warning: Ben has two fouls in a row"}},
				{shot("Anna", hit("1"), rail("1", "top")), &want{rule: IDNineContinue, turnOver: true, next: "Ben", msg: "Warning: Ben is on two fouls; a third in a row loses the rack ({three_fouls})."}},
				{shot("Ben", pocket("cue", "side-top")), &want{fouls: []string{FoulScratch, FoulNoContact, FoulThreeFouls}, rule: IDThreeFouls, over: true, winner: "Anna"}},
			}},
		{rule: IDThreeFouls, name: "a legal shot resets the fouls in a row", game: NineBall,
			steps: []step{
				{fourRails("Anna"), nil},
				{shot("Ben", hit("1")), nil},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("2"), rail("2", "top")), nil},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("1"), rail("1", "top")), &want{rule: IDNineContinue, turnOver: true}},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("1")), &want{fouls: []string{FoulNoRail}, rule: IDNoRail, turnOver: true, bih: "anywhere"}},
			}},
		{rule: IDThreeFouls, name: "10-ball: three fouls in a row lose the rack", game: TenBall,
			steps: []step{
				{fourRails("Anna"), nil},
				{shot("Ben", hit("2")), nil},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("2")), nil},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("1")), &want{fouls: []string{FoulNoRail, FoulThreeFouls}, rule: IDThreeFouls, over: true, winner: "Anna"}},
			}},

		// Eight ball (2016 chapter 3, 2025 chapter 4).
		{rule: IDEightBreak, name: "a legal break with a ball pocketed: the breaker continues; the table stays open", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("5", "corner-top-left")), &want{rule: IDEightBreak, next: "Anna", msg: "table is open"}}},
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); st.Group != nil {
					t.Errorf("a group after the break: %v", st.Group)
				}
			}},
		{rule: IDEightBreak, name: "a legal break, four balls to a rail, nothing pocketed", game: EightBall,
			steps: []step{{fourRails("Anna"), &want{rule: IDEightBreak, turnOver: true, next: "Ben"}}}},
		{rule: IDEightBreak, name: "an illegal break: the incoming player accepts the table as it lies or has it re-racked", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), rail("2", "top"), rail("3", "bottom"), rail("2", "bottom"), rail("4", "right")),
				&want{fouls: []string{FoulIllegalBreak}, rule: IDEightBreak, turnOver: true, next: "Ben", options: []string{OptionAccept, OptionRerack}, msg: "play the table as it lies"}}}},
		{rule: IDEightBreak, name: "an illegal break with a scratch: accepting comes with ball in hand behind the head string", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), rail("2", "top"), pocket("cue", "corner-top-left")),
				&want{fouls: []string{FoulScratch, FoulIllegalBreak}, rule: IDScratch, turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionAccept, OptionRerack}}}}},
		{rule: IDEightBreak, name: "after an illegal break the breaker breaks again: a re-rack", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), rail("2", "top")), nil}, {fourRails("Anna"), &want{rule: IDEightBreak, turnOver: true, next: "Ben"}}},
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); st.Rack != 2 || len(st.OnTable) != 15 {
					t.Errorf("after the re-rack: rack %d, %d balls", st.Rack, len(st.OnTable))
				}
			}},
		{rule: IDEightBreak, name: "the 8 on a legal break: spot it and play on, or re-rack", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("8", "side-bottom")), &want{rule: IDEightBreak, next: "Anna", options: []string{OptionRespot, OptionRerack}, msg: "the 8 is spotted"}}},
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); !has(st.OnTable, "8") || len(st.Respot) != 1 || st.Respot[0].ID != "8" {
					t.Errorf("the 8 was not spotted: %v %v", st.OnTable, st.Respot)
				}
			}},
		{rule: IDEightBreak, name: "the 8 and a scratch on the break: the incoming player's choice, ball in hand behind the head string", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("8", "side-bottom"), pocket("cue", "corner-top-left")),
				&want{fouls: []string{FoulScratch}, rule: IDScratch, turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionRespot, OptionRerack}, msg: "spotted and take ball in hand behind the head string"}}}},
		{rule: IDEightBreak, name: "the 8 and the cue ball off the table on the break: as a scratch", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("8", "side-bottom"), off("cue")),
				&want{fouls: []string{FoulBallOffTable}, rule: IDScratch, turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionRespot, OptionRerack}}}}},
		{rule: IDEightBreak, only: Edition2025, name: "the 8 and any other foul on the break gives the same choice (2025)", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("8", "side-bottom"), off("12")),
				&want{fouls: []string{FoulBallOffTable}, rule: IDBallOffTable, turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionRespot, OptionRerack}}}}},
		{rule: IDEightBreak, only: Edition2016, name: "the 8 and another foul on the break: the 8 is spotted, the foul is any break foul's (2016)", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("8", "side-bottom"), off("12")),
				&want{fouls: []string{FoulBallOffTable}, rule: IDBallOffTable, turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionInHand, OptionPlay},
					msg: "play the cue ball where it lies ({8ball_break}). The 8 is spotted ({8ball_spotting})."}}},
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); !has(st.OnTable, "8") || has(st.OnTable, "12") || len(st.Respot) != 1 || st.Respot[0].ID != "8" {
					t.Errorf("after the break: on the table %v, spotted %v; want the 8 back and the 12 out", st.OnTable, st.Respot)
				}
			}},
		{rule: IDEightBreak, name: "an object ball off the table on the break: it stays out; in hand behind the head string, or played where it lies", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("3", "side-top"), off("12")),
				&want{fouls: []string{FoulBallOffTable}, rule: IDBallOffTable, turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionInHand, OptionPlay}, msg: "or play the cue ball where it lies ({8ball_break})"}}}},
		{rule: IDEightBreak, name: "the 8 off the table on the break is spotted", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("3", "side-top"), off("8")),
				&want{fouls: []string{FoulBallOffTable}, rule: IDBallOffTable, turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionInHand, OptionPlay}, msg: "The 8 is spotted ({8ball_spotting})."}}}},
		{rule: IDEightBreak, name: "a scratch on a legal break: ball in hand behind the head string, not anywhere", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("4", "side-top"), pocket("cue", "corner-bottom-left")),
				&want{fouls: []string{FoulScratch}, rule: IDScratch, turnOver: true, bih: "kitchen", next: "Ben", msg: "Ball in hand behind the head string for Ben ({8ball_break})."}}}},
		{rule: IDEightOpen, name: "open table: the first ball legally pocketed gives the group", game: EightBall,
			steps: []step{eightOpen(), {shot("Anna", hit("12"), pocket("12", "side-top")), &want{rule: IDEightOpen, next: "Anna", msg: "takes stripes"}}}},
		{rule: IDEightOpen, name: "open table: the called ball gives the group, whatever else falls", game: EightBall,
			steps: []step{eightOpen(), {called(shot("Anna", hit("12"), kiss("12", "2"), pocket("2", "side-top"), pocket("12", "corner-top-left")), "12", "corner-top-left"),
				&want{rule: IDEightOpen, next: "Anna", msg: "takes stripes"}}}},
		{rule: IDEightOpen, name: "open table: the 8 may not be hit first", game: EightBall,
			steps: []step{eightOpen(), {shot("Anna", hit("8"), rail("8", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere"}}}},
		{rule: IDEightOpen, only: Edition2025, name: "open table with a whole group gone: the 8 may be hit first (2025)", game: EightBall,
			steps: []step{stripesGone(), {shot("Anna", hit("8"), rail("8", "top")), &want{rule: IDEightContinue, turnOver: true, next: "Ben"}}}},
		{rule: IDEightOpen, only: Edition2025, name: "open table with a whole group gone: the 8 called wins (2025)", game: EightBall,
			steps: []step{stripesGone(), {called(shot("Anna", hit("8"), pocket("8", "side-top")), "8", "side-top"), &want{rule: IDEightContinue, over: true, winner: "Anna"}}}},
		{rule: IDEightOpen, only: Edition2025, name: "open table with a whole group gone: the 8 not called loses", game: EightBall,
			steps: []step{stripesGone(), {shot("Anna", hit("8"), pocket("8", "side-top")), &want{fouls: []string{FoulEightEarly}, rule: IDEightLoss, over: true, winner: "Ben"}}}},
		{rule: IDEightOpen, only: Edition2016, name: "open table with a whole group gone: the 8 first is still a foul (2016)", game: EightBall,
			steps: []step{stripesGone(), {shot("Anna", hit("8"), rail("8", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere", next: "Ben"}}}},
		{rule: IDEightOpen, only: Edition2016, name: "open table with a whole group gone: the 8 hit first and pocketed loses (2016)", game: EightBall,
			steps: []step{stripesGone(), {shot("Anna", hit("8"), pocket("8", "side-top")), &want{fouls: []string{FoulEightEarly, FoulWrongBallFirst}, rule: IDEightLoss, over: true, winner: "Ben"}}}},
		{rule: IDEightContinue, name: "a ball of the shooter's group pocketed: he continues", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), pocket("2", "corner-top-left")), &want{rule: IDEightContinue, next: "Anna"}})},
		{rule: IDEightContinue, name: "only the other group's ball pocketed: the turn passes", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), kiss("2", "11"), pocket("11", "corner-top-left")), &want{rule: IDEightContinue, turnOver: true, next: "Ben"}})},
		{rule: IDEightCalled, name: "call all: a ball in another pocket does not count", game: EightBall, cfg: callAll,
			steps: []step{eightOpen(),
				{called(shot("Anna", hit("1"), pocket("1", "side-top")), "1", "side-top"), &want{rule: IDEightOpen, next: "Anna", msg: "takes solids"}},
				{called(shot("Anna", hit("2"), pocket("2", "side-top")), "2", "corner-top-left"), &want{rule: IDEightCalled, turnOver: true, next: "Ben", msg: "did not go in"}}}},
		{rule: IDEightCalled, name: "call all: an obvious shot counts as called", game: EightBall, cfg: callAll,
			steps: []step{eightOpen(), {shot("Anna", hit("1"), pocket("1", "side-top")), &want{rule: IDEightOpen, next: "Anna", msg: "takes solids"}}}},
		{rule: IDEightCalled, name: "call all: a ball kissed in without a call does not count", game: EightBall, cfg: callAll,
			steps: []step{eightOpen(), {shot("Anna", hit("1"), kiss("1", "2"), pocket("2", "side-top")), &want{rule: IDEightCalled, turnOver: true, next: "Ben", msg: "neither called nor obvious"}}}},
		{rule: IDEightLoss, name: "the 8 in the called pocket wins", game: EightBall,
			steps: then(onTheEight(), step{called(shot("Anna", hit("8"), pocket("8", "side-top")), "8", "side-top"), &want{rule: IDEightContinue, over: true, winner: "Anna", msg: "wins the rack"}})},
		{rule: IDEightLoss, name: "(a) the 8 with a scratch loses", game: EightBall,
			steps: then(onTheEight(), step{called(shot("Anna", hit("8"), pocket("8", "side-top"), pocket("cue", "corner-top-left")), "8", "side-top"), &want{fouls: []string{FoulScratch}, rule: IDEightLoss, over: true, winner: "Ben"}})},
		{rule: IDEightLoss, name: "(b) the 8 before the group is cleared loses", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), kiss("2", "8"), pocket("8", "side-top")), &want{fouls: []string{FoulEightEarly}, rule: IDEightLoss, over: true, winner: "Ben"}})},
		{rule: IDEightLoss, name: "(b) the 8 on the shot that clears the group loses", game: EightBall,
			steps: then(onTheEight()[:len(onTheEight())-1], step{called(shot("Anna", hit("7"), pocket("7", "corner-top-left"), kiss("cue", "8"), pocket("8", "side-top")), "7", "corner-top-left"),
				&want{fouls: []string{FoulEightEarly}, rule: IDEightLoss, over: true, winner: "Ben"}})},
		{rule: IDEightLoss, name: "(c) the 8 in another pocket than the called one loses", game: EightBall,
			steps: then(onTheEight(), step{called(shot("Anna", hit("8"), pocket("8", "side-bottom")), "8", "side-top"), &want{fouls: []string{FoulEightWrongPocket}, rule: IDEightLoss, over: true, winner: "Ben", msg: "not the called side-top"}})},
		{rule: IDEightLoss, name: "(c) the 8 banked in without a call loses", game: EightBall,
			steps: then(onTheEight(), step{shot("Anna", hit("8"), rail("8", "bottom"), pocket("8", "side-top")), &want{fouls: []string{FoulEightWrongPocket}, rule: IDEightLoss, over: true, winner: "Ben", msg: "without a call"}})},
		{rule: IDEightLoss, name: "(d) the 8 off the table loses", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), kiss("2", "8"), rail("8", "top"), off("8")), &want{fouls: []string{FoulBallOffTable}, rule: IDEightLoss, over: true, winner: "Ben"}})},
		{rule: IDEightLoss, name: "a scratch on the 8 without pocketing it is only a standard foul", game: EightBall,
			steps: then(onTheEight(), step{shot("Anna", hit("8"), rail("8", "top"), pocket("cue", "side-top")), &want{fouls: []string{FoulScratch}, rule: IDScratch, turnOver: true, bih: "anywhere"}})},
		{rule: IDEightFouls, name: "8-ball: ball in hand anywhere, and no three-foul rule", game: EightBall,
			steps: []step{eightOpen(),
				{shot("Anna", hit("8")), nil}, {shot("Ben", hit("8")), nil},
				{shot("Anna", hit("8")), nil}, {shot("Ben", hit("8")), nil},
				{shot("Anna", hit("8")), &want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere", next: "Ben"}}}},

		// Nine ball (2016 chapter 2, 2025 chapter 5).
		{rule: IDNineBreak, name: "the break must hit the 1 first", game: NineBall,
			steps: []step{{shot("Anna", hit("3"), pocket("4", "side-top")), &want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere"}}}},
		{rule: IDNineBreak, name: "an illegal break is a foul: ball in hand anywhere, no re-rack", game: NineBall,
			steps: []step{{shot("Anna", hit("1"), rail("2", "top")), &want{fouls: []string{FoulIllegalBreak}, rule: IDNineBreak, turnOver: true, bih: "anywhere", next: "Ben"}}}},
		{rule: IDNineBreak, name: "the 9 on a legal break wins", game: NineBall,
			steps: []step{{shot("Anna", hit("1"), pocket("9", "corner-bottom-left")), &want{rule: IDNineBreak, over: true, winner: "Anna"}}}},
		{rule: IDNinePushOut, name: "a push-out, then the pusher is passed the table", game: NineBall,
			steps: []step{
				{fourRails("Anna"), nil},
				{Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike()}}, &want{rule: IDNinePushOut, turnOver: true, next: "Anna", options: []string{OptionPlay, OptionPass}, msg: "pass the shot back"}},
				{shot("Ben", hit("1"), rail("1", "top")), &want{rule: IDNineContinue, turnOver: true, next: "Anna"}}}},
		{rule: IDNinePushOut, name: "a push-out with a scratch is a foul", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike(), pocket("cue", "side-top")}},
				&want{fouls: []string{FoulScratch}, rule: IDScratch, turnOver: true, bih: "anywhere"}}}},
		{rule: IDNinePushOut, name: "the 9 pocketed on a push-out is spotted", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike(), hit("6"), kiss("6", "9"), pocket("9", "side-top")}},
				&want{rule: IDNinePushOut, turnOver: true, next: "Anna", options: []string{OptionPlay, OptionPass}, msg: "The 9 is spotted ({9ball_spotting})."}}}},
		{rule: IDNineContinue, name: "any ball pocketed keeps the shooter at the table", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), kiss("1", "6"), pocket("6", "corner-top-left")), &want{rule: IDNineContinue, next: "Ben"}}}},
		{rule: IDNineContinue, name: "the 9 on a legal combination wins", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), kiss("1", "9"), pocket("9", "corner-top-right")), &want{rule: IDNineContinue, over: true, winner: "Ben"}}}},
		{rule: IDNineSpot, name: "the 9 on a foul is spotted", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("4"), kiss("4", "9"), pocket("9", "corner-top-right")),
				&want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere", msg: "The 9 is spotted ({9ball_spotting})"}}}},
		{rule: IDNineSpot, name: "the 9 on a foul break is spotted", game: NineBall,
			steps: []step{{shot("Anna", hit("1"), pocket("9", "corner-bottom-left"), pocket("cue", "side-top")),
				&want{fouls: []string{FoulScratch}, rule: IDScratch, turnOver: true, bih: "anywhere", msg: "The 9 is spotted ({9ball_spotting})"}}}},
		{rule: IDNineFouls, name: "9-ball: a foul gives ball in hand anywhere", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1")), &want{fouls: []string{FoulNoRail}, rule: IDNoRail, turnOver: true, bih: "anywhere", next: "Anna"}}}},

		// Ten ball (2016 chapter 9, 2025 chapter 6).
		{rule: IDTenBreak, name: "the 10 on the break is spotted; the breaker continues", game: TenBall,
			steps: []step{{shot("Anna", hit("1"), pocket("10", "side-top"), pocket("2", "side-bottom")), &want{rule: IDTenBreak, next: "Anna", msg: "The 10 is spotted ({10ball_spotting})"}}}},
		{rule: IDTenPushOut, name: "a push-out after the break", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike(), hit("5")}}, &want{rule: IDTenPushOut, turnOver: true, next: "Anna", options: []string{OptionPlay, OptionPass}}}}},
		{rule: IDTenCalled, name: "the called ball in the called pocket keeps the shooter at the table", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {called(shot("Ben", hit("1"), kiss("1", "4"), pocket("4", "corner-top-left")), "4", "corner-top-left"), &want{rule: IDTenContinue, next: "Ben"}}}},
		{rule: IDTenCalled, name: "an obvious shot counts as called", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), pocket("1", "corner-top-left")), &want{rule: IDTenContinue, next: "Ben"}}}},
		{rule: IDTenWrongful, name: "a ball pocketed but not as called: the incoming player plays or passes", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {called(shot("Ben", hit("1"), pocket("1", "side-top")), "1", "corner-top-left"),
				&want{rule: IDTenWrongful, turnOver: true, next: "Anna", options: []string{OptionPlay, OptionPass}}}}},
		{rule: IDTenContinue, name: "the called 10 before it is the last ball is spotted; the shooter continues", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {called(shot("Ben", hit("1"), kiss("1", "10"), pocket("10", "side-top")), "10", "side-top"),
				&want{rule: IDTenContinue, next: "Ben", msg: "The 10 is spotted: it wins only as the last ball"}}},
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); st.Over || !has(st.OnTable, "10") {
					t.Errorf("after an early 10: %+v", st)
				}
			}},
		{rule: IDTenContinue, name: "the called 10 as the last ball wins", game: TenBall,
			steps: []step{
				{shot("Anna", hit("1"), pocket("2", "side-top"), pocket("3", "side-top"), pocket("4", "side-top"), pocket("5", "side-top"),
					pocket("6", "side-bottom"), pocket("7", "side-bottom"), pocket("8", "side-bottom"), pocket("9", "side-bottom")), nil},
				{called(shot("Anna", hit("1"), pocket("1", "corner-top-left")), "1", "corner-top-left"), &want{rule: IDTenContinue, next: "Anna"}},
				{called(shot("Anna", hit("10"), pocket("10", "corner-top-left")), "10", "corner-top-left"), &want{rule: IDTenContinue, over: true, winner: "Anna"}}}},
		{rule: IDTenFouls, name: "10-ball: a foul gives ball in hand anywhere; a 10 pocketed on it is spotted", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("3"), kiss("3", "10"), pocket("10", "side-top")),
				&want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere", msg: "The 10 is spotted ({10ball_spotting})"}}}},
	}
	for _, ed := range Editions() {
		t.Run(ed, func(t *testing.T) {
			for _, c := range cases {
				if c.only != "" && c.only != ed {
					continue
				}
				n := Number(ed, c.rule)
				if n == "" {
					t.Errorf("case %q covers %q, not a rule the referee cites", c.name, c.rule)
				}
				t.Run(n+" "+c.name, func(t *testing.T) {
					r := run(t, c.game, edition(ed, c.cfg), c.steps)
					if c.check != nil {
						c.check(t, r)
					}
				})
			}
		})
	}
}

// frozenToCueShot: the cue ball lies frozen to ball b, and the stroke moves
// b without a collision the tracker could see (IDFrozenBalls).
func frozenToCueShot(who, b string, ev ...Event) Shot {
	s := shot(who, ev...)
	s.BallsStart = []Spot{{"cue", 1.0, 0.6}, {b, 1.0 + 2*model.BallRadius + 0.001, 0.6}}
	return s
}

// 2.7: a ball frozen to a cushion has not been driven to it unless it
// leaves the cushion and comes back; another rail, or another ball's, counts.
func TestFrozenToRail(t *testing.T) {
	W := model.Table9ft.Width
	frozen := func(ev ...Event) Shot {
		s := shot("Ben", ev...)
		s.BallsStart = []Spot{{"cue", 1.0, 0.6}, {"2", 1.2, W - model.BallRadius}}
		s.Frozen = []string{"2"}
		return s
	}
	cases := []struct {
		name  string
		shot  Shot
		fouls []string
	}{
		{"pressed into its cushion: no rail", frozen(hit("2"), where(rail("2", "top"), 1.2, W-model.BallRadius)), []string{FoulNoRail}},
		{"reaches another rail", frozen(hit("2"), rail("2", "right")), []string{}},
		{"leaves and returns far along", frozen(hit("2"), where(rail("2", "top"), 1.6, W-model.BallRadius)), []string{}},
		{"the cue ball reaches a rail", frozen(hit("2"), rail("cue", "bottom")), []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, NineBall, nil, []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), pocket("1", "side-top")), nil}})
			d, err := r.Judge(c.shot)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.Fouls, c.fouls) {
				t.Errorf("fouls = %v, want %v (%s)", d.Fouls, c.fouls, d.Message)
			}
		})
	}
}

// 1.6, 3.10: where the cue ball in hand may be placed.
func TestPlacement(t *testing.T) {
	L := model.Table9ft.Length
	foul := []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1")), nil}} // Anna has ball in hand
	judge := func(x, y float64, cfg func(*Config)) (model.Decision, error) {
		r := run(t, NineBall, cfg, foul)
		return r.Judge(placed(shot("Anna", hit("1"), rail("1", "top")), x, y, Spot{"1", 1.5, 0.5}))
	}
	kitchen := func(c *Config) { c.BallInHand = PlaceKitchen }
	cases := []struct {
		name string
		x, y float64
		cfg  func(*Config)
		bad  bool
	}{
		{"anywhere: in front of the head string", 1.2, 0.6, nil, false},
		{"on top of another ball", 1.51, 0.5, nil, true},
		{"off the cloth", -0.1, 0.5, nil, true},
		{"kitchen: behind the head string", L/4 - 0.05, 0.6, kitchen, false},
		{"kitchen: in front of the head string", L/4 + 0.2, 0.6, kitchen, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := judge(c.x, c.y, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := has(d.Fouls, FoulBadPlacement); got != c.bad {
				t.Errorf("bad_placement = %v, want %v (%s)", got, c.bad, d.Message)
			}
			if c.bad && d.Rule != RuleBadPlacement {
				t.Errorf("rule = %s, want %s", d.Rule, RuleBadPlacement)
			}
		})
	}
	// The break is played from behind the head string whatever the setting.
	r, _ := New(Config{Game: NineBall, Players: []string{"Anna", "Ben"}})
	s := fourRails("Anna")
	s.BallsStart = []Spot{{"cue", L / 2, 0.6}}
	d, err := r.Judge(s)
	if err != nil || !has(d.Fouls, FoulBadPlacement) {
		t.Errorf("break from the middle of the table: %v, %v; want bad_placement", d.Fouls, err)
	}
}

// IDKitchenPlay: with the cue ball in hand behind the head string, a ball
// behind it may be played only after the cue ball has crossed the head
// string. Ben has ball in hand behind the head string after Anna's break
// scratch (IDEightBreak).
func TestKitchenBallFirst(t *testing.T) {
	for _, ed := range Editions() {
		t.Run(ed, func(t *testing.T) { testKitchenBallFirst(t, ed) })
	}
}

func testKitchenBallFirst(t *testing.T, ed string) {
	L, W := model.Table9ft.Length, model.Table9ft.Width
	hs := L / 4
	brk := step{shot("Anna", hit("1"), pocket("4", "side-top"), pocket("cue", "corner-bottom-left")), nil}
	balls := []Spot{{"2", 0.40, 0.30}, {"12", hs, 0.90}, {"13", 1.6, 0.6}}
	cases := []struct {
		name  string
		shot  Shot
		fouls []string
	}{
		{"straight at a ball behind the head string", placed(shot("Ben", hit("2"), rail("2", "bottom")), 0.3, 0.6, balls...), []string{FoulKitchenBallFirst}},
		{"off the head rail to a ball behind the head string", placed(shot("Ben", rail("cue", "left"), hit("2"), rail("2", "bottom")), 0.3, 0.6, balls...), []string{FoulKitchenBallFirst}},
		{"off a side rail behind the head string", placed(shot("Ben", where(rail("cue", "top"), 0.5, W-model.BallRadius), hit("2"), rail("2", "bottom")), 0.3, 0.6, balls...), []string{FoulKitchenBallFirst}},
		{"off the foot rail and back: crossed first", placed(shot("Ben", rail("cue", "right"), hit("2"), rail("2", "bottom")), 0.3, 0.6, balls...), []string{}},
		{"off a side rail beyond the head string", placed(shot("Ben", where(rail("cue", "top"), 0.9, W-model.BallRadius), hit("2"), rail("2", "bottom")), 0.3, 0.6, balls...), []string{}},
		{"off a side rail, where unknown: the shooter has the benefit", placed(shot("Ben", rail("cue", "top"), hit("2"), rail("2", "bottom")), 0.3, 0.6, balls...), []string{}},
		{"a ball on the head string is playable", placed(shot("Ben", hit("12"), rail("12", "top")), 0.3, 0.6, balls...), []string{}},
		{"a ball in front of the head string", placed(shot("Ben", hit("13"), rail("13", "top")), 0.3, 0.6, balls...), []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, EightBall, edition(ed, nil), []step{brk})
			d, err := r.Judge(c.shot)
			if err != nil {
				t.Fatal(err)
			}
			checkCitations(t, d)
			if !reflect.DeepEqual(d.Fouls, c.fouls) {
				t.Errorf("fouls = %v, want %v (%s)", d.Fouls, c.fouls, d.Message)
			}
			if n := Number(ed, IDKitchenPlay); len(c.fouls) > 0 && (d.Rule != n || d.BallInHand != PlaceAnywhere || !strings.HasPrefix(d.Message, "Foul ("+n+"): ")) {
				t.Errorf("decision = %+v", d)
			}
		})
	}
	// With ball in hand anywhere the rule does not apply.
	r := run(t, NineBall, edition(ed, nil), []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1")), nil}})
	s := placed(shot("Anna", hit("1"), rail("1", "bottom")), 0.3, 0.6, Spot{"1", 0.40, 0.30})
	if d, err := r.Judge(s); err != nil || !d.Legal {
		t.Errorf("ball in hand anywhere, a ball behind the head string: %+v %v", d, err)
	}
}

// 1.5: a ball is spotted on the foot spot, else as near it as it fits on
// the long string towards the foot rail, never touching the cue ball.
func TestRespotPoint(t *testing.T) {
	sz := model.Table9ft
	R := model.BallRadius
	foot := model.Vec2{X: 3 * sz.Length / 4, Y: sz.Width / 2}
	if p := RespotPoint(sz, nil); p != foot {
		t.Errorf("RespotPoint(empty) = %v, want the foot spot %v", p, foot)
	}
	p := RespotPoint(sz, []model.BallSpot{{ID: "3", Pos: foot}})
	if p.Y != foot.Y || p.X < foot.X+2*R || p.X > foot.X+2*R+0.003 {
		t.Errorf("RespotPoint(foot taken by the 3) = %v, want touching it, behind it on the long string", p)
	}
	p = RespotPoint(sz, []model.BallSpot{{ID: "cue", Pos: foot}})
	if p.X < foot.X+2*R+cueGap || p.X > foot.X+2*R+cueGap+0.003 {
		t.Errorf("RespotPoint(foot taken by the cue ball) = %v, want clear of it", p)
	}
	// The long string behind the foot spot full: towards the head string.
	var wall []model.BallSpot
	for x := foot.X; x < sz.Length; x += 2 * R {
		wall = append(wall, model.BallSpot{ID: "5", Pos: model.Vec2{X: x, Y: foot.Y}})
	}
	if p := RespotPoint(sz, wall); p.X > foot.X-2*R || p.X < foot.X-2*R-0.003 {
		t.Errorf("RespotPoint(foot side full) = %v, want just in front of the foot spot", p)
	}
	// The 9 spotted after a foul goes clear of where the balls came to rest.
	r := run(t, NineBall, nil, []step{{fourRails("Anna"), nil}})
	s := shot("Ben", hit("4"), kiss("4", "9"), pocket("9", "corner-top-right"))
	s.BallsEnd = []Spot{{"3", foot.X, foot.Y}, {"cue", 0.5, 0.5}}
	d, err := r.Judge(s)
	if err != nil || len(d.Respot) != 1 || d.Respot[0].Pos.X < foot.X+2*R {
		t.Errorf("the 9 after a foul, the 3 on the foot spot: %+v %v", d.Respot, err)
	}
}

// Refused: a push-out after a foul on the break (IDNinePushOut allows one
// only after a legal break), and a call of the 8 on an open table while
// both groups are on it (IDEightOpen), or in 2016 at all.
func TestRefusedByTheRules(t *testing.T) {
	for _, ed := range Editions() {
		t.Run(ed, func(t *testing.T) { testRefusedByTheRules(t, ed) })
	}
}

func testRefusedByTheRules(t *testing.T, ed string) {
	r := run(t, NineBall, edition(ed, nil), []step{{shot("Anna", hit("1"), pocket("cue", "side-top"), rail("2", "top"), rail("3", "top"), rail("4", "top"), rail("5", "top")), nil}})
	if _, err := r.Judge(Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike()}}); err == nil || !strings.Contains(err.Error(), "push-out") {
		t.Errorf("push-out after a foul break: %v", err)
	}
	r = run(t, EightBall, edition(ed, nil), []step{eightOpen()})
	if _, err := r.Judge(called(shot("Anna", hit("8"), pocket("8", "side-top")), "8", "side-top")); err == nil || !strings.Contains(err.Error(), "not Anna's to play") {
		t.Errorf("the 8 called on an open table: %v", err)
	}
	// With the stripes gone the 8 is a legal first ball in 2025 only, and
	// only then may it be called on an open table.
	r = run(t, EightBall, edition(ed, nil), []step{stripesGone()})
	want := ed == Edition2025
	if st := r.State(); has(st.LegalFirst, "8") != want {
		t.Errorf("open table with the stripes gone: legal first %v; the 8 in it: %v", st.LegalFirst, want)
	}
	_, err := r.Judge(called(shot("Anna", hit("8"), pocket("8", "side-top")), "8", "side-top"))
	if (err == nil) != want {
		t.Errorf("the 8 called on an open table with the stripes gone: err = %v, want refused: %v", err, !want)
	}
}

// The docs list every rule the referee cites, with both editions' numbers,
// its function and test (docs/game.md, "The rules, one by one": the 2016
// number in the first column, the 2025 one in the second).
func TestRulesDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/game.md")
	if err != nil {
		t.Fatalf("docs/game.md: %v", err)
	}
	doc := string(b)
	for _, id := range RuleIDs() {
		row := "\n| " + Number(Edition2016, id) + " | " + Number(Edition2025, id) + " |"
		if !strings.Contains(doc, row) {
			t.Errorf("docs/game.md has no row %q for rule %s", row, id)
		}
	}
	for _, ed := range Editions() {
		if !strings.Contains(doc, EditionTitle(ed)) {
			t.Errorf("docs/game.md does not name the edition %q", EditionTitle(ed))
		}
	}
}

// Each edition numbers every rule, no two alike; the Rule constants are
// the default edition's numbers.
func TestEditionTables(t *testing.T) {
	for _, ed := range Editions() {
		seen := map[string]RuleID{}
		for _, id := range RuleIDs() {
			n := Number(ed, id)
			if n == "" {
				t.Errorf("%s: no number for %s", ed, id)
			}
			if prev, dup := seen[n]; dup {
				t.Errorf("%s: %s and %s are both %s", ed, prev, id, n)
			}
			seen[n] = id
		}
		if len(books[ed].numbers) != len(RuleIDs()) {
			t.Errorf("%s numbers %d rules, RuleIDs lists %d", ed, len(books[ed].numbers), len(RuleIDs()))
		}
	}
	if DefaultEdition != Edition2016 || Edition != EditionTitle(DefaultEdition) || RuleScratch != Number(DefaultEdition, IDScratch) {
		t.Errorf("default edition %s (%q), scratch %s", DefaultEdition, Edition, RuleScratch)
	}
	for _, s := range []string{"", " 2016 "} {
		if ed, err := ParseEdition(s); err != nil || ed != Edition2016 {
			t.Errorf("ParseEdition(%q) = %q, %v; want 2016", s, ed, err)
		}
	}
	for _, s := range []string{"2019", "wpa", "25"} {
		if _, err := ParseEdition(s); err == nil {
			t.Errorf("ParseEdition(%q) accepted", s)
		}
		if _, err := New(Config{Game: NineBall, Players: []string{"Anna", "Ben"}, Edition: s}); err == nil || !strings.Contains(err.Error(), "rules edition") {
			t.Errorf("New with edition %q: err = %v", s, err)
		}
	}
}

// The issue's own examples hold with the default settings: a scratch
// cites "rule":"6.1", and a shot that leaves no ball on a rail reads
// "Foul (6.3): no ball reached a rail after contact. Ball in hand for Anna."
func TestIssueExamplesByDefault(t *testing.T) {
	r, err := New(Config{Game: EightBall, Players: []string{"Anna", "Ben"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Judge(fourRails("Anna")); err != nil {
		t.Fatal(err)
	}
	d, err := r.Judge(shot("Ben", hit("2")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "Foul (6.3): no ball reached a rail after contact. Ball in hand for Anna."; d.Message != want || d.Rule != "6.3" {
		t.Errorf("no rail: rule %q, message %q; want 6.3, %q", d.Rule, d.Message, want)
	}
	d, err = r.Judge(shot("Anna", hit("3"), rail("3", "top"), pocket("cue", "side-top")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(d)
	if !strings.Contains(string(b), `"rule":"6.1"`) || !strings.Contains(string(b), `"edition":"2016"`) {
		t.Errorf("scratch: %s; want \"rule\":\"6.1\" of edition 2016", b)
	}
}
