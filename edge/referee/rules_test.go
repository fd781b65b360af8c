package referee

import (
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
// referee must decide. rule is the number (Edition) the case covers.
type ruleCase struct {
	rule  string
	name  string
	game  Game
	cfg   func(*Config)
	steps []step
	check func(t *testing.T, r *Referee)
}

// TestRules is the referee by the book: every case names the WPA rule it
// covers (docs/game.md lists them).
func TestRules(t *testing.T) {
	kitchen := func(c *Config) { c.BallInHand = PlaceKitchen }
	callAll := func(c *Config) { c.CallAll = true }
	cases := []ruleCase{
		// 1 General rules.
		{rule: "1.6", name: "the kitchen setting: ball in hand behind the head string after a standard foul", game: EightBall, cfg: kitchen,
			steps: then(eightSolids(), step{shot("Anna", hit("2")), &want{fouls: []string{FoulNoRail}, rule: "3.3", turnOver: true, bih: "kitchen", msg: "Ball in hand behind the head string for Ben."}})},
		{rule: "1.7", name: "the 8 without a call on an obvious shot wins", game: EightBall,
			steps: then(onTheEight(), step{shot("Anna", hit("8"), pocket("8", "side-bottom")), &want{rule: "4.5", over: true, winner: "Anna", msg: "obvious pocket (1.7)"}})},
		{rule: "1.7", name: "a touch of the jaws on the way in keeps a shot obvious", game: EightBall,
			steps: then(onTheEight(), step{shot("Anna", hit("8"), where(rail("8", "top"), 1.22, 1.24), pocket("8", "side-top")), &want{rule: "4.5", over: true, winner: "Anna"}})},

		// 2 Definitions.
		{rule: "2.7", name: "a pocketed cue ball counts as driven to a rail: only the scratch is named", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), pocket("cue", "side-top")), &want{fouls: []string{FoulScratch}, rule: "3.1", turnOver: true, bih: "anywhere"}})},
		{rule: "2.7", name: "a ball driven off the table counts for the break's four", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), rail("2", "top"), rail("4", "bottom"), rail("5", "right"), off("6")),
				&want{fouls: []string{FoulBallOffTable}, rule: "3.5", turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionInHand, OptionPlay}}}}},

		// 3 Fouls.
		{rule: "3.1", name: "a scratch: ball in hand anywhere for the other player", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), rail("1", "top"), pocket("cue", "side-top")),
				&want{fouls: []string{FoulScratch}, rule: "3.1", turnOver: true, bih: "anywhere", next: "Anna", msg: "Foul (3.1): the cue ball was pocketed. Ball in hand for Anna."}}}},
		{rule: "3.1", name: "the cue ball off the table", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), rail("2", "top"), off("cue")), &want{fouls: []string{FoulBallOffTable}, rule: "3.1", turnOver: true, bih: "anywhere"}})},
		{rule: "3.2", name: "9-ball: the lowest ball first", game: NineBall,
			steps: []step{{shot("Anna", hit("1"), pocket("1", "side-top")), nil},
				{shot("Anna", hit("3"), rail("3", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: "3.2", turnOver: true, bih: "anywhere"}}}},
		{rule: "3.2", name: "8-ball: a ball of the other group first", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("12"), rail("12", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: "3.2", turnOver: true, bih: "anywhere", next: "Ben"}})},
		{rule: "3.2", name: "8-ball: on the 8, a stripe first", game: EightBall,
			steps: then(onTheEight(), step{shot("Anna", hit("9"), rail("9", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: "3.2", turnOver: true, bih: "anywhere"}})},
		{rule: "3.2", name: "a legal and an illegal ball hit at one instant: the shooter has the benefit (2025)", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", at(hit("3"), 0.40), at(hit("1"), 0.40), at(rail("1", "top"), 0.9)), &want{rule: "5.5", turnOver: true, next: "Anna"}}}},
		{rule: "3.2", name: "the same two hits a frame apart: wrong ball first", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", at(hit("3"), 0.40), at(hit("1"), 0.433), at(rail("1", "top"), 0.9)), &want{fouls: []string{FoulWrongBallFirst}, rule: "3.2", turnOver: true, bih: "anywhere"}}}},
		{rule: "3.3", name: "no rail after contact", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2")), &want{fouls: []string{FoulNoRail}, rule: "3.3", turnOver: true, bih: "anywhere",
				msg: "Foul (3.3): no ball reached a rail after contact. Ball in hand for Ben."}})},
		{rule: "3.3", name: "no contact at all", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", rail("cue", "top"), rail("cue", "left")), &want{fouls: []string{FoulNoContact}, rule: "3.3", turnOver: true, bih: "anywhere"}})},
		{rule: "3.3", name: "a rail before the contact does not count", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", rail("cue", "top"), hit("2")), &want{fouls: []string{FoulNoRail}, rule: "3.3", turnOver: true, bih: "anywhere"}})},
		{rule: "3.3", name: "a rail at the instant of the contact counts (2025)", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", at(rail("cue", "top"), 0.5), at(hit("2"), 0.5)), &want{rule: "4.5", turnOver: true, next: "Ben"}})},
		{rule: "3.3", name: "a miss that reaches a rail: no foul, the turn passes", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), rail("2", "right")), &want{rule: "4.5", turnOver: true, next: "Ben", msg: "No ball pocketed"}})},
		{rule: "3.5", name: "an object ball off the table: a foul; in 8-ball it stays out", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), rail("2", "top"), off("2")), &want{fouls: []string{FoulBallOffTable}, rule: "3.5", turnOver: true, bih: "anywhere"}}),
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); has(st.OnTable, "2") || len(st.Respot) != 0 {
					t.Errorf("the jumped 2 was put back: %v %v", st.OnTable, st.Respot)
				}
			}},
		{rule: "3.5", name: "9-ball: a jumped ball other than the 9 stays out", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), kiss("1", "5"), off("5")), &want{fouls: []string{FoulBallOffTable}, rule: "3.5", turnOver: true, bih: "anywhere"}}},
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); has(st.OnTable, "5") {
					t.Errorf("the jumped 5 was put back: %v", st.OnTable)
				}
			}},
		{rule: "3.7", name: "a ball frozen to the cue ball, moved by the stroke, was hit", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {frozenToCueShot("Ben", "1", rail("1", "right")), &want{rule: "5.5", turnOver: true, next: "Anna"}}}},
		{rule: "3.7", name: "a wrong ball frozen to the cue ball, moved by the stroke, was hit first", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {frozenToCueShot("Ben", "3", rail("3", "right")), &want{fouls: []string{FoulWrongBallFirst}, rule: "3.2", turnOver: true, bih: "anywhere"}}}},
		{rule: "3.13", name: "three fouls in a row lose the rack, with the warning after the second", game: NineBall,
			steps: []step{
				{fourRails("Anna"), nil},
				{shot("Ben", hit("1")), &want{fouls: []string{FoulNoRail}, rule: "3.3", turnOver: true, bih: "anywhere", next: "Anna"}},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("2"), rail("2", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: "3.2", turnOver: true, bih: "anywhere", msg: "Warning: Ben has two fouls in a row"}},
				{shot("Anna", hit("1"), rail("1", "top")), &want{rule: "5.5", turnOver: true, next: "Ben", msg: "Warning: Ben is on two fouls; a third in a row loses the rack (3.13)."}},
				{shot("Ben", pocket("cue", "side-top")), &want{fouls: []string{FoulScratch, FoulNoContact, FoulThreeFouls}, rule: "3.13", over: true, winner: "Anna"}},
			}},
		{rule: "3.13", name: "a legal shot resets the fouls in a row", game: NineBall,
			steps: []step{
				{fourRails("Anna"), nil},
				{shot("Ben", hit("1")), nil},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("2"), rail("2", "top")), nil},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("1"), rail("1", "top")), &want{rule: "5.5", turnOver: true}},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("1")), &want{fouls: []string{FoulNoRail}, rule: "3.3", turnOver: true, bih: "anywhere"}},
			}},
		{rule: "3.13", name: "10-ball: three fouls in a row lose the rack", game: TenBall,
			steps: []step{
				{fourRails("Anna"), nil},
				{shot("Ben", hit("2")), nil},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("2")), nil},
				{shot("Anna", hit("1"), rail("1", "top")), nil},
				{shot("Ben", hit("1")), &want{fouls: []string{FoulNoRail, FoulThreeFouls}, rule: "3.13", over: true, winner: "Anna"}},
			}},

		// 4 Eight ball.
		{rule: "4.3", name: "a legal break with a ball pocketed: the breaker continues; the table stays open", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("5", "corner-top-left")), &want{rule: "4.3", next: "Anna", msg: "table is open"}}},
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); st.Group != nil {
					t.Errorf("a group after the break: %v", st.Group)
				}
			}},
		{rule: "4.3", name: "a legal break, four balls to a rail, nothing pocketed", game: EightBall,
			steps: []step{{fourRails("Anna"), &want{rule: "4.3", turnOver: true, next: "Ben"}}}},
		{rule: "4.3", name: "an illegal break: the incoming player accepts the table as it lies or has it re-racked", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), rail("2", "top"), rail("3", "bottom"), rail("2", "bottom"), rail("4", "right")),
				&want{fouls: []string{FoulIllegalBreak}, rule: "4.3", turnOver: true, next: "Ben", options: []string{OptionAccept, OptionRerack}, msg: "play the table as it lies"}}}},
		{rule: "4.3", name: "an illegal break with a scratch: accepting comes with ball in hand behind the head string", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), rail("2", "top"), pocket("cue", "corner-top-left")),
				&want{fouls: []string{FoulScratch, FoulIllegalBreak}, rule: "3.1", turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionAccept, OptionRerack}}}}},
		{rule: "4.3", name: "after an illegal break the breaker breaks again: a re-rack", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), rail("2", "top")), nil}, {fourRails("Anna"), &want{rule: "4.3", turnOver: true, next: "Ben"}}},
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); st.Rack != 2 || len(st.OnTable) != 15 {
					t.Errorf("after the re-rack: rack %d, %d balls", st.Rack, len(st.OnTable))
				}
			}},
		{rule: "4.3", name: "the 8 on a legal break: spot it and play on, or re-rack", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("8", "side-bottom")), &want{rule: "4.3", next: "Anna", options: []string{OptionRespot, OptionRerack}, msg: "the 8 is spotted"}}},
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); !has(st.OnTable, "8") || len(st.Respot) != 1 || st.Respot[0].ID != "8" {
					t.Errorf("the 8 was not spotted: %v %v", st.OnTable, st.Respot)
				}
			}},
		{rule: "4.3", name: "the 8 and a scratch on the break: the incoming player's choice, ball in hand behind the head string", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("8", "side-bottom"), pocket("cue", "corner-top-left")),
				&want{fouls: []string{FoulScratch}, rule: "3.1", turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionRespot, OptionRerack}, msg: "spotted and take ball in hand behind the head string"}}}},
		{rule: "4.3", name: "the 8 and any other foul on the break gives the same choice (2025)", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("8", "side-bottom"), off("12")),
				&want{fouls: []string{FoulBallOffTable}, rule: "3.5", turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionRespot, OptionRerack}}}}},
		{rule: "4.3", name: "an object ball off the table on the break: it stays out; in hand behind the head string, or played where it lies", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("3", "side-top"), off("12")),
				&want{fouls: []string{FoulBallOffTable}, rule: "3.5", turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionInHand, OptionPlay}, msg: "or play the cue ball where it lies (4.3)"}}}},
		{rule: "4.3", name: "the 8 off the table on the break is spotted", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("3", "side-top"), off("8")),
				&want{fouls: []string{FoulBallOffTable}, rule: "3.5", turnOver: true, bih: "kitchen", next: "Ben", options: []string{OptionInHand, OptionPlay}, msg: "The 8 is spotted (4.7)."}}}},
		{rule: "4.3", name: "a scratch on a legal break: ball in hand behind the head string, not anywhere", game: EightBall,
			steps: []step{{shot("Anna", hit("1"), pocket("4", "side-top"), pocket("cue", "corner-bottom-left")),
				&want{fouls: []string{FoulScratch}, rule: "3.1", turnOver: true, bih: "kitchen", next: "Ben", msg: "Ball in hand behind the head string for Ben (4.3)."}}}},
		{rule: "4.4", name: "open table: the first ball legally pocketed gives the group", game: EightBall,
			steps: []step{eightOpen(), {shot("Anna", hit("12"), pocket("12", "side-top")), &want{rule: "4.4", next: "Anna", msg: "takes stripes"}}}},
		{rule: "4.4", name: "open table: the called ball gives the group, whatever else falls", game: EightBall,
			steps: []step{eightOpen(), {called(shot("Anna", hit("12"), kiss("12", "2"), pocket("2", "side-top"), pocket("12", "corner-top-left")), "12", "corner-top-left"),
				&want{rule: "4.4", next: "Anna", msg: "takes stripes"}}}},
		{rule: "4.4", name: "open table: the 8 may not be hit first", game: EightBall,
			steps: []step{eightOpen(), {shot("Anna", hit("8"), rail("8", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: "3.2", turnOver: true, bih: "anywhere"}}}},
		{rule: "4.4", name: "open table with a whole group gone: the 8 may be hit first (2025)", game: EightBall,
			steps: []step{stripesGone(), {shot("Anna", hit("8"), rail("8", "top")), &want{rule: "4.5", turnOver: true, next: "Ben"}}}},
		{rule: "4.4", name: "open table with a whole group gone: the 8 called wins", game: EightBall,
			steps: []step{stripesGone(), {called(shot("Anna", hit("8"), pocket("8", "side-top")), "8", "side-top"), &want{rule: "4.5", over: true, winner: "Anna"}}}},
		{rule: "4.4", name: "open table with a whole group gone: the 8 not called loses", game: EightBall,
			steps: []step{stripesGone(), {shot("Anna", hit("8"), pocket("8", "side-top")), &want{fouls: []string{FoulEightEarly}, rule: "4.8", over: true, winner: "Ben"}}}},
		{rule: "4.5", name: "a ball of the shooter's group pocketed: he continues", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), pocket("2", "corner-top-left")), &want{rule: "4.5", next: "Anna"}})},
		{rule: "4.5", name: "only the other group's ball pocketed: the turn passes", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), kiss("2", "11"), pocket("11", "corner-top-left")), &want{rule: "4.5", turnOver: true, next: "Ben"}})},
		{rule: "4.6", name: "call all: a ball in another pocket does not count", game: EightBall, cfg: callAll,
			steps: []step{eightOpen(),
				{called(shot("Anna", hit("1"), pocket("1", "side-top")), "1", "side-top"), &want{rule: "4.4", next: "Anna", msg: "takes solids"}},
				{called(shot("Anna", hit("2"), pocket("2", "side-top")), "2", "corner-top-left"), &want{rule: "4.6", turnOver: true, next: "Ben", msg: "did not go in"}}}},
		{rule: "4.6", name: "call all: an obvious shot counts as called (1.7)", game: EightBall, cfg: callAll,
			steps: []step{eightOpen(), {shot("Anna", hit("1"), pocket("1", "side-top")), &want{rule: "4.4", next: "Anna", msg: "takes solids"}}}},
		{rule: "4.6", name: "call all: a ball kissed in without a call does not count", game: EightBall, cfg: callAll,
			steps: []step{eightOpen(), {shot("Anna", hit("1"), kiss("1", "2"), pocket("2", "side-top")), &want{rule: "4.6", turnOver: true, next: "Ben", msg: "neither called nor obvious"}}}},
		{rule: "4.8", name: "the 8 in the called pocket wins", game: EightBall,
			steps: then(onTheEight(), step{called(shot("Anna", hit("8"), pocket("8", "side-top")), "8", "side-top"), &want{rule: "4.5", over: true, winner: "Anna", msg: "wins the rack"}})},
		{rule: "4.8", name: "(a) the 8 with a scratch loses", game: EightBall,
			steps: then(onTheEight(), step{called(shot("Anna", hit("8"), pocket("8", "side-top"), pocket("cue", "corner-top-left")), "8", "side-top"), &want{fouls: []string{FoulScratch}, rule: "4.8", over: true, winner: "Ben"}})},
		{rule: "4.8", name: "(b) the 8 before the group is cleared loses", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), kiss("2", "8"), pocket("8", "side-top")), &want{fouls: []string{FoulEightEarly}, rule: "4.8", over: true, winner: "Ben"}})},
		{rule: "4.8", name: "(b) the 8 on the shot that clears the group loses", game: EightBall,
			steps: then(onTheEight()[:len(onTheEight())-1], step{called(shot("Anna", hit("7"), pocket("7", "corner-top-left"), kiss("cue", "8"), pocket("8", "side-top")), "7", "corner-top-left"),
				&want{fouls: []string{FoulEightEarly}, rule: "4.8", over: true, winner: "Ben"}})},
		{rule: "4.8", name: "(c) the 8 in another pocket than the called one loses", game: EightBall,
			steps: then(onTheEight(), step{called(shot("Anna", hit("8"), pocket("8", "side-bottom")), "8", "side-top"), &want{fouls: []string{FoulEightWrongPocket}, rule: "4.8", over: true, winner: "Ben", msg: "not the called side-top"}})},
		{rule: "4.8", name: "(c) the 8 banked in without a call loses", game: EightBall,
			steps: then(onTheEight(), step{shot("Anna", hit("8"), rail("8", "bottom"), pocket("8", "side-top")), &want{fouls: []string{FoulEightWrongPocket}, rule: "4.8", over: true, winner: "Ben", msg: "without a call"}})},
		{rule: "4.8", name: "(d) the 8 off the table loses", game: EightBall,
			steps: then(eightSolids(), step{shot("Anna", hit("2"), kiss("2", "8"), rail("8", "top"), off("8")), &want{fouls: []string{FoulBallOffTable}, rule: "4.8", over: true, winner: "Ben"}})},
		{rule: "4.8", name: "a scratch on the 8 without pocketing it is only a standard foul", game: EightBall,
			steps: then(onTheEight(), step{shot("Anna", hit("8"), rail("8", "top"), pocket("cue", "side-top")), &want{fouls: []string{FoulScratch}, rule: "3.1", turnOver: true, bih: "anywhere"}})},
		{rule: "4.9", name: "8-ball: ball in hand anywhere, and no three-foul rule", game: EightBall,
			steps: []step{eightOpen(),
				{shot("Anna", hit("8")), nil}, {shot("Ben", hit("8")), nil},
				{shot("Anna", hit("8")), nil}, {shot("Ben", hit("8")), nil},
				{shot("Anna", hit("8")), &want{fouls: []string{FoulWrongBallFirst}, rule: "3.2", turnOver: true, bih: "anywhere", next: "Ben"}}}},

		// 5 Nine ball.
		{rule: "5.3", name: "the break must hit the 1 first", game: NineBall,
			steps: []step{{shot("Anna", hit("3"), pocket("4", "side-top")), &want{fouls: []string{FoulWrongBallFirst}, rule: "3.2", turnOver: true, bih: "anywhere"}}}},
		{rule: "5.3", name: "an illegal break is a foul: ball in hand anywhere, no re-rack", game: NineBall,
			steps: []step{{shot("Anna", hit("1"), rail("2", "top")), &want{fouls: []string{FoulIllegalBreak}, rule: "5.3", turnOver: true, bih: "anywhere", next: "Ben"}}}},
		{rule: "5.3", name: "the 9 on a legal break wins", game: NineBall,
			steps: []step{{shot("Anna", hit("1"), pocket("9", "corner-bottom-left")), &want{rule: "5.3", over: true, winner: "Anna"}}}},
		{rule: "5.4", name: "a push-out, then the pusher is passed the table", game: NineBall,
			steps: []step{
				{fourRails("Anna"), nil},
				{Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike()}}, &want{rule: "5.4", turnOver: true, next: "Anna", options: []string{OptionPlay, OptionPass}, msg: "pass the shot back"}},
				{shot("Ben", hit("1"), rail("1", "top")), &want{rule: "5.5", turnOver: true, next: "Anna"}}}},
		{rule: "5.4", name: "a push-out with a scratch is a foul", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike(), pocket("cue", "side-top")}},
				&want{fouls: []string{FoulScratch}, rule: "3.1", turnOver: true, bih: "anywhere"}}}},
		{rule: "5.4", name: "the 9 pocketed on a push-out is spotted", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike(), hit("6"), kiss("6", "9"), pocket("9", "side-top")}},
				&want{rule: "5.4", turnOver: true, next: "Anna", options: []string{OptionPlay, OptionPass}, msg: "The 9 is spotted (5.6)."}}}},
		{rule: "5.5", name: "any ball pocketed keeps the shooter at the table", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), kiss("1", "6"), pocket("6", "corner-top-left")), &want{rule: "5.5", next: "Ben"}}}},
		{rule: "5.5", name: "the 9 on a legal combination wins", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), kiss("1", "9"), pocket("9", "corner-top-right")), &want{rule: "5.5", over: true, winner: "Ben"}}}},
		{rule: "5.6", name: "the 9 on a foul is spotted", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("4"), kiss("4", "9"), pocket("9", "corner-top-right")),
				&want{fouls: []string{FoulWrongBallFirst}, rule: "3.2", turnOver: true, bih: "anywhere", msg: "The 9 is spotted (5.6)"}}}},
		{rule: "5.6", name: "the 9 on a foul break is spotted", game: NineBall,
			steps: []step{{shot("Anna", hit("1"), pocket("9", "corner-bottom-left"), pocket("cue", "side-top")),
				&want{fouls: []string{FoulScratch}, rule: "3.1", turnOver: true, bih: "anywhere", msg: "The 9 is spotted (5.6)"}}}},
		{rule: "5.7", name: "9-ball: a foul gives ball in hand anywhere", game: NineBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1")), &want{fouls: []string{FoulNoRail}, rule: "3.3", turnOver: true, bih: "anywhere", next: "Anna"}}}},

		// 6 Ten ball.
		{rule: "6.3", name: "the 10 on the break is spotted; the breaker continues", game: TenBall,
			steps: []step{{shot("Anna", hit("1"), pocket("10", "side-top"), pocket("2", "side-bottom")), &want{rule: "6.3", next: "Anna", msg: "The 10 is spotted (6.8)"}}}},
		{rule: "6.4", name: "a push-out after the break", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike(), hit("5")}}, &want{rule: "6.4", turnOver: true, next: "Anna", options: []string{OptionPlay, OptionPass}}}}},
		{rule: "6.5", name: "the called ball in the called pocket keeps the shooter at the table", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {called(shot("Ben", hit("1"), kiss("1", "4"), pocket("4", "corner-top-left")), "4", "corner-top-left"), &want{rule: "6.7", next: "Ben"}}}},
		{rule: "6.5", name: "an obvious shot counts as called (1.7)", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), pocket("1", "corner-top-left")), &want{rule: "6.7", next: "Ben"}}}},
		{rule: "6.6", name: "a ball pocketed but not as called: the incoming player plays or passes", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {called(shot("Ben", hit("1"), pocket("1", "side-top")), "1", "corner-top-left"),
				&want{rule: "6.6", turnOver: true, next: "Anna", options: []string{OptionPlay, OptionPass}}}}},
		{rule: "6.7", name: "the called 10 before it is the last ball is spotted; the shooter continues", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {called(shot("Ben", hit("1"), kiss("1", "10"), pocket("10", "side-top")), "10", "side-top"),
				&want{rule: "6.7", next: "Ben", msg: "The 10 is spotted: it wins only as the last ball"}}},
			check: func(t *testing.T, r *Referee) {
				if st := r.State(); st.Over || !has(st.OnTable, "10") {
					t.Errorf("after an early 10: %+v", st)
				}
			}},
		{rule: "6.7", name: "the called 10 as the last ball wins", game: TenBall,
			steps: []step{
				{shot("Anna", hit("1"), pocket("2", "side-top"), pocket("3", "side-top"), pocket("4", "side-top"), pocket("5", "side-top"),
					pocket("6", "side-bottom"), pocket("7", "side-bottom"), pocket("8", "side-bottom"), pocket("9", "side-bottom")), nil},
				{called(shot("Anna", hit("1"), pocket("1", "corner-top-left")), "1", "corner-top-left"), &want{rule: "6.7", next: "Anna"}},
				{called(shot("Anna", hit("10"), pocket("10", "corner-top-left")), "10", "corner-top-left"), &want{rule: "6.7", over: true, winner: "Anna"}}}},
		{rule: "6.9", name: "10-ball: a foul gives ball in hand anywhere; a 10 pocketed on it is spotted", game: TenBall,
			steps: []step{{fourRails("Anna"), nil}, {shot("Ben", hit("3"), kiss("3", "10"), pocket("10", "side-top")),
				&want{fouls: []string{FoulWrongBallFirst}, rule: "3.2", turnOver: true, bih: "anywhere", msg: "The 10 is spotted (6.8)"}}}},
	}
	for _, c := range cases {
		if !has(knownRules, c.rule) {
			t.Errorf("case %q covers %s, not a rule the referee cites", c.name, c.rule)
		}
		t.Run(c.rule+" "+c.name, func(t *testing.T) {
			r := run(t, c.game, c.cfg, c.steps)
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

// frozenToCueShot: the cue ball lies frozen to ball b, and the stroke moves
// b without a collision the tracker could see (3.7).
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

// 3.11: with the cue ball in hand behind the head string, a ball behind it
// may be played only after the cue ball has crossed the head string. Ben
// has ball in hand behind the head string after Anna's break scratch (4.3).
func TestKitchenBallFirst(t *testing.T) {
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
			r := run(t, EightBall, nil, []step{brk})
			d, err := r.Judge(c.shot)
			if err != nil {
				t.Fatal(err)
			}
			checkCitations(t, d)
			if !reflect.DeepEqual(d.Fouls, c.fouls) {
				t.Errorf("fouls = %v, want %v (%s)", d.Fouls, c.fouls, d.Message)
			}
			if len(c.fouls) > 0 && (d.Rule != RuleKitchenPlay || d.BallInHand != PlaceAnywhere || !strings.Contains(d.Message, "Foul (3.11)")) {
				t.Errorf("decision = %+v", d)
			}
		})
	}
	// With ball in hand anywhere 3.11 does not apply.
	r := run(t, NineBall, nil, []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1")), nil}})
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

// Refused: a push-out after a foul on the break (5.4 allows one only after
// a legal break), and a call of the 8 on an open table while both groups
// are on it (4.4).
func TestRefusedByTheRules(t *testing.T) {
	r := run(t, NineBall, nil, []step{{shot("Anna", hit("1"), pocket("cue", "side-top"), rail("2", "top"), rail("3", "top"), rail("4", "top"), rail("5", "top")), nil}})
	if _, err := r.Judge(Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike()}}); err == nil || !strings.Contains(err.Error(), "push-out") {
		t.Errorf("push-out after a foul break: %v", err)
	}
	r = run(t, EightBall, nil, []step{eightOpen()})
	if _, err := r.Judge(called(shot("Anna", hit("8"), pocket("8", "side-top")), "8", "side-top")); err == nil || !strings.Contains(err.Error(), "not Anna's to play") {
		t.Errorf("the 8 called on an open table: %v", err)
	}
	r = run(t, EightBall, nil, []step{stripesGone()})
	if st := r.State(); !has(st.LegalFirst, "8") {
		t.Errorf("open table with the stripes gone: legal first %v lacks the 8", st.LegalFirst)
	}
}

// The docs list every rule the referee cites, with its function and test
// (docs/game.md, "The rules, one by one").
func TestRulesDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/game.md")
	if err != nil {
		t.Fatalf("docs/game.md: %v", err)
	}
	doc := string(b)
	for _, n := range knownRules {
		if !strings.Contains(doc, "\n| "+n+" |") {
			t.Errorf("docs/game.md has no row for rule %s", n)
		}
	}
	if !strings.Contains(doc, Edition) {
		t.Errorf("docs/game.md does not name the edition %q", Edition)
	}
}
