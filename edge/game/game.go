package game

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/referee"
)

// Options configure a Service.
type Options struct {
	Hub *hub.Hub // publishes the game stream and shot events, feeds shot_ended
	// StateDir keeps game.json; "" keeps the game in memory only.
	StateDir string
	Table    model.Size // zero: 9 ft
	// Rules is the edition of the WPA rules a game cites when its `new`
	// command names none (config game.rules): referee.Edition2016 (the
	// default, "") or referee.Edition2025. SetDefaultRules changes it.
	Rules string
	Log   *slog.Logger
	Now   func() time.Time
}

// Settings are a game's set-up as people choose it.
type Settings struct {
	Game           referee.Game `json:"game"`
	Players        []string     `json:"players"`
	BallInHand     string       `json:"ball_in_hand"` // anywhere (WPA) | kitchen
	CallAll        bool         `json:"call_all"`
	AlternateBreak bool         `json:"alternate_break"`
	// Rules is the edition the game's decisions cite: "2016" or "2025". A
	// game saved without it takes the service's default when resumed.
	Rules string `json:"rules"`
}

// Snapshot is the game stream's data and GET /api/v1/game/state's body.
type Snapshot struct {
	GameID string `json:"game_id"` // "" in free practice
	referee.State
	Settings Settings   `json:"settings"`
	Score    string     `json:"score"` // "Anna 2 - 1 Ben"; "" in practice
	Table    model.Size `json:"table"`
	// HeadString is x of the head string: ball in hand "kitchen" is x <= it.
	HeadString float64 `json:"head_string"`
	// Called and PushOut are what was said for the next shot.
	Called  *model.Call `json:"called,omitempty"`
	PushOut bool        `json:"push_out"`
	// ShotsRecorded counts the shot records kept for this game.
	ShotsRecorded int       `json:"shots_recorded"`
	Updated       time.Time `json:"updated"`
}

// BadInput is a command that does not fit the game; nothing was changed.
type BadInput struct{ Msg string }

func (e *BadInput) Error() string { return "game: " + e.Msg }

func bad(format string, args ...any) error { return &BadInput{Msg: fmt.Sprintf(format, args...)} }

// ErrUnknownCommand is returned for a command name Command does not know.
var ErrUnknownCommand = errors.New("game: unknown command")

// entry is one thing that happened, in order.
type entry struct {
	Shot   *referee.Shot `json:"shot,omitempty"`
	Option string        `json:"option,omitempty"`
	By     string        `json:"by,omitempty"`
}

type overrule struct {
	Shot   int      `json:"shot"`
	Fouls  []string `json:"fouls"`
	Reason string   `json:"reason,omitempty"`
}

// pending is what was said for the next shot.
type pending struct {
	Called  *model.Call `json:"called,omitempty"`
	PushOut bool        `json:"push_out,omitempty"`
}

// saved is the game as persisted: enough to rebuild the referee.
type saved struct {
	Version   int                `json:"version"`
	Session   string             `json:"session"` // unique per game (practice included)
	Practice  bool               `json:"practice"`
	Settings  Settings           `json:"settings"`
	Log       []entry            `json:"log"`
	Overrules []overrule         `json:"overrules,omitempty"`
	Records   []model.ShotRecord `json:"records"`
	Pending   pending            `json:"pending"`
	Seen      []string           `json:"seen,omitempty"` // recent command ids
	Updated   time.Time          `json:"updated"`
}

const (
	savedVersion = 1
	maxSeen      = 256
	// maxRecords bounds the shot records a game keeps in memory and in its
	// state file (history keeps them all); older ones can no longer be
	// overruled.
	maxRecords = 500
)

// Service is the game service.
type Service struct {
	opts Options
	log  *slog.Logger

	mu     sync.Mutex // guards the fields below
	rules  string     // the edition of games that name none
	g      saved
	ref    *referee.Referee
	aim    *model.Trajectory // latest aiming prediction
	pred   *model.Trajectory // frozen at shot_started
	start  time.Time         // shot_started time
	closed bool

	stop      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New makes the service and resumes the game saved in opts.StateDir, if
// any (a file that cannot be read or replayed is reported in the error and
// a free-practice session starts instead).
func New(opts Options) (*Service, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Table.Length <= 0 || opts.Table.Width <= 0 {
		opts.Table = model.Table9ft
	}
	s := &Service{opts: opts, log: opts.Log, stop: make(chan struct{})}
	var loadErr error
	s.rules, loadErr = referee.ParseEdition(opts.Rules)
	if loadErr != nil {
		s.rules = referee.DefaultEdition
		loadErr = fmt.Errorf("game: %w; the %s edition is used", loadErr, s.rules)
	}
	g, ref, err := s.fresh(Settings{Game: referee.Practice})
	if err != nil {
		return nil, err
	}
	s.g, s.ref = g, ref
	if opts.StateDir != "" {
		if lg, ok, err := load(opts.StateDir); err != nil {
			loadErr = errors.Join(loadErr, err)
		} else if ok {
			if lg.Settings.Rules == "" {
				lg.Settings.Rules = s.rules // saved before the edition was a setting
			}
			if ref, recs, err := s.rebuild(&lg); err != nil {
				loadErr = errors.Join(loadErr, fmt.Errorf("game: replaying the saved game: %w", err))
			} else {
				lg.Records = recs
				s.g, s.ref = lg, ref
			}
		}
	}
	return s, loadErr
}

func newSession() string {
	var b [6]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// fresh starts a game of the given settings; without an edition, the
// service's default.
func (s *Service) fresh(set Settings) (saved, *referee.Referee, error) {
	if set.Game == "" {
		set.Game = referee.Practice
	}
	if set.BallInHand == "" {
		set.BallInHand = referee.PlaceAnywhere
	}
	if set.Rules == "" {
		set.Rules = s.rules
	}
	ed, err := referee.ParseEdition(set.Rules)
	if err != nil {
		return saved{}, nil, bad("%v", err)
	}
	set.Rules = ed
	ref, err := referee.New(s.refConfig(set))
	if err != nil {
		return saved{}, nil, bad("%v", err)
	}
	return saved{Version: savedVersion, Session: newSession(), Practice: set.Game == referee.Practice, Settings: set,
		Log: []entry{}, Records: []model.ShotRecord{}, Updated: s.opts.Now()}, ref, nil
}

func (s *Service) refConfig(set Settings) referee.Config {
	return referee.Config{Game: set.Game, Players: set.Players, BallInHand: set.BallInHand,
		CallAll: set.CallAll, AlternateBreak: set.AlternateBreak, Table: s.opts.Table, Edition: set.Rules}
}

// rebuild replays g's log on a new referee, the overrules applied, and
// returns the records with their decisions as judged now.
func (s *Service) rebuild(g *saved) (*referee.Referee, []model.ShotRecord, error) {
	ref, err := referee.New(s.refConfig(g.Settings))
	if err != nil {
		return nil, nil, err
	}
	over := map[int]*referee.Override{}
	for _, o := range g.Overrules {
		over[o.Shot] = &referee.Override{Fouls: o.Fouls}
	}
	recs := append([]model.ShotRecord(nil), g.Records...)
	byNumber := map[int]int{}
	for i, r := range recs {
		byNumber[r.Number] = i
	}
	n := 0
	for i, e := range g.Log {
		if e.Shot == nil {
			if err := ref.Choose(e.Option, e.By); err != nil {
				return nil, nil, fmt.Errorf("log entry %d (option %s): %w", i+1, e.Option, err)
			}
			continue
		}
		n++
		d, err := ref.JudgeWith(*e.Shot, over[n], true)
		if err != nil {
			return nil, nil, fmt.Errorf("shot %d: %w", n, err)
		}
		if k, ok := byNumber[n]; ok {
			dd := d
			recs[k].Decision = &dd
		}
	}
	return ref, recs, nil
}

// SetDefaultRules sets the edition of the games started from now on that
// name none (a config reload): the game in progress keeps its own. An
// unknown edition is an error and changes nothing.
func (s *Service) SetDefaultRules(edition string) error {
	ed, err := referee.ParseEdition(edition)
	if err != nil {
		return bad("%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules = ed
	return nil
}

// snapshotLocked is the game as published.
func (s *Service) snapshotLocked() Snapshot {
	st := s.ref.State()
	snap := Snapshot{State: st, Settings: s.g.Settings, Table: s.opts.Table, HeadString: s.opts.Table.Length / 4,
		Called: s.g.Pending.Called, PushOut: s.g.Pending.PushOut, ShotsRecorded: len(s.g.Records), Updated: s.g.Updated}
	snap.Settings.Players = append([]string{}, s.g.Settings.Players...)
	if !s.g.Practice {
		snap.GameID = s.g.Session
		if len(st.Players) == 2 {
			a, b := st.Players[0], st.Players[1]
			snap.Score = fmt.Sprintf("%s %d - %d %s", a, st.Racks[a], st.Racks[b], b)
		}
	}
	return snap
}

// Snapshot returns the game now.
func (s *Service) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

// Records returns the shot records of this game, oldest first.
func (s *Service) Records() []model.ShotRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.ShotRecord(nil), s.g.Records...)
}

// commitLocked makes g the game, persists and publishes it. changed are
// the records (by index) whose decisions changed and are published again.
func (s *Service) commitLocked(g saved, ref *referee.Referee, shots []model.ShotRecord) {
	g.Updated = s.opts.Now()
	s.g, s.ref = g, ref
	if s.opts.StateDir != "" {
		if err := store(s.opts.StateDir, &s.g); err != nil {
			s.log.Error("game: saving the game", "component", "game", "err", err)
		}
	}
	if s.opts.Hub == nil {
		return
	}
	for i := range shots {
		rec := shots[i]
		if _, err := s.opts.Hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShot, Time: rec.Ended, Record: &rec}); err != nil {
			s.log.Error("game: publishing a shot", "component", "game", "err", err)
		}
	}
	if _, err := s.opts.Hub.Publish(hub.StreamGame, s.snapshotLocked()); err != nil {
		s.log.Error("game: publishing the game", "component", "game", "err", err)
	}
}

// Publish publishes the game as it is (at start, so the retained game
// stream and a fresh display have it).
func (s *Service) Publish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Hub != nil {
		s.opts.Hub.Publish(hub.StreamGame, s.snapshotLocked())
	}
}

// clone deep-copies what commands change.
func (g saved) clone() saved {
	c := g
	c.Settings.Players = append([]string{}, g.Settings.Players...)
	c.Log = append([]entry{}, g.Log...)
	c.Overrules = append([]overrule(nil), g.Overrules...)
	c.Records = append([]model.ShotRecord{}, g.Records...)
	c.Seen = append([]string(nil), g.Seen...)
	if g.Pending.Called != nil {
		cl := *g.Pending.Called
		c.Pending.Called = &cl
	}
	return c
}

func (g *saved) seen(id string) bool {
	for _, x := range g.Seen {
		if x == id {
			return true
		}
	}
	return false
}

func (g *saved) remember(id string) {
	if id == "" {
		return
	}
	g.Seen = append(g.Seen, id)
	if len(g.Seen) > maxSeen {
		g.Seen = g.Seen[len(g.Seen)-maxSeen:]
	}
}

func trimPlayers(ps []string) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, strings.TrimSpace(p))
	}
	return out
}

// Close stops the feed goroutine; safe twice.
func (s *Service) Close() {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
	})
	s.wg.Wait()
}

// Shutdown is Close bounded by ctx.
func (s *Service) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// marshalIndent is json.MarshalIndent for the state file.
func marshalIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", " ") }

// BadInput marks the error as the caller's (REST answers 400).
func (e *BadInput) BadInput() bool { return true }
