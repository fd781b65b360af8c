package history

import (
	"errors"
	"fmt"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// Where a stored shot came from: the game layer's judged record (a `shot`
// event) or, until one arrives, the tracker's own summary (`shot_ended`).
const (
	SourceShot      = "shot"
	SourceShotEnded = "shot_ended"
)

// Shot is one shot as history keeps it.
type Shot struct {
	ID       string    `json:"id"`
	Session  int64     `json:"session"`
	Rack     int64     `json:"rack"`
	GameID   string    `json:"game_id,omitempty"`
	GameType string    `json:"game_type"`
	Number   int       `json:"number"`
	Shooter  string    `json:"shooter,omitempty"`
	Started  time.Time `json:"started"`
	Ended    time.Time `json:"ended"`
	Source   string    `json:"source"`
	Features Features  `json:"features"`
	// Images says which pictures of the table are kept
	// (GET /api/v1/shots/{id}/before.jpg, after.jpg).
	Images Images `json:"images"`
	// Record is the whole shot record; list queries leave it out.
	Record *model.ShotRecord `json:"record,omitempty"`
}

// Images flags the pictures kept with a shot.
type Images struct {
	Before bool `json:"before"`
	After  bool `json:"after"`
}

// Image kinds.
const (
	ImageBefore = "before"
	ImageAfter  = "after"
)

// Features are the figures derived from a shot record when it is stored
// (Derive). Pointers are nil when the figure cannot be known for that shot.
type Features struct {
	Break    bool     `json:"break"`
	Target   string   `json:"target,omitempty"`
	Pocket   string   `json:"pocket,omitempty"`
	Attempt  bool     `json:"attempt"` // counts as a pocketing attempt
	Potted   bool     `json:"potted"`  // the attempt succeeded
	Made     int      `json:"made"`    // object balls pocketed
	Scratch  bool     `json:"scratch"`
	Fouls    []string `json:"fouls,omitempty"`
	Legal    bool     `json:"legal"`
	TurnOver bool     `json:"turn_over"`
	GameOver bool     `json:"game_over"`
	Winner   string   `json:"winner,omitempty"`
	Cleared  bool     `json:"cleared"` // no object ball left on the table after the shot
	CutDeg   *float64 `json:"cut_deg,omitempty"`
	DistM    *float64 `json:"dist_m,omitempty"`
	// Position play and prediction quality.
	PositionErrCM   *float64    `json:"position_err_cm,omitempty"`
	PathErrCM       *float64    `json:"path_err_cm,omitempty"`
	EndErrCM        *float64    `json:"end_err_cm,omitempty"`    // target's rest (or pocket) against the predicted one
	TargetAgree     *bool       `json:"target_agree,omitempty"`  // the prediction's first ball hit is the one hit
	OutcomeAgree    *bool       `json:"outcome_agree,omitempty"` // predicted and actual pocketed balls match
	SpreadCM        *float64    `json:"spread_cm,omitempty"`     // breaks: RMS distance of object balls from their centroid
	BallsToRail     int         `json:"balls_to_rail,omitempty"` // breaks: object balls that touched a cushion
	CueStart        *model.Vec2 `json:"cue_start,omitempty"`
	CueEnd          *model.Vec2 `json:"cue_end,omitempty"`
	PredictedCueEnd *model.Vec2 `json:"predicted_cue_end,omitempty"`
}

// ValidateRecord checks what history needs of a shot record before it is
// stored: an id, times in order, known pockets. Bad records are refused whole.
func ValidateRecord(r *model.ShotRecord) error {
	switch {
	case r == nil:
		return errors.New("history: no shot record")
	case r.ID == "" || len(r.ID) > 128:
		return fmt.Errorf("history: shot record id %q must be 1-128 characters", r.ID)
	case r.Ended.IsZero():
		return fmt.Errorf("history: shot %s has no end time", r.ID)
	case !r.Started.IsZero() && r.Ended.Before(r.Started):
		return fmt.Errorf("history: shot %s ends (%s) before it starts (%s)", r.ID, r.Ended.Format(time.RFC3339Nano), r.Started.Format(time.RFC3339Nano))
	case len(r.Shooter) > 64:
		return fmt.Errorf("history: shot %s: shooter name longer than 64 bytes", r.ID)
	case len(r.GameType) > 32:
		return fmt.Errorf("history: shot %s: game type longer than 32 bytes", r.ID)
	}
	return nil
}

// Session is a period of play: started by POST /api/v1/game/reset, or by the
// first shot after the box sat idle longer than history.session_idle.
type Session struct {
	ID      int64      `json:"id"`
	Name    string     `json:"name,omitempty"`
	Started time.Time  `json:"started"`
	Ended   *time.Time `json:"ended,omitempty"`
	Last    time.Time  `json:"last"` // last shot (or start)
	Shots   int        `json:"shots"`
	Players []string   `json:"players,omitempty"`
}

// Game is one game the referee ran (game_id of its shot records).
type Game struct {
	ID       string     `json:"id"`
	Session  int64      `json:"session"`
	GameType string     `json:"game_type"`
	Started  time.Time  `json:"started"`
	Ended    *time.Time `json:"ended,omitempty"`
	Winner   string     `json:"winner,omitempty"`
	Shots    int        `json:"shots"`
	Players  []string   `json:"players,omitempty"`
}
