package referee

import (
	"reflect"
	"regexp"
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
func at(e Event, t float64) Event {
	e.T = t
	return e
}
func where(e Event, x, y float64) Event {
	e.Pos = &model.Vec2{X: x, Y: y}
	return e
}
func shot(who string, ev ...Event) Shot {
	return Shot{Shooter: who, Events: append([]Event{strike()}, ev...)}
}

// fourRails is a legal break that pockets nothing.
func fourRails(who string) Shot {
	return shot(who, hit("1"), rail("2", "top"), rail("3", "bottom"), rail("4", "right"), rail("5", "top"))
}

func called(s Shot, ball, p string) Shot { s.Called = &model.Call{Ball: ball, Pocket: p}; return s }

func withOption(s Shot, o string) Shot { s.Option = o; return s }

func placed(s Shot, x, y float64, start ...Spot) Shot {
	s.BallInHandPlaced = &model.Vec2{X: x, Y: y}
	s.BallsStart = append(s.BallsStart, start...)
	return s
}

// want is what a shot's decision must say. Rule numbers are looked up in
// the game's edition: rule is an identity, and msg may cite one as
// "{no_rail}" (cite).
type want struct {
	fouls    []string
	rule     RuleID
	turnOver bool
	bih      string
	over     bool
	winner   string
	next     string
	options  []string
	msg      string // a substring of the message, "{id}" for a rule's number
	// uncertain are the points the camera could not tell (Uncertain*
	// codes, in order); nil: none.
	uncertain []string
}

type step struct {
	shot Shot
	want *want // nil: only that it is accepted
}

// citedRule finds the rule numbers a message cites in parentheses.
var citedRule = regexp.MustCompile(`\b\d+\.\d+\b`)

// knownRules are every number the referee may cite in an edition.
func knownRules(ed string) []string {
	var out []string
	for _, id := range RuleIDs() {
		out = append(out, Number(ed, id))
	}
	return out
}

// checkCitations fails when a decision cites a number its edition does not
// give a rule the referee applies: a hard-coded number, or another
// edition's.
func checkCitations(t *testing.T, d model.Decision) {
	t.Helper()
	ed := d.Edition
	if ed == "" {
		t.Errorf("decision names no edition: %+v", d)
		ed = DefaultEdition
	}
	known := knownRules(ed)
	cites := append([]string{d.Rule}, citedRule.FindAllString(d.Message, -1)...)
	for _, c := range cites {
		if c != "" && !has(known, c) {
			t.Errorf("decision cites %q, not a rule of %s: %s", c, EditionTitle(ed), d.Message)
		}
	}
}

// citeRule replaces each "{id}" in s with rule id's number in edition ed.
var citeRule = regexp.MustCompile(`\{([a-z0-9_]+)\}`)

func cite(t *testing.T, ed, s string) string {
	t.Helper()
	return citeRule.ReplaceAllStringFunc(s, func(m string) string {
		n := Number(ed, RuleID(m[1:len(m)-1]))
		if n == "" {
			t.Fatalf("%q cites %s, not a rule", s, m)
		}
		return n
	})
}

// edition sets a game's rule book.
func edition(ed string, more func(*Config)) func(*Config) {
	return func(c *Config) {
		c.Edition = ed
		if more != nil {
			more(c)
		}
	}
}

// run plays steps in a new game of g between Anna and Ben, checking each
// decision against its want in the game's edition (cfg sets it; the
// default edition otherwise).
func run(t *testing.T, g Game, cfg func(*Config), steps []step) *Referee {
	t.Helper()
	c := Config{Game: g, Players: []string{"Anna", "Ben"}}
	if cfg != nil {
		cfg(&c)
	}
	ed, err := ParseEdition(c.Edition)
	if err != nil {
		t.Fatal(err)
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
		checkCitations(t, d)
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
		if d.Edition != ed {
			t.Errorf("shot %d: edition = %q, want %q", i+1, d.Edition, ed)
		}
		if w.rule != "" && d.Rule != Number(ed, w.rule) {
			t.Errorf("shot %d: rule = %q, want %q (%s, %s)", i+1, d.Rule, Number(ed, w.rule), w.rule, d.Message)
		}
		if d.TurnOver != w.turnOver && !w.over {
			t.Errorf("shot %d: turn_over = %v, want %v (%s)", i+1, d.TurnOver, w.turnOver, d.Message)
		}
		if d.BallInHand != w.bih {
			t.Errorf("shot %d: ball_in_hand = %q, want %q (%s)", i+1, d.BallInHand, w.bih, d.Message)
		}
		if d.GameOver != w.over {
			t.Errorf("shot %d: game_over = %v, want %v (%s)", i+1, d.GameOver, w.over, d.Message)
		}
		if w.over && (d.Winner == nil || *d.Winner != w.winner) {
			t.Errorf("shot %d: winner = %v, want %s (%s)", i+1, d.Winner, w.winner, d.Message)
		}
		if w.next != "" && d.Next != w.next {
			t.Errorf("shot %d: next = %q, want %q (%s)", i+1, d.Next, w.next, d.Message)
		}
		if !reflect.DeepEqual(d.Options, w.options) && !(len(d.Options) == 0 && len(w.options) == 0) {
			t.Errorf("shot %d: options = %v, want %v", i+1, d.Options, w.options)
		}
		if !reflect.DeepEqual(d.Uncertain, w.uncertain) && len(d.Uncertain)+len(w.uncertain) > 0 {
			t.Errorf("shot %d: uncertain = %v, want %v (%s)", i+1, d.Uncertain, w.uncertain, d.Message)
		}
		if msg := cite(t, ed, w.msg); !strings.Contains(d.Message, msg) {
			t.Errorf("shot %d: message %q does not say %q", i+1, d.Message, msg)
		}
		if d.Shot != r.shots || d.Shooter != st.shot.Shooter {
			t.Errorf("shot %d: decision numbered %d by %q", i+1, d.Shot, d.Shooter)
		}
	}
	return r
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
		{"unknown option", Shot{Shooter: "Anna", Option: "rethink", Events: []Event{strike()}}, "not one of"},
		{"balls_end with an unknown ball", Shot{Shooter: "Anna", BallsEnd: []Spot{{"16", 1, 1}}, Events: []Event{strike()}}, "balls_end"},
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

// Overrule covers what the camera cannot see (touched ball, double hit,
// push shot): a person's ruling replaces the referee's fouls.
func TestOverrule(t *testing.T) {
	for _, ed := range Editions() {
		t.Run(ed, func(t *testing.T) { testOverrule(t, ed) })
	}
}

func testOverrule(t *testing.T, ed string) {
	r, _ := New(Config{Game: NineBall, Players: []string{"Anna", "Ben"}, Edition: ed})
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
	if d.Legal || !d.TurnOver || d.BallInHand != PlaceAnywhere || d.Next != "Anna" || d.Rule != Number(ed, IDStandardFouls) || d.Edition != ed {
		t.Errorf("overruled to a foul: %+v", d)
	}
	if _, err := r.JudgeWith(shot("Anna", hit("3")), &Override{Fouls: []string{"spitting"}}, false); err == nil {
		t.Error("an unknown foul code was accepted")
	}
}

func TestNewRackAfterWin(t *testing.T) {
	r := run(t, NineBall, nil, []step{
		{shot("Anna", hit("1"), pocket("9", "corner-bottom-left")), &want{rule: IDNineBreak, over: true, winner: "Anna"}},
		{fourRails("Anna"), &want{rule: IDNineBreak, turnOver: true, next: "Ben"}},
	})
	st := r.State()
	if st.Rack != 2 || st.Racks["Anna"] != 1 || st.Racks["Ben"] != 0 || len(st.OnTable) != 9 {
		t.Errorf("after a win and a new break: %+v", st)
	}
}

func TestPractice(t *testing.T) {
	for _, ed := range Editions() {
		t.Run(ed, func(t *testing.T) { testPractice(t, ed) })
	}
}

func testPractice(t *testing.T, ed string) {
	r, err := New(Config{Game: Practice, Players: []string{"Anna"}, Edition: ed})
	if err != nil {
		t.Fatal(err)
	}
	scratch := Number(ed, IDScratch)
	d, err := r.Judge(shot("Anna", hit("5"), pocket("5", "side-top")))
	if err != nil || !d.Legal || d.TurnOver || d.Next != "Anna" {
		t.Errorf("practice pot: %+v %v", d, err)
	}
	d, _ = r.Judge(shot("Anna", hit("6"), pocket("cue", "side-top")))
	if d.Legal || d.Fouls[0] != FoulScratch || d.TurnOver || d.BallInHand != "" || d.Rule != scratch {
		t.Errorf("practice scratch: %+v", d)
	}
	checkCitations(t, d)
	d, _ = r.Judge(shot("Anna", hit("6"), off("cue")))
	if d.Rule != scratch || !strings.Contains(d.Message, "("+scratch+")") {
		t.Errorf("practice, cue ball off the table: %+v", d)
	}
	if _, err := New(Config{Game: NineBall, Players: []string{"Anna"}}); err == nil {
		t.Error("9-ball with one player was accepted")
	}
	if _, err := New(Config{Game: NineBall, Players: []string{"Anna", "Anna"}}); err == nil {
		t.Error("two players of one name were accepted")
	}
}

// Choose applies the option a person picked at the table; the next shot is
// judged with it.
func TestChooseOptions(t *testing.T) {
	L := model.Table9ft.Length
	// 4.3(g): Anna's break drives the 12 off the table; Ben may take the cue
	// ball in hand behind the head string or play it where it lies.
	brk := shot("Anna", hit("1"), pocket("3", "side-top"), rail("12", "top"), off("12"))
	t.Run("play where it lies: no placement check", func(t *testing.T) {
		r := run(t, EightBall, nil, []step{{brk, nil}})
		if err := r.Choose(OptionPlay, "Ben"); err != nil {
			t.Fatal(err)
		}
		if st := r.State(); st.BallInHand != "" || st.Turn != "Ben" || len(st.Options) != 0 {
			t.Errorf("after play: %+v", st)
		}
		s := shot("Ben", hit("2"), rail("2", "top"))
		s.BallsStart = []Spot{{"cue", L / 2, 0.6}, {"2", 1.6, 0.3}}
		d, err := r.Judge(s)
		if err != nil || !d.Legal {
			t.Errorf("cue ball played from the middle of the table: %+v %v", d, err)
		}
	})
	t.Run("in hand: placement in front of the head string is a foul", func(t *testing.T) {
		r := run(t, EightBall, nil, []step{{brk, nil}})
		if err := r.Choose(OptionInHand, "Ben"); err != nil {
			t.Fatal(err)
		}
		if st := r.State(); st.BallInHand != PlaceKitchen || st.Turn != "Ben" {
			t.Errorf("after in_hand: %+v", st)
		}
		d, _ := r.Judge(placed(shot("Ben", hit("2"), rail("2", "top")), L/2, 0.6, Spot{"2", 1.6, 0.3}))
		if !has(d.Fouls, FoulBadPlacement) || d.Rule != RuleBadPlacement {
			t.Errorf("placed in front of the head string: %+v", d)
		}
	})
	t.Run("implied by the shot: a placed cue ball is in hand (3.11 applies)", func(t *testing.T) {
		r := run(t, EightBall, nil, []step{{brk, nil}})
		d, err := r.Judge(placed(shot("Ben", hit("2"), rail("2", "top")), 0.3, 0.6, Spot{"2", 0.4, 0.3}))
		if err != nil || !reflect.DeepEqual(d.Fouls, []string{FoulKitchenBallFirst}) {
			t.Errorf("placed behind the head string, straight at a ball behind it: %+v %v", d, err)
		}
	})
	t.Run("implied by the shot: a cue ball in front of the head string is played where it lies", func(t *testing.T) {
		r := run(t, EightBall, nil, []step{{brk, nil}})
		s := shot("Ben", hit("2"), rail("2", "top"))
		s.BallsStart = []Spot{{"cue", 1.2, 0.6}, {"2", 1.6, 0.3}}
		d, err := r.Judge(s)
		if err != nil || !d.Legal {
			t.Errorf("played where it lay: %+v %v", d, err)
		}
	})
	t.Run("no option open, or not open to that player", func(t *testing.T) {
		r := run(t, EightBall, nil, []step{{brk, nil}})
		if err := r.Choose(OptionPass, "Ben"); err == nil {
			t.Error("pass accepted where it is not open")
		}
		before := r.State()
		if err := r.Choose(OptionRespot, "Ben"); err == nil || !reflect.DeepEqual(before, r.State()) {
			t.Errorf("respot after a break without the 8: %v", err)
		}
	})
}

// FromSummary carries the tracker's end positions, so a spotted ball goes
// clear of where the balls came to rest.
func TestFromSummaryEnd(t *testing.T) {
	sum := &model.ShotSummary{
		Start: []model.BallSpot{{ID: "cue", Pos: model.Vec2{X: 0.5, Y: 0.6}}},
		End:   []model.BallSpot{{ID: "cue", Pos: model.Vec2{X: 1.905, Y: 0.635}}},
	}
	s := FromSummary("Anna", sum)
	if len(s.BallsEnd) != 1 || s.BallsEnd[0] != (Spot{"cue", 1.905, 0.635}) {
		t.Errorf("FromSummary: balls_end = %v", s.BallsEnd)
	}
}
