package recorder

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/history"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/store"
)

// Event types the recorder publishes on the event stream.
const (
	EventSessionSummary = "session_summary"
	EventGameFinished   = "game_finished"
	EventDrill          = "drill"
)

// ShotMatchWindow is how close the ends of a provisional shot and the game
// layer's record must be for the record to replace it.
const ShotMatchWindow = 2 * time.Second

// predictionMaxAge: a trajectory older than this at the strike was not what
// the player saw when they struck.
const predictionMaxAge = 2 * time.Second

// Options wire a Recorder.
type Options struct {
	Hub   *hub.Hub
	Store *store.Store
	// Snapshot returns a JPEG of the table no older than maxAge (the video
	// path's snapshot); nil: no pictures.
	Snapshot func(ctx context.Context, maxAge time.Duration) ([]byte, error)
	// Table is the table until the state stream says otherwise.
	Table model.TableGeometry
	Log   *slog.Logger
	// Alert raises an alert for people (store queue full, store failing).
	Alert func(level, code, msg string)
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Recorder records shots and runs drills. Create with New, then Start.
type Recorder struct {
	o      Options
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	images  chan imageJob
	acked   chan ackNote
	started bool

	// consume goroutine only:
	lastPred    *model.Trajectory
	lastPredAt  time.Time
	shotPred    *model.Trajectory
	shotStarted time.Time
	newRack     bool
	rackShots   int
	pending     []provisional // recent provisional shots, oldest first

	mu        sync.Mutex // guards table, tableAt, balls, drill, lastAlert
	table     model.TableGeometry
	tableAt   time.Time // when the table was last read from a state
	balls     []model.Ball
	drill     *drillRun
	lastAlert time.Time
}

type provisional struct {
	id      string
	ended   time.Time
	shooter string // the drill's player, when one was running
}

type ackNote struct {
	session  int64
	gameID   string
	gameOver bool
}

// New returns a Recorder; nothing runs until Start.
func New(o Options) *Recorder {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.Table.Pockets) == 0 {
		o.Table = model.Standard(model.Table9ft)
	}
	return &Recorder{o: o, table: o.Table, images: make(chan imageJob, 16), acked: make(chan ackNote, 64)}
}

// Start runs the recorder's goroutines.
func (r *Recorder) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.started = true
	r.wg.Add(3)
	go r.consume(ctx)
	go r.imager(ctx)
	go r.notify(ctx)
}

// Close stops the goroutines (the store is the caller's to close, after).
// Safe to call twice.
func (r *Recorder) Close() {
	r.once.Do(func() {
		if r.cancel != nil {
			r.cancel()
		}
		r.wg.Wait()
	})
}

// Table returns the table geometry in use.
func (r *Recorder) Table() model.TableGeometry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.table
}

// consume is the hub loop. It resumes the event stream after a slow-consumer
// cut, so no shot is missed while the hub still holds it.
func (r *Recorder) consume(ctx context.Context) {
	defer r.wg.Done()
	streams := []hub.Stream{hub.StreamEvent, hub.StreamTrajectory, hub.StreamState}
	rates := map[hub.Stream]float64{hub.StreamTrajectory: 20, hub.StreamState: 5}
	pos := hub.Position{Epoch: r.o.Hub.Epoch()}
	var buf []*hub.Publication
	for ctx.Err() == nil {
		c := r.o.Hub.Connect(hub.ClientOptions{Transport: "history", QueueSize: 500})
		res, err := c.Subscribe(streams, map[hub.Stream]hub.Position{hub.StreamEvent: pos}, rates)
		if err != nil {
			c.Close()
			r.o.Log.Error("history: hub subscribe", "component", "history", "err", err)
			if !sleep(ctx, time.Second) {
				return
			}
			continue
		}
		for _, sr := range res {
			if sr.Stream == hub.StreamEvent && sr.Resumed && !sr.Recovered && pos.Offset > 0 {
				r.alert(model.AlertWarning, "history_gap", fmt.Sprintf("history missed events after offset %d (the hub no longer holds them): shots in that gap are not recorded", pos.Offset))
			}
		}
		for {
			buf, err = c.Next(ctx, buf[:0])
			if err != nil {
				break
			}
			for _, p := range buf {
				if p.Stream == hub.StreamEvent {
					if p.Epoch == pos.Epoch && p.Offset <= pos.Offset {
						continue
					}
					pos = p.Position()
				}
				r.handle(p)
			}
			clear(buf)
		}
		c.Close()
		if ctx.Err() != nil {
			return
		}
		r.o.Log.Warn("history: hub client ended; resuming", "component", "history", "err", err)
		if !errors.Is(err, hub.ErrSlowConsumer) && !sleep(ctx, time.Second) {
			return
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (r *Recorder) handle(p *hub.Publication) {
	switch p.Stream {
	case hub.StreamTrajectory:
		var tr model.Trajectory
		if json.Unmarshal(p.Data, &tr) == nil && tr.Aiming {
			r.lastPred, r.lastPredAt = &tr, p.Time
		}
	case hub.StreamState:
		// A state is a few KB of JSON: decode one only when a drill needs
		// the balls, else every few seconds for the table's geometry.
		r.mu.Lock()
		need := r.drill != nil || p.Time.Sub(r.tableAt) >= 5*time.Second
		r.mu.Unlock()
		if !need {
			return
		}
		var st model.State
		if json.Unmarshal(p.Data, &st) != nil {
			return
		}
		r.mu.Lock()
		if len(st.Table.Pockets) > 0 {
			r.table, r.tableAt = st.Table, p.Time
		}
		r.balls = st.Balls
		r.mu.Unlock()
		r.checkSetup()
	case hub.StreamEvent:
		var ev model.Event
		if err := json.Unmarshal(p.Data, &ev); err != nil {
			return
		}
		r.event(&ev, p.Time)
	}
}

func (r *Recorder) event(ev *model.Event, at time.Time) {
	switch ev.Type {
	case model.EventRackDetected:
		r.newRack, r.rackShots = true, 0
	case model.EventShotStarted:
		r.shotStarted = ev.Time
		r.shotPred = nil
		if r.lastPred != nil && at.Sub(r.lastPredAt) <= predictionMaxAge {
			r.shotPred = r.lastPred
		}
		r.drillShotStarted()
		r.image(imageJob{kind: jobStart})
	case model.EventShotEnded:
		if ev.Shot != nil {
			r.shotEnded(ev)
		}
	case model.EventShot:
		if ev.Record != nil {
			r.judged(ev.Record)
		}
	}
}

// newID is a shot id unique on this box across restarts.
func newID(t time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return t.UTC().Format("20060102T150405.000") + "-" + hex.EncodeToString(b[:])
}

// shotEnded stores the tracker's summary as a provisional shot.
func (r *Recorder) shotEnded(ev *model.Event) {
	ended := ev.Time
	if ended.IsZero() {
		ended = r.o.Now()
	}
	started := r.shotStarted
	if started.IsZero() || started.After(ended) || ended.Sub(started) > time.Minute {
		started = ended.Add(-time.Duration(ev.Shot.DurationS * float64(time.Second)))
	}
	r.shotStarted = time.Time{}
	r.rackShots++
	rec := &model.ShotRecord{
		ID: newID(ended), GameType: "practice", Number: r.rackShots, Started: started, Ended: ended,
		Summary: *ev.Shot, Prediction: r.shotPred,
	}
	if rec.Summary.Pocketed == nil {
		rec.Summary.Pocketed = map[string]string{}
	}
	r.shotPred = nil
	if d := r.drillPlayer(); d != "" {
		rec.Shooter = d
	}
	sh := r.shot(rec, history.SourceShotEnded)
	newRack := r.newRack
	r.newRack = false
	if r.o.Store.AddShot(sh, newRack, r.ackFn(sh)) {
		r.pending = append(r.pending, provisional{rec.ID, ended, rec.Shooter})
		if len(r.pending) > 16 {
			r.pending = r.pending[1:]
		}
	}
	r.image(imageJob{kind: jobEnd, shotID: rec.ID})
	r.drillShot(rec)
}

// judged stores the game layer's record, replacing its provisional shot.
func (r *Recorder) judged(rec *model.ShotRecord) {
	if err := history.ValidateRecord(rec); err != nil {
		r.o.Log.Warn("history: shot record refused", "component", "history", "err", err)
		return
	}
	for i := len(r.pending) - 1; i >= 0; i-- {
		d := r.pending[i].ended.Sub(rec.Ended)
		if d < 0 {
			d = -d
		}
		if d <= ShotMatchWindow {
			if rec.Shooter == "" && r.pending[i].shooter != "" {
				// Free practice knows no players; the drill did.
				c := *rec
				c.Shooter = r.pending[i].shooter
				rec = &c
			}
			sh := r.shot(rec, history.SourceShot)
			old := r.pending[i].id
			r.pending = append(r.pending[:i], r.pending[i+1:]...)
			r.o.Store.ReplaceShot(old, sh, r.ackFn(sh))
			return
		}
	}
	sh := r.shot(rec, history.SourceShot)
	r.o.Store.AddShot(sh, rec.Number == 1, r.ackFn(sh))
}

func (r *Recorder) shot(rec *model.ShotRecord, source string) *history.Shot {
	gt := rec.GameType
	if gt == "" {
		gt = "practice"
	}
	return &history.Shot{ID: rec.ID, GameID: rec.GameID, GameType: gt, Number: rec.Number, Shooter: rec.Shooter,
		Started: rec.Started, Ended: rec.Ended, Source: source, Record: rec, Features: history.Derive(rec, r.Table())}
}

// ackFn tells the notify goroutine about a durable shot. It runs on the
// store's writer goroutine: it must not block.
func (r *Recorder) ackFn(sh *history.Shot) func(error) {
	return func(err error) {
		if err != nil {
			if errors.Is(err, store.ErrFull) {
				r.alert(model.AlertError, "history_queue_full", "history could not keep up: a shot was not recorded (the database is slow or failing; see cuecastd's log)")
			} else if !errors.Is(err, store.ErrClosed) {
				r.o.Log.Error("history: shot not stored", "component", "history", "shot", sh.ID, "err", err)
				r.alert(model.AlertError, "history_write_failed", "a shot could not be recorded: "+err.Error())
			}
			return
		}
		select {
		case r.acked <- ackNote{session: sh.Session, gameID: sh.GameID, gameOver: sh.Features.GameOver}:
		default:
		}
	}
}

// alert raises at most one alert a minute.
func (r *Recorder) alert(level, code, msg string) {
	r.mu.Lock()
	now := r.o.Now()
	if now.Sub(r.lastAlert) < time.Minute {
		r.mu.Unlock()
		return
	}
	r.lastAlert = now
	r.mu.Unlock()
	r.o.Log.Warn("history: "+msg, "component", "history", "code", code)
	if r.o.Alert != nil {
		r.o.Alert(level, code, msg)
	}
}

// SessionSummary is the `session_summary` event's payload (and MQTT's
// retained base/session).
type SessionSummary struct {
	Session history.Session `json:"session"`
	Stats   history.Stats   `json:"stats"`
}

// GameFinished is the `game_finished` event's payload (MQTT base/game).
type GameFinished struct {
	Game  history.Game  `json:"game"`
	Stats history.Stats `json:"stats"`
}

// notify publishes summaries after durable shots, at most one session
// summary a second.
func (r *Recorder) notify(ctx context.Context) {
	defer r.wg.Done()
	var due <-chan time.Time
	var session int64
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-r.acked:
			if a.gameOver && a.gameID != "" {
				r.publishGame(ctx, a.gameID)
			}
			session = a.session
			if due == nil {
				due = time.After(time.Second)
			}
		case <-due:
			due = nil
			r.PublishSession(ctx, session)
		}
	}
}

// PublishSession publishes the summary of session id (0: the current one).
func (r *Recorder) PublishSession(ctx context.Context, id int64) {
	var se history.Session
	var err error
	if id == 0 {
		se, err = r.o.Store.CurrentSession(ctx)
	} else {
		se, err = r.o.Store.Session(ctx, id)
	}
	if err != nil || se.ID == 0 {
		return
	}
	st, err := r.o.Store.Stats(ctx, history.Query{Session: se.ID})
	if err != nil {
		r.o.Log.Warn("history: session summary", "component", "history", "err", err)
		return
	}
	st.From = &se.Started
	st.To = se.Last
	r.publish(EventSessionSummary, "session", SessionSummary{Session: se, Stats: st})
}

func (r *Recorder) publishGame(ctx context.Context, id string) {
	g, err := r.o.Store.Game(ctx, id)
	if err != nil {
		return
	}
	st, err := r.o.Store.Stats(ctx, history.Query{GameID: id})
	if err != nil {
		return
	}
	st.From = &g.Started
	r.publish(EventGameFinished, "game", GameFinished{Game: g, Stats: st})
}

// publish puts {"type":typ,"time":...,key:v} on the event stream.
func (r *Recorder) publish(typ, key string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		r.o.Log.Error("history: encode "+typ, "component", "history", "err", err)
		return
	}
	ev := map[string]json.RawMessage{}
	ev["type"], _ = json.Marshal(typ)
	ev["time"], _ = json.Marshal(r.o.Now().UTC())
	ev[key] = body
	if _, err := r.o.Hub.Publish(hub.StreamEvent, ev); err != nil {
		r.o.Log.Error("history: publish "+typ, "component", "history", "err", err)
	}
}
