package recorder

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/core"
	"github.com/cuecast/cuecast/edge/history"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
	"github.com/cuecast/cuecast/edge/sim"
	"github.com/cuecast/cuecast/edge/store"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type rig struct {
	hub   *hub.Hub
	store *store.Store
	rec   *Recorder
}

func newRig(t *testing.T, snapshot func(context.Context, time.Duration) ([]byte, error)) *rig {
	t.Helper()
	h := hub.New(config.Default().Hub, quiet())
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "history.db"), Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	r := New(Options{Hub: h, Store: st, Snapshot: snapshot, Log: quiet()})
	r.Start()
	t.Cleanup(func() {
		r.Close()
		r.Close()
		st.Close()
	})
	return &rig{hub: h, store: st, rec: r}
}

// waitFor polls cond until it holds or a minute passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func count(t *testing.T, s *store.Store, q history.Query) int {
	n, err := s.Count(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// rawCounts are what the test counts itself from the tracker's summaries.
type rawCounts struct {
	shots, breaks, breakBalls, attempts, made, scratches, noContact int
}

// TestSimulatorSession plays the simulator's demo (racks, breaks, single
// shots) through the real tracker and the real shot predictor, publishes
// state, trajectories and events on a hub as the frame loop does, and
// checks that history stored every shot and that its statistics equal the
// counts this test makes from the raw shot summaries. Then the session is
// exported to CSV and JSON and read back.
func TestSimulatorSession(t *testing.T) {
	if testing.Short() {
		t.Skip("plays three minutes of simulated pool")
	}
	jpg := fakeJPEG(t, 1280, 720)
	g := newRig(t, func(ctx context.Context, maxAge time.Duration) ([]byte, error) { return jpg, nil })
	const fps = 30
	s, err := sim.Open(sim.Options{Width: 160, Height: 90, FPS: fps, Scenario: "demo", Seed: 11, Unpaced: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	to := core.DefaultOptions()
	to.Table = s.Geometry()
	to.FrameInterval = time.Second / fps
	tr := core.NewTracker(to)
	aim, err := physics.NewAiming(config.Default().Physics, quiet())
	if err != nil {
		t.Fatal(err)
	}
	var (
		f        model.Frame
		det      model.Detection
		traj     model.Trajectory
		raw      rawCounts
		rackShot int
	)
	foot := model.Vec2{X: 0.75 * to.Table.Length, Y: to.Table.Width / 2}
	for i := 0; i < 180*fps; i++ {
		if err := s.Read(context.Background(), &f); err != nil {
			t.Fatal(err)
		}
		det.Seq, det.Captured, det.Width, det.Height, det.Cue = f.Seq, f.Captured, f.Width, f.Height, f.Truth.Cue
		det.Balls = det.Balls[:0]
		for _, b := range f.Truth.Balls {
			if b.Pocketed {
				continue
			}
			p, n := b.Pos, b.Number
			det.Balls = append(det.Balls, model.BallDetection{Pixel: b.Pixel, RadiusPx: b.RadiusPx, Pos: &p, Class: model.ClassOf(n), Number: &n, Confidence: 0.95})
		}
		st, evs := tr.Update(&det)
		g.hub.Publish(hub.StreamState, st)
		if aim.Predict(st, &traj) {
			g.hub.Publish(hub.StreamTrajectory, &traj)
		}
		for _, ev := range evs {
			g.hub.Publish(hub.StreamEvent, ev)
			switch ev.Type {
			case model.EventRackDetected:
				rackShot = 0
			case model.EventShotEnded:
				rackShot++
				sum := ev.Shot
				raw.shots++
				racked := 0
				for _, b := range sum.Start {
					if b.ID != "cue" && math.Hypot(b.Pos.X-foot.X, b.Pos.Y-foot.Y) < 0.3 {
						racked++
					}
				}
				made := 0
				for b := range sum.Pocketed {
					if b != "cue" {
						made++
					}
				}
				offTable := false
				for _, e := range sum.Events {
					offTable = offTable || e.Type == model.EventBallOffTable
				}
				legal := !sum.Scratch && sum.FirstContact != "" && !offTable
				isBreak := rackShot == 1 && (len(sum.Start) == 0 || racked >= 6)
				if sum.Scratch {
					raw.scratches++
				}
				if sum.FirstContact == "" {
					raw.noContact++
				}
				if isBreak {
					raw.breaks++
					raw.breakBalls += made
				} else if sum.FirstContact != "" {
					raw.attempts++
					if legal && made > 0 {
						raw.made++
					}
				}
			}
		}
	}
	if raw.shots < 8 || raw.breaks < 1 || raw.made < 2 {
		t.Fatalf("the simulated session is too thin to prove anything: %+v", raw)
	}
	waitFor(t, "every shot stored", func() bool { return count(t, g.store, history.Query{}) == raw.shots })
	ctx := context.Background()
	st, err := g.store.Stats(ctx, history.Query{})
	if err != nil {
		t.Fatal(err)
	}
	got := rawCounts{shots: st.Shots, breaks: st.Breaks.Count, breakBalls: st.Breaks.BallsMade, attempts: st.Pocketing.Attempts,
		made: st.Pocketing.Made, scratches: st.Fouls[history.FoulScratch], noContact: st.Fouls[history.FoulNoContact]}
	if got != raw {
		t.Errorf("stats %+v\n want %+v (counted from the raw summaries)", got, raw)
	}
	t.Logf("session: %+v; pocketing %.1f%%, position n=%d median %.1f cm, runs %+v", raw, st.Pocketing.Pct, st.Position.N, st.Position.Median, st.Runs)
	sumBands := 0
	for _, b := range st.Pocketing.ByCut {
		sumBands += b.Attempts
	}
	if sumBands+st.Pocketing.Unbanded != st.Pocketing.Attempts {
		t.Errorf("cut bands hold %d + %d unbanded attempts, want %d", sumBands, st.Pocketing.Unbanded, st.Pocketing.Attempts)
	}

	// Shots have their pictures, scaled down. (Pictures are best effort:
	// shots here come faster than any table sees, so the imager skips some.)
	var pictured string
	waitFor(t, "a shot with its pictures", func() bool {
		p, _ := g.store.Shots(ctx, history.Query{Limit: 100})
		for _, sh := range p.Shots {
			if sh.Images.After && sh.Images.Before {
				pictured = sh.ID
				return true
			}
		}
		return false
	})
	small, err := g.store.Image(ctx, pictured, history.ImageAfter)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := jpeg.DecodeConfig(bytes.NewReader(small)); err != nil || cfg.Width != ThumbWidth || cfg.Height != 270 {
		t.Errorf("after picture %dx%d (%v), want %dx270", cfg.Width, cfg.Height, err, ThumbWidth)
	}

	// The session exports as one file per format, and reads back. The
	// recorder stops first and the store's queue is flushed: the imager
	// queues pictures after their shots, and a picture landing between the
	// export and the comparison below would make the two differ.
	g.rec.Close()
	if err := g.store.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	se, err := g.store.CurrentSession(ctx)
	if err != nil || se.Shots != raw.shots {
		t.Fatalf("current session %+v, %v", se, err)
	}
	var csvBuf, jsonBuf bytes.Buffer
	for format, buf := range map[string]*bytes.Buffer{history.FormatCSV: &csvBuf, history.FormatJSON: &jsonBuf} {
		e, _ := history.NewExporter(format, buf)
		if n, err := g.store.Export(ctx, history.Query{Session: se.ID}, history.ExportMeta{Session: se.ID}, e); err != nil || n != raw.shots {
			t.Fatalf("export %s: %d shots, %v", format, n, err)
		}
	}
	doc, err := history.ReadJSON(&jsonBuf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := history.ReadCSV(&csvBuf)
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Shots) != raw.shots || len(rows) != raw.shots {
		t.Fatalf("read back %d JSON and %d CSV shots, want %d", len(doc.Shots), len(rows), raw.shots)
	}
	for i := range doc.Shots {
		stored, err := g.store.Shot(ctx, doc.Shots[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*stored, doc.Shots[i]) {
			t.Errorf("JSON export of %s differs from the store:\n got %+v\nwant %+v", stored.ID, doc.Shots[i], *stored)
		}
		if a, b := strings.Join(history.CSVRow(&rows[i], nil), ","), strings.Join(history.CSVRow(stored, nil), ","); a != b {
			t.Errorf("CSV row %d:\n got %s\nwant %s", i, a, b)
		}
	}
	if again := history.Aggregate(rows); !reflect.DeepEqual(again.Pocketing, st.Pocketing) || again.Breaks != st.Breaks {
		t.Errorf("stats from the CSV export differ from the store's:\n%+v\n%+v", again.Pocketing, st.Pocketing)
	}
}

func fakeJPEG(t testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{20, uint8(90 + (x*y)%60), 50, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The game layer's record of a shot replaces the tracker's provisional one;
// a finished game is announced; the session summary follows.
func TestJudgedRecordReplacesProvisional(t *testing.T) {
	g := newRig(t, nil)
	c := g.hub.Connect(hub.ClientOptions{})
	defer c.Close()
	c.Subscribe([]hub.Stream{hub.StreamEvent}, nil, nil)
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	sum := &model.ShotSummary{FirstContact: "9", Pocketed: map[string]string{"9": model.PocketTopLeft}, DurationS: 3}
	g.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShotStarted, Time: t0})
	g.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShotEnded, Time: t0.Add(3 * time.Second), Shot: sum})
	ctx := context.Background()
	waitFor(t, "the provisional shot", func() bool { return count(t, g.store, history.Query{}) == 1 })
	w := "ann"
	rec := &model.ShotRecord{ID: "g7-s12", GameID: "g7", GameType: "9ball", Number: 12, Shooter: "ann", Started: t0, Ended: t0.Add(3100 * time.Millisecond),
		Summary: *sum, Decision: &model.Decision{Shot: 12, Shooter: "ann", Legal: true, GameOver: true, Winner: &w, Fouls: []string{}}}
	g.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShot, Time: rec.Ended, Record: rec})
	waitFor(t, "the judged record", func() bool { _, err := g.store.Shot(ctx, "g7-s12"); return err == nil })
	if n := count(t, g.store, history.Query{}); n != 1 {
		t.Fatalf("%d shots after the judged record arrived, want 1 (it replaces the provisional one)", n)
	}
	// A record with no provisional partner (a restart in between) is added.
	rec2 := *rec
	rec2.ID, rec2.GameID, rec2.Ended = "g8-s1", "g8", t0.Add(time.Minute)
	rec2.Decision = &model.Decision{Legal: true, Fouls: []string{"wrong_ball_first"}}
	g.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShot, Time: rec2.Ended, Record: &rec2})
	waitFor(t, "the unpartnered record", func() bool { return count(t, g.store, history.Query{}) == 2 })

	seen := map[string]json.RawMessage{}
	deadline := time.Now().Add(time.Minute)
	for seen[EventGameFinished] == nil || seen[EventSessionSummary] == nil {
		cctx, cancel := context.WithDeadline(ctx, deadline)
		pubs, err := c.Next(cctx, nil)
		cancel()
		if err != nil {
			t.Fatalf("waiting for game_finished and session_summary: %v (seen %v)", err, keys(seen))
		}
		for _, p := range pubs {
			var ev struct{ Type string }
			json.Unmarshal(p.Data, &ev)
			seen[ev.Type] = p.Data
		}
	}
	var gf struct{ Game GameFinished }
	json.Unmarshal(seen[EventGameFinished], &gf)
	if gf.Game.Game.ID != "g7" || gf.Game.Game.Winner != "ann" || gf.Game.Stats.Shots != 1 {
		t.Errorf("game_finished = %s", seen[EventGameFinished])
	}
	var ss struct{ Session SessionSummary }
	json.Unmarshal(seen[EventSessionSummary], &ss)
	if ss.Session.Session.ID == 0 || ss.Session.Stats.Shots == 0 {
		t.Errorf("session_summary = %s", seen[EventSessionSummary])
	}
}

func keys(m map[string]json.RawMessage) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// A drill: the set-up is checked against the state stream, an attempt
// from a matched set-up is scored from the shot and kept per player; a
// shot struck before the set-up matched is not scored.
func TestDrillRun(t *testing.T) {
	g := newRig(t, nil)
	ctx := context.Background()
	if _, err := g.rec.StartDrill(ctx, "no-such-drill", "ann"); err == nil {
		t.Fatal("StartDrill of an unknown drill succeeded")
	}
	if _, err := g.rec.StartDrill(ctx, "stop-shot", ""); err == nil {
		t.Fatal("StartDrill without a player succeeded")
	}
	st, err := g.rec.StartDrill(ctx, "stop-shot", "ann")
	if err != nil || st.State != DrillSetup {
		t.Fatalf("StartDrill = %+v, %v", st, err)
	}
	d := st.Drill
	table := g.rec.Table()
	cue, _ := d.Spot(table, "cue")
	one, _ := d.Spot(table, "1")
	state := func(off float64) {
		g.hub.Publish(hub.StreamState, &model.State{Table: table, Balls: []model.Ball{
			{ID: "cue", Pos: model.Vec2{X: cue.X + off, Y: cue.Y}}, {ID: "1", Pos: one}}})
	}
	t0 := time.Now().UTC()
	z := st.Zones[0].Center
	shoot := func(at time.Duration, pocketed map[string]string, cueEnd model.Vec2) {
		g.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShotStarted, Time: t0.Add(at)})
		g.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShotEnded, Time: t0.Add(at + 2*time.Second), Shot: &model.ShotSummary{
			FirstContact: "1", Pocketed: pocketed, DurationS: 2, End: []model.BallSpot{{ID: "cue", Pos: cueEnd}}}})
	}
	// Cue ball 3 cm off its spot: not set up; the shot is not scored.
	state(0.03)
	waitFor(t, "the set-up check", func() bool {
		a := g.rec.ActiveDrill()
		return len(a.Placements) == 2 && a.Placements[0].ErrCM != nil && *a.Placements[0].ErrCM == 3
	})
	shoot(0, map[string]string{"1": model.PocketTopSide}, z)
	waitFor(t, "the unscored shot", func() bool { return strings.Contains(g.rec.ActiveDrill().Message, "not scored") })
	// On the spot: ready; a good stop shot succeeds.
	state(0.004)
	waitFor(t, "ready", func() bool { return g.rec.ActiveDrill().State == DrillReady })
	shoot(10*time.Second, map[string]string{"1": model.PocketTopSide}, model.Vec2{X: z.X + 0.02, Y: z.Y})
	waitFor(t, "the first attempt", func() bool { return g.rec.ActiveDrill().Attempt == 1 })
	if a := g.rec.ActiveDrill(); a.Successes != 1 || !a.Last.Success || a.State != DrillSetup {
		t.Fatalf("after a good stop shot: %+v", a)
	}
	// The game service's practice record of that shot (no players in free
	// practice) replaces the provisional one and keeps the drill's player.
	judged := &model.ShotRecord{ID: "practice-7", GameType: "practice", Number: 7, Started: t0.Add(10 * time.Second), Ended: t0.Add(12 * time.Second),
		Summary: model.ShotSummary{FirstContact: "1", Pocketed: map[string]string{"1": model.PocketTopSide}}}
	g.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShot, Time: judged.Ended, Record: judged})
	waitFor(t, "the judged record", func() bool { sh, err := g.store.Shot(ctx, "practice-7"); return err == nil && sh.Shooter == "ann" })
	// Set up again; this time the cue ball rolls on 30 cm: a failed attempt.
	state(0.03)
	state(0)
	waitFor(t, "ready again", func() bool { return g.rec.ActiveDrill().State == DrillReady })
	shoot(20*time.Second, map[string]string{"1": model.PocketTopSide}, model.Vec2{X: z.X, Y: z.Y + 0.3})
	waitFor(t, "the second attempt", func() bool { return g.rec.ActiveDrill().Attempt == 2 })
	waitFor(t, "both attempts stored", func() bool {
		pr, _ := g.store.Progress(ctx, "ann")
		return len(pr) == 1 && pr[0].Attempts == 2
	})
	pr, _ := g.store.Progress(ctx, "ann")
	if pr[0].Drill != "stop-shot" || pr[0].Successes != 1 || pr[0].Pct != 50 || pr[0].BestRun != 1 || pr[0].Streak != 0 {
		t.Errorf("progress = %+v", pr[0])
	}
	// The drill's shots are ann's.
	if n := count(t, g.store, history.Query{Player: "ann"}); n != 3 {
		t.Errorf("%d shots by ann, want 3", n)
	}
	// Technicians add drills; a bad one is refused and nothing is stored.
	if _, err := g.rec.AddDrill(ctx, []byte(`{"id":"stop-shot","name":"X","shots":1,"balls":[{"ball":"cue","x":2,"y":2},{"ball":"1","x":4,"y":2}],"success":{"pot":["1"]}}`)); err == nil {
		t.Error("a drill reusing a built-in id was accepted")
	}
	if _, err := g.rec.AddDrill(ctx, []byte(`{"id":"mine","name":"Mine","shots":1,"balls":[{"ball":"cue","x":2,"y":2},{"ball":"1","x":9,"y":2}],"success":{"pot":["1"]}}`)); err == nil || !strings.Contains(err.Error(), "off the table") {
		t.Errorf("a drill with a ball off the table: err = %v", err)
	}
	if ds, _ := g.store.Drills(ctx); len(ds) != 0 {
		t.Errorf("refused drills were stored: %+v", ds)
	}
	if _, err := g.rec.AddDrill(ctx, []byte(`{"id":"mine","name":"Mine","shots":1,"balls":[{"ball":"cue","x":2,"y":2},{"ball":"1","x":6,"y":2}],"success":{"pot":["1"]}}`)); err != nil {
		t.Fatal(err)
	}
	if d, err := g.rec.Drill(ctx, "mine"); err != nil || d.Builtin {
		t.Errorf("Drill(mine) = %+v, %v", d, err)
	}
	if st := g.rec.StopDrill(); st.State != DrillStopped || g.rec.ActiveDrill().State != DrillStopped {
		t.Error("StopDrill did not stop")
	}
}

// Thumbnail keeps the picture (colour of a flat area) and allocates only
// its own buffers, not one value per pixel.
func TestThumbnail(t *testing.T) {
	src := fakeJPEG(t, 1280, 720)
	small, err := Thumbnail(src, ThumbWidth)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(small))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != ThumbWidth || b.Dy() != 270 {
		t.Fatalf("thumbnail %v, want %dx270", b, ThumbWidth)
	}
	r, g, bl, _ := img.At(100, 100).RGBA()
	if r>>8 > 40 || g>>8 < 80 || bl>>8 > 70 {
		t.Errorf("thumbnail colour %d,%d,%d, want the source's green", r>>8, g>>8, bl>>8)
	}
	if allocs := testing.AllocsPerRun(3, func() { Thumbnail(src, ThumbWidth) }); allocs > 200 {
		t.Errorf("Thumbnail allocates %v times per picture, want at most 200 (not one per pixel)", allocs)
	}
	if _, err := Thumbnail([]byte("not a jpeg"), ThumbWidth); err == nil {
		t.Error("Thumbnail of garbage succeeded")
	}
}
