package history

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

var table9 = model.Standard(model.Table9ft)

// The cut-angle drills are built so that Derive measures their angle: the
// drill library and the statistics agree on what "a 30 degree cut" is.
func TestCutDrillsMeasureTheirAngle(t *testing.T) {
	lib, err := Library(table9)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []float64{15, 30, 45, 60} {
		var d *Drill
		for i := range lib {
			if lib[i].ID == "cut-"+trimFloat(want) {
				d = &lib[i]
			}
		}
		if d == nil {
			t.Fatalf("no cut-%v drill", want)
		}
		cue, _ := d.Spot(table9, "cue")
		obj, _ := d.Spot(table9, "1")
		rec := model.ShotRecord{ID: "x", Number: 3, Summary: model.ShotSummary{
			FirstContact: "1", Pocketed: map[string]string{"1": model.PocketTopRight},
			Start: []model.BallSpot{{ID: "cue", Pos: cue}, {ID: "1", Pos: obj}},
		}}
		f := Derive(&rec, table9)
		if f.CutDeg == nil || math.Abs(*f.CutDeg-want) > 0.5 {
			t.Errorf("cut-%v: Derive cut = %v, want %v ± 0.5", want, f.CutDeg, want)
		}
		if !f.Attempt || !f.Potted || f.Made != 1 || !f.Legal {
			t.Errorf("cut-%v: features %+v, want a legal made attempt", want, f)
		}
	}
}

func TestLibraryFitsEveryTable(t *testing.T) {
	for _, sz := range []model.Size{model.Table7ft, model.Table8ft, model.Table9ft} {
		lib, err := Library(model.Standard(sz))
		if err != nil {
			t.Fatalf("%v: %v", sz, err)
		}
		if len(lib) < 12 {
			t.Fatalf("library has %d drills, want >= 12", len(lib))
		}
		ids := map[string]bool{}
		for _, d := range lib {
			if ids[d.ID] {
				t.Errorf("drill id %s twice", d.ID)
			}
			ids[d.ID] = true
		}
	}
}

func TestParseDrillRejects(t *testing.T) {
	good := `{"id":"x","name":"X","shots":1,"balls":[{"ball":"cue","x":2,"y":2},{"ball":"1","x":4,"y":2}],"success":{"pot":["1"]}}`
	if _, err := ParseDrill([]byte(good), table9); err != nil {
		t.Fatalf("good drill: %v", err)
	}
	for name, tc := range map[string]struct{ in, want string }{
		"ball off the table": {strings.Replace(good, `"x":4`, `"x":8.5`, 1), "off the table"},
		"ball on the rail":   {strings.Replace(good, `"y":2}]`, `"y":4}]`, 1), "off the table"},
		"overlap":            {strings.Replace(good, `"x":4`, `"x":2.1`, 1), "overlap"},
		"unknown field":      {strings.Replace(good, `"shots":1`, `"shots":1,"colour":"red"`, 1), "unknown field"},
		"no cue ball":        {strings.Replace(good, `"cue"`, `"7"`, 1), "cue ball is not placed"},
		"pot unplaced":       {strings.Replace(good, `"pot":["1"]`, `"pot":["9"]`, 1), "not a placed object ball"},
		"bad pocket":         {strings.Replace(good, `"pot":["1"]`, `"pot":["1"],"pocket":"middle"`, 1), "not a pocket"},
		"bad id":             {strings.Replace(good, `"id":"x"`, `"id":"X Y"`, 1), "id"},
		"no rule":            {strings.Replace(good, `"pot":["1"]`, ``, 1), "nothing to do"},
		"trailing":           {good + "{}", "unexpected data"},
	} {
		if _, err := ParseDrill([]byte(tc.in), table9); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, tc.want)
		}
	}
}

func TestCheckSetup(t *testing.T) {
	d, err := ParseDrill([]byte(`{"id":"x","name":"X","shots":1,"balls":[{"ball":"cue","x":2,"y":2},{"ball":"1","x":4,"y":2}],"success":{"pot":["1"]}}`), table9)
	if err != nil {
		t.Fatal(err)
	}
	cue, _ := d.Spot(table9, "cue")
	one, _ := d.Spot(table9, "1")
	balls := []model.Ball{{ID: "cue", Pos: model.Vec2{X: cue.X + 0.006, Y: cue.Y}}, {ID: "?3", Pos: model.Vec2{X: one.X, Y: one.Y + 0.015}}}
	st, ok := d.CheckSetup(table9, balls)
	if ok || !st[0].Placed || st[1].Placed || st[1].ErrCM == nil || *st[1].ErrCM != 1.5 {
		t.Fatalf("CheckSetup = %+v, %v; want cue placed (6 mm), the 1 not (1.5 cm)", st, ok)
	}
	balls[1].Pos.Y = one.Y + 0.009
	if _, ok := d.CheckSetup(table9, balls); !ok {
		t.Fatal("a ball 9 mm from its spot is placed")
	}
}

func TestJudge(t *testing.T) {
	lib, _ := Library(table9)
	get := func(id string) *Drill {
		for i := range lib {
			if lib[i].ID == id {
				return &lib[i]
			}
		}
		t.Fatalf("no drill %s", id)
		return nil
	}
	stop := get("stop-shot")
	z := stop.Zones[0]
	zc := stop.Metres(table9, z.X, z.Y)
	shot := func(first string, pocketed map[string]string, cueEnd model.Vec2, events ...model.Event) model.ShotRecord {
		return model.ShotRecord{Summary: model.ShotSummary{FirstContact: first, Pocketed: pocketed,
			End: []model.BallSpot{{ID: "cue", Pos: cueEnd}}, Events: events}}
	}
	near := model.Vec2{X: zc.X + 0.03, Y: zc.Y}
	far := model.Vec2{X: zc.X, Y: zc.Y - 0.3}
	cases := []struct {
		name    string
		d       *Drill
		shots   []model.ShotRecord
		done    bool
		success bool
		score   float64
	}{
		{"stop made", stop, []model.ShotRecord{shot("1", map[string]string{"1": model.PocketTopSide}, near)}, true, true, 1},
		{"stop rolled on", stop, []model.ShotRecord{shot("1", map[string]string{"1": model.PocketTopSide}, far)}, true, false, 0.5},
		{"stop wrong pocket", stop, []model.ShotRecord{shot("1", map[string]string{"1": model.PocketTopLeft}, near)}, true, false, 0},
		{"stop missed", stop, []model.ShotRecord{shot("1", map[string]string{}, near)}, true, false, 0},
		{"ladder going on", get("ladder"), []model.ShotRecord{shot("1", map[string]string{"1": model.PocketBottomLeft}, near)}, false, false, 0},
		{"ladder out of order", get("ladder"), []model.ShotRecord{shot("1", map[string]string{"1": model.PocketBottomLeft}, near), shot("3", map[string]string{"3": model.PocketBottomSide}, near)}, true, false, 0.2},
		{"kick", get("rail-first-kick"), []model.ShotRecord{shot("1", map[string]string{}, near,
			model.Event{Type: model.EventCueStrike}, model.Event{Type: model.EventBallCushion, Balls: []string{"cue"}, Rail: model.RailBottom},
			model.Event{Type: model.EventBallCollision, Balls: []string{"cue", "1"}})}, true, true, 1},
		{"kick hit the blocker", get("rail-first-kick"), []model.ShotRecord{shot("2", map[string]string{}, near)}, true, false, 0},
		{"kick ball first", get("rail-first-kick"), []model.ShotRecord{shot("1", map[string]string{}, near,
			model.Event{Type: model.EventBallCollision, Balls: []string{"cue", "1"}}, model.Event{Type: model.EventBallCushion, Balls: []string{"cue"}})}, true, false, 0.5},
	}
	for _, c := range cases {
		res, done := c.d.Judge(table9, c.shots)
		if done != c.done || res.Success != c.success || (done && res.Score != c.score) {
			t.Errorf("%s: Judge = %+v done %v; want done %v success %v score %v", c.name, res, done, c.done, c.success, c.score)
		}
		if done && res.Message == "" {
			t.Errorf("%s: no message for the player", c.name)
		}
	}
}

func fp(v float64) *float64 { return &v }

// rackOf makes the shots of one rack: (shooter, made, legal, turnOver, gameOver).
func TestAggregateRunsAndBands(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)
	n := 0
	mk := func(rack int64, shooter string, f Features) Shot {
		n++
		return Shot{ID: string(rune('a' + n)), Rack: rack, GameID: "g" + trimFloat(float64(rack)), Shooter: shooter, Ended: t0.Add(time.Duration(n) * time.Minute), Features: f}
	}
	win := func(w string) Features {
		return Features{Legal: true, Made: 1, GameOver: true, Winner: w, Attempt: true, Potted: true, CutDeg: fp(10), DistM: fp(0.4)}
	}
	shots := []Shot{
		// Rack 1: ann breaks and runs out (3 balls, then the win).
		mk(1, "ann", Features{Break: true, Legal: true, Made: 2, SpreadCM: fp(40), BallsToRail: 5}),
		mk(1, "ann", Features{Legal: true, Made: 1, Attempt: true, Potted: true, CutDeg: fp(20), DistM: fp(0.7)}),
		mk(1, "ann", win("ann")),
		// Rack 2: bob breaks dry, ann misses, bob scratches, ann wins (her first inning was a miss: no run-out).
		mk(2, "bob", Features{Break: true, Legal: true, TurnOver: true, SpreadCM: fp(20), BallsToRail: 3}),
		mk(2, "ann", Features{Legal: true, TurnOver: true, Attempt: true, CutDeg: fp(50), DistM: fp(1.2)}),
		mk(2, "bob", Features{Legal: false, Scratch: true, Fouls: []string{"scratch"}, TurnOver: true, Attempt: true, CutDeg: fp(35), DistM: fp(2)}),
		mk(2, "ann", win("ann")),
		// Rack 3: bob breaks, misses; ann runs out from her first visit.
		mk(3, "bob", Features{Break: true, Legal: true, Made: 1, Scratch: true, Fouls: []string{"scratch"}, TurnOver: true}),
		mk(3, "ann", Features{Legal: true, Made: 1, Attempt: true, Potted: true}),
		mk(3, "ann", win("ann")),
	}
	st := Aggregate(shots)
	if st.Runs.Innings != 7 || st.Runs.RunOuts != 2 || st.Runs.BreakAndRuns != 1 || st.Runs.BestRun != 4 {
		t.Errorf("runs = %+v; want 7 innings, 2 run-outs, 1 break-and-run, best 4", st.Runs)
	}
	if st.Breaks.Count != 3 || st.Breaks.BallsMade != 3 || st.Breaks.Dry != 1 || st.Breaks.Scratches != 1 || st.Breaks.AvgSpreadCM != 30 {
		t.Errorf("breaks = %+v", st.Breaks)
	}
	if st.Pocketing.Attempts != 7 || st.Pocketing.Made != 5 || st.Pocketing.Unbanded != 1 {
		t.Errorf("pocketing = %+v; want 5 of 7, one unbanded", st.Pocketing)
	}
	cut := st.Pocketing.ByCut
	if cut[0].Attempts != 3 || cut[0].Made != 3 || cut[1].Attempts != 1 || cut[2].Attempts != 1 || cut[2].Made != 0 || cut[3].Attempts != 1 {
		t.Errorf("by cut = %+v", cut)
	}
	if st.Fouls["scratch"] != 2 || st.FoulShots != 2 || st.Games != 3 || st.Racks != 3 {
		t.Errorf("fouls %v (%d shots), games %d, racks %d", st.Fouls, st.FoulShots, st.Games, st.Racks)
	}
	if len(st.PerPlayer) != 2 || st.PerPlayer[0].Player != "ann" || st.PerPlayer[0].RunOuts != 2 {
		t.Errorf("per player = %+v", st.PerPlayer)
	}
}

func TestExportRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 20, 0, 0, 123456789, time.UTC)
	w := "ann"
	rec := model.ShotRecord{ID: "s1", GameID: "g1", GameType: "8ball", Number: 2, Shooter: "ann", Started: t0, Ended: t0.Add(3 * time.Second),
		Called: &model.Call{Ball: "3", Pocket: model.PocketTopRight},
		Summary: model.ShotSummary{FirstContact: "3", Pocketed: map[string]string{"3": model.PocketTopRight, "11": model.PocketTopSide}, DurationS: 2.5,
			Start: []model.BallSpot{{ID: "cue", Pos: model.Vec2{X: 1, Y: 0.5}}, {ID: "3", Pos: model.Vec2{X: 2, Y: 1}}},
			End:   []model.BallSpot{{ID: "cue", Pos: model.Vec2{X: 1.9, Y: 0.8}}}},
		Prediction: &model.Trajectory{Target: "3", Paths: []model.BallPath{{Ball: "cue", Points: []model.Vec2{{X: 1, Y: 0.5}, {X: 1.8, Y: 0.85}}},
			{Ball: "3", Points: []model.Vec2{{X: 2, Y: 1}, {X: 2.54, Y: 1.27}}}}},
		Decision: &model.Decision{Legal: true, GameOver: true, Winner: &w, Fouls: []string{}}}
	shots := []Shot{
		{ID: "s1", Session: 4, Rack: 9, GameID: "g1", GameType: "8ball", Number: 2, Shooter: "ann", Started: rec.Started, Ended: rec.Ended, Source: SourceShot, Features: Derive(&rec, table9), Record: &rec, Images: Images{Before: true}},
		{ID: "s2", Session: 4, Rack: 9, GameType: "practice", Number: 1, Ended: t0, Source: SourceShotEnded, Record: &model.ShotRecord{ID: "s2", Ended: t0, Summary: model.ShotSummary{Pocketed: map[string]string{}}}},
	}
	shots[1].Features = Derive(shots[1].Record, table9)
	if shots[0].Features.PositionErrCM == nil || shots[0].Features.CutDeg == nil {
		t.Fatalf("test shot lacks figures: %+v", shots[0].Features)
	}
	for _, format := range []string{FormatCSV, FormatJSON} {
		var buf bytes.Buffer
		e, err := NewExporter(format, &buf)
		if err != nil {
			t.Fatal(err)
		}
		e.Begin(ExportMeta{Exported: t0, Session: 4})
		for i := range shots {
			if err := e.Write(&shots[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.End(); err != nil {
			t.Fatal(err)
		}
		switch format {
		case FormatJSON:
			doc, err := ReadJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%v\n%s", err, buf.Bytes())
			}
			if !reflect.DeepEqual(doc.Shots, shots) {
				t.Errorf("JSON round trip:\n got %+v\nwant %+v", doc.Shots, shots)
			}
		case FormatCSV:
			back, err := ReadCSV(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("%v\n%s", err, buf.Bytes())
			}
			if len(back) != len(shots) {
				t.Fatalf("CSV round trip: %d shots, want %d", len(back), len(shots))
			}
			for i := range back {
				// Every column survives: writing the read-back shot gives the same row.
				got, want := strings.Join(CSVRow(&back[i], nil), ","), strings.Join(CSVRow(&shots[i], nil), ",")
				if got != want {
					t.Errorf("CSV row %d:\n got %s\nwant %s", i, got, want)
				}
				if !reflect.DeepEqual(back[i].Features, shots[i].Features) {
					t.Errorf("CSV features %d:\n got %+v\nwant %+v", i, back[i].Features, shots[i].Features)
				}
			}
		}
	}
	// An empty export is the header alone, or an empty list.
	var buf bytes.Buffer
	e, _ := NewExporter(FormatCSV, &buf)
	e.Begin(ExportMeta{})
	e.End()
	if got := buf.String(); got != strings.Join(Columns, ",")+"\n" {
		t.Errorf("empty CSV = %q", got)
	}
	if _, err := NewExporter("xml", &buf); err == nil {
		t.Error("NewExporter(xml) did not fail")
	}
}
