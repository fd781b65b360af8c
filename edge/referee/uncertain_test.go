package referee

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// withEnd sets the balls at rest after a shot.
func withEnd(s Shot, end ...Spot) Shot { s.BallsEnd = end; return s }

// TestUncertain is the referee with a partly blocked view: balls the
// camera could not name ("?N") and a first contact it did not see. Each
// case names what stays uncertain; the shooter has the benefit of the
// doubt, and the decision says so.
func TestUncertain(t *testing.T) {
	const (
		unnamedFirst = "The camera could not name the ball hit first: no foul called; overrule if needed."
		unseenFirst  = "The camera did not see which ball the cue ball hit first: no foul called; overrule if needed."
	)
	first := []string{UncertainFirstContact}
	down := []string{UncertainPocketed}
	nineBroken := step{fourRails("Anna"), nil} // Ben to shoot, the 1 lowest
	cases := []struct {
		name  string
		game  Game
		steps []step
	}{
		// The first contact.
		{"9-ball: an unnamed ball hit first, a rail after: no foul", NineBall, []step{nineBroken,
			{shot("Ben", hit("?3"), rail("?3", "top")), &want{rule: IDNineContinue, turnOver: true, next: "Anna", uncertain: first, msg: "No ball pocketed. Anna to shoot. " + unnamedFirst}}}},
		{"9-ball: an unnamed ball hit first, no rail after: the rail rule holds", NineBall, []step{nineBroken,
			{shot("Ben", hit("?3")), &want{fouls: []string{FoulNoRail}, rule: IDNoRail, turnOver: true, bih: "anywhere", uncertain: first, msg: unnamedFirst}}}},
		{"9-ball: an illegal ball and an unnamed one hit in one instant: no foul", NineBall, []step{nineBroken,
			{shot("Ben", at(hit("3"), 0.4), at(hit("?5"), 0.4), at(rail("3", "top"), 0.9)), &want{rule: IDNineContinue, turnOver: true, uncertain: first}}}},
		{"9-ball: the unnamed ball a frame after the illegal one: wrong ball first", NineBall, []step{nineBroken,
			{shot("Ben", at(hit("3"), 0.4), at(hit("?5"), 0.433), at(rail("3", "top"), 0.9)), &want{fouls: []string{FoulWrongBallFirst}, rule: IDWrongBallFirst, turnOver: true, bih: "anywhere"}}}},
		{"9-ball: the lowest ball and an unnamed one in one instant: legal, nothing uncertain", NineBall, []step{nineBroken,
			{shot("Ben", at(hit("?5"), 0.4), at(hit("1"), 0.4), at(rail("1", "top"), 0.9)), &want{rule: IDNineContinue, turnOver: true}}}},
		{"9-ball break: an unnamed ball first", NineBall, []step{
			{shot("Anna", hit("?4"), pocket("2", "corner-top-right")), &want{rule: IDNineBreak, next: "Anna", uncertain: first, msg: unnamedFirst}}}},
		{"8-ball break: any ball may be hit first, so its name does not matter", EightBall, []step{
			{shot("Anna", hit("?4"), pocket("2", "corner-top-right")), &want{rule: IDEightBreak, next: "Anna"}}}},
		{"8-ball, open table: an unnamed ball first (it may be the 8)", EightBall, []step{eightOpen(),
			{shot("Anna", hit("?9"), rail("?9", "top")), &want{rule: IDEightContinue, turnOver: true, next: "Ben", uncertain: first}}}},
		{"no collision seen, but an object ball moved and reached a rail: no foul", EightBall, then(eightSolids(),
			step{shot("Anna", rail("2", "top")), &want{rule: IDEightContinue, turnOver: true, next: "Ben", uncertain: first, msg: unseenFirst}})},
		{"no collision seen, an object ball moved, nothing reached a rail: no rail", EightBall, then(eightSolids(),
			step{shot("Anna", kiss("2", "4")), &want{fouls: []string{FoulNoRail}, rule: IDNoRail, turnOver: true, bih: "anywhere", uncertain: first}})},
		{"no collision seen, a cue-ball rail before the object ball moved does not count", EightBall, then(eightSolids(),
			step{shot("Anna", rail("cue", "top"), kiss("2", "4")), &want{fouls: []string{FoulNoRail}, rule: IDNoRail, turnOver: true, bih: "anywhere", uncertain: first}})},
		{"no collision seen, an object ball pocketed: the shooter continues", NineBall, []step{nineBroken,
			{shot("Ben", pocket("3", "side-top")), &want{rule: IDNineContinue, next: "Ben", uncertain: first}}}},
		{"nothing but the cue ball moved: no contact, as before", NineBall, []step{nineBroken,
			{shot("Ben", rail("cue", "top"), rail("cue", "left")), &want{fouls: []string{FoulNoContact}, rule: IDNoRail, turnOver: true, bih: "anywhere"}}}},

		// Pocketed balls.
		{"9-ball: an unnamed ball pocketed keeps the shooter at the table, never as the 9", NineBall, []step{nineBroken,
			{shot("Ben", hit("1"), pocket("?7", "corner-top-left")), &want{rule: IDNineContinue, next: "Ben", uncertain: down,
				msg: "Legal shot: a ball the camera could not name pocketed. Ben continues. The camera could not name a pocketed ball: it counts as an object ball, not the 9; overrule if needed."}}}},
		{"9-ball break: an unnamed ball pocketed makes it legal", NineBall, []step{
			{shot("Anna", hit("1"), rail("2", "top"), pocket("?7", "corner-top-left")), &want{rule: IDNineBreak, next: "Anna", uncertain: down}}}},
		{"9-ball: an unnamed ball pocketed on a foul is not spotted", NineBall, []step{nineBroken,
			{shot("Ben", hit("1"), pocket("?7", "corner-top-left"), pocket("cue", "side-top")), &want{fouls: []string{FoulScratch}, rule: IDScratch, turnOver: true, bih: "anywhere", uncertain: down}}}},
		{"8-ball break: an unnamed ball pocketed makes it legal; the table stays open", EightBall, []step{
			{shot("Anna", hit("1"), pocket("?7", "corner-top-left")), &want{rule: IDEightBreak, next: "Anna", uncertain: down, msg: "Legal break: a ball the camera could not name pocketed."}}}},
		{"8-ball, open table: an unnamed ball pocketed: the shooter continues, no group", EightBall, []step{eightOpen(),
			{shot("Anna", hit("1"), pocket("?7", "corner-top-left")), &want{rule: IDEightOpen, next: "Anna", uncertain: down, msg: "the table stays open"}}}},
		{"8-ball, open table: a named ball with an unnamed one gives the group", EightBall, []step{eightOpen(),
			{shot("Anna", hit("1"), pocket("?7", "corner-top-left"), pocket("12", "side-top")), &want{rule: IDEightOpen, next: "Anna", uncertain: down, msg: "Anna takes stripes"}}}},
		{"8-ball, on solids: an unnamed ball pocketed keeps her at the table", EightBall, then(eightSolids(),
			step{shot("Anna", hit("2"), pocket("?7", "corner-top-left")), &want{rule: IDEightContinue, next: "Anna", uncertain: down}})},
		{"8-ball, on the 8: an unnamed ball is not the 8: no win, no loss, the turn passes", EightBall, then(onTheEight(),
			step{shot("Anna", hit("8"), pocket("?7", "corner-top-left")), &want{rule: IDEightContinue, turnOver: true, next: "Ben", uncertain: down, msg: "not the 8"}})},
		{"8-ball: the called 2 unseen, an unnamed ball into the called pocket: made", EightBall, then(eightSolids(),
			step{called(shot("Anna", hit("2"), pocket("?7", "side-top")), "2", "side-top"), &want{rule: IDEightContinue, next: "Anna", uncertain: down}})},
		{"8-ball: the called 2 at rest after the shot: the unnamed ball was not it", EightBall, then(eightSolids(),
			step{withEnd(called(shot("Anna", hit("2"), pocket("?7", "side-top")), "2", "side-top"), Spot{"2", 1.2, 0.5}), &want{rule: IDEightCalled, turnOver: true, next: "Ben", uncertain: down}})},
		{"8-ball: an unnamed ball into another pocket than the called one", EightBall, then(eightSolids(),
			step{called(shot("Anna", hit("2"), pocket("?7", "side-bottom")), "2", "side-top"), &want{rule: IDEightCalled, turnOver: true, next: "Ben", uncertain: down}})},

		// Balls off the table and the break's count.
		{"9-ball: an unnamed ball off the table: the foul stands, nothing spotted", NineBall, []step{nineBroken,
			{shot("Ben", hit("1"), rail("1", "top"), off("?7")), &want{fouls: []string{FoulBallOffTable}, rule: IDBallOffTable, turnOver: true, bih: "anywhere",
				uncertain: []string{UncertainOffTable}, msg: "it is not taken for the 9"}}}},
		{"8-ball: an unnamed ball off the table is not the 8: a foul, no loss", EightBall, then(eightSolids(),
			step{shot("Anna", hit("2"), rail("2", "top"), off("?7")), &want{fouls: []string{FoulBallOffTable}, rule: IDBallOffTable, turnOver: true, bih: "anywhere", uncertain: []string{UncertainOffTable}}})},
		{"9-ball break: four to a rail only with unnamed balls: legal", NineBall, []step{
			{shot("Anna", hit("1"), rail("2", "top"), rail("3", "bottom"), rail("?10", "right"), rail("?11", "top")), &want{rule: IDNineBreak, turnOver: true, next: "Ben", uncertain: []string{UncertainBreakRails}}}}},
		{"9-ball break: three to a rail with an unnamed one: illegal", NineBall, []step{
			{shot("Anna", hit("1"), rail("2", "top"), rail("3", "bottom"), rail("?10", "right")), &want{fouls: []string{FoulIllegalBreak}, rule: IDNineBreak, turnOver: true, bih: "anywhere"}}}},

		// 10-ball calls.
		{"10-ball: the called 3 unseen, an unnamed ball into the called pocket: made", TenBall, []step{nineBroken,
			{called(shot("Ben", hit("1"), pocket("?7", "side-top")), "3", "side-top"), &want{rule: IDTenContinue, next: "Ben", uncertain: down, msg: "perhaps the called 3"}}}},
		{"10-ball: the called 10 is never taken on a doubt", TenBall, []step{nineBroken,
			{called(shot("Ben", hit("1"), pocket("?7", "side-top")), "10", "side-top"), &want{rule: IDTenWrongful, turnOver: true, next: "Anna", options: []string{OptionPlay, OptionPass}, uncertain: down}}}},
	}
	for _, c := range cases {
		for _, ed := range Editions() {
			t.Run(ed+"/"+c.name, func(t *testing.T) { run(t, c.game, edition(ed, nil), c.steps) })
		}
	}
}

// A ball nobody could name never leaves the referee's table: which ball
// went down is not known.
func TestUnnamedBallsKeepTheTable(t *testing.T) {
	r := run(t, NineBall, nil, []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), pocket("?7", "corner-top-left"), off("?8")), nil}})
	if st := r.State(); len(st.OnTable) != 9 || len(st.Respot) != 0 {
		t.Errorf("on the table %v, respot %v: want the nine balls, nothing spotted", st.OnTable, st.Respot)
	}
}

// Practice names no foul on an unseen contact either.
func TestUncertainPractice(t *testing.T) {
	r, err := New(Config{Game: Practice, Players: []string{"Anna"}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.Judge(shot("Anna", rail("3", "top")))
	if err != nil || !d.Legal || len(d.Fouls) != 0 {
		t.Errorf("practice, an object ball moved without a seen contact: %+v, %v; want legal", d, err)
	}
}

// An overrule settles the fouls: what remains uncertain is only which
// balls went down.
func TestUncertainOverruled(t *testing.T) {
	for _, ed := range Editions() {
		r, err := New(Config{Game: NineBall, Players: []string{"Anna", "Ben"}, Edition: ed})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Judge(fourRails("Anna")); err != nil {
			t.Fatal(err)
		}
		d, err := r.JudgeWith(shot("Ben", hit("?3"), rail("?3", "top"), pocket("?4", "side-top")), &Override{Fouls: []string{FoulWrongBallFirst}}, false)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(d.Fouls, []string{FoulWrongBallFirst}) || !reflect.DeepEqual(d.Uncertain, []string{UncertainPocketed}) || !d.Overruled {
			t.Errorf("%s: overruled decision %+v: want the ruled foul, only the pocketed ball uncertain", ed, d)
		}
		if strings.Contains(d.Message, "hit first") {
			t.Errorf("%s: the overruled message still doubts the first contact: %s", ed, d.Message)
		}
	}
}

// Ids: "?N" with N a positive number is a ball without a name; anything
// else that is not a ball is refused, and a call must name a ball.
func TestUnidentifiedIDs(t *testing.T) {
	for id, want := range map[string]bool{"?1": true, "?12": true, "?123456": true, "?": false, "?0": false, "?01": false,
		"?a": false, "?-1": false, "? 1": false, "?1?": false, "3": false, "cue": false, "?12345678901": false} {
		if got := IsUnidentified(id); got != want {
			t.Errorf("IsUnidentified(%q) = %v, want %v", id, got, want)
		}
	}
	ok := Shot{Shooter: "Anna", BallsStart: []Spot{{"cue", 0.5, 0.6}, {"?3", 1.9, 0.6}}, BallsEnd: []Spot{{"?3", 1.0, 0.6}},
		Frozen: []string{"?3"}, Events: []Event{strike(), hit("?3"), rail("?3", "top")}}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(a shot with ?3) = %v, want nil", err)
	}
	for name, s := range map[string]Shot{
		"balls_start": {BallsStart: []Spot{{"?x", 1, 1}}},
		"balls_end":   {BallsEnd: []Spot{{"?0", 1, 1}}},
		"frozen":      {Frozen: []string{"?"}},
		"events":      {Events: []Event{hit("?-2")}},
		"called":      {Called: &model.Call{Ball: "?3", Pocket: model.PocketTopSide}},
	} {
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("Validate(%s with a bad id) = %v, want an error naming %s", name, err, name)
		}
	}
}

// The decision's uncertain field is additive: absent when nothing was.
func TestUncertainJSON(t *testing.T) {
	b, err := json.Marshal(model.Decision{Fouls: []string{}})
	if err != nil || strings.Contains(string(b), "uncertain") {
		t.Errorf("a decision without doubts marshals %s (%v): want no uncertain field", b, err)
	}
	b, _ = json.Marshal(model.Decision{Fouls: []string{}, Uncertain: []string{UncertainFirstContact}})
	if !strings.Contains(string(b), `"uncertain":["first_contact"]`) {
		t.Errorf("marshalled %s: want uncertain", b)
	}
}

// CompareBalls lists balls as the tracker does: the cue ball, 1..15, then
// the unnamed by number.
func TestCompareBalls(t *testing.T) {
	ids := []string{"?12", "10", "?3", "2", "cue", "15", "1"}
	slices.SortFunc(ids, CompareBalls)
	if want := []string{"cue", "1", "2", "10", "15", "?3", "?12"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("sorted %v, want %v", ids, want)
	}
}
