package recorder

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/cuecast/cuecast/edge/history"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/store"
)

// Drill states, as the `drill` event and GET /api/v1/drills/active say.
const (
	DrillSetup    = "setup"    // waiting for the balls to be placed
	DrillReady    = "ready"    // every ball in place: shoot
	DrillShooting = "shooting" // an attempt is under way (more shots to come)
	DrillStopped  = "stopped"
)

// DrillStatus is the active drill as players and the projector see it.
type DrillStatus struct {
	State      string                    `json:"state"`
	Drill      *history.Drill            `json:"drill,omitempty"`
	Player     string                    `json:"player,omitempty"`
	Placements []history.PlacementStatus `json:"placements,omitempty"`
	Zones      []ZoneSpot                `json:"zones,omitempty"` // the drill's zones in table metres
	Attempt    int                       `json:"attempt"`         // attempts scored since the drill started
	Successes  int                       `json:"successes"`
	Shots      int                       `json:"shots"` // shots in the attempt under way
	Last       *history.Result           `json:"last,omitempty"`
	Message    string                    `json:"message,omitempty"`
}

// ZoneSpot is a zone on the table in metres.
type ZoneSpot struct {
	Name    string     `json:"name"`
	Center  model.Vec2 `json:"center"`
	RadiusM float64    `json:"radius_m"`
}

type drillRun struct {
	status  DrillStatus
	ready   bool // set-up matched (at the last state)
	started time.Time
	shots   []model.ShotRecord
	ids     []string
	armed   bool // the shot under way started from a matched set-up (or continues an attempt)
}

// Drills lists the built-in library and the technicians' drills.
func (r *Recorder) Drills(ctx context.Context) ([]history.Drill, error) {
	lib, err := history.Library(r.Table())
	if err != nil {
		return nil, err
	}
	custom, err := r.o.Store.Drills(ctx)
	if err != nil {
		return nil, err
	}
	return append(lib, custom...), nil
}

// Drill returns one drill by id.
func (r *Recorder) Drill(ctx context.Context, id string) (*history.Drill, error) {
	all, err := r.Drills(ctx)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("drill %q: %w (GET /api/v1/drills lists the drills)", id, history.ErrNotFound)
}

// AddDrill validates a technician's drill against the table and stores it.
// A built-in drill's id cannot be reused.
func (r *Recorder) AddDrill(ctx context.Context, raw []byte) (*history.Drill, error) {
	d, err := history.ParseDrill(raw, r.Table())
	if err != nil {
		return nil, err
	}
	if d.Builtin {
		return nil, history.Invalid(fmt.Errorf("drill %q: builtin is set by the box, not in a drill you add", d.ID))
	}
	lib, err := history.Library(r.Table())
	if err != nil {
		return nil, err
	}
	for _, b := range lib {
		if b.ID == d.ID {
			return nil, history.Invalid(fmt.Errorf("drill %q: a built-in drill has this id; choose another", d.ID))
		}
	}
	if err := r.o.Store.PutDrill(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

// DeleteDrill removes a technician's drill.
func (r *Recorder) DeleteDrill(ctx context.Context, id string) error {
	err := r.o.Store.DeleteDrill(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("drill %q: %w among the drills added on this box (built-in drills cannot be deleted)", id, history.ErrNotFound)
	}
	return err
}

// StartDrill makes drill id active for player (replacing any active one).
func (r *Recorder) StartDrill(ctx context.Context, id, player string) (DrillStatus, error) {
	if player == "" || len(player) > 64 {
		return DrillStatus{}, history.Invalid(errors.New("drill: a player name of 1-64 bytes is needed (progress is kept per player)"))
	}
	d, err := r.Drill(ctx, id)
	if err != nil {
		return DrillStatus{}, err
	}
	r.mu.Lock()
	t := r.table
	run := &drillRun{status: DrillStatus{State: DrillSetup, Drill: d, Player: player, Message: "Place the balls on the marked spots."}}
	for _, z := range d.Zones {
		run.status.Zones = append(run.status.Zones, ZoneSpot{Name: z.Name, Center: d.Metres(t, z.X, z.Y), RadiusM: z.RadiusCM / 100})
	}
	run.status.Placements, run.ready = d.CheckSetup(t, r.balls)
	if run.ready {
		run.status.State, run.status.Message = DrillReady, "Set up: shoot."
	}
	r.drill = run
	st := run.status
	r.mu.Unlock()
	r.publish(EventDrill, "drill", st)
	return st, nil
}

// StopDrill ends the active drill (if any).
func (r *Recorder) StopDrill() DrillStatus {
	r.mu.Lock()
	r.drill = nil
	r.mu.Unlock()
	st := DrillStatus{State: DrillStopped}
	r.publish(EventDrill, "drill", st)
	return st
}

// ActiveDrill is the active drill's status (State "stopped" when none).
func (r *Recorder) ActiveDrill() DrillStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.drill == nil {
		return DrillStatus{State: DrillStopped}
	}
	return r.drill.status
}

func (r *Recorder) drillPlayer() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.drill == nil {
		return ""
	}
	return r.drill.status.Player
}

// checkSetup compares the latest state with the set-up; a change is
// published.
func (r *Recorder) checkSetup() {
	r.mu.Lock()
	run := r.drill
	if run == nil || run.status.State == DrillShooting {
		r.mu.Unlock()
		return
	}
	pl, ok := run.status.Drill.CheckSetup(r.table, r.balls)
	changed := ok != run.ready || !samePlacement(pl, run.status.Placements)
	run.status.Placements, run.ready = pl, ok
	if ok {
		run.status.State = DrillReady
		if changed {
			run.status.Message = "Set up: shoot."
		}
	} else {
		run.status.State = DrillSetup
	}
	st := run.status
	r.mu.Unlock()
	if changed {
		r.publish(EventDrill, "drill", st)
	}
}

// samePlacement compares placed flags and errors to the millimetre.
func samePlacement(a, b []history.PlacementStatus) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Placed != b[i].Placed || !reflect.DeepEqual(a[i].ErrCM, b[i].ErrCM) {
			return false
		}
	}
	return true
}

// drillShotStarted arms the attempt when the set-up matched at the strike.
func (r *Recorder) drillShotStarted() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if run := r.drill; run != nil {
		run.armed = run.ready || run.status.State == DrillShooting
		if run.armed && len(run.shots) == 0 {
			run.started = r.o.Now()
		}
	}
}

// drillShot scores the attempt with one more shot.
func (r *Recorder) drillShot(rec *model.ShotRecord) {
	r.mu.Lock()
	run := r.drill
	if run == nil {
		r.mu.Unlock()
		return
	}
	if !run.armed {
		run.status.Message = "Shot not scored: the balls were not on their spots when it was struck."
		st := run.status
		r.mu.Unlock()
		r.publish(EventDrill, "drill", st)
		return
	}
	run.armed = false
	run.shots = append(run.shots, *rec)
	run.ids = append(run.ids, rec.ID)
	res, done := run.status.Drill.Judge(r.table, run.shots)
	run.status.Shots = len(run.shots)
	var a *store.Attempt
	switch {
	case done && res.Unjudged:
		run.status.Message = res.Message + " Set up again."
		run.status.State = DrillSetup
		run.shots, run.ids, run.ready = nil, nil, false
	case !done:
		run.status.State = DrillShooting
		run.status.Message = fmt.Sprintf("Shot %d of %d: keep going.", len(run.shots), run.status.Drill.Shots)
	default:
		a = &store.Attempt{Drill: run.status.Drill.ID, Player: run.status.Player, Started: run.started, Ended: rec.Ended,
			Shots: run.ids, Result: res}
		if a.Started.IsZero() || a.Started.After(a.Ended) {
			a.Started = rec.Started
		}
		run.status.Attempt++
		if res.Success {
			run.status.Successes++
		}
		run.status.Last = &res
		run.status.Message = res.Message + " Set up again for the next attempt."
		run.status.State = DrillSetup
		run.shots, run.ids, run.ready = nil, nil, false
	}
	st := run.status
	r.mu.Unlock()
	if a == nil {
		r.publish(EventDrill, "drill", st)
		return
	}
	// The scored attempt is announced once it is stored, so a page that
	// reads the player's progress on this event finds it there.
	r.o.Store.AddAttempt(a, func(err error) {
		if err != nil {
			r.o.Log.Error("history: drill attempt not stored", "component", "history", "err", err)
		}
		r.publish(EventDrill, "drill", st)
	})
}
