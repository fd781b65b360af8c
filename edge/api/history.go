package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/history"
)

// HistorySource is the shot history (edge/store, adapted by the daemon).
// Unknown ids are errors wrapping history.ErrNotFound.
type HistorySource interface {
	Shots(ctx context.Context, q history.Query) (history.Page, error)
	Shot(ctx context.Context, id string) (*history.Shot, error)
	Image(ctx context.Context, id, kind string) ([]byte, error)
	Stats(ctx context.Context, q history.Query) (history.Stats, error)
	Count(ctx context.Context, q history.Query) (int, error)
	Export(ctx context.Context, q history.Query, meta history.ExportMeta, e history.Exporter) (int, error)
	Sessions(ctx context.Context, limit int) ([]history.Session, error)
	Session(ctx context.Context, id int64) (history.Session, error)
	NewSession(ctx context.Context, name string) (history.Session, error)
	Players(ctx context.Context) ([]string, error)
}

// DrillSource runs drills (edge/recorder and edge/store, adapted by the
// daemon). Statuses and progress are JSON values the API passes through.
// Bad input is an error wrapping history.ErrInvalid, unknown ids
// history.ErrNotFound.
type DrillSource interface {
	Drills(ctx context.Context) ([]history.Drill, error)
	Drill(ctx context.Context, id string) (*history.Drill, error)
	AddDrill(ctx context.Context, raw []byte) (*history.Drill, error)
	DeleteDrill(ctx context.Context, id string) error
	StartDrill(ctx context.Context, id, player string) (any, error)
	StopDrill() any
	ActiveDrill() any
	Progress(ctx context.Context, player string) (any, error)
	Attempts(ctx context.Context, player, drill string, limit int) (any, error)
}

// GameResetter is the game service's reset (the referee), if it runs.
type GameResetter interface {
	ResetGame(ctx context.Context) error
}

func (a *API) historyRoutes() {
	a.get("GET /api/v1/game/history", a.withHistory(a.gameHistory))
	a.get("GET /api/v1/game/stats", a.withHistory(a.gameStats))
	a.get("GET /api/v1/game/sessions", a.withHistory(a.gameSessions))
	a.command("POST /api/v1/game/reset", a.withHistory(a.gameReset))
	a.command("POST /api/v1/game/export", a.withHistory(a.gameExport))
	a.get("GET /api/v1/game/export/{id}", a.withHistory(a.gameExportDownload))
	a.get("GET /api/v1/shots/{id}", a.withHistory(a.shot))
	a.get("GET /api/v1/shots/{id}/{kind}", a.withHistory(a.shotImage))

	a.get("GET /api/v1/drills", a.withDrills(a.drills))
	a.command("POST /api/v1/drills", a.withDrills(a.addDrill))
	a.get("GET /api/v1/drills/active", a.withDrills(a.activeDrill))
	a.get("GET /api/v1/drills/progress", a.withDrills(a.drillProgress))
	a.get("GET /api/v1/drills/attempts", a.withDrills(a.drillAttempts))
	a.command("POST /api/v1/drills/stop", a.withDrills(a.stopDrill))
	a.get("GET /api/v1/drills/{id}", a.withDrills(a.drill))
	a.command("DELETE /api/v1/drills/{id}", a.withDrills(a.deleteDrill))
	a.command("POST /api/v1/drills/{id}/start", a.withDrills(a.startDrill))
}

// withHistory runs h with the history, or answers 503 when it is not wired.
func (a *API) withHistory(h func(HistorySource, http.ResponseWriter, *http.Request) *apiError) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) *apiError {
		if a.deps.History == nil {
			return unavailable("shot history")
		}
		return h(a.deps.History, w, r)
	}
}

// withDrills runs h with the drills, or answers 503 when they are not wired.
func (a *API) withDrills(h func(DrillSource, http.ResponseWriter, *http.Request) *apiError) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) *apiError {
		if a.deps.Drills == nil {
			return unavailable("drills")
		}
		return h(a.deps.Drills, w, r)
	}
}

// intParam reads an optional integer parameter in [lo, hi].
func intParam(q url.Values, key string, def, lo, hi int) (int, *apiError) {
	s := q.Get(key)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("api: %s=%q: use %d-%d", key, s, lo, hi)
	}
	return n, nil
}

// storeError maps a history error to the API's answer.
func storeError(err error) *apiError {
	switch {
	case errors.Is(err, history.ErrNotFound):
		return errorf(http.StatusNotFound, CodeNotFound, "api: %v", err)
	case errors.Is(err, history.ErrInvalid):
		return badRequest("api: %v", err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "api: history is busy: %v; try again", err)
	}
	return errorf(http.StatusInternalServerError, CodeInternal, "api: history: %v", err)
}

// historyQuery reads the filters shared by history, stats and export from
// q: time_range or from/to (RFC 3339), player, game_type, session.
func (a *API) historyQuery(get func(string) string, defaultRange string) (history.Query, history.ExportMeta, string, *apiError) {
	var hq history.Query
	var meta history.ExportMeta
	rng, from, to := get("time_range"), get("from"), get("to")
	if rng != "" && (from != "" || to != "") {
		return hq, meta, "", badRequest("api: give time_range or from/to, not both")
	}
	if rng == "" && from == "" && to == "" {
		rng = defaultRange
	}
	now := a.now()
	if rng != "" {
		start, err := history.ParseRange(rng, now)
		if err != nil {
			return hq, meta, "", badRequest("api: %v", err)
		}
		if start != nil {
			hq.From = *start
		}
	}
	for _, p := range []struct {
		name string
		val  string
		dst  *time.Time
	}{{"from", from, &hq.From}, {"to", to, &hq.To}} {
		if p.val == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, p.val)
		if err != nil {
			return hq, meta, "", badRequest("api: %s=%q is not an RFC 3339 time (example: 2026-03-01T19:00:00Z)", p.name, p.val)
		}
		*p.dst = t
	}
	if !hq.From.IsZero() && !hq.To.IsZero() && !hq.From.Before(hq.To) {
		return hq, meta, "", badRequest("api: from (%s) must be before to (%s)", from, to)
	}
	hq.Player = get("player")
	if len(hq.Player) > 64 {
		return hq, meta, "", badRequest("api: player name longer than 64 bytes")
	}
	if gt := get("game_type"); gt != "" {
		if !history.GameTypes[gt] {
			return hq, meta, "", badRequest("api: game_type=%q: use 8ball, 9ball, 10ball or practice", gt)
		}
		hq.GameType = gt
	}
	if s := get("session"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return hq, meta, "", badRequest("api: session=%q is not a session id (GET /api/v1/game/sessions lists them)", s)
		}
		hq.Session = id
	}
	meta = history.ExportMeta{Exported: now.UTC(), Session: hq.Session, Player: hq.Player, GameType: hq.GameType}
	if !hq.From.IsZero() {
		f := hq.From.UTC()
		meta.From = &f
	}
	if !hq.To.IsZero() {
		t := hq.To.UTC()
		meta.To = &t
	}
	return hq, meta, rng, nil
}

func first(q url.Values) func(string) string {
	return func(k string) string { return q.Get(k) }
}

// gameHistory: GET /api/v1/game/history?time_range=|from=&to=&player=&game_type=&session=&limit=&cursor=
func (a *API) gameHistory(h HistorySource, w http.ResponseWriter, r *http.Request) *apiError {
	q, e := params(r, "time_range", "from", "to", "player", "game_type", "session", "limit", "cursor")
	if e != nil {
		return e
	}
	hq, _, _, e := a.historyQuery(first(q), "all")
	if e != nil {
		return e
	}
	if hq.Limit, e = intParam(q, "limit", 50, 1, 500); e != nil {
		return e
	}
	if s := q.Get("cursor"); s != "" {
		c, err := history.ParseCursor(s)
		if err != nil {
			return badRequest("api: %v", err)
		}
		hq.After = c
	}
	page, err := h.Shots(r.Context(), hq)
	if err != nil {
		return storeError(err)
	}
	a.writeJSON(w, http.StatusOK, page)
	return nil
}

// gameStats: GET /api/v1/game/stats?time_range=1h|6h|24h|7d|30d|all[&player=&game_type=&session=]
func (a *API) gameStats(h HistorySource, w http.ResponseWriter, r *http.Request) *apiError {
	q, e := params(r, "time_range", "from", "to", "player", "game_type", "session")
	if e != nil {
		return e
	}
	hq, _, rng, e := a.historyQuery(first(q), "all")
	if e != nil {
		return e
	}
	st, err := h.Stats(r.Context(), hq)
	if err != nil {
		return storeError(err)
	}
	st.Range = rng
	if !hq.From.IsZero() {
		f := hq.From.UTC()
		st.From = &f
	}
	st.To = a.now().UTC()
	if !hq.To.IsZero() {
		st.To = hq.To.UTC()
	}
	a.writeJSON(w, http.StatusOK, st)
	return nil
}

// gameSessions: GET /api/v1/game/sessions[?limit=N]; also the players.
func (a *API) gameSessions(h HistorySource, w http.ResponseWriter, r *http.Request) *apiError {
	q, e := params(r, "limit")
	if e != nil {
		return e
	}
	limit, e := intParam(q, "limit", 50, 1, 1000)
	if e != nil {
		return e
	}
	ss, err := h.Sessions(r.Context(), limit)
	if err != nil {
		return storeError(err)
	}
	players, err := h.Players(r.Context())
	if err != nil {
		return storeError(err)
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"sessions": ss, "players": players})
	return nil
}

// gameReset: POST /api/v1/game/reset [{"name":"league night"}] starts a new
// session and, when the game service runs, resets its game.
func (a *API) gameReset(h HistorySource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	var body struct {
		Name string `json:"name"`
	}
	b, e := readBody(w, r, 4096)
	if e != nil {
		return e
	}
	if len(b) > 0 {
		if e := strictJSON(b, &body); e != nil {
			return e
		}
	}
	if len(body.Name) > 80 {
		return badRequest("api: session name longer than 80 bytes")
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	gameReset := false
	if g := a.deps.GameReset; g != nil {
		if err := g.ResetGame(ctx); err != nil {
			return errorf(http.StatusInternalServerError, CodeInternal, "api: game reset: %v (no new session was started)", err)
		}
		gameReset = true
	}
	se, err := h.NewSession(ctx, body.Name)
	if err != nil {
		return storeError(err)
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"session": se, "game_reset": gameReset})
	return nil
}

// exports are prepared exports waiting for their download: the id is an
// unguessable capability, kept for exportTTL.
type exports struct {
	mu sync.Mutex
	m  map[string]exportReq
}

type exportReq struct {
	format  string
	q       history.Query
	meta    history.ExportMeta
	expires time.Time
	shots   int
}

const (
	exportTTL = time.Hour
	maxExport = 64
)

// gameExport: POST /api/v1/game/export {"format":"csv","time_range":"24h"}
// or {"format":"json","session":12}; answers the download URL.
func (a *API) gameExport(h HistorySource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	var body struct {
		Format    string `json:"format"`
		TimeRange string `json:"time_range"`
		From      string `json:"from"`
		To        string `json:"to"`
		Player    string `json:"player"`
		GameType  string `json:"game_type"`
		Session   int64  `json:"session"`
	}
	if e := decodeJSON(w, r, 4096, &body); e != nil {
		return e
	}
	if body.Format != history.FormatCSV && body.Format != history.FormatJSON {
		return badRequest("api: format %q: use csv or json", body.Format)
	}
	if body.Session < 0 {
		return badRequest("api: session %d is not a session id", body.Session)
	}
	fields := map[string]string{"time_range": body.TimeRange, "from": body.From, "to": body.To, "player": body.Player, "game_type": body.GameType}
	if body.Session > 0 {
		fields["session"] = strconv.FormatInt(body.Session, 10)
	}
	hq, meta, _, e := a.historyQuery(func(k string) string { return fields[k] }, "all")
	if e != nil {
		return e
	}
	if hq.Session != 0 {
		if _, err := h.Session(r.Context(), hq.Session); err != nil {
			return storeError(err)
		}
	}
	n, err := h.Count(r.Context(), hq)
	if err != nil {
		return storeError(err)
	}
	var idb [16]byte
	rand.Read(idb[:])
	id := hex.EncodeToString(idb[:])
	now := a.now()
	a.exports.mu.Lock()
	if a.exports.m == nil {
		a.exports.m = map[string]exportReq{}
	}
	for k, v := range a.exports.m {
		if now.After(v.expires) {
			delete(a.exports.m, k)
		}
	}
	if len(a.exports.m) >= maxExport {
		a.exports.mu.Unlock()
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "api: %d exports are waiting to be downloaded; download them or wait for them to expire (1 h)", maxExport)
	}
	a.exports.m[id] = exportReq{format: body.Format, q: hq, meta: meta, expires: now.Add(exportTTL), shots: n}
	a.exports.mu.Unlock()
	a.writeJSON(w, http.StatusCreated, map[string]any{
		"id": id, "format": body.Format, "shots": n, "url": "/api/v1/game/export/" + id, "expires": now.Add(exportTTL).UTC(),
	})
	return nil
}

// gameExportDownload: GET /api/v1/game/export/{id} streams the file. It may
// be downloaded again until it expires (the shots are read at download).
func (a *API) gameExportDownload(h HistorySource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	id := r.PathValue("id")
	a.exports.mu.Lock()
	req, ok := a.exports.m[id]
	a.exports.mu.Unlock()
	if !ok || a.now().After(req.expires) {
		return errorf(http.StatusNotFound, CodeNotFound, "api: no export %q (exports expire after an hour; POST /api/v1/game/export makes a new one)", id)
	}
	hw := w.Header()
	hw.Set("Content-Type", history.ContentType(req.format))
	hw.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="cuecast-history-%s.%s"`, req.meta.Exported.Format("20060102-150405"), req.format))
	hw.Set("Cache-Control", "no-store")
	e, err := history.NewExporter(req.format, w)
	if err != nil {
		return storeError(err)
	}
	if _, err := h.Export(r.Context(), req.q, req.meta, e); err != nil {
		// The header may be out: all we can do is log and cut the body.
		a.log.Warn("api: export failed midway", "export", id, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// shot: GET /api/v1/shots/{id}
func (a *API) shot(h HistorySource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	sh, err := h.Shot(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeError(err)
	}
	urls := map[string]string{}
	if sh.Images.Before {
		urls["before"] = "/api/v1/shots/" + url.PathEscape(sh.ID) + "/before.jpg"
	}
	if sh.Images.After {
		urls["after"] = "/api/v1/shots/" + url.PathEscape(sh.ID) + "/after.jpg"
	}
	a.writeJSON(w, http.StatusOK, struct {
		*history.Shot
		ImageURLs map[string]string `json:"image_urls"`
	}{sh, urls})
	return nil
}

// shotImage: GET /api/v1/shots/{id}/before.jpg | after.jpg
func (a *API) shotImage(h HistorySource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	var kind string
	switch r.PathValue("kind") {
	case "before.jpg":
		kind = history.ImageBefore
	case "after.jpg":
		kind = history.ImageAfter
	default:
		return errorf(http.StatusNotFound, CodeNotFound, "api: %s: a shot has before.jpg and after.jpg", r.URL.Path)
	}
	b, err := h.Image(r.Context(), r.PathValue("id"), kind)
	if err != nil {
		return storeError(err)
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, max-age=86400") // a shot's pictures never change
	w.Write(b)
	return nil
}

// ---- drills ----

func (a *API) drills(d DrillSource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	all, err := d.Drills(r.Context())
	if err != nil {
		return storeError(err)
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"drills": all})
	return nil
}

func (a *API) drill(d DrillSource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	dr, err := d.Drill(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeError(err)
	}
	a.writeJSON(w, http.StatusOK, dr)
	return nil
}

// addDrill: POST /api/v1/drills with one drill as JSON (docs/history.md).
func (a *API) addDrill(d DrillSource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	if e := jsonBody(r); e != nil {
		return e
	}
	b, e := readBody(w, r, 64<<10)
	if e != nil {
		return e
	}
	dr, err := d.AddDrill(r.Context(), b)
	if err != nil {
		return storeError(err)
	}
	a.writeJSON(w, http.StatusCreated, dr)
	return nil
}

func (a *API) deleteDrill(d DrillSource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	if err := d.DeleteDrill(r.Context(), r.PathValue("id")); err != nil {
		return storeError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// startDrill: POST /api/v1/drills/{id}/start {"player":"ann"}
func (a *API) startDrill(d DrillSource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	var body struct {
		Player string `json:"player"`
	}
	if e := decodeJSON(w, r, 4096, &body); e != nil {
		return e
	}
	st, err := d.StartDrill(r.Context(), r.PathValue("id"), body.Player)
	if err != nil {
		return storeError(err)
	}
	a.writeJSON(w, http.StatusOK, st)
	return nil
}

func (a *API) stopDrill(d DrillSource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	if e := noBody(w, r); e != nil {
		return e
	}
	a.writeJSON(w, http.StatusOK, d.StopDrill())
	return nil
}

func (a *API) activeDrill(d DrillSource, w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	a.writeJSON(w, http.StatusOK, d.ActiveDrill())
	return nil
}

// drillProgress: GET /api/v1/drills/progress[?player=ann]
func (a *API) drillProgress(d DrillSource, w http.ResponseWriter, r *http.Request) *apiError {
	q, e := params(r, "player")
	if e != nil {
		return e
	}
	p, err := d.Progress(r.Context(), q.Get("player"))
	if err != nil {
		return storeError(err)
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"progress": p})
	return nil
}

// drillAttempts: GET /api/v1/drills/attempts[?player=&drill=&limit=]
func (a *API) drillAttempts(d DrillSource, w http.ResponseWriter, r *http.Request) *apiError {
	q, e := params(r, "player", "drill", "limit")
	if e != nil {
		return e
	}
	limit, e := intParam(q, "limit", 50, 1, 1000)
	if e != nil {
		return e
	}
	at, err := d.Attempts(r.Context(), q.Get("player"), q.Get("drill"), limit)
	if err != nil {
		return storeError(err)
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"attempts": at})
	return nil
}
