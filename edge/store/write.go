package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cuecast/cuecast/edge/history"
)

type opKind int

const (
	opShot opKind = iota
	opReplace
	opImage
	opSession
	opDrill
	opDeleteDrill
	opAttempt
	opFlush
)

// op is one write for the writer goroutine.
type op struct {
	kind    opKind
	shot    *history.Shot
	newRack bool
	oldID   string // opReplace: the provisional shot it replaces
	shotID  string // opImage
	imgKind string
	jpeg    []byte
	name    string          // opSession
	sess    history.Session // opSession result
	drill   *history.Drill
	attempt *Attempt
	done    func(error)
}

func (o *op) finish(err error) {
	if o.done != nil {
		o.done(err)
	}
}

// grows reports whether the op adds bytes (size check after the commit).
func (o *op) grows() bool { return o.kind == opShot || o.kind == opImage || o.kind == opReplace }

// writerState is the writer's view of the current session and rack.
type writerState struct {
	session     int64
	sessionLast int64 // ns
	rack        int64
	rackSession int64
	rackGame    string
	rackEnded   bool
}

func (s *Store) loadWriterState(ctx context.Context) error {
	var id, last sql.NullInt64
	err := s.wdb.QueryRowContext(ctx, "SELECT id, last_ns FROM sessions WHERE ended_ns IS NULL ORDER BY id DESC LIMIT 1").Scan(&id, &last)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: load current session: %w", err)
	}
	s.w = writerState{session: id.Int64, sessionLast: last.Int64}
	if s.w.session == 0 {
		return nil
	}
	var rack sql.NullInt64
	var game sql.NullString
	var ended sql.NullInt64
	err = s.wdb.QueryRowContext(ctx, "SELECT id, game_id, ended_ns FROM racks WHERE session_id = ? ORDER BY id DESC LIMIT 1", s.w.session).Scan(&rack, &game, &ended)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: load current rack: %w", err)
	}
	s.w.rack, s.w.rackSession, s.w.rackGame, s.w.rackEnded = rack.Int64, s.w.session, game.String, ended.Valid
	return nil
}

// AddShot queues a shot for writing. The writer fills sh.Session and
// sh.Rack: the current session (a new one after Options.SessionIdle
// without shots) and the current rack (a new one when newRack, after a
// rack ended, or when the game changes). done (may be nil) is called once
// the shot is durable or refused. It never blocks; false means refused.
func (s *Store) AddShot(sh *history.Shot, newRack bool, done func(error)) bool {
	if err := validShot(sh); err != nil {
		(&op{done: done}).finish(err)
		s.failed.Add(1)
		return false
	}
	return s.enqueue(&op{kind: opShot, shot: sh, newRack: newRack, done: done})
}

// ReplaceShot queues the replacement of a provisional shot (recorded from
// the tracker's shot_ended) by the game layer's record of the same shot.
// The replacement keeps the provisional shot's session, rack and pictures.
// When oldID is unknown (pruned, never written) the shot is added instead.
func (s *Store) ReplaceShot(oldID string, sh *history.Shot, done func(error)) bool {
	if err := validShot(sh); err != nil {
		(&op{done: done}).finish(err)
		s.failed.Add(1)
		return false
	}
	return s.enqueue(&op{kind: opReplace, oldID: oldID, shot: sh, done: done})
}

// PutImage queues a picture (kind history.ImageBefore or ImageAfter) of a
// shot already queued or written.
func (s *Store) PutImage(shotID, kind string, jpeg []byte, done func(error)) bool {
	if kind != history.ImageBefore && kind != history.ImageAfter {
		(&op{done: done}).finish(fmt.Errorf("store: image kind %q: want before or after", kind))
		return false
	}
	if len(jpeg) < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8 {
		(&op{done: done}).finish(errors.New("store: image is not a JPEG"))
		return false
	}
	return s.enqueue(&op{kind: opImage, shotID: shotID, imgKind: kind, jpeg: jpeg, done: done})
}

// NewSession ends the current session and starts another, waiting for the
// commit.
func (s *Store) NewSession(ctx context.Context, name string) (history.Session, error) {
	if len(name) > 80 {
		return history.Session{}, errors.New("store: session name longer than 80 bytes")
	}
	o := &op{kind: opSession, name: name}
	err := s.do(ctx, o)
	return o.sess, err
}

// Flush waits until every write queued before it is committed: the writer
// takes the queue in order, so an empty op behind them is a barrier.
func (s *Store) Flush(ctx context.Context) error {
	return s.do(ctx, &op{kind: opFlush})
}

// PutDrill stores a technician's drill, waiting for the commit. A drill
// with the id of another custom drill replaces it.
func (s *Store) PutDrill(ctx context.Context, d *history.Drill) error {
	return s.do(ctx, &op{kind: opDrill, drill: d})
}

// DeleteDrill removes a custom drill (ErrNotFound if there is none).
func (s *Store) DeleteDrill(ctx context.Context, id string) error {
	return s.do(ctx, &op{kind: opDeleteDrill, name: id})
}

// Attempt is one scored drill attempt.
type Attempt struct {
	ID      int64          `json:"id"`
	Drill   string         `json:"drill"`
	Player  string         `json:"player"`
	Session int64          `json:"session"`
	Started time.Time      `json:"started"`
	Ended   time.Time      `json:"ended"`
	Shots   []string       `json:"shots"`
	Result  history.Result `json:"result"`
}

// AddAttempt queues a drill attempt (Session 0: the current session).
func (s *Store) AddAttempt(a *Attempt, done func(error)) bool {
	if a.Drill == "" || len(a.Player) > 64 {
		(&op{done: done}).finish(errors.New("store: attempt needs a drill and a player name of at most 64 bytes"))
		return false
	}
	return s.enqueue(&op{kind: opAttempt, attempt: a, done: done})
}

func validShot(sh *history.Shot) error {
	if sh == nil || sh.Record == nil {
		return errors.New("store: shot without a record")
	}
	if err := history.ValidateRecord(sh.Record); err != nil {
		return err
	}
	if sh.ID != sh.Record.ID {
		return fmt.Errorf("store: shot id %q differs from its record's %q", sh.ID, sh.Record.ID)
	}
	if sh.Source != history.SourceShot && sh.Source != history.SourceShotEnded {
		return fmt.Errorf("store: shot %s: source %q", sh.ID, sh.Source)
	}
	return nil
}

// apply runs one op inside the batch's transaction. It may change s.w; the
// caller restores it when the op fails.
func (s *Store) apply(ctx context.Context, tx *sql.Tx, o *op) error {
	switch o.kind {
	case opShot:
		return s.insertShot(ctx, tx, o.shot, o.newRack)
	case opReplace:
		return s.replaceShot(ctx, tx, o.oldID, o.shot)
	case opImage:
		col := "img_before"
		if o.imgKind == history.ImageAfter {
			col = "img_after"
		}
		var seq int64
		if err := tx.QueryRowContext(ctx, seqByID, o.shotID).Scan(&seq); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: shot %s", ErrNotFound, o.shotID)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO shot_images(shot_seq, kind, jpeg) VALUES(?, ?, ?)", seq, o.imgKind, o.jpeg); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE shots SET "+col+" = 1 WHERE seq = ?", seq)
		return err
	case opSession:
		now := s.o.Now().UnixNano()
		if err := s.endSession(ctx, tx, now); err != nil {
			return err
		}
		id, err := s.startSession(ctx, tx, now, o.name)
		if err != nil {
			return err
		}
		o.sess = history.Session{ID: id, Name: o.name, Started: time.Unix(0, now).UTC(), Last: time.Unix(0, now).UTC()}
		return nil
	case opDrill:
		b, err := json.Marshal(o.drill)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO drills(id, def, created_ns) VALUES(?, ?, ?) ON CONFLICT(id) DO UPDATE SET def = excluded.def", o.drill.ID, string(b), s.o.Now().UnixNano())
		return err
	case opDeleteDrill:
		res, err := tx.ExecContext(ctx, "DELETE FROM drills WHERE id = ?", o.name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: drill %s", ErrNotFound, o.name)
		}
		return nil
	case opAttempt:
		a := o.attempt
		if a.Session == 0 {
			if err := s.sessionFor(ctx, tx, a.Ended.UnixNano()); err != nil {
				return err
			}
			a.Session = s.w.session
		}
		shots, _ := json.Marshal(a.Shots)
		res, _ := json.Marshal(a.Result)
		r, err := tx.ExecContext(ctx, `INSERT INTO drill_attempts(drill_id, player, session_id, started_ns, ended_ns, success, score, shots, result)
			VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.Drill, a.Player, a.Session, a.Started.UnixNano(), a.Ended.UnixNano(), a.Result.Success, a.Result.Score, string(shots), string(res))
		if err != nil {
			return err
		}
		a.ID, _ = r.LastInsertId()
		return s.touchPlayer(ctx, tx, a.Player, a.Ended.UnixNano())
	case opFlush:
		return nil
	}
	return fmt.Errorf("store: unknown op %d", o.kind)
}

func (s *Store) startSession(ctx context.Context, tx *sql.Tx, at int64, name string) (int64, error) {
	r, err := tx.ExecContext(ctx, "INSERT INTO sessions(name, started_ns, last_ns) VALUES(?, ?, ?)", name, at, at)
	if err != nil {
		return 0, err
	}
	id, err := r.LastInsertId()
	s.w.session, s.w.sessionLast = id, at
	return id, err
}

func (s *Store) endSession(ctx context.Context, tx *sql.Tx, at int64) error {
	if s.w.session == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "UPDATE sessions SET ended_ns = ? WHERE id = ?", at, s.w.session); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE racks SET ended_ns = ? WHERE session_id = ? AND ended_ns IS NULL", at, s.w.session); err != nil {
		return err
	}
	s.w.session, s.w.rackEnded = 0, true
	return nil
}

// sessionFor makes s.w.session the session a write at time at belongs to.
func (s *Store) sessionFor(ctx context.Context, tx *sql.Tx, at int64) error {
	if s.w.session != 0 && at-s.w.sessionLast > int64(s.o.SessionIdle) {
		if err := s.endSession(ctx, tx, s.w.sessionLast); err != nil {
			return err
		}
	}
	if s.w.session == 0 {
		if _, err := s.startSession(ctx, tx, at, ""); err != nil {
			return err
		}
	}
	if at > s.w.sessionLast {
		s.w.sessionLast = at
		_, err := tx.ExecContext(ctx, "UPDATE sessions SET last_ns = ? WHERE id = ?", at, s.w.session)
		return err
	}
	return nil
}

func (s *Store) touchPlayer(ctx context.Context, tx *sql.Tx, name string, at int64) error {
	if name == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO players(name, first_ns, last_ns) VALUES(?, ?, ?)
		ON CONFLICT(name) DO UPDATE SET last_ns = max(last_ns, excluded.last_ns)`, name, at, at)
	return err
}

func (s *Store) insertShot(ctx context.Context, tx *sql.Tx, sh *history.Shot, newRack bool) error {
	ended := sh.Ended.UnixNano()
	started := ended
	if !sh.Started.IsZero() {
		started = sh.Started.UnixNano()
	}
	if err := s.sessionFor(ctx, tx, ended); err != nil {
		return err
	}
	if newRack || s.w.rack == 0 || s.w.rackEnded || s.w.rackSession != s.w.session || sh.GameID != "" && sh.GameID != s.w.rackGame {
		if s.w.rack != 0 && !s.w.rackEnded {
			if _, err := tx.ExecContext(ctx, "UPDATE racks SET ended_ns = ? WHERE id = ?", started, s.w.rack); err != nil {
				return err
			}
		}
		r, err := tx.ExecContext(ctx, "INSERT INTO racks(session_id, game_id, started_ns) VALUES(?, ?, ?)", s.w.session, sh.GameID, started)
		if err != nil {
			return err
		}
		s.w.rack, _ = r.LastInsertId()
		s.w.rackSession, s.w.rackGame, s.w.rackEnded = s.w.session, sh.GameID, false
	}
	sh.Session, sh.Rack = s.w.session, s.w.rack
	if err := s.writeShotRow(ctx, tx, sh, 0); err != nil {
		return err
	}
	return s.afterShot(ctx, tx, sh)
}

// afterShot updates the game, rack and player a written shot belongs to.
func (s *Store) afterShot(ctx context.Context, tx *sql.Tx, sh *history.Shot) error {
	ended := sh.Ended.UnixNano()
	f := &sh.Features
	if sh.GameID != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO games(id, session_id, game_type, started_ns) VALUES(?, ?, ?, ?)
			ON CONFLICT(id) DO NOTHING`, sh.GameID, sh.Session, sh.GameType, ended); err != nil {
			return err
		}
		if f.GameOver {
			if _, err := tx.ExecContext(ctx, "UPDATE games SET ended_ns = ?, winner = ? WHERE id = ?", ended, f.Winner, sh.GameID); err != nil {
				return err
			}
		}
	}
	if (f.GameOver || f.Cleared) && sh.Rack == s.w.rack {
		if _, err := tx.ExecContext(ctx, "UPDATE racks SET ended_ns = ?, cleared = ? WHERE id = ?", ended, f.Cleared, sh.Rack); err != nil {
			return err
		}
		s.w.rackEnded = true
	}
	return s.touchPlayer(ctx, tx, sh.Shooter, ended)
}

// seqByID finds a shot's row by its id or by the id of the provisional
// shot it replaced.
const seqByID = `SELECT seq FROM shots WHERE id = ?1
	UNION ALL SELECT s.seq FROM shot_alias a JOIN shots s ON s.id = a.new_id WHERE a.old_id = ?1 LIMIT 1`

func (s *Store) replaceShot(ctx context.Context, tx *sql.Tx, oldID string, sh *history.Shot) error {
	var seq, session, rack int64
	err := tx.QueryRowContext(ctx, "SELECT seq, session_id, rack_id FROM shots WHERE seq = ("+seqByID+")", oldID).Scan(&seq, &session, &rack)
	if errors.Is(err, sql.ErrNoRows) {
		return s.insertShot(ctx, tx, sh, false)
	}
	if err != nil {
		return err
	}
	sh.Session, sh.Rack = session, rack
	if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO shot_alias(old_id, new_id) VALUES(?, ?)", oldID, sh.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "UPDATE shot_alias SET new_id = ? WHERE new_id = ?", sh.ID, oldID); err != nil {
		return err
	}
	if sh.GameID != "" {
		// The provisional shot's rack did not know the game: name it now.
		if _, err := tx.ExecContext(ctx, "UPDATE racks SET game_id = ? WHERE id = ? AND game_id = ''", sh.GameID, rack); err != nil {
			return err
		}
		if rack == s.w.rack {
			s.w.rackGame = sh.GameID
		}
	}
	if err := s.writeShotRow(ctx, tx, sh, seq); err != nil {
		return err
	}
	return s.afterShot(ctx, tx, sh)
}

// writeShotRow inserts sh, or overwrites the row seq (keeping its images)
// when seq is not 0.
func (s *Store) writeShotRow(ctx context.Context, tx *sql.Tx, sh *history.Shot, seq int64) error {
	f := &sh.Features
	feat, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("store: shot %s features: %w", sh.ID, err)
	}
	rec, err := json.Marshal(sh.Record)
	if err != nil {
		return fmt.Errorf("store: shot %s record: %w", sh.ID, err)
	}
	started := sh.Ended.UnixNano()
	if !sh.Started.IsZero() {
		started = sh.Started.UnixNano()
	}
	args := []any{sh.ID, sh.Session, sh.Rack, sh.GameID, sh.GameType, sh.Number, sh.Shooter, started, sh.Ended.UnixNano(), sh.Source,
		f.Break, f.Attempt, f.Potted, f.Made, f.Scratch, f.Legal, f.TurnOver, f.GameOver, f.Cleared, f.Winner, strings.Join(f.Fouls, ","),
		nf(f.CutDeg), nf(f.DistM), nf(f.PositionErrCM), nf(f.PathErrCM), nf(f.EndErrCM), nb(f.TargetAgree), nb(f.OutcomeAgree), nf(f.SpreadCM), f.BallsToRail}
	cols := `id, session_id, rack_id, game_id, game_type, number, shooter, started_ns, ended_ns, source,
		is_break, attempt, potted, made, scratch, legal, turn_over, game_over, cleared, winner, fouls,
		cut_deg, dist_m, pos_err_cm, path_err_cm, end_err_cm, target_agree, outcome_agree, spread_cm, balls_to_rail`
	if seq == 0 {
		r, err := tx.ExecContext(ctx, "INSERT INTO shots("+cols+") VALUES("+strings.Repeat("?, ", len(args)-1)+"?)", args...)
		if err != nil && strings.Contains(err.Error(), "UNIQUE") {
			return fmt.Errorf("%w: shot %s", ErrExists, sh.ID)
		}
		if err != nil {
			return err
		}
		if seq, err = r.LastInsertId(); err != nil {
			return err
		}
	} else {
		set := strings.ReplaceAll(strings.ReplaceAll(cols, "\n", " "), "\t", "")
		parts := strings.Split(set, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i]) + " = ?"
		}
		_, err = tx.ExecContext(ctx, "UPDATE shots SET "+strings.Join(parts, ", ")+" WHERE seq = ?", append(args, seq)...)
		if err != nil && strings.Contains(err.Error(), "UNIQUE") {
			return fmt.Errorf("%w: shot %s", ErrExists, sh.ID)
		}
		if err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, "INSERT OR REPLACE INTO shot_records(shot_seq, features, record) VALUES(?, ?, ?)", seq, string(feat), string(rec))
	return err
}

func nf(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func nb(p *bool) any {
	if p == nil {
		return nil
	}
	return *p
}
