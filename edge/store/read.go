package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cuecast/cuecast/edge/history"
	"github.com/cuecast/cuecast/edge/model"
)

// where builds the WHERE clause of q (without paging).
func where(q history.Query) (string, []any) {
	var conds []string
	var args []any
	if !q.From.IsZero() {
		conds, args = append(conds, "ended_ns >= ?"), append(args, q.From.UnixNano())
	}
	if !q.To.IsZero() {
		conds, args = append(conds, "ended_ns < ?"), append(args, q.To.UnixNano())
	}
	if q.Player != "" {
		conds, args = append(conds, "shooter = ?"), append(args, q.Player)
	}
	if q.GameType != "" {
		conds, args = append(conds, "game_type = ?"), append(args, q.GameType)
	}
	if q.Session != 0 {
		conds, args = append(conds, "session_id = ?"), append(args, q.Session)
	}
	if q.GameID != "" {
		conds, args = append(conds, "game_id = ?"), append(args, q.GameID)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// listCols are a listed shot's columns; FROM listFrom.
const (
	listCols = "seq, id, session_id, rack_id, game_id, game_type, number, shooter, started_ns, ended_ns, source, img_before, img_after, features"
	listFrom = " FROM shots JOIN shot_records ON shot_seq = seq"
)

func scanListed(rows *sql.Rows, withRecord bool) (history.Shot, int64, error) {
	var sh history.Shot
	var seq, started, ended int64
	var feat, rec string
	dst := []any{&seq, &sh.ID, &sh.Session, &sh.Rack, &sh.GameID, &sh.GameType, &sh.Number, &sh.Shooter, &started, &ended, &sh.Source, &sh.Images.Before, &sh.Images.After, &feat}
	if withRecord {
		dst = append(dst, &rec)
	}
	if err := rows.Scan(dst...); err != nil {
		return sh, 0, err
	}
	sh.Started, sh.Ended = time.Unix(0, started).UTC(), time.Unix(0, ended).UTC()
	if err := json.Unmarshal([]byte(feat), &sh.Features); err != nil {
		return sh, 0, fmt.Errorf("store: shot %s: features: %w", sh.ID, err)
	}
	if withRecord {
		sh.Record = &model.ShotRecord{}
		if err := json.Unmarshal([]byte(rec), sh.Record); err != nil {
			return sh, 0, fmt.Errorf("store: shot %s: record: %w", sh.ID, err)
		}
	}
	return sh, seq, nil
}

// Shots lists shots newest first, a page of q.Limit at a time.
func (s *Store) Shots(ctx context.Context, q history.Query) (history.Page, error) {
	w, args := where(q)
	page := history.Page{Shots: []history.Shot{}}
	if err := s.rdb.QueryRowContext(ctx, "SELECT count(*) FROM shots"+w, args...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("store: count shots: %w", err)
	}
	if q.After != nil {
		c := "(ended_ns < ? OR ended_ns = ? AND seq < ?)"
		if w == "" {
			w = " WHERE " + c
		} else {
			w += " AND " + c
		}
		args = append(args, q.After.EndedNS, q.After.EndedNS, q.After.Seq)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+listCols+listFrom+w+" ORDER BY ended_ns DESC, seq DESC LIMIT ?", append(args, limit+1)...)
	if err != nil {
		return page, fmt.Errorf("store: list shots: %w", err)
	}
	defer rows.Close()
	var last history.Cursor
	for rows.Next() {
		sh, seq, err := scanListed(rows, false)
		if err != nil {
			return page, err
		}
		if len(page.Shots) == limit {
			page.NextCursor = last.String()
			break
		}
		page.Shots = append(page.Shots, sh)
		last = history.Cursor{EndedNS: sh.Ended.UnixNano(), Seq: seq}
	}
	return page, rows.Err()
}

// Shot returns one shot with its record (ErrNotFound if there is none).
func (s *Store) Shot(ctx context.Context, id string) (*history.Shot, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+listCols+", record"+listFrom+" WHERE seq = ("+seqByID+")", id)
	if err != nil {
		return nil, fmt.Errorf("store: shot %s: %w", id, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%w: shot %q", ErrNotFound, id)
	}
	sh, _, err := scanListed(rows, true)
	if err != nil {
		return nil, err
	}
	return &sh, nil
}

// Image returns a shot's picture (ErrNotFound when the shot or the
// picture is not kept).
func (s *Store) Image(ctx context.Context, id, kind string) ([]byte, error) {
	var b []byte
	err := s.rdb.QueryRowContext(ctx, "SELECT jpeg FROM shot_images WHERE shot_seq = ("+seqByID+") AND kind = ?2", id, kind).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: no %s picture for shot %q", ErrNotFound, kind, id)
	}
	return b, err
}

// Stats computes the statistics of the shots q selects (q.Limit ignored).
// It reads only the indexed columns, never the records: the yes/no figures
// packed into one integer by SQLite (whose <<, >>, & and | share one
// precedence level: hence the parentheses), names interned, nothing allocated per
// shot beyond the row itself.
func (s *Store) Stats(ctx context.Context, q history.Query) (history.Stats, error) {
	w, args := where(q)
	rows, err := s.rdb.QueryContext(ctx, `SELECT seq, rack_id, ended_ns, game_id, shooter, winner, fouls, made, balls_to_rail,
		is_break | (attempt<<1) | (potted<<2) | (scratch<<3) | (legal<<4) | (turn_over<<5) | (game_over<<6) | (cleared<<7),
		coalesce(cut_deg, 'nan'), coalesce(dist_m, 'nan'), coalesce(pos_err_cm, 'nan'), coalesce(path_err_cm, 'nan'),
		coalesce(end_err_cm, 'nan'), coalesce(spread_cm, 'nan'), coalesce(target_agree, -1), coalesce(outcome_agree, -1)
		FROM shots`+w, args...)
	if err != nil {
		return history.Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	defer rows.Close()
	var out []history.Row
	names := map[string]string{}
	intern := func(b sql.RawBytes) string {
		if v, ok := names[string(b)]; ok {
			return v
		}
		v := string(b)
		names[v] = v
		return v
	}
	var game, shooter, winner, fouls sql.RawBytes
	var floats [6]sql.NullFloat64
	for rows.Next() {
		var r history.Row
		var flags int64
		if err := rows.Scan(&r.Seq, &r.Rack, &r.EndedNS, &game, &shooter, &winner, &fouls, &r.Made, &r.BallsToRail, &flags,
			&floats[0], &floats[1], &floats[2], &floats[3], &floats[4], &floats[5], &r.TargetAgree, &r.OutcomeAgree); err != nil {
			return history.Stats{}, fmt.Errorf("store: stats: %w", err)
		}
		r.GameID, r.Shooter, r.Winner, r.Fouls = intern(game), intern(shooter), intern(winner), intern(fouls)
		r.Flags = history.RowFlags(flags)
		r.Cut, r.Dist, r.Pos, r.Path, r.EndErr, r.Spread = nanOr(floats[0]), nanOr(floats[1]), nanOr(floats[2]), nanOr(floats[3]), nanOr(floats[4]), nanOr(floats[5])
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return history.Stats{}, err
	}
	st := history.AggregateRows(out)
	st.Player = q.Player
	return st, nil
}

func nanOr(v sql.NullFloat64) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}

// Export writes every shot q selects, oldest first, with its record.
func (s *Store) Export(ctx context.Context, q history.Query, meta history.ExportMeta, e history.Exporter) (int, error) {
	w, args := where(q)
	rows, err := s.rdb.QueryContext(ctx, "SELECT "+listCols+", record"+listFrom+w+" ORDER BY ended_ns, seq", args...)
	if err != nil {
		return 0, fmt.Errorf("store: export: %w", err)
	}
	defer rows.Close()
	if err := e.Begin(meta); err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		sh, _, err := scanListed(rows, true)
		if err != nil {
			return n, err
		}
		if err := e.Write(&sh); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, e.End()
}

// Count is the number of shots q selects.
func (s *Store) Count(ctx context.Context, q history.Query) (int, error) {
	w, args := where(q)
	var n int
	err := s.rdb.QueryRowContext(ctx, "SELECT count(*) FROM shots"+w, args...).Scan(&n)
	return n, err
}

// Sessions lists sessions newest first (at most limit).
func (s *Store) Sessions(ctx context.Context, limit int) ([]history.Session, error) {
	return s.sessions(ctx, "", limit)
}

// Session returns one session (ErrNotFound).
func (s *Store) Session(ctx context.Context, id int64) (history.Session, error) {
	all, err := s.sessions(ctx, "WHERE s.id = ?", id)
	if err != nil {
		return history.Session{}, err
	}
	if len(all) == 0 {
		return history.Session{}, fmt.Errorf("%w: session %d", ErrNotFound, id)
	}
	return all[0], nil
}

// sessions runs the session query with cond ("" or a WHERE on s.*) and
// arg, which is the LIMIT without a condition.
func (s *Store) sessions(ctx context.Context, cond string, arg any) ([]history.Session, error) {
	q := `SELECT s.id, s.name, s.started_ns, s.ended_ns, s.last_ns,
		(SELECT count(*) FROM shots WHERE session_id = s.id),
		(SELECT group_concat(shooter, char(31)) FROM (SELECT DISTINCT shooter FROM shots WHERE session_id = s.id AND shooter != '' ORDER BY shooter))
		FROM sessions s `
	if cond == "" {
		q += "ORDER BY s.id DESC LIMIT ?"
	} else {
		q += cond
	}
	rows, err := s.rdb.QueryContext(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	defer rows.Close()
	out := []history.Session{}
	for rows.Next() {
		var se history.Session
		var started, last int64
		var ended sql.NullInt64
		var players sql.NullString
		if err := rows.Scan(&se.ID, &se.Name, &started, &ended, &last, &se.Shots, &players); err != nil {
			return nil, err
		}
		se.Started, se.Last = time.Unix(0, started).UTC(), time.Unix(0, last).UTC()
		if ended.Valid {
			t := time.Unix(0, ended.Int64).UTC()
			se.Ended = &t
		}
		if players.String != "" {
			se.Players = strings.Split(players.String, "\x1f")
		}
		out = append(out, se)
	}
	return out, rows.Err()
}

// CurrentSession is the session shots go to now (ID 0 when none started).
func (s *Store) CurrentSession(ctx context.Context) (history.Session, error) {
	var id int64
	err := s.rdb.QueryRowContext(ctx, "SELECT id FROM sessions WHERE ended_ns IS NULL ORDER BY id DESC LIMIT 1").Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return history.Session{}, nil
	}
	if err != nil {
		return history.Session{}, err
	}
	return s.Session(ctx, id)
}

// Game returns a game with its players (ErrNotFound).
func (s *Store) Game(ctx context.Context, id string) (history.Game, error) {
	var g history.Game
	var started int64
	var ended sql.NullInt64
	err := s.rdb.QueryRowContext(ctx, "SELECT id, session_id, game_type, started_ns, ended_ns, winner FROM games WHERE id = ?", id).
		Scan(&g.ID, &g.Session, &g.GameType, &started, &ended, &g.Winner)
	if errors.Is(err, sql.ErrNoRows) {
		return g, fmt.Errorf("%w: game %q", ErrNotFound, id)
	}
	if err != nil {
		return g, err
	}
	g.Started = time.Unix(0, started).UTC()
	if ended.Valid {
		t := time.Unix(0, ended.Int64).UTC()
		g.Ended = &t
	}
	var players sql.NullString
	if err := s.rdb.QueryRowContext(ctx, `SELECT count(*), (SELECT group_concat(shooter, char(31)) FROM (SELECT DISTINCT shooter FROM shots WHERE game_id = ?1 AND shooter != '' ORDER BY shooter))
		FROM shots WHERE game_id = ?1`, id).Scan(&g.Shots, &players); err != nil {
		return g, err
	}
	if players.String != "" {
		g.Players = strings.Split(players.String, "\x1f")
	}
	return g, nil
}

// Players lists every player name history knows, by name.
func (s *Store) Players(ctx context.Context) ([]string, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT name FROM players ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// Drills returns the technicians' drills (the built-in library is not
// stored).
func (s *Store) Drills(ctx context.Context) ([]history.Drill, error) {
	rows, err := s.rdb.QueryContext(ctx, "SELECT def FROM drills ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: drills: %w", err)
	}
	defer rows.Close()
	out := []history.Drill{}
	for rows.Next() {
		var def string
		if err := rows.Scan(&def); err != nil {
			return nil, err
		}
		var d history.Drill
		if err := json.Unmarshal([]byte(def), &d); err != nil {
			return nil, fmt.Errorf("store: drill: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Attempts lists drill attempts newest first: of one player ("" for all)
// and one drill ("" for all), at most limit.
func (s *Store) Attempts(ctx context.Context, player, drill string, limit int) ([]Attempt, error) {
	q := "SELECT id, drill_id, player, session_id, started_ns, ended_ns, shots, result FROM drill_attempts"
	var conds []string
	var args []any
	if player != "" {
		conds, args = append(conds, "player = ?"), append(args, player)
	}
	if drill != "" {
		conds, args = append(conds, "drill_id = ?"), append(args, drill)
	}
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := s.rdb.QueryContext(ctx, q+" ORDER BY ended_ns DESC, id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: attempts: %w", err)
	}
	defer rows.Close()
	out := []Attempt{}
	for rows.Next() {
		var a Attempt
		var started, ended int64
		var shots, res string
		if err := rows.Scan(&a.ID, &a.Drill, &a.Player, &a.Session, &started, &ended, &shots, &res); err != nil {
			return nil, err
		}
		a.Started, a.Ended = time.Unix(0, started).UTC(), time.Unix(0, ended).UTC()
		if json.Unmarshal([]byte(shots), &a.Shots) != nil || json.Unmarshal([]byte(res), &a.Result) != nil {
			return nil, fmt.Errorf("store: attempt %d is unreadable", a.ID)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Progress is one player's record on one drill.
type Progress struct {
	Drill     string    `json:"drill"`
	Player    string    `json:"player"`
	Attempts  int       `json:"attempts"`
	Successes int       `json:"successes"`
	Pct       float64   `json:"pct"`
	BestScore float64   `json:"best_score"`
	Streak    int       `json:"streak"`      // successes in a row up to the last attempt
	BestRun   int       `json:"best_streak"` // longest run of successes
	Last      time.Time `json:"last"`
	Recent    []bool    `json:"recent"` // the last 10 results, oldest first
}

// Progress returns a player's record on every drill they tried ("" for
// every player), by drill.
func (s *Store) Progress(ctx context.Context, player string) ([]Progress, error) {
	q := "SELECT drill_id, player, success, score, ended_ns FROM drill_attempts"
	var args []any
	if player != "" {
		q += " WHERE player = ?"
		args = append(args, player)
	}
	rows, err := s.rdb.QueryContext(ctx, q+" ORDER BY drill_id, player, ended_ns, id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: progress: %w", err)
	}
	defer rows.Close()
	out := []Progress{}
	var cur *Progress
	run := 0
	for rows.Next() {
		var d, p string
		var ok bool
		var score float64
		var ended int64
		if err := rows.Scan(&d, &p, &ok, &score, &ended); err != nil {
			return nil, err
		}
		if cur == nil || cur.Drill != d || cur.Player != p {
			out = append(out, Progress{Drill: d, Player: p})
			cur = &out[len(out)-1]
			run = 0
		}
		cur.Attempts++
		if ok {
			cur.Successes++
			run++
			cur.BestRun = max(cur.BestRun, run)
		} else {
			run = 0
		}
		cur.Streak = run
		cur.BestScore = max(cur.BestScore, score)
		cur.Last = time.Unix(0, ended).UTC()
		cur.Recent = append(cur.Recent, ok)
		if len(cur.Recent) > 10 {
			cur.Recent = cur.Recent[1:]
		}
	}
	for i := range out {
		out[i].Pct = float64(int(1000*float64(out[i].Successes)/float64(out[i].Attempts)+0.5)) / 10
	}
	return out, rows.Err()
}
