package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/api/apitest"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/history"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/recorder"
	"github.com/cuecast/cuecast/edge/store"
)

type fakeGame struct{ resets int }

func (g *fakeGame) ResetGame(context.Context) error { g.resets++; return nil }

// historyEnv is the API over a real store and recorder on a real hub.
type historyEnv struct {
	*env
	store *store.Store
	rec   *recorder.Recorder
	srv   *httptest.Server
	game  *fakeGame
}

func newHistoryEnv(t *testing.T) *historyEnv {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	st, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "h.db"), Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	h := hub.New(config.Default().Hub, quiet)
	rec := recorder.New(recorder.Options{Hub: h, Store: st, Log: quiet})
	rec.Start()
	c := config.Default()
	c.HTTP.Token = testToken
	e := &env{t: t, cfg: apitest.NewConfig(c)}
	g := &fakeGame{}
	e.api = api.New(api.Deps{Config: e.cfg, History: st, Drills: recorder.DrillAPI{R: rec, Store: st}, GameReset: g}, quiet)
	e.mux = http.NewServeMux()
	e.api.Register(e.mux)
	he := &historyEnv{env: e, store: st, rec: rec, srv: httptest.NewServer(e.mux), game: g}
	t.Cleanup(func() {
		he.srv.Close()
		rec.Close()
		st.Close()
	})
	return he
}

func (he *historyEnv) addShot(t *testing.T, id string, at time.Time, shooter, gameType string, potted bool) {
	t.Helper()
	p := map[string]string{}
	if potted {
		p["3"] = model.PocketTopRight
	}
	rec := &model.ShotRecord{ID: id, GameType: gameType, Number: 5, Shooter: shooter, Started: at.Add(-3 * time.Second), Ended: at,
		Summary: model.ShotSummary{FirstContact: "3", Pocketed: p, DurationS: 3}}
	sh := &history.Shot{ID: id, GameType: gameType, Number: 5, Shooter: shooter, Started: rec.Started, Ended: at, Source: history.SourceShot,
		Record: rec, Features: history.Derive(rec, model.Standard(model.Table9ft))}
	done := make(chan error, 1)
	he.store.AddShot(sh, false, func(err error) { done <- err })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func decode[T any](t *testing.T, r resp) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

func TestHistoryEndpoints(t *testing.T) {
	he := newHistoryEnv(t)
	now := time.Now().UTC()
	he.addShot(t, "a1", now.Add(-90*time.Minute), "ann", "9ball", true)
	he.addShot(t, "a2", now.Add(-30*time.Minute), "ann", "9ball", false)
	he.addShot(t, "b1", now.Add(-20*time.Minute), "bob", "8ball", true)
	he.addShot(t, "b2", now.Add(-10*time.Minute), "bob", "8ball", true)

	// History: filters and paging.
	r := he.do(req{path: "/api/v1/game/history?time_range=1h&limit=2"})
	if r.status != 200 {
		t.Fatalf("history: %d %s", r.status, r.body)
	}
	page := decode[history.Page](t, r)
	if page.Total != 3 || len(page.Shots) != 2 || page.Shots[0].ID != "b2" || page.NextCursor == "" {
		t.Fatalf("history page 1 = %+v", page)
	}
	page = decode[history.Page](t, he.do(req{path: "/api/v1/game/history?time_range=1h&limit=2&cursor=" + page.NextCursor}))
	if len(page.Shots) != 1 || page.Shots[0].ID != "a2" || page.NextCursor != "" {
		t.Fatalf("history page 2 = %+v", page)
	}
	page = decode[history.Page](t, he.do(req{path: "/api/v1/game/history?player=ann&game_type=9ball"}))
	if page.Total != 2 {
		t.Errorf("ann's 9-ball shots: %d, want 2", page.Total)
	}

	// Stats per range and per player.
	st := decode[history.Stats](t, he.do(req{path: "/api/v1/game/stats?time_range=1h"}))
	if st.Shots != 3 || st.Pocketing.Attempts != 3 || st.Pocketing.Made != 2 || st.Range != "1h" || len(st.PerPlayer) != 2 {
		t.Errorf("stats 1h = %+v", st)
	}
	st = decode[history.Stats](t, he.do(req{path: "/api/v1/game/stats?time_range=all&player=bob"}))
	if st.Shots != 2 || st.Pocketing.Pct != 100 || st.Player != "bob" {
		t.Errorf("stats bob = %+v", st)
	}

	// One shot, with a 404 for an unknown id and for a missing picture.
	if r := he.do(req{path: "/api/v1/shots/a1"}); r.status != 200 || !bytes.Contains(r.body, []byte(`"first_contact":"3"`)) {
		t.Errorf("shot a1: %d %s", r.status, r.body)
	}
	for _, p := range []string{"/api/v1/shots/nope", "/api/v1/shots/a1/before.jpg", "/api/v1/shots/a1/side.png"} {
		if r := he.do(req{path: p}); r.status != 404 || !bytes.Contains(r.body, []byte(`"not_found"`)) {
			t.Errorf("%s: %d %s, want 404 not_found", p, r.status, r.body)
		}
	}

	// Bad input: a clear 400.
	for _, p := range []string{
		"/api/v1/game/stats?time_range=2h", "/api/v1/game/history?from=yesterday", "/api/v1/game/history?limit=0",
		"/api/v1/game/history?time_range=1h&from=2026-01-01T00:00:00Z", "/api/v1/game/history?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
		"/api/v1/game/history?game_type=snooker", "/api/v1/game/history?cursor=xyz", "/api/v1/game/stats?range=1h", "/api/v1/game/history?session=-1",
	} {
		if r := he.do(req{path: p}); r.status != 400 || !bytes.Contains(r.body, []byte(`"bad_request"`)) {
			t.Errorf("%s: %d %s, want 400", p, r.status, r.body)
		}
	}

	// Reset: a command (token), a new session, the game service reset too.
	if r := he.do(req{method: "POST", path: "/api/v1/game/reset"}); r.status != 401 {
		t.Errorf("reset without the token: %d", r.status)
	}
	if r := he.do(req{method: "POST", path: "/api/v1/game/reset", body: `{"nme":"x"}`, auth: true}); r.status != 400 {
		t.Errorf("reset with an unknown field: %d %s", r.status, r.body)
	}
	r = he.do(req{method: "POST", path: "/api/v1/game/reset", body: `{"name":"league night"}`, auth: true})
	if r.status != 200 || he.game.resets != 1 || !bytes.Contains(r.body, []byte(`"league night"`)) {
		t.Fatalf("reset: %d %s (game resets %d)", r.status, r.body, he.game.resets)
	}
	sessions := decode[struct {
		Sessions []history.Session
		Players  []string
	}](t, he.do(req{path: "/api/v1/game/sessions"}))
	if len(sessions.Sessions) != 2 || sessions.Sessions[0].Name != "league night" || sessions.Sessions[1].Shots != 4 || strings.Join(sessions.Players, ",") != "ann,bob" {
		t.Fatalf("sessions = %+v", sessions)
	}
	first := sessions.Sessions[1].ID

	// Export: a whole session as one file, in both formats, read back.
	export := func(body string) (int, []byte) {
		t.Helper()
		r := he.do(req{method: "POST", path: "/api/v1/game/export", body: body, auth: true, header: map[string]string{"Content-Type": "application/json"}})
		if r.status != 201 {
			return r.status, r.body
		}
		var ex struct {
			URL   string
			Shots int
		}
		json.Unmarshal(r.body, &ex)
		res, err := http.Get(he.srv.URL + ex.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("download %s: %d %v %s", ex.URL, res.StatusCode, res.Header, b)
		}
		return ex.Shots, b
	}
	n, csvBody := export(fmt.Sprintf(`{"format":"csv","session":%d}`, first))
	rows, err := history.ReadCSV(bytes.NewReader(csvBody))
	if err != nil || n != 4 || len(rows) != 4 || rows[0].ID != "a1" {
		t.Fatalf("CSV export: %d announced, %d rows, %v\n%s", n, len(rows), err, csvBody)
	}
	n, jsonBody := export(`{"format":"json","time_range":"all","player":"bob"}`)
	doc, err := history.ReadJSON(bytes.NewReader(jsonBody))
	if err != nil || n != 2 || len(doc.Shots) != 2 || doc.Shots[1].Record == nil || doc.Player != "bob" {
		t.Fatalf("JSON export: %d announced, %+v, %v", n, doc, err)
	}
	// An empty range is an empty file with the header, not an error.
	n, empty := export(`{"format":"csv","from":"2020-01-01T00:00:00Z","to":"2020-01-02T00:00:00Z"}`)
	if n != 0 || string(empty) != strings.Join(history.Columns, ",")+"\n" {
		t.Errorf("empty export: %d shots, %q", n, empty)
	}
	for body, want := range map[string]int{
		`{"format":"xml"}`: 400, `{"format":"csv","session":999}`: 404, `{"format":"csv","time_range":"3d"}`: 400, `{"format":"csv","extra":1}`: 400,
	} {
		if status, b := export(body); status != want {
			t.Errorf("export %s: %d %s, want %d", body, status, b, want)
		}
	}
	if r := he.do(req{path: "/api/v1/game/export/0123456789abcdef"}); r.status != 404 {
		t.Errorf("unknown export: %d", r.status)
	}
}

func TestDrillEndpoints(t *testing.T) {
	he := newHistoryEnv(t)
	r := he.do(req{path: "/api/v1/drills"})
	lib := decode[struct{ Drills []history.Drill }](t, r)
	if r.status != 200 || len(lib.Drills) < 12 {
		t.Fatalf("drills: %d, %d drills", r.status, len(lib.Drills))
	}
	good := `{"id":"long-rail","name":"Long rail cut","shots":1,"balls":[{"ball":"cue","x":1,"y":0.5},{"ball":"4","x":5,"y":0.3}],"success":{"pot":["4"],"pocket":"corner-bottom-right"}}`
	offTable := strings.Replace(good, `"x":5,"y":0.3`, `"x":5,"y":-0.5`, 1)
	ct := map[string]string{"Content-Type": "application/json"}
	if r := he.do(req{method: "POST", path: "/api/v1/drills", body: offTable, auth: true, header: ct}); r.status != 400 || !bytes.Contains(r.body, []byte("off the table")) {
		t.Errorf("drill with a ball off the table: %d %s", r.status, r.body)
	}
	if ds, _ := he.store.Drills(context.Background()); len(ds) != 0 {
		t.Errorf("a refused drill was stored: %+v", ds)
	}
	if r := he.do(req{method: "POST", path: "/api/v1/drills", body: good, header: ct}); r.status != 401 {
		t.Errorf("add drill without the token: %d", r.status)
	}
	if r := he.do(req{method: "POST", path: "/api/v1/drills", body: good, auth: true, header: ct}); r.status != 201 {
		t.Fatalf("add drill: %d %s", r.status, r.body)
	}
	if r := he.do(req{path: "/api/v1/drills/long-rail"}); r.status != 200 {
		t.Errorf("get drill: %d %s", r.status, r.body)
	}
	if r := he.do(req{method: "POST", path: "/api/v1/drills/nope/start", body: `{"player":"ann"}`, auth: true}); r.status != 404 {
		t.Errorf("start unknown drill: %d %s", r.status, r.body)
	}
	if r := he.do(req{method: "POST", path: "/api/v1/drills/long-rail/start", body: `{}`, auth: true}); r.status != 400 {
		t.Errorf("start without a player: %d %s", r.status, r.body)
	}
	r = he.do(req{method: "POST", path: "/api/v1/drills/long-rail/start", body: `{"player":"ann"}`, auth: true})
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"state":"setup"`)) {
		t.Fatalf("start drill: %d %s", r.status, r.body)
	}
	if r := he.do(req{path: "/api/v1/drills/active"}); !bytes.Contains(r.body, []byte(`"player":"ann"`)) {
		t.Errorf("active drill: %s", r.body)
	}
	if r := he.do(req{path: "/api/v1/drills/progress?player=ann"}); r.status != 200 || !bytes.Contains(r.body, []byte(`"progress":[]`)) {
		t.Errorf("progress: %d %s", r.status, r.body)
	}
	if r := he.do(req{method: "POST", path: "/api/v1/drills/stop", auth: true}); r.status != 200 {
		t.Errorf("stop: %d %s", r.status, r.body)
	}
	if r := he.do(req{method: "DELETE", path: "/api/v1/drills/stop-shot", auth: true}); r.status != 404 {
		t.Errorf("delete a built-in drill: %d %s", r.status, r.body)
	}
	if r := he.do(req{method: "DELETE", path: "/api/v1/drills/long-rail", auth: true}); r.status != 204 {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if ds, _ := he.store.Drills(context.Background()); len(ds) != 0 {
		t.Errorf("deleted drill still stored: %+v", ds)
	}
}
