package game

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/referee"
)

var t0 = time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)

func ev(typ string, balls ...string) model.Event {
	return model.Event{Type: typ, Time: t0, Balls: balls}
}

func hitE(b string) model.Event { return ev(model.EventBallCollision, "cue", b) }
func railE(b, r string) model.Event {
	e := ev(model.EventBallCushion, b)
	e.Rail = r
	return e
}
func pocketE(b, p string) model.Event {
	e := ev(model.EventBallPocketed, b)
	e.Pocket = p
	return e
}

// ended is a shot_ended event whose summary lists evs after the strike.
func ended(evs ...model.Event) model.Event {
	sum := &model.ShotSummary{Pocketed: map[string]string{}, DurationS: 2,
		Start:  []model.BallSpot{{ID: "cue", Pos: model.Vec2{X: 0.5, Y: 0.6}}},
		Events: append([]model.Event{ev(model.EventCueStrike, "cue")}, evs...)}
	for _, e := range evs {
		if e.Type == model.EventBallPocketed {
			sum.Pocketed[e.Balls[0]] = e.Pocket
		}
	}
	return model.Event{Type: model.EventShotEnded, Time: t0.Add(2 * time.Second), Shot: sum}
}

func fourRailsE() model.Event {
	return ended(hitE("1"), railE("2", "top"), railE("3", "bottom"), railE("4", "right"), railE("5", "top"))
}

func newHub(t *testing.T) *hub.Hub {
	t.Helper()
	return hub.New(config.Default().Hub, nil)
}

func newService(t *testing.T, h *hub.Hub, dir string) *Service {
	t.Helper()
	s, err := New(Options{Hub: h, StateDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func must(t *testing.T, s *Service, name string, args string) Reply {
	t.Helper()
	r, err := s.Command(name, json.RawMessage(args))
	if err != nil {
		t.Fatalf("%s %s: %v", name, args, err)
	}
	return r
}

// next waits for the next publication of stream on c.
func next(t *testing.T, c *hub.Client, stream hub.Stream, match func(*hub.Publication) bool) *hub.Publication {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var buf []*hub.Publication
	for {
		var err error
		buf, err = c.Next(ctx, buf[:0])
		if err != nil {
			t.Fatalf("waiting for %s: %v", stream, err)
		}
		for _, p := range buf {
			if p.Stream == stream && (match == nil || match(p)) {
				return p
			}
		}
	}
}

// A shot through the hub: the prediction shown while aiming, the strike,
// the end; the service publishes the shot record and the game.
func TestShotThroughTheHub(t *testing.T) {
	h := newHub(t)
	s := newService(t, h, t.TempDir())
	watch := h.Connect(hub.ClientOptions{ID: "watch", QueueSize: 256})
	defer watch.Close()
	if _, err := watch.Subscribe([]hub.Stream{hub.StreamEvent, hub.StreamGame}, nil, nil); err != nil {
		t.Fatal(err)
	}
	s.Start()
	next(t, watch, hub.StreamGame, nil) // the game as it starts: practice
	must(t, s, CmdNew, `{"id":"n1","game":"9ball","players":["Anna","Ben"]}`)
	next(t, watch, hub.StreamGame, func(p *hub.Publication) bool { return strings.Contains(string(p.Data), `"9ball"`) })

	tr := model.Trajectory{Seq: 7, Aiming: true, Target: "1", Paths: []model.BallPath{{Ball: "cue", Points: []model.Vec2{{X: 0.5, Y: 0.6}, {X: 1.8, Y: 0.6}}}}}
	// The trajectory stream conflates: publish until the service has it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.Publish(hub.StreamTrajectory, tr)
		s.mu.Lock()
		got := s.aim != nil
		s.mu.Unlock()
		if got || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.Publish(hub.StreamEvent, model.Event{Type: model.EventShotStarted, Time: t0})
	h.Publish(hub.StreamEvent, ended(hitE("1"), pocketE("3", model.PocketTopRight)))
	p := next(t, watch, hub.StreamEvent, func(p *hub.Publication) bool { return strings.Contains(string(p.Data), `"type":"shot"`) })
	var got model.Event
	if err := json.Unmarshal(p.Data, &got); err != nil {
		t.Fatal(err)
	}
	rec := got.Record
	if rec == nil || rec.Decision == nil || rec.Number != 1 || rec.Shooter != "Anna" || rec.GameType != "9ball" || rec.GameID == "" {
		t.Fatalf("shot record = %+v", rec)
	}
	if !rec.Decision.Legal || rec.Decision.Rule != "2.3" || rec.Decision.Edition != "2016" || rec.Decision.Next != "Anna" {
		t.Errorf("decision = %+v", rec.Decision)
	}
	if rec.Prediction == nil || rec.Prediction.Seq != 7 || len(rec.Summary.Events) != 3 || !rec.Started.Equal(t0) {
		t.Errorf("record lacks the prediction, events or start: %+v", rec)
	}
	// The game is published right after the shot: wait for the hub's latest.
	var snap Snapshot
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		snap = Snapshot{}
		json.Unmarshal(h.Latest(hub.StreamGame).Data, &snap)
		if snap.Shots == 1 {
			break
		}
	}
	if snap.Turn != "Anna" || !snap.PushOutAllowed || snap.Score != "Anna 0 - 0 Ben" || snap.Last == nil {
		t.Errorf("game after the break = %+v", snap)
	}
}

// What only a person can say, idempotent, and refused when it does not fit.
func TestCommands(t *testing.T) {
	dir := t.TempDir()
	s := newService(t, nil, dir)
	must(t, s, CmdNew, `{"id":"a","game":"9ball","players":["Anna","Ben"]}`)
	if _, err := s.ShotEnded(fourRailsE()); err != nil { // Anna breaks, nothing down
		t.Fatal(err)
	}
	// Ben pushes out; then passes? No: Anna may play or pass it back.
	must(t, s, CmdPushOut, `{"id":"b"}`)
	if _, err := s.ShotEnded(ended()); err != nil {
		t.Fatal(err)
	}
	st := s.Snapshot()
	if st.OptionsFor != "Anna" || !reflect.DeepEqual(st.Options, []string{"play", "pass"}) || st.PushOut {
		t.Fatalf("after the push-out: %+v", st.State)
	}
	r := must(t, s, CmdOption, `{"id":"c","choice":"pass"}`)
	if r.Game.Turn != "Ben" || len(r.Game.Options) != 0 {
		t.Fatalf("after the pass: %+v", r.Game.State)
	}
	// The same command id again: answered, not applied.
	if r := must(t, s, CmdOption, `{"id":"c","choice":"pass"}`); r.Applied || r.Game.Turn != "Ben" {
		t.Errorf("repeated id: applied %v, turn %s", r.Applied, r.Game.Turn)
	}
	// Ben pockets the 1 and the 2, then calls the 3.
	rec, err := s.ShotEnded(ended(hitE("1"), pocketE("1", "side-top"), pocketE("2", "side-bottom")))
	if err != nil || rec.Shooter != "Ben" || !rec.Decision.Legal {
		t.Fatalf("Ben's shot: %+v %v", rec, err)
	}
	must(t, s, CmdCall, `{"id":"d","ball":"3","pocket":"corner-top-left"}`)
	if c := s.Snapshot().Called; c == nil || c.Ball != "3" {
		t.Fatalf("call = %v", c)
	}

	before := s.Snapshot()
	refused := []struct{ name, args, say string }{
		{CmdCall, `{"ball":"1","pocket":"side-top"}`, "not on the table"},
		{CmdCall, `{"ball":"4","pocket":"middle"}`, "pocket"},
		{CmdOption, `{"choice":"pass","by":"Carl"}`, "unknown player"},
		{CmdOption, `{"choice":"pass","by":"Anna"}`, "no option"},
		{CmdOverrule, `{"shot":9,"fouls":[]}`, "does not exist"},
		{CmdOverrule, `{"shot":1,"fouls":["spitting"]}`, "not a foul code"},
		{CmdOverrule, `{"shot":1}`, "fouls is required"},
		{CmdPushOut, `{}`, "push-out is allowed only"},
		{CmdPlayers, `{"players":["Anna"]}`, "1 names for 2"},
		{CmdPlayers, `{"players":["Anna","Anna"]}`, "twice"},
		{CmdNew, `{"game":"snooker","players":["A","B"]}`, "unknown game"},
		{CmdNew, `{"game":"8ball","players":["A"]}`, "two players"},
		{CmdNew, `{"game":"8ball","colour":"red"}`, "unknown field"},
		{CmdNew, `{"game":"8ball","players":["A","B"],"rules":"2019"}`, "rules edition"},
	}
	for _, c := range refused {
		_, err := s.Command(c.name, json.RawMessage(c.args))
		var bi *BadInput
		if err == nil || !strings.Contains(err.Error(), c.say) || !asBad(err, &bi) {
			t.Errorf("%s %s: err = %v, want a BadInput saying %q", c.name, c.args, err, c.say)
		}
	}
	if _, err := s.Command("resign", nil); err != ErrUnknownCommand {
		t.Errorf("unknown command: %v", err)
	}
	if after := s.Snapshot(); !reflect.DeepEqual(before, after) {
		t.Errorf("refused commands changed the game:\n%+v\n%+v", before, after)
	}

	// Overrule shot 3 (Ben's pot): a foul the camera could not see. The
	// record keeps it as overruled; Anna gets ball in hand.
	r = must(t, s, CmdOverrule, `{"id":"e","shot":3,"fouls":["overruled"],"reason":"touched the 5"}`)
	if r.Game.Turn != "Anna" || r.Game.BallInHand != "anywhere" {
		t.Errorf("after the overrule: %+v", r.Game.State)
	}
	recs := s.Records()
	if d := recs[2].Decision; d == nil || !d.Overruled || d.Legal {
		t.Errorf("overruled record = %+v", d)
	}

	// A restart resumes the game, overrule included.
	s.Close()
	s2 := newService(t, nil, dir)
	a, b := s.Snapshot(), s2.Snapshot()
	if !reflect.DeepEqual(a.State, b.State) || a.GameID != b.GameID || !reflect.DeepEqual(a.Called, b.Called) {
		t.Errorf("after a restart:\n%+v\n%+v", a, b)
	}
	if r := must(t, s2, CmdOverrule, `{"id":"e","shot":3,"fouls":[]}`); r.Applied {
		t.Error("a command id seen before the restart was applied again")
	}
	left, _ := filepath.Glob(filepath.Join(dir, "game.json.*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func asBad(err error, bi **BadInput) bool {
	b, ok := err.(*BadInput)
	*bi = b
	return ok
}

// Practice when no game is set; a renamed player keeps the record.
func TestPracticeAndRename(t *testing.T) {
	s := newService(t, nil, "")
	rec, err := s.ShotEnded(ended(hitE("4"), pocketE("4", "side-top")))
	if err != nil || rec.GameType != "practice" || rec.GameID != "" || !rec.Decision.Legal {
		t.Fatalf("practice shot: %+v %v", rec, err)
	}
	must(t, s, CmdNew, `{"game":"8ball","players":["Anna","Ben"]}`)
	s.ShotEnded(ended(hitE("1"), pocketE("3", "side-top")))
	must(t, s, CmdPlayers, `{"players":["Annie","Ben"]}`)
	if st := s.Snapshot(); st.Turn != "Annie" || s.Records()[0].Shooter != "Annie" {
		t.Errorf("after the rename: turn %s, record by %s", st.Turn, s.Records()[0].Shooter)
	}
}

// A state file that cannot be read is reported, and practice starts.
func TestBadStateFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "game.json"), []byte("{not json"), 0o600)
	s, err := New(Options{StateDir: dir})
	if err == nil || s == nil || s.Snapshot().Game != referee.Practice {
		t.Errorf("New with a broken file: %v", err)
	}
}

// The rules' edition: the service's default (2016 unless configured) for a
// game that names none, the game's own otherwise; the examples
// hold by default; a config change reaches the next game only.
func TestRulesEdition(t *testing.T) {
	dir := t.TempDir()
	s := newService(t, nil, dir)
	r := must(t, s, CmdNew, `{"game":"8ball","players":["Anna","Ben"]}`)
	if r.Game.Settings.Rules != "2016" {
		t.Errorf("default edition = %q, want 2016", r.Game.Settings.Rules)
	}
	s.ShotEnded(fourRailsE()) // Anna breaks; Ben to shoot
	rec, err := s.ShotEnded(ended(hitE("2")))
	want := "Foul (6.3): no ball reached a rail after contact. Ball in hand for Anna."
	if err != nil || rec.Decision.Rule != "6.3" || rec.Decision.Message != want || rec.Decision.Edition != "2016" {
		t.Fatalf("no rail by default: %+v %v; want %q", rec.Decision, err, want)
	}
	rec, err = s.ShotEnded(ended(hitE("3"), railE("3", "top"), pocketE("cue", "side-top")))
	if b, _ := json.Marshal(rec.Decision); err != nil || !strings.Contains(string(b), `"rule":"6.1"`) {
		t.Fatalf("scratch by default: %s %v", b, err)
	}

	// A config change (reload) reaches the next game, not this one.
	if err := s.SetDefaultRules("2019"); err == nil {
		t.Error("SetDefaultRules accepted 2019")
	}
	if err := s.SetDefaultRules("2025"); err != nil {
		t.Fatal(err)
	}
	if st := s.Snapshot(); st.Settings.Rules != "2016" || st.Last.Rule != "6.1" {
		t.Errorf("the game in progress changed edition: %q, last rule %s", st.Settings.Rules, st.Last.Rule)
	}
	must(t, s, CmdNew, `{"game":"9ball","players":["Anna","Ben"]}`)
	s.ShotEnded(fourRailsE())
	rec, _ = s.ShotEnded(ended(hitE("1")))
	if rec.Decision.Rule != "3.3" || rec.Decision.Edition != "2025" || !strings.HasPrefix(rec.Decision.Message, "Foul (3.3): ") {
		t.Errorf("after the default became 2025: %+v", rec.Decision)
	}
	// A game may name its edition; it survives a restart.
	r = must(t, s, CmdNew, `{"game":"9ball","players":["Anna","Ben"],"rules":"2016"}`)
	if r.Game.Settings.Rules != "2016" {
		t.Errorf("new with rules 2016: %q", r.Game.Settings.Rules)
	}
	s.ShotEnded(fourRailsE())
	s.ShotEnded(ended(hitE("1")))
	s.Close()
	s2, err := New(Options{StateDir: dir, Rules: "2025"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s2.Close)
	if st := s2.Snapshot(); st.Settings.Rules != "2016" || st.Last == nil || st.Last.Rule != "6.3" {
		t.Errorf("resumed: rules %q, last %+v", st.Settings.Rules, st.Last)
	}

	// A game saved before the edition was a setting takes the default.
	b, err := os.ReadFile(filepath.Join(dir, "game.json"))
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(string(b), `"rules": "2016"`, `"rules": ""`, 1)
	if old == string(b) {
		t.Fatalf("game.json has no rules to blank: %s", b)
	}
	dir2 := t.TempDir()
	os.WriteFile(filepath.Join(dir2, "game.json"), []byte(old), 0o600)
	s3, err := New(Options{StateDir: dir2, Rules: "2025"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s3.Close)
	if st := s3.Snapshot(); st.Settings.Rules != "2025" || st.Last == nil || st.Last.Rule != "3.3" || st.Last.Edition != "2025" {
		t.Errorf("an old game resumed: rules %q, last %+v", st.Settings.Rules, st.Last)
	}

	// An unknown default is reported and 2016 used.
	s4, err := New(Options{Rules: "2019"})
	if err == nil || s4 == nil || s4.Snapshot().Settings.Rules != "2016" {
		t.Errorf("New with rules 2019: %v", err)
	}
	if s4 != nil {
		s4.Close()
	}
}

// The editions the config file accepts (game.rules) are the referee's,
// and its default is the referee's default.
func TestConfigRulesAgree(t *testing.T) {
	if d := config.Default().Game.Rules; d != referee.DefaultEdition {
		t.Errorf("config default game.rules = %q, referee's default %q", d, referee.DefaultEdition)
	}
	for _, ed := range referee.Editions() {
		c, err := config.Parse("t.toml", []byte("[game]\nrules = \""+ed+"\"\n"))
		if err != nil || c.Game.Rules != ed {
			t.Errorf("config rejects rules %q that the referee knows: %v", ed, err)
		}
	}
	for _, bad := range []string{"", "2019", "wsr"} {
		if _, err := config.Parse("t.toml", []byte("[game]\nrules = \""+bad+"\"\n")); err == nil {
			t.Errorf("config accepts rules %q", bad)
		} else if _, rerr := referee.ParseEdition(bad); rerr == nil && bad != "" {
			t.Errorf("the referee accepts %q, the config does not", bad)
		}
	}
}
