package game

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/referee"
)

func spot(id string, x, y float64) model.BallSpot {
	return model.BallSpot{ID: id, Pos: model.Vec2{X: x, Y: y}}
}

func nine(from int) []string { // the 9-ball object balls from..9
	var out []string
	for i := from; i <= 9; i++ {
		out = append(out, model.BallID(i))
	}
	return out
}

// table9 is a 9-ball table after a break that pocketed the 1: every ball
// at rest where the last shot left it.
var table9 = []model.BallSpot{spot("cue", 0.5, 0.6), spot("2", 1.0, 0.3), spot("3", 1.2, 0.5), spot("4", 1.4, 0.9),
	spot("5", 1.6, 0.2), spot("6", 1.8, 1.0), spot("7", 2.0, 0.4), spot("8", 2.2, 0.8), spot("9", 1.9, 0.64)}

// startWith is table9 with some balls replaced: ids to drop, spots to add.
func startWith(drop []string, add ...model.BallSpot) []model.BallSpot {
	var out []model.BallSpot
	for _, b := range table9 {
		keep := true
		for _, d := range drop {
			keep = keep && b.ID != d
		}
		if keep {
			out = append(out, b)
		}
	}
	return append(out, add...)
}

func events(evs ...model.Event) []model.Event {
	return append([]model.Event{ev(model.EventCueStrike, "cue")}, evs...)
}

// TestIdentify names unnamed balls from what the game knew before the
// shot, and only where exactly one ball fits.
func TestIdentify(t *testing.T) {
	onTable := nine(2) // the 1 went down on the break
	cases := []struct {
		name    string
		sum     model.ShotSummary
		rest    []model.BallSpot
		onTable []string
		want    map[string]string
	}{
		{name: "at the start where the 3 came to rest: the 3",
			sum:  model.ShotSummary{Start: startWith([]string{"3"}, spot("?7", 1.21, 0.49)), End: startWith(nil), Events: events(hitE("?7"), railE("?7", "top"))},
			rest: table9, want: map[string]string{"?7": "3"}},
		{name: "a ball's radius away still fits; the 3's rest spot is the only one near",
			sum:  model.ShotSummary{Start: startWith([]string{"3", "4"}, spot("?7", 1.2+0.9*model.BallRadius, 0.5), spot("?8", 1.4, 0.9+0.5*model.BallRadius)), Events: events(hitE("?7"))},
			rest: table9, want: map[string]string{"?7": "3", "?8": "4"}},
		{name: "farther than a ball's radius from any rest spot, two balls missing: no name",
			sum:  model.ShotSummary{Start: startWith([]string{"3", "4"}, spot("?7", 1.2+1.2*model.BallRadius, 0.5)), Events: events(hitE("?7"))},
			rest: table9},
		{name: "two rest spots fit: no guess",
			sum:  model.ShotSummary{Start: startWith([]string{"3", "4"}, spot("?7", 1.3, 0.5)), Events: events(hitE("?7"))},
			rest: []model.BallSpot{spot("3", 1.28, 0.5), spot("4", 1.32, 0.5)}},
		{name: "another ball lies at that rest spot too: no guess",
			sum:  model.ShotSummary{Start: startWith([]string{"3", "4"}, spot("?7", 1.2, 0.5), spot("?8", 1.22, 0.5)), Events: events(hitE("?7"))},
			rest: table9},
		{name: "the rest spot's ball is at the start under its own name, elsewhere: not it",
			sum:  model.ShotSummary{Start: startWith([]string{"2", "3", "4"}, spot("3", 0.3, 0.3), spot("?7", 1.2, 0.5)), Events: events(hitE("?7"))},
			rest: table9, want: nil},
		{name: "the one ball missing from the start, the one unnamed ball there: that ball",
			sum:  model.ShotSummary{Start: startWith([]string{"6"}, spot("?7", 0.3, 0.3)), Events: events(hitE("?7"))},
			want: map[string]string{"?7": "6"}},
		{name: "two missing from the start, one unnamed: no guess",
			sum: model.ShotSummary{Start: startWith([]string{"6", "7"}, spot("?7", 0.3, 0.3)), Events: events(hitE("?7"))}},
		{name: "a named path from the unnamed ball's start spot: the tracker read it during the shot",
			sum: model.ShotSummary{Start: startWith([]string{"5", "6"}, spot("?7", 0.8, 0.8)), End: startWith([]string{"5"}, spot("5", 1.0, 1.1)),
				Events: events(hitE("?7"), railE("5", "top")), Paths: []model.BallPath{{Ball: "5", Points: []model.Vec2{{X: 0.801, Y: 0.8}, {X: 1.0, Y: 1.1}}}}},
			want: map[string]string{"?7": "5"}},
		{name: "a ball pocketed unnamed, the one ball missing at the end: that ball",
			sum: model.ShotSummary{Start: startWith(nil), End: startWith([]string{"4"}), Pocketed: map[string]string{"?12": "side-top"},
				Events: events(hitE("2"), ev(model.EventBallCollision, "2", "?12"), pocketE("?12", "side-top"))},
			want: map[string]string{"?12": "4"}},
		{name: "a ball pocketed unnamed, two missing at the end: no guess",
			sum: model.ShotSummary{Start: startWith(nil), End: startWith([]string{"4", "5"}), Pocketed: map[string]string{"?12": "side-top"},
				Events: events(hitE("2"), pocketE("?12", "side-top"))}},
		{name: "two unnamed balls gone, one ball missing: no guess",
			sum: model.ShotSummary{Start: startWith(nil), End: startWith([]string{"4"}, spot("?13", 0.2, 0.2)), Pocketed: map[string]string{"?12": "side-top"},
				Events: events(hitE("2"), pocketE("?12", "side-top"))}},
		{name: "the unnamed ball pocketed collided with the missing one: not it",
			sum: model.ShotSummary{Start: startWith(nil), End: startWith([]string{"4"}), Pocketed: map[string]string{"?12": "side-top"},
				Events: events(hitE("4"), ev(model.EventBallCollision, "4", "?12"), pocketE("?12", "side-top"))}},
		{name: "a named ball lost and found again unnamed, at rest at the end",
			sum: model.ShotSummary{Start: startWith(nil), End: startWith([]string{"7"}, spot("?9", 0.4, 1.1)),
				Events: events(hitE("7"), railE("?9", "top"))},
			want: map[string]string{"?9": "7"}},
		{name: "an unnamed ball at the start and lost: named at the start, then again at the end",
			sum: model.ShotSummary{Start: startWith([]string{"8"}, spot("?7", 2.2, 0.8)), End: startWith([]string{"8"}, spot("?9", 0.4, 1.1)),
				Events: events(hitE("?7"), railE("?9", "top"))},
			rest: table9, want: map[string]string{"?7": "8", "?9": "8"}},
		{name: "the cue ball unnamed at its rest spot",
			sum:  model.ShotSummary{Start: startWith([]string{"cue"}, spot("?1", 0.51, 0.6)), End: startWith(nil), Events: events(hitE("2"))},
			rest: table9, want: map[string]string{"?1": "cue"}},
		{name: "9-ball break: an unnamed ball on the foot spot is the 1, in the middle the 9",
			sum: model.ShotSummary{Start: []model.BallSpot{spot("cue", 0.4, 0.6), spot("?3", 1.905, 0.636), spot("?4", 1.905+2*1.732*model.BallRadius, 0.634), spot("2", 1.96, 0.66)},
				Events: events(hitE("?3"))},
			onTable: nine(1), rest: RackSpots(referee.NineBall, model.Table9ft), want: map[string]string{"?3": "1", "?4": "9"}},
		{name: "no unnamed ball: nothing to do",
			sum:  model.ShotSummary{Start: startWith(nil), End: startWith(nil), Events: events(hitE("2"))},
			rest: table9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ot := onTable
			if c.onTable != nil {
				ot = c.onTable
			}
			before, _ := json.Marshal(c.sum)
			got, names := Identify(&c.sum, ot, c.rest)
			if after, _ := json.Marshal(c.sum); string(before) != string(after) {
				t.Errorf("Identify changed its input:\n%s\n%s", before, after)
			}
			if !reflect.DeepEqual(names, c.want) {
				t.Fatalf("names = %v, want %v", names, c.want)
			}
			// Every id the summary had is renamed, nothing else.
			re := func(id string) string {
				if n, ok := c.want[id]; ok {
					return n
				}
				return id
			}
			for i, b := range c.sum.Start {
				if !containsSpot(got.Start, re(b.ID), b.Pos) {
					t.Errorf("start %d: %s at %v is not in %v", i, re(b.ID), b.Pos, got.Start)
				}
			}
			for i, e := range c.sum.Events {
				for j, id := range e.Balls {
					if got.Events[i].Balls[j] != re(id) {
						t.Errorf("event %d ball %d = %s, want %s", i, j, got.Events[i].Balls[j], re(id))
					}
				}
			}
			for id, p := range c.sum.Pocketed {
				if got.Pocketed[re(id)] != p {
					t.Errorf("pocketed %v, want %s in %s", got.Pocketed, re(id), p)
				}
			}
			for i, p := range c.sum.Paths {
				if got.Paths[i].Ball != re(p.Ball) {
					t.Errorf("path %d of %s, want %s", i, got.Paths[i].Ball, re(p.Ball))
				}
			}
		})
	}
}

func containsSpot(spots []model.BallSpot, id string, p model.Vec2) bool {
	for _, b := range spots {
		if b.ID == id && b.Pos == p {
			return true
		}
	}
	return false
}

// RestSpots: the rack at a break; else the last end spots of balls still
// on the table, spotted balls where they were spotted, not the cue ball in
// hand, never an unnamed ball.
func TestRestSpots(t *testing.T) {
	t9 := model.Table9ft
	if got := RestSpots(referee.EightBall, referee.State{Break: true}, table9, t9); !reflect.DeepEqual(got, RackSpots(referee.EightBall, t9)) || len(got) != 1 || got[0].ID != "8" {
		t.Errorf("at a break: %v, want the 8 racked", got)
	}
	last := append(startWith([]string{"9"}), spot("?4", 0.3, 0.3))
	st := referee.State{OnTable: []string{"2", "3", "9"}, BallInHand: "anywhere", Respot: []model.BallSpot{spot("9", 1.905, 0.635)}}
	got := RestSpots(referee.NineBall, st, last, t9)
	want := []model.BallSpot{spot("2", 1.0, 0.3), spot("3", 1.2, 0.5), spot("9", 1.905, 0.635)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RestSpots = %v, want %v", got, want)
	}
	st.BallInHand = ""
	if got := RestSpots(referee.NineBall, st, last, t9); got[0].ID != "cue" {
		t.Errorf("the cue ball not in hand: %v, want it first", got)
	}
}

// The game service names what it can before judging: a shot whose first
// ball the tracker did not name is judged as that ball's, and its record
// says which names the game gave.
func TestShotEndedNamesBalls(t *testing.T) {
	s := newService(t, nil, t.TempDir())
	must(t, s, CmdNew, `{"game":"9ball","players":["Anna","Ben"]}`)
	// The break: the 1 on the foot spot was never read (vision saw a
	// ball, not its number); the 2 goes down.
	brk := ended(hitE("?3"), pocketE("2", "corner-top-right"))
	brk.Shot.Start = []model.BallSpot{spot("cue", 0.4, 0.6), spot("?3", 1.906, 0.634)}
	brk.Shot.End = []model.BallSpot{spot("cue", 1.5, 0.7), spot("?3", 2.2, 0.3)}
	rec, err := s.ShotEnded(brk)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec.Identified, map[string]string{"?3": "1"}) || rec.Summary.Events[1].Balls[1] != "1" {
		t.Fatalf("break record identified %v, events %v: want ?3 named the 1", rec.Identified, rec.Summary.Events)
	}
	if d := rec.Decision; !d.Legal || len(d.Uncertain) != 0 || d.Next != "Anna" {
		t.Errorf("break decision %+v: want a legal break, Anna on, nothing uncertain", d)
	}
	// Anna's next shot: the 1 lies where the break left it, again
	// unnamed (a new track: ?5). She hits it and pockets it.
	sh := ended(hitE("?5"), pocketE("?5", "corner-top-left"))
	sh.Time = sh.Time.Add(10 * time.Second)
	sh.Shot.Start = []model.BallSpot{spot("cue", 1.5, 0.7), spot("?5", 2.21, 0.31)}
	sh.Shot.End = []model.BallSpot{spot("cue", 1.9, 0.5)}
	rec, err = s.ShotEnded(sh)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec.Identified, map[string]string{"?5": "1"}) || !rec.Decision.Legal || rec.Decision.Next != "Anna" {
		t.Fatalf("second shot: identified %v, decision %+v: want ?5 named the 1, legal, Anna on", rec.Identified, rec.Decision)
	}
	if st := s.Snapshot(); strings.Join(st.OnTable, ",") != "3,4,5,6,7,8,9" {
		t.Errorf("on the table after the 1 went down: %v", st.OnTable)
	}
	// A ball nobody can name: judged with the benefit of the doubt, and
	// the record says so (not "Not judged").
	sh = ended(hitE("?8"), railE("?8", "top"))
	sh.Time = sh.Time.Add(20 * time.Second)
	sh.Shot.Start = []model.BallSpot{spot("cue", 1.9, 0.5), spot("?8", 0.3, 0.3), spot("?9", 0.3, 1.0)}
	rec, err = s.ShotEnded(sh)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Identified != nil || rec.Number == 0 || !rec.Decision.Legal || !reflect.DeepEqual(rec.Decision.Uncertain, []string{referee.UncertainFirstContact}) {
		t.Errorf("third shot: identified %v, record %d, decision %+v: want judged legal with the first contact uncertain", rec.Identified, rec.Number, rec.Decision)
	}
}

// Free practice names nothing: balls go back by hand.
func TestPracticeNamesNothing(t *testing.T) {
	s := newService(t, nil, t.TempDir())
	sh := ended(hitE("?3"), railE("?3", "top"))
	sh.Shot.Start = []model.BallSpot{spot("cue", 0.4, 0.6), spot("?3", 1.0, 0.6)}
	rec, err := s.ShotEnded(sh)
	if err != nil || rec.Identified != nil || !rec.Decision.Legal {
		t.Errorf("practice record %+v, %v: want judged, nothing named", rec, err)
	}
}
