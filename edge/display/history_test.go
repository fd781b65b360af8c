package display_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/display"
	"github.com/cuecast/cuecast/edge/display/browsertest"
	"github.com/cuecast/cuecast/edge/history"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/recorder"
	"github.com/cuecast/cuecast/edge/store"
	"github.com/cuecast/cuecast/edge/ws"
)

// The vendored chart library is what VENDOR.md says it is.
func TestVendoredFilesMatchChecksums(t *testing.T) {
	want := map[string]string{
		"uPlot.esm.js":  "5dd9b3281aa64b461b42d9945f6adb2649d346502b12281a9ae0d46599a80eba",
		"uPlot.min.css": "df630c6a8d6f8eeaff264b50f73ce5b114f646ffd9a0bb74f049b0a00135fa04",
		"LICENSE":       "8f989229699b4fe2f1a0432d0e9edc338a8a911e250e2d1b01ecd770a5f5b1bd",
	}
	doc, err := os.ReadFile("web/vendor/uplot/VENDOR.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, sum := range want {
		b, err := os.ReadFile(filepath.Join("web/vendor/uplot", name))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		if got := hex.EncodeToString(h[:]); got != sum {
			t.Errorf("%s: sha256 %s, want %s (VENDOR.md)", name, got, sum)
		}
		if !strings.Contains(string(doc), sum) {
			t.Errorf("VENDOR.md does not list %s's checksum", name)
		}
	}
}

// historyBox is the front end with history: hub, WebSocket, pages and the
// REST API over a real store and recorder, on a loopback server.
type historyBox struct {
	srv   *httptest.Server
	hub   *hub.Hub
	store *store.Store
	rec   *recorder.Recorder
	table model.TableGeometry
}

func newHistoryBox(t *testing.T) *historyBox {
	c := config.Default()
	c.HTTP.Token = token
	c.Display.ReconnectDelay = config.Duration(200 * time.Millisecond)
	dir := t.TempDir()
	h := hub.New(c.Hub, quiet())
	st, err := store.Open(store.Options{Path: filepath.Join(dir, "history.db"), Log: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	table := model.Standard(model.Table9ft)
	rec := recorder.New(recorder.Options{Hub: h, Store: st, Table: table, Log: quiet()})
	rec.Start()
	s := ws.NewServer(c.WebSocket, c.HTTP, h, quiet())
	cfgFn := func() config.Config { return c }
	d := display.New(display.Options{StateDir: dir, Config: cfgFn, Log: quiet(), State: func() []byte {
		if p := h.Latest(hub.StreamState); p != nil {
			return p.Data
		}
		return nil
	}})
	a := api.New(api.Deps{Config: configManager{cfgFn}, History: st, Drills: recorder.DrillAPI{R: rec, Store: st}}, quiet())
	mux := http.NewServeMux()
	s.Register(mux)
	d.Register(mux)
	a.Register(mux)
	b := &historyBox{srv: httptest.NewServer(mux), hub: h, store: st, rec: rec, table: table}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		b.srv.Close()
		rec.Close()
		st.Close()
	})
	return b
}

// configManager is the read-only config the API needs for its token.
type configManager struct{ cur func() config.Config }

func (m configManager) Current() config.Config { return m.cur() }
func (m configManager) Apply(context.Context, []byte, bool) error {
	return fmt.Errorf("read-only in this test")
}
func (m configManager) Reset(context.Context) error { return fmt.Errorf("read-only in this test") }

// seedSession stores an evening of 8-ball between two players: racks that
// open with a break, innings of made and missed shots at every angle and
// distance, the odd scratch, measured paths and the predictions shown, and
// pictures from the simulator.
func seedSession(t *testing.T, b *historyBox, pics [][]byte) int {
	r := rand.New(rand.NewPCG(42, 7))
	T := b.table
	players := []string{"Ann", "Ben"}
	start := time.Now().Add(-2 * time.Hour).UTC()
	n, at := 0, start
	// Writes are queued without waiting (the store keeps their order) and
	// checked at the end: one fsync per batch instead of three per shot.
	var pending []chan error
	ack := func() func(error) {
		ch := make(chan error, 1)
		pending = append(pending, ch)
		return func(err error) { ch <- err }
	}
	add := func(rec *model.ShotRecord) {
		sh := &history.Shot{ID: rec.ID, GameID: rec.GameID, GameType: rec.GameType, Number: rec.Number, Shooter: rec.Shooter,
			Started: rec.Started, Ended: rec.Ended, Source: history.SourceShot, Record: rec, Features: history.Derive(rec, T)}
		b.store.AddShot(sh, rec.Number == 1, ack())
		for k, kind := range []string{history.ImageBefore, history.ImageAfter} {
			small, err := recorder.Thumbnail(pics[(n+k)%len(pics)], recorder.ThumbWidth)
			if err != nil {
				t.Fatal(err)
			}
			b.store.PutImage(rec.ID, kind, small, ack())
		}
		n++
	}
	defer func() {
		for _, ch := range pending {
			if err := <-ch; err != nil {
				t.Fatal(err)
			}
		}
	}()
	v := func(x, y float64) model.Vec2 { return model.Vec2{X: x, Y: y} }
	for game := 1; game <= 3; game++ {
		gid := fmt.Sprintf("g%d", game)
		shooter := game % 2
		// The break: a rack at the foot spot, spread after.
		var rack, spread []model.BallSpot
		foot := v(0.75*T.Length, T.Width/2)
		for i := 1; i <= 15; i++ {
			row := 0
			for k := i; k > row+1; row++ {
				k -= row + 1
			}
			rack = append(rack, model.BallSpot{ID: model.BallID(i), Pos: v(foot.X+float64(row)*0.0495, foot.Y+(float64(i%(row+1))-float64(row)/2)*0.0572)})
			spread = append(spread, model.BallSpot{ID: model.BallID(i), Pos: v(0.2+r.Float64()*(T.Length-0.4), 0.15+r.Float64()*(T.Width-0.3))})
		}
		made := map[string]string{"3": model.PocketTopRight, "11": model.PocketBottomSide}
		spread = spread[:13]
		cueStart, cueEnd := v(0.6, 0.6), v(1.1, 0.4)
		at = at.Add(90 * time.Second)
		rec := &model.ShotRecord{ID: fmt.Sprintf("%s-1", gid), GameID: gid, GameType: "8ball", Number: 1, Shooter: players[shooter], Started: at.Add(-4 * time.Second), Ended: at,
			Summary: model.ShotSummary{FirstContact: "1", Pocketed: made, DurationS: 4, Start: append([]model.BallSpot{{ID: "cue", Pos: cueStart}}, rack...),
				End:   append([]model.BallSpot{{ID: "cue", Pos: cueEnd}}, spread...),
				Paths: []model.BallPath{{Ball: "cue", Points: []model.Vec2{cueStart, v(foot.X-0.06, foot.Y), cueEnd}}}},
			Decision: &model.Decision{Shot: 1, Shooter: players[shooter], Legal: true, Fouls: []string{}, Message: "Two balls made on the break: open table."}}
		add(rec)
		left := 12
		for num := 2; left > 0 && num < 40; num++ {
			at = at.Add(time.Duration(25+r.IntN(40)) * time.Second)
			pk := T.Pockets[r.IntN(len(T.Pockets))]
			obj := v(0.25+r.Float64()*(T.Length-0.5), 0.2+r.Float64()*(T.Width-0.4))
			to := v(pk.Pos.X-obj.X, pk.Pos.Y-obj.Y)
			l := math.Hypot(to.X, to.Y)
			u := v(to.X/l, to.Y/l)
			ghost := v(obj.X-2*model.BallRadius*u.X, obj.Y-2*model.BallRadius*u.Y)
			cut := (r.Float64()*2 - 1) * 70 * math.Pi / 180
			back := 0.25 + r.Float64()*1.3
			dx, dy := u.X*math.Cos(cut)-u.Y*math.Sin(cut), u.X*math.Sin(cut)+u.Y*math.Cos(cut)
			cue := v(math.Min(math.Max(ghost.X-dx*back, 0.05), T.Length-0.05), math.Min(math.Max(ghost.Y-dy*back, 0.05), T.Width-0.05))
			pMake := 0.92 - 0.7*math.Abs(cut)/(70*math.Pi/180) - 0.1*back
			isMade := r.Float64() < pMake
			scratch := !isMade && r.Float64() < 0.2
			tang := v(-u.Y, u.X)
			if dx*tang.X+dy*tang.Y < 0 {
				tang = v(u.Y, -u.X)
			}
			predEnd := v(ghost.X+tang.X*0.45, ghost.Y+tang.Y*0.45)
			predEnd.X, predEnd.Y = math.Min(math.Max(predEnd.X, 0.05), T.Length-0.05), math.Min(math.Max(predEnd.Y, 0.05), T.Width-0.05)
			end := v(predEnd.X+r.NormFloat64()*0.08, predEnd.Y+r.NormFloat64()*0.08)
			objEnd := pk.Pos
			if !isMade {
				miss := 0.12 + r.Float64()*0.1
				objEnd = v(obj.X+(u.X*0.85+u.Y*miss)*l*0.9, obj.Y+(u.Y*0.85-u.X*miss)*l*0.9)
			}
			id := model.BallID(1 + r.IntN(15))
			pocketed := map[string]string{}
			if isMade {
				pocketed[id] = pk.Name
				left--
			}
			if scratch {
				pocketed["cue"] = model.PocketBottomLeft
			}
			startSpots := []model.BallSpot{{ID: "cue", Pos: cue}, {ID: id, Pos: obj}}
			endSpots := []model.BallSpot{{ID: "cue", Pos: end}}
			if scratch {
				endSpots = nil
			}
			if !isMade {
				endSpots = append(endSpots, model.BallSpot{ID: id, Pos: objEnd})
			}
			for _, s := range spread[:min(left, len(spread))] {
				if s.ID != id {
					startSpots, endSpots = append(startSpots, s), append(endSpots, s)
				}
			}
			fouls := []string{}
			if scratch {
				fouls = append(fouls, "scratch")
			}
			legal := !scratch
			over := isMade && left == 0
			var winner *string
			if over {
				w := players[shooter]
				winner = &w
			}
			rec := &model.ShotRecord{ID: fmt.Sprintf("%s-%d", gid, num), GameID: gid, GameType: "8ball", Number: num, Shooter: players[shooter],
				Started: at.Add(-3 * time.Second), Ended: at,
				Summary: model.ShotSummary{FirstContact: id, Pocketed: pocketed, Scratch: scratch, DurationS: 3, Start: startSpots, End: endSpots,
					Paths: []model.BallPath{{Ball: "cue", Points: []model.Vec2{cue, ghost, end}},
						{Ball: id, Points: []model.Vec2{obj, v((obj.X+objEnd.X)/2+r.NormFloat64()*0.01, (obj.Y+objEnd.Y)/2+r.NormFloat64()*0.01), objEnd}}}},
				Prediction: &model.Trajectory{Target: id, Ghost: &ghost, Paths: []model.BallPath{{Ball: "cue", Points: []model.Vec2{cue, ghost, predEnd}}, {Ball: id, Points: []model.Vec2{obj, pk.Pos}}},
					Outcome: model.ShotOutcome{Pocketed: map[string]string{id: pk.Name}}},
				Decision: &model.Decision{Shot: num, Shooter: players[shooter], Legal: legal, Fouls: fouls, TurnOver: !isMade || scratch, GameOver: over, Winner: winner}}
			add(rec)
			if !isMade || scratch {
				shooter = 1 - shooter
			}
		}
	}
	return n
}

func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return run(t, ctx, chromedp.Evaluate[T](expr))
}

// The history page, driven in Chromium at a tablet's size: headline
// figures equal the API's statistics, six charts are drawn, a shot is
// redrawn on the table diagram, the player filter narrows everything. Then
// a drill: started from the page, drawn on the projector, set up from the
// state stream, scored from the shot and kept in the player's progress.
// The screenshots in docs/ come from here:
//
//	CUECAST_ARTIFACTS=$PWD/docs go test ./edge/display -run TestHistoryPageAndDrill
func TestHistoryPageAndDrill(t *testing.T) {
	b := newHistoryBox(t)
	n := seedSession(t, b, simJPEGs(t, 4))
	ctx := browsertest.New(t, 1280, 800)
	do(t, ctx, chromedp.Navigate(b.srv.URL+"/history"))
	poll(t, ctx, `window.cuecast && window.cuecast.loads >= 1 && window.cuecast.drawn >= 1`, 30*time.Second)

	var st history.Stats
	res, err := http.Get(b.srv.URL + "/api/v1/game/stats?time_range=all")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(res.Body).Decode(&st)
	res.Body.Close()
	text := func(sel string) string {
		return evalJS[string](t, ctx, `document.querySelector(`+jsString(sel)+`).textContent`)
	}
	if got := text("#t-shots b"); got != strconv.Itoa(n) || st.Shots != n {
		t.Errorf("shots tile %q, stats %d; want %d", got, st.Shots, n)
	}
	if got, want := text("#t-pocketing b"), fmt.Sprintf("%.0f%%", st.Pocketing.Pct); got != want {
		t.Errorf("pocketing tile %q, want %q", got, want)
	}
	if got := evalJS[int](t, ctx, `document.querySelectorAll(".chart .uplot").length`); got != 6 {
		t.Errorf("%d charts drawn, want 6", got)
	}
	if got := evalJS[int](t, ctx, `document.querySelectorAll("#shot-list li").length`); got != min(n, 200) {
		t.Errorf("%d shots listed, want %d", got, min(n, 200))
	}
	// Pick an older shot: the diagram redraws it, with its pictures.
	drawn := evalJS[int](t, ctx, `window.cuecast.drawn`)
	do(t, ctx, chromedp.Click(`#shot-list li:nth-child(5)`))
	poll(t, ctx, fmt.Sprintf(`window.cuecast.drawn > %d && document.querySelector("#pic-after").complete && document.querySelector("#pic-after").naturalWidth === %d`, drawn, recorder.ThumbWidth), 10*time.Second)
	sel := evalJS[string](t, ctx, `window.cuecast.selected.id`)
	if li := evalJS[string](t, ctx, `document.querySelector("#shot-list li:nth-child(5)").dataset.id`); sel != li {
		t.Errorf("selected %q, clicked %q", sel, li)
	}
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	browsertest.Artifact(t, "history.png", run(t, ctx, chromedp.FullScreenshot(100)))

	// Filter by player: the figures are Ann's.
	ann, _ := b.store.Count(context.Background(), history.Query{Player: "Ann"})
	loads := evalJS[int](t, ctx, `window.cuecast.loads`)
	do(t, ctx, chromedp.SetValue(`#f-player`, "Ann"), chromedp.Evaluate[chromedp.Void](`document.querySelector("#f-player").dispatchEvent(new Event("change"))`))
	poll(t, ctx, fmt.Sprintf(`window.cuecast.loads > %d`, loads), 10*time.Second)
	if got := text("#t-shots b"); got != strconv.Itoa(ann) || ann == 0 || ann == n {
		t.Errorf("Ann's shots tile %q, want %d (of %d)", got, ann, n)
	}
	// And by day: the day of Ann's last shot, midnight to midnight in the
	// page's time zone (the browser's local day, as a player lives it).
	last, err := b.store.Shots(context.Background(), history.Query{Player: "Ann", Limit: 1})
	if err != nil || len(last.Shots) != 1 {
		t.Fatal(err)
	}
	tz := evalJS[string](t, ctx, `Intl.DateTimeFormat().resolvedOptions().timeZone`)
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatalf("browser time zone %q: %v", tz, err)
	}
	day := last.Shots[0].Ended.In(loc)
	midnight := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	annDay, _ := b.store.Count(context.Background(), history.Query{Player: "Ann", From: midnight, To: midnight.Add(24 * time.Hour)})
	loads = evalJS[int](t, ctx, `window.cuecast.loads`)
	do(t, ctx, chromedp.SetValue(`#f-day`, day.Format("2006-01-02")), chromedp.Evaluate[chromedp.Void](`document.querySelector("#f-day").dispatchEvent(new Event("change"))`))
	poll(t, ctx, fmt.Sprintf(`window.cuecast.loads > %d`, loads), 10*time.Second)
	if got := text("#t-shots b"); got != strconv.Itoa(annDay) || annDay == 0 {
		t.Errorf("Ann's shots on %s: tile %q, want %d", day.Format("2006-01-02"), got, annDay)
	}

	// A drill, started from the page (the token as a technician gave it).
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`localStorage.setItem("cuecast.token", `+jsString(token)+`)`),
		chromedp.SetValue(`#d-player`, "Ann"), chromedp.SetValue(`#d-drill`, "stop-shot"), chromedp.Click(`#d-start`))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector("#d-status").textContent.includes("Stop shot for Ann")`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("drill not started from the page: %v; status %q", err, text("#d-status"))
	}
	pctx := browsertest.New(t, 1280, 720)
	do(t, pctx, chromedp.Navigate(b.srv.URL+"/projector"))
	poll(t, pctx, `window.cuecast && window.cuecast.drill && window.cuecast.drill.state === "setup" && window.cuecast.connected && window.cuecast.drawn >= 1`, 30*time.Second)
	// The balls go on their spots (the cue ball 4 mm off: within 1 cm).
	active := b.rec.ActiveDrill()
	cue, _ := active.Drill.Spot(b.table, "cue")
	one, _ := active.Drill.Spot(b.table, "1")
	others := []model.Ball{{ID: "7", Pos: model.Vec2{X: 2.1, Y: 0.3}}, {ID: "12", Pos: model.Vec2{X: 0.4, Y: 1.0}}}
	placed := &model.State{Table: b.table, Phase: "idle", Balls: append([]model.Ball{{ID: "cue", Pos: model.Vec2{X: cue.X + 0.004, Y: cue.Y}}, {ID: "1", Pos: one}}, others...)}
	b.hub.Publish(hub.StreamState, placed)
	if _, err := chromedp.Run(pctx, chromedp.Poll[bool](`window.cuecast.drill.state === "ready" && window.cuecast.drill.placements.every(p => p.placed)`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("set-up not shown as ready: %v\nrecorder: %+v\nprojector: %s", err, b.rec.ActiveDrill(), evalJS[string](t, pctx, `JSON.stringify(window.cuecast.drill)`))
	}
	browsertest.Artifact(t, "drill-setup.png", run(t, pctx, chromedp.CaptureScreenshot()))
	// A good stop shot: the 1 in the top side pocket, the cue ball stops 3 cm from the contact point.
	z := active.Zones[0].Center
	t0 := time.Now().UTC()
	b.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShotStarted, Time: t0})
	b.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShotEnded, Time: t0.Add(2 * time.Second), Shot: &model.ShotSummary{
		FirstContact: "1", Pocketed: map[string]string{"1": model.PocketTopSide}, DurationS: 2,
		Start: []model.BallSpot{{ID: "cue", Pos: cue}, {ID: "1", Pos: one}}, End: []model.BallSpot{{ID: "cue", Pos: model.Vec2{X: z.X, Y: z.Y - 0.03}}},
		Paths: []model.BallPath{{Ball: "cue", Points: []model.Vec2{cue, {X: z.X, Y: z.Y - 0.03}}}, {Ball: "1", Points: []model.Vec2{one, {X: one.X, Y: b.table.Width}}}}}})
	if _, err := chromedp.Run(pctx, chromedp.Poll[bool](`window.cuecast.drill.attempt === 1 && window.cuecast.drill.last.success`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("attempt not shown: %v\nrecorder: %+v\nprojector: %s", err, b.rec.ActiveDrill(), evalJS[string](t, pctx, `JSON.stringify(window.cuecast.drill)`))
	}
	poll(t, ctx, `document.querySelector("#d-status").textContent.includes("Attempts 1, made 1") && document.querySelectorAll("#d-progress tbody tr").length === 1`, 10*time.Second)
	row := evalJS[[]string](t, ctx, `[...document.querySelectorAll("#d-progress tbody td")].slice(0, 5).map(td => td.textContent)`)
	if strings.Join(row, "|") != "Stop shot|Ann|1|1|100" {
		t.Errorf("progress row = %q", row)
	}
	browsertest.Artifact(t, "drill-scored.png", run(t, pctx, chromedp.CaptureScreenshot()))
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector(".drills").scrollIntoView()`))
	browsertest.Artifact(t, "history-drills.png", run(t, ctx, chromedp.CaptureScreenshot()))
}
