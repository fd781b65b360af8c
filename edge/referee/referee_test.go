package referee

import (
	"reflect"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// Event helpers: each rule's case is written as the shot's ordered events.
func strike() Event            { return Event{Type: evStrike, Balls: []string{"cue"}} }
func hit(b string) Event       { return Event{Type: "ball_ball", Balls: []string{"cue", b}} }
func kiss(a, b string) Event   { return Event{Type: evBall, Balls: []string{a, b}} }
func rail(b, r string) Event   { return Event{Type: evCushion, Balls: []string{b}, Rail: r} }
func pocket(b, p string) Event { return Event{Type: "ball_pocket", Balls: []string{b}, Pocket: p} }
func off(b string) Event       { return Event{Type: evOff, Balls: []string{b}} }
func shot(who string, ev ...Event) Shot {
	return Shot{Shooter: who, Events: append([]Event{strike()}, ev...)}
}

// fourRails is a legal break that pockets nothing.
func fourRails(who string) Shot {
	return shot(who, hit("1"), rail("2", "top"), rail("3", "bottom"), rail("4", "right"), rail("5", "top"))
}

func called(s Shot, ball, p string) Shot { s.Called = &model.Call{Ball: ball, Pocket: p}; return s }

type want struct {
	fouls    []string
	rule     string
	turnOver bool
	bih      string
	over     bool
	winner   string
	next     string
	options  []string
	msg      string // a substring of the message
}

type step struct {
	shot Shot
	want *want // nil: only that it is accepted
}

func run(t *testing.T, g Game, cfg func(*Config), steps []step) *Referee {
	t.Helper()
	c := Config{Game: g, Players: []string{"Anna", "Ben"}}
	if cfg != nil {
		cfg(&c)
	}
	r, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range steps {
		d, err := r.Judge(st.shot)
		if err != nil {
			t.Fatalf("shot %d: Judge: %v", i+1, err)
		}
		if st.want == nil {
			continue
		}
		w := st.want
		if w.fouls == nil {
			w.fouls = []string{}
		}
		if !reflect.DeepEqual(d.Fouls, w.fouls) {
			t.Errorf("shot %d: fouls = %v, want %v (%s)", i+1, d.Fouls, w.fouls, d.Message)
		}
		if d.Legal != (len(w.fouls) == 0) {
			t.Errorf("shot %d: legal = %v with fouls %v", i+1, d.Legal, w.fouls)
		}
		if w.rule != "" && d.Rule != w.rule {
			t.Errorf("shot %d: rule = %q, want %q (%s)", i+1, d.Rule, w.rule, d.Message)
		}
		if d.TurnOver != w.turnOver && !w.over {
			t.Errorf("shot %d: turn_over = %v, want %v (%s)", i+1, d.TurnOver, w.turnOver, d.Message)
		}
		if d.BallInHand != w.bih {
			t.Errorf("shot %d: ball_in_hand = %q, want %q", i+1, d.BallInHand, w.bih)
		}
		if d.GameOver != w.over {
			t.Errorf("shot %d: game_over = %v, want %v (%s)", i+1, d.GameOver, w.over, d.Message)
		}
		if w.over && (d.Winner == nil || *d.Winner != w.winner) {
			t.Errorf("shot %d: winner = %v, want %s", i+1, d.Winner, w.winner)
		}
		if w.next != "" && d.Next != w.next {
			t.Errorf("shot %d: next = %q, want %q", i+1, d.Next, w.next)
		}
		if !reflect.DeepEqual(d.Options, w.options) && !(len(d.Options) == 0 && len(w.options) == 0) {
			t.Errorf("shot %d: options = %v, want %v", i+1, d.Options, w.options)
		}
		if !strings.Contains(d.Message, w.msg) {
			t.Errorf("shot %d: message %q does not say %q", i+1, d.Message, w.msg)
		}
		if d.Shot != r.shots || d.Shooter != st.shot.Shooter {
			t.Errorf("shot %d: decision numbered %d by %q", i+1, d.Shot, d.Shooter)
		}
	}
	return r
}

// eightOpen is a legal 8-ball break by Anna that pockets the 3: she
// continues on an open table.
func eightOpen() step { return step{shot: shot("Anna", hit("1"), pocket("3", "corner-top-right"))} }

// eightSolids gives Anna solids: break pockets the 3, she pockets the 1.
func eightSolids() []step {
	return []step{eightOpen(), {shot: shot("Anna", hit("1"), pocket("1", "side-top"))}}
}

func TestEightBall(t *testing.T) {
	cases := []struct {
		name  string
		cfg   func(*Config)
		steps []step
	}{
		{"legal break, ball pocketed: breaker continues (3.3)", nil, []step{
			{shot("Anna", hit("1"), pocket("5", "corner-top-left")), &want{rule: "3.3", next: "Anna", msg: "table is open"}},
		}},
		{"legal break, four balls to a rail, nothing pocketed", nil, []step{
			{fourRails("Anna"), &want{rule: "3.3", turnOver: true, next: "Ben"}},
		}},
		{"illegal break: three balls to a rail (3.3)", nil, []step{
			{shot("Anna", hit("1"), rail("2", "top"), rail("3", "bottom"), rail("2", "bottom"), rail("4", "right")),
				&want{fouls: []string{FoulIllegalBreak}, rule: "3.3", turnOver: true, bih: "anywhere", next: "Ben",
					options: []string{OptionAccept, OptionRerack}, msg: "re-racked"}},
		}},
		{"scratch on the break (6.1)", nil, []step{
			{shot("Anna", hit("1"), pocket("4", "side-top"), pocket("cue", "corner-bottom-left")),
				&want{fouls: []string{FoulScratch}, rule: "6.1", turnOver: true, bih: "anywhere", next: "Ben", msg: "Ball in hand for Ben"}},
		}},
		{"the 8 on the break is spotted (3.3)", nil, []step{
			{shot("Anna", hit("1"), pocket("8", "side-bottom")),
				&want{rule: "3.3", next: "Anna", options: []string{OptionRespot, OptionRerack}, msg: "spotted"}},
		}},
		{"open table: the first ball pocketed gives the group (3.4)", nil, []step{
			eightOpen(),
			{shot("Anna", hit("12"), pocket("12", "side-top")), &want{rule: "3.4", next: "Anna", msg: "takes stripes"}},
		}},
		{"open table: the 8 may not be hit first (6.2)", nil, []step{
			eightOpen(),
			{shot("Anna", hit("8"), rail("8", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: "6.2", turnOver: true, bih: "anywhere"}},
		}},
		{"wrong ball first: the other group (6.2)", nil, append(eightSolids(),
			step{shot("Anna", hit("12"), rail("12", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: "6.2", turnOver: true, bih: "anywhere", next: "Ben"}},
		)},
		{"no contact (6.3)", nil, append(eightSolids(),
			step{shot("Anna", rail("cue", "top"), rail("cue", "left")), &want{fouls: []string{FoulNoContact}, rule: "6.3", turnOver: true, bih: "anywhere"}},
		)},
		{"no rail after contact (6.3)", nil, append(eightSolids(),
			step{shot("Anna", hit("2")), &want{fouls: []string{FoulNoRail}, rule: "6.3", turnOver: true, bih: "anywhere", msg: "Foul (6.3): no ball reached a rail after contact. Ball in hand for Ben."}},
		)},
		{"rail before contact does not count (6.3)", nil, append(eightSolids(),
			step{shot("Anna", rail("cue", "top"), hit("2")), &want{fouls: []string{FoulNoRail}, rule: "6.3", turnOver: true, bih: "anywhere"}},
		)},
		{"miss with a rail: no foul, turn passes", nil, append(eightSolids(),
			step{shot("Anna", hit("2"), rail("2", "right")), &want{rule: "3.5", turnOver: true, next: "Ben", msg: "No ball pocketed"}},
		)},
		{"own ball pocketed: shooter continues (3.5)", nil, append(eightSolids(),
			step{shot("Anna", hit("2"), pocket("2", "corner-top-left")), &want{rule: "3.5", next: "Anna"}},
		)},
		{"only the other group's ball pocketed: turn passes", nil, append(eightSolids(),
			step{shot("Anna", hit("2"), kiss("2", "11"), pocket("11", "corner-top-left")), &want{rule: "3.5", turnOver: true, next: "Ben"}},
		)},
		{"object ball off the table (6.5)", nil, append(eightSolids(),
			step{shot("Anna", hit("2"), rail("2", "top"), off("2")), &want{fouls: []string{FoulBallOffTable}, rule: "6.5", turnOver: true, bih: "anywhere"}},
		)},
		{"cue ball off the table (6.1)", nil, append(eightSolids(),
			step{shot("Anna", hit("2"), rail("2", "top"), off("cue")), &want{fouls: []string{FoulBallOffTable}, rule: "6.1", turnOver: true, bih: "anywhere"}},
		)},
		{"scratch and no rail: both named, the first rules", nil, append(eightSolids(),
			step{shot("Anna", hit("2"), pocket("cue", "side-top")), &want{fouls: []string{FoulScratch, FoulNoRail}, rule: "6.1", turnOver: true, bih: "anywhere", msg: "; also no ball reached a rail"}},
		)},
		{"the 8 early loses (3.8)", nil, append(eightSolids(),
			step{shot("Anna", hit("2"), kiss("2", "8"), pocket("8", "side-top")), &want{fouls: []string{FoulEightEarly}, rule: "3.8", over: true, winner: "Ben"}},
		)},
		{"the 8 off the table loses (3.8)", nil, append(eightSolids(),
			step{shot("Anna", hit("2"), kiss("2", "8"), rail("8", "top"), off("8")), &want{fouls: []string{FoulBallOffTable}, rule: "3.8", over: true, winner: "Ben"}},
		)},
		{"kitchen setting: ball in hand behind the head string", func(c *Config) { c.BallInHand = PlaceKitchen }, append(eightSolids(),
			step{shot("Anna", hit("2")), &want{fouls: []string{FoulNoRail}, rule: "6.3", turnOver: true, bih: "kitchen", msg: "behind the head string"}},
		)},
		{"call all: a ball in another pocket does not count (3.6)", func(c *Config) { c.CallAll = true }, []step{
			eightOpen(),
			{called(shot("Anna", hit("1"), pocket("1", "side-top")), "1", "side-top"), &want{rule: "3.4", next: "Anna", msg: "takes solids"}},
			{called(shot("Anna", hit("2"), pocket("2", "side-top")), "2", "corner-top-left"), &want{rule: "3.6", turnOver: true, next: "Ben", msg: "did not go in"}},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { run(t, EightBall, c.cfg, c.steps) })
	}
}

// onTheEight clears Anna's solids: every solid goes down, she is on the 8.
func onTheEight() []step {
	steps := eightSolids() // the 3 and the 1 are down
	for _, b := range []string{"2", "4", "5", "6", "7"} {
		steps = append(steps, step{shot: shot("Anna", hit(b), pocket(b, "corner-top-left"))})
	}
	return steps
}

func TestEightBallOnTheEight(t *testing.T) {
	cases := []struct {
		name string
		last step
	}{
		{"the 8 in the called pocket wins (3.8)", step{called(shot("Anna", hit("8"), pocket("8", "side-top")), "8", "side-top"),
			&want{rule: "3.8", over: true, winner: "Anna", msg: "wins the rack"}}},
		{"the 8 in another pocket loses (3.8)", step{called(shot("Anna", hit("8"), pocket("8", "side-bottom")), "8", "side-top"),
			&want{fouls: []string{FoulEightWrongPocket}, rule: "3.8", over: true, winner: "Ben"}}},
		{"the 8 without a call loses (3.8)", step{shot("Anna", hit("8"), pocket("8", "side-bottom")),
			&want{fouls: []string{FoulEightWrongPocket}, rule: "3.8", over: true, winner: "Ben", msg: "no called pocket"}}},
		{"the 8 with a scratch loses (3.8)", step{called(shot("Anna", hit("8"), pocket("8", "side-top"), pocket("cue", "corner-top-left")), "8", "side-top"),
			&want{fouls: []string{FoulScratch}, rule: "3.8", over: true, winner: "Ben"}}},
		{"on the 8, a stripe first is wrong ball first", step{shot("Anna", hit("9"), rail("9", "top")),
			&want{fouls: []string{FoulWrongBallFirst}, rule: "6.2", turnOver: true, bih: "anywhere"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, EightBall, nil, append(onTheEight(), c.last))
			if st := r.State(); c.last.want.over && st.Racks[c.last.want.winner] != 1 {
				t.Errorf("racks = %v, want one for %s", st.Racks, c.last.want.winner)
			}
		})
	}
}

func TestNineBall(t *testing.T) {
	cases := []struct {
		name  string
		cfg   func(*Config)
		steps []step
	}{
		{"break must hit the 1 first (2.3)", nil, []step{
			{shot("Anna", hit("3"), pocket("4", "side-top")), &want{fouls: []string{FoulWrongBallFirst}, rule: "6.2", turnOver: true, bih: "anywhere"}},
		}},
		{"illegal break: ball in hand, no re-rack (2.3)", nil, []step{
			{shot("Anna", hit("1"), rail("2", "top")), &want{fouls: []string{FoulIllegalBreak}, rule: "2.3", turnOver: true, bih: "anywhere", next: "Ben"}},
		}},
		{"the 9 on a legal break wins (2.3)", nil, []step{
			{shot("Anna", hit("1"), pocket("9", "corner-bottom-left")), &want{rule: "2.3", over: true, winner: "Anna"}},
		}},
		{"the 9 on a foul break is spotted", nil, []step{
			{shot("Anna", hit("1"), pocket("9", "corner-bottom-left"), pocket("cue", "side-top")),
				&want{fouls: []string{FoulScratch}, rule: "6.1", turnOver: true, bih: "anywhere", msg: "The 9 is spotted"}},
		}},
		{"lowest ball first: the 2 after the 1 is down", nil, []step{
			{shot("Anna", hit("1"), pocket("1", "side-top")), nil},
			{shot("Anna", hit("3"), rail("3", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: "6.2", turnOver: true, bih: "anywhere"}},
		}},
		{"the 9 on a legal combination wins (2.4)", nil, []step{
			{fourRails("Anna"), nil},
			{shot("Ben", hit("1"), kiss("1", "9"), pocket("9", "corner-top-right")), &want{rule: "2.4", over: true, winner: "Ben"}},
		}},
		{"the 9 on a foul is spotted (2.6)", nil, []step{
			{fourRails("Anna"), nil},
			{shot("Ben", hit("4"), kiss("4", "9"), pocket("9", "corner-top-right")),
				&want{fouls: []string{FoulWrongBallFirst}, rule: "6.2", turnOver: true, bih: "anywhere", msg: "The 9 is spotted (2.6)"}},
		}},
		{"push-out, then the pusher is passed the table (2.5)", nil, []step{
			{fourRails("Anna"), nil},
			{Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike()}},
				&want{rule: "2.5", turnOver: true, next: "Anna", options: []string{OptionPlay, OptionPass}, msg: "pass the shot back"}},
			{shot("Ben", hit("1"), rail("1", "top")), &want{rule: "2.4", turnOver: true, next: "Anna"}},
		}},
		{"push-out with a scratch is a foul", nil, []step{
			{fourRails("Anna"), nil},
			{Shot{Shooter: "Ben", PushOut: true, Events: []Event{strike(), pocket("cue", "side-top")}},
				&want{fouls: []string{FoulScratch}, rule: "6.1", turnOver: true, bih: "anywhere"}},
		}},
		{"three fouls in a row lose, with the warning after the second (6.14)", nil, []step{
			{fourRails("Anna"), nil},
			{shot("Ben", hit("1")), &want{fouls: []string{FoulNoRail}, rule: "6.3", turnOver: true, bih: "anywhere", next: "Anna"}},
			{shot("Anna", hit("1"), rail("1", "top")), nil},
			{shot("Ben", hit("2"), rail("2", "top")), &want{fouls: []string{FoulWrongBallFirst}, rule: "6.2", turnOver: true, bih: "anywhere", msg: "Warning: Ben has two fouls in a row"}},
			{shot("Anna", hit("1"), rail("1", "top")), nil},
			{shot("Ben", pocket("cue", "side-top")), &want{fouls: []string{FoulScratch, FoulNoContact, FoulThreeFouls}, rule: "6.14", over: true, winner: "Anna"}},
		}},
		{"a legal shot resets the fouls in a row", nil, []step{
			{fourRails("Anna"), nil},
			{shot("Ben", hit("1")), nil},
			{shot("Anna", hit("1"), rail("1", "top")), nil},
			{shot("Ben", hit("2"), rail("2", "top")), nil},
			{shot("Anna", hit("1"), rail("1", "top")), nil},
			{shot("Ben", hit("1"), rail("1", "top")), &want{rule: "2.4", turnOver: true}},
			{shot("Anna", hit("1"), rail("1", "top")), nil},
			{shot("Ben", hit("1")), &want{fouls: []string{FoulNoRail}, rule: "6.3", turnOver: true, bih: "anywhere"}},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { run(t, NineBall, c.cfg, c.steps) })
	}
}

func TestTenBall(t *testing.T) {
	run(t, TenBall, nil, []step{
		{shot("Anna", hit("1"), pocket("10", "side-top"), pocket("2", "side-bottom")), &want{rule: "4.3", next: "Anna", msg: "The 10 is spotted"}},
		{called(shot("Anna", hit("1"), pocket("1", "corner-top-left")), "1", "corner-top-left"), &want{rule: "4.5", next: "Anna"}},
		{called(shot("Anna", hit("3"), pocket("3", "side-top")), "3", "corner-top-left"), &want{rule: "4.5", turnOver: true, next: "Ben", options: []string{OptionPlay, OptionPass}}},
		{called(shot("Anna", hit("4"), kiss("4", "10"), pocket("10", "side-top")), "10", "side-top"), &want{rule: "4.5", over: true, winner: "Anna"}},
	})
}

func TestFrozenBall(t *testing.T) {
	// The 2 lies frozen to the top rail; the cue ball drives it into the
	// cushion: it has not been driven to a rail (6.3) unless it comes off
	// and returns, or reaches another rail.
	L, W := model.Table9ft.Length, model.Table9ft.Width
	frozen := func(ev ...Event) Shot {
		s := shot("Anna", ev...)
		s.BallsStart = []Spot{{"cue", 1.0, 0.6}, {"2", 1.2, W - model.BallRadius}}
		s.Frozen = []string{"2"}
		return s
	}
	at := func(e Event, x, y float64) Event { e.Pos = &model.Vec2{X: x, Y: y}; return e }
	cases := []struct {
		name  string
		shot  Shot
		fouls []string
	}{
		{"pressed into its cushion: no rail", frozen(hit("2"), at(rail("2", "top"), 1.2, W-model.BallRadius)), []string{FoulNoRail}},
		{"reaches another rail", frozen(hit("2"), rail("2", "right")), []string{}},
		{"leaves and returns far along", frozen(hit("2"), at(rail("2", "top"), 1.6, W-model.BallRadius)), []string{}},
		{"the cue ball reaches a rail", frozen(hit("2"), rail("cue", "bottom")), []string{}},
	}
	_ = L
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, NineBall, nil, []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1"), pocket("1", "side-top")), nil}})
			c.shot.Shooter = "Ben"
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

func TestPlacement(t *testing.T) {
	L := model.Table9ft.Length
	foul := []step{{fourRails("Anna"), nil}, {shot("Ben", hit("1")), nil}} // Anna has ball in hand
	placed := func(x, y float64, cfg func(*Config)) (model.Decision, error) {
		r := run(t, NineBall, cfg, foul)
		s := shot("Anna", hit("1"), rail("1", "top"))
		s.BallsStart = []Spot{{"1", 1.5, 0.5}}
		s.BallInHandPlaced = &model.Vec2{X: x, Y: y}
		return r.Judge(s)
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
			d, err := placed(c.x, c.y, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := has(d.Fouls, FoulBadPlacement); got != c.bad {
				t.Errorf("bad_placement = %v, want %v (%s)", got, c.bad, d.Message)
			}
			if c.bad && d.Rule != RuleBadPlacement {
				t.Errorf("rule = %s, want 6.10", d.Rule)
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

func TestRespotPoint(t *testing.T) {
	sz := model.Table9ft
	foot := model.Vec2{X: 3 * sz.Length / 4, Y: sz.Width / 2}
	if p := RespotPoint(sz, nil); p != foot {
		t.Errorf("RespotPoint(empty) = %v, want the foot spot %v", p, foot)
	}
	p := RespotPoint(sz, []model.BallSpot{{ID: "3", Pos: foot}})
	if p.Y != foot.Y || p.X < foot.X+2*model.BallRadius-0.003 || p.X > foot.X+2*model.BallRadius+0.003 {
		t.Errorf("RespotPoint(foot taken) = %v, want just behind it on the long string", p)
	}
}

// Bad input is refused and changes nothing.
func TestBadInputChangesNothing(t *testing.T) {
	r := run(t, NineBall, nil, []step{{shot("Anna", hit("1"), pocket("1", "side-top")), nil}, {shot("Anna", hit("2"), pocket("3", "side-top")), nil}})
	before := r.State()
	bad := []struct {
		name string
		shot Shot
		err  string
	}{
		{"unknown shooter", shot("Carl", hit("2")), "not a player"},
		{"out of turn", shot("Ben", hit("2")), "not at the table"},
		{"call of a pocketed ball", called(shot("Anna", hit("2")), "1", "side-top"), "not on the table"},
		{"push-out not after the break", Shot{Shooter: "Anna", PushOut: true, Events: []Event{strike()}}, "push-out"},
		{"unknown event", Shot{Shooter: "Anna", Events: []Event{{Type: "ball_bounce", Balls: []string{"2"}}}}, "unknown event type"},
		{"unknown ball", shot("Anna", hit("17")), "unknown ball"},
		{"unknown rail", shot("Anna", hit("2"), rail("2", "north")), "rail"},
		{"unknown pocket", shot("Anna", hit("2"), pocket("2", "middle")), "pocket"},
		{"option not open", Shot{Shooter: "Anna", Option: OptionPass, Events: []Event{strike()}}, "no option"},
	}
	for _, b := range bad {
		_, err := r.Judge(b.shot)
		if err == nil || !strings.Contains(err.Error(), b.err) {
			t.Errorf("%s: err = %v, want one saying %q", b.name, err, b.err)
		}
	}
	if after := r.State(); !reflect.DeepEqual(before, after) {
		t.Errorf("state changed by refused shots:\n%+v\n%+v", before, after)
	}
}

func TestOverrule(t *testing.T) {
	r, _ := New(Config{Game: NineBall, Players: []string{"Anna", "Ben"}})
	r.Judge(fourRails("Anna"))
	// The camera saw a scratch; the players say the cue ball stayed up.
	d, err := r.JudgeWith(shot("Ben", hit("1"), pocket("1", "side-top"), pocket("cue", "side-bottom")), &Override{Fouls: []string{}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Legal || d.TurnOver || !d.Overruled || d.Next != "Ben" {
		t.Errorf("overruled to no foul: %+v", d)
	}
	// A foul the camera cannot see (a touched ball).
	d, err = r.JudgeWith(shot("Ben", hit("2"), pocket("2", "side-top")), &Override{Fouls: []string{FoulOverruled}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.Legal || !d.TurnOver || d.BallInHand != PlaceAnywhere || d.Next != "Anna" {
		t.Errorf("overruled to a foul: %+v", d)
	}
	if _, err := r.JudgeWith(shot("Anna", hit("3")), &Override{Fouls: []string{"spitting"}}, false); err == nil {
		t.Error("an unknown foul code was accepted")
	}
}

func TestNewRackAfterWin(t *testing.T) {
	r := run(t, NineBall, nil, []step{
		{shot("Anna", hit("1"), pocket("9", "corner-bottom-left")), &want{rule: "2.3", over: true, winner: "Anna"}},
		{fourRails("Anna"), &want{rule: "2.3", turnOver: true, next: "Ben"}},
	})
	st := r.State()
	if st.Rack != 2 || st.Racks["Anna"] != 1 || st.Racks["Ben"] != 0 || len(st.OnTable) != 9 {
		t.Errorf("after a win and a new break: %+v", st)
	}
}

func TestPractice(t *testing.T) {
	r, err := New(Config{Game: Practice, Players: []string{"Anna"}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.Judge(shot("Anna", hit("5"), pocket("5", "side-top")))
	if err != nil || !d.Legal || d.TurnOver || d.Next != "Anna" {
		t.Errorf("practice pot: %+v %v", d, err)
	}
	d, _ = r.Judge(shot("Anna", hit("6"), pocket("cue", "side-top")))
	if d.Legal || d.Fouls[0] != FoulScratch || d.TurnOver || d.BallInHand != "" {
		t.Errorf("practice scratch: %+v", d)
	}
	if _, err := New(Config{Game: NineBall, Players: []string{"Anna"}}); err == nil {
		t.Error("9-ball with one player was accepted")
	}
	if _, err := New(Config{Game: NineBall, Players: []string{"Anna", "Anna"}}); err == nil {
		t.Error("two players of one name were accepted")
	}
}
