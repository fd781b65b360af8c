package model

import (
	"context"
	"errors"
	"time"
)

// BallRadius is the WPA regulation pool ball radius: 2.25 in diameter.
const BallRadius = 0.028575

// Class is a ball's class as a player names it.
type Class string

const (
	ClassCue    Class = "cue"
	ClassSolid  Class = "solid"
	ClassStripe Class = "stripe"
	ClassEight  Class = "eight"
)

// ClassOf returns the class of ball number n (0 is the cue ball).
func ClassOf(n int) Class {
	switch {
	case n == 0:
		return ClassCue
	case n == 8:
		return ClassEight
	case n >= 1 && n <= 7:
		return ClassSolid
	default:
		return ClassStripe
	}
}

// BallID returns the contract id of ball number n: "cue" for 0, else "1".."15".
func BallID(n int) string {
	if n == 0 {
		return "cue"
	}
	return itoa(n)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// Vec2 is a point or vector in table metres.
type Vec2 struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Pixel is a point in image pixels, y down.
type Pixel struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Frame is one image from a source. Pix is packed BGR (3 bytes per pixel,
// row stride Width*3), the layout OpenCV uses, so the vision stage can wrap it
// without conversion. A Frame is owned by whoever holds it; a source may reuse
// Pix on its next Read, so a consumer that keeps pixels copies them.
type Frame struct {
	Seq      uint64    // source frame counter, +1 per frame
	Captured time.Time // when the source produced it
	Width    int
	Height   int
	Pix      []byte
	// Truth is the simulator's ground truth for this frame; nil for real sources.
	Truth *Truth
}

// Truth is what the simulator knows about a frame it rendered.
type Truth struct {
	Table   TableGeometry `json:"table"`
	Corners [4]Pixel      `json:"corners"` // playing-surface corners in pixels: BL, BR, TR, TL (table frame order)
	Balls   []BallTruth   `json:"balls"`
	Cue     *CueAim       `json:"cue,omitempty"`
	Events  []Event       `json:"events,omitempty"` // events that happened since the previous frame
	Scene   string        `json:"scene,omitempty"`  // scenario name
}

// BallTruth is one ball as the simulator placed it.
type BallTruth struct {
	ID       string  `json:"id"`
	Number   int     `json:"number"`
	Pos      Vec2    `json:"pos"`
	Pixel    Pixel   `json:"pixel"`
	RadiusPx float64 `json:"radius_px"`
	Pocketed bool    `json:"pocketed,omitempty"`
	OffTable bool    `json:"off_table,omitempty"` // with Pocketed: it left the table over a rail, not into a pocket
	Occluded bool    `json:"occluded,omitempty"`  // partly hidden by a hand or the cue
}

// Source produces frames: a camera, a video file, a still image or the
// simulator. Read blocks until the next frame is ready (pacing itself to the
// source's frame rate) and fills f, reusing f.Pix when it is large enough.
// It returns ctx.Err() when ctx ends. An error wrapping ErrSourceLost means the
// device went away and the caller may retry Open; io.EOF means a finite source
// ended.
type Source interface {
	Name() string
	Read(ctx context.Context, f *Frame) error
	Close() error
}

// ErrSourceLost marks a source failure that a reconnect may cure.
var ErrSourceLost = errors.New("source lost")

// Pocket is one pocket of a table.
type Pocket struct {
	Name   string  `json:"name"` // corner-bottom-left, side-bottom, corner-bottom-right, corner-top-right, side-top, corner-top-left
	Pos    Vec2    `json:"pos"`  // centre of the pocket opening, table metres
	Radius float64 `json:"radius"`
}

// TableGeometry is the playing surface in table metres.
type TableGeometry struct {
	Length  float64  `json:"length"` // along x, cushion nose to nose
	Width   float64  `json:"width"`  // along y
	Pockets []Pocket `json:"pockets"`
}

// Pocket names, fixed by contract (docs and MQTT consumers use them).
const (
	PocketBottomLeft  = "corner-bottom-left"
	PocketBottomSide  = "side-bottom"
	PocketBottomRight = "corner-bottom-right"
	PocketTopRight    = "corner-top-right"
	PocketTopSide     = "side-top"
	PocketTopLeft     = "corner-top-left"
)

// Standard playing-surface sizes (WPA): 9 ft 100x50 in, 8 ft 88x44 in, 7 ft 78x39 in.
var (
	Table9ft = Size{Length: 2.54, Width: 1.27}
	Table8ft = Size{Length: 2.2352, Width: 1.1176}
	Table7ft = Size{Length: 1.9812, Width: 0.9906}
)

// Size is a playing surface's length and width in metres.
type Size struct {
	Length float64 `json:"length"`
	Width  float64 `json:"width"`
}

// Standard returns the geometry of a table of the given size with pockets at
// the WPA mouth sizes: corner mouth 4.5-5.0 in (radius here is half a 4.75 in
// mouth), side mouth 5.0-5.5 in.
func Standard(s Size) TableGeometry {
	const corner = 0.0603 // half of a 4.75 in corner mouth
	const side = 0.0667   // half of a 5.25 in side mouth
	L, W := s.Length, s.Width
	return TableGeometry{Length: L, Width: W, Pockets: []Pocket{
		{PocketBottomLeft, Vec2{0, 0}, corner},
		{PocketBottomSide, Vec2{L / 2, 0}, side},
		{PocketBottomRight, Vec2{L, 0}, corner},
		{PocketTopRight, Vec2{L, W}, corner},
		{PocketTopSide, Vec2{L / 2, W}, side},
		{PocketTopLeft, Vec2{0, W}, corner},
	}}
}

// RailTouching names the rail (Rail*) a ball centred at p touches, its
// centre within tol of a ball radius from that cushion's nose, along the
// rail's straight part between the pocket mouths (a ball at a jaw point
// still touches); "" when it touches none. A ball frozen to a rail is one
// that touches it at rest.
func (g *TableGeometry) RailTouching(p Vec2, tol float64) string {
	const end = 0.001
	L, W, R := g.Length, g.Width, BallRadius
	corner, side := 0.0, 0.0
	for _, pk := range g.Pockets {
		if pk.Pos.X > 0 && pk.Pos.X < L {
			side = pk.Radius // a side pocket's jaw points are its mouth radius either side
		} else {
			corner = pk.Radius * 1.4142135623730951 // a corner's jaw points lie mouth/sqrt2 along each rail
		}
	}
	alongX := p.X > corner-end && p.X < L-corner+end && (side == 0 || p.X < L/2-side+end || p.X > L/2+side-end)
	alongY := p.Y > corner-end && p.Y < W-corner+end
	switch {
	case alongX && p.Y-R <= tol:
		return RailBottom
	case alongX && W-R-p.Y <= tol:
		return RailTop
	case alongY && p.X-R <= tol:
		return RailLeft
	case alongY && L-R-p.X <= tol:
		return RailRight
	}
	return ""
}

// Ball is a tracked ball as the state stream publishes it.
type Ball struct {
	ID         string  `json:"id"` // "cue", "1".."15", or "?N" for a ball not yet identified
	Class      Class   `json:"class"`
	Number     *int    `json:"number"` // nil when unknown
	Pos        Vec2    `json:"pos"`    // table metres
	Vel        Vec2    `json:"vel"`    // m/s
	Pixel      Pixel   `json:"pixel"`  // image pixels
	RadiusPx   float64 `json:"radius_px"`
	Confidence float64 `json:"confidence"` // 0..1
	Moving     bool    `json:"moving"`
	Occluded   bool    `json:"occluded,omitempty"` // not seen this frame, position predicted
}

// Detection is what the vision stage found in one frame.
type Detection struct {
	Seq      uint64          `json:"seq"`
	Captured time.Time       `json:"captured"`
	Width    int             `json:"width"`
	Height   int             `json:"height"`
	Table    *TableDetection `json:"table,omitempty"`
	Balls    []BallDetection `json:"balls"`
	Cue      *CueAim         `json:"cue,omitempty"`
	Timings  StageTimings    `json:"timings"`
}

// TableDetection is the playing surface as found in the image.
type TableDetection struct {
	Corners [4]Pixel   `json:"corners"`    // BL, BR, TR, TL in table-frame order
	Pockets []Pixel    `json:"pockets"`    // same order as TableGeometry.Pockets
	H       [9]float64 `json:"homography"` // pixel -> table metres, row-major 3x3
}

// ToTable maps a pixel to table metres through the homography.
func (t *TableDetection) ToTable(p Pixel) Vec2 {
	h := &t.H
	w := h[6]*p.X + h[7]*p.Y + h[8]
	return Vec2{(h[0]*p.X + h[1]*p.Y + h[2]) / w, (h[3]*p.X + h[4]*p.Y + h[5]) / w}
}

// BallDetection is one ball found in one frame.
type BallDetection struct {
	Pixel      Pixel   `json:"pixel"`
	RadiusPx   float64 `json:"radius_px"`
	Pos        *Vec2   `json:"pos,omitempty"` // table metres when the table is known
	Class      Class   `json:"class"`
	Number     *int    `json:"number"`
	Confidence float64 `json:"confidence"`
}

// CueAim is the cue stick as seen, and the aim it gives the cue ball.
type CueAim struct {
	Tip        Pixel   `json:"tip"`
	Butt       Pixel   `json:"butt"`
	TipPos     *Vec2   `json:"tip_pos,omitempty"` // table metres
	HeadingDeg float64 `json:"heading_deg"`       // aim direction in the table frame
	OffsetM    float64 `json:"offset_m"`          // perpendicular distance of the cue line from the cue ball centre
	Confidence float64 `json:"confidence"`
}

// StageTimings are per-stage durations for one frame, in milliseconds.
type StageTimings struct {
	CaptureMS  float64 `json:"capture_ms"`
	TableMS    float64 `json:"table_ms"`
	BallsMS    float64 `json:"balls_ms"`
	CueMS      float64 `json:"cue_ms"`
	TrackingMS float64 `json:"tracking_ms"`
	PublishMS  float64 `json:"publish_ms"`
}

// State is the table state published on the `state` stream.
type State struct {
	Seq      uint64        `json:"seq"`
	Captured time.Time     `json:"captured"`
	Table    TableGeometry `json:"table"`
	Corners  *[4]Pixel     `json:"corners,omitempty"` // playing surface in the camera image
	Width    int           `json:"width"`             // camera image size
	Height   int           `json:"height"`
	Balls    []Ball        `json:"balls"`
	Cue      *CueAim       `json:"cue,omitempty"`
	Phase    string        `json:"phase"` // "idle", "aiming", "shot", "racked"
}

// Event is a game event, published on the `event` stream.
type Event struct {
	Type   string    `json:"type"` // one of the Event* constants
	Time   time.Time `json:"time"`
	Balls  []string  `json:"balls,omitempty"`
	Pocket string    `json:"pocket,omitempty"`
	Rail   string    `json:"rail,omitempty"` // ball_cushion: one of the Rail* names
	Pos    *Vec2     `json:"pos,omitempty"`
	Speed  float64   `json:"speed,omitempty"` // cue_strike: the cue ball's measured launch speed; ball_cushion: its speed into the rail; m/s
	// HeadingDeg is cue_strike's measured launch direction (table frame).
	HeadingDeg *float64     `json:"heading_deg,omitempty"`
	Shot       *ShotSummary `json:"shot,omitempty"`   // shot_ended only
	Record     *ShotRecord  `json:"record,omitempty"` // shot only
}

// Event types.
const (
	EventShotStarted   = "shot_started"
	EventBallCollision = "ball_collision"
	EventBallPocketed  = "ball_pocketed"
	EventShotEnded     = "shot_ended"
	EventRackDetected  = "rack_detected"
	EventTableCleared  = "table_cleared"
	// The game layer's events: what a referee needs from each shot.
	EventCueStrike    = "cue_strike"     // the cue ball was struck: Speed, HeadingDeg, Pos
	EventBallCushion  = "ball_cushion"   // Balls[0] reflected off Rail at Pos
	EventBallOffTable = "ball_off_table" // Balls[0] left the cloth away from any pocket
	// EventShot carries a shot's whole record (Record) once the game
	// layer has judged it: one per shot, in free practice too.
	EventShot = "shot"
)

// Rail names, fixed by contract like the pocket names: the cushion along
// y = 0 is "bottom", x = L "right", y = W "top", x = 0 "left" (as the camera
// image shows the table, origin bottom-left).
const (
	RailBottom = "bottom"
	RailRight  = "right"
	RailTop    = "top"
	RailLeft   = "left"
)

// ShotSummary closes a shot.
type ShotSummary struct {
	FirstContact string            `json:"first_contact,omitempty"` // first object ball the cue ball hit
	Pocketed     map[string]string `json:"pocketed"`                // ball id -> pocket name
	Scratch      bool              `json:"scratch"`
	DurationS    float64           `json:"duration_s"`
	// Start is every ball on the table when the shot started, End every
	// ball left on it at rest.
	Start []BallSpot `json:"start,omitempty"`
	End   []BallSpot `json:"end,omitempty"`
	// Frozen are the balls touching a cushion when the shot started.
	Frozen []string `json:"frozen,omitempty"`
	// Events is the shot's whole ordered event list: cue_strike,
	// ball_collision, ball_cushion, ball_pocketed, ball_off_table.
	Events []Event `json:"events,omitempty"`
	// Paths is each moving ball's measured path (table metres).
	Paths []BallPath `json:"paths,omitempty"`
}

// BallSpot is a ball at a place.
type BallSpot struct {
	ID  string `json:"id"`
	Pos Vec2   `json:"pos"`
}

// ShotRecord is one shot as the game layer keeps it: what the tracker
// measured, what the projector predicted before the strike, what a player
// said (the call, a push-out) and the referee's decision. It travels on the
// event stream as the `shot` event and is what history stores.
type ShotRecord struct {
	ID       string      `json:"id"`        // unique on this box, across restarts
	GameID   string      `json:"game_id"`   // "" in free practice
	GameType string      `json:"game_type"` // 8ball, 9ball, 10ball, practice
	Number   int         `json:"number"`    // shot number in the game; 1 is the break
	Shooter  string      `json:"shooter,omitempty"`
	Started  time.Time   `json:"started"`
	Ended    time.Time   `json:"ended"`
	Summary  ShotSummary `json:"summary"`
	// Prediction is the last trajectory the projector showed before the
	// cue ball was struck; nil when nothing was predicted.
	Prediction *Trajectory `json:"prediction,omitempty"`
	Called     *Call       `json:"called,omitempty"`
	PushOut    bool        `json:"push_out,omitempty"`
	Decision   *Decision   `json:"decision,omitempty"`
	// Identified are the balls the tracker could not name ("?N") that the
	// game named from what it knew before the shot ("?7" -> "3"); Summary
	// carries the names given. Absent when none was.
	Identified map[string]string `json:"identified,omitempty"`
}

// Call is a called shot: the ball and the pocket.
type Call struct {
	Ball   string `json:"ball"`
	Pocket string `json:"pocket"`
}

// Decision is the referee's ruling on one shot.
type Decision struct {
	Shot       int               `json:"shot"`
	Shooter    string            `json:"shooter"`
	Legal      bool              `json:"legal"`
	Fouls      []string          `json:"fouls"`          // foul codes: scratch, no_contact, wrong_ball_first, ...
	Rule       string            `json:"rule,omitempty"` // the rule's number in Edition, e.g. "6.3"
	TurnOver   bool              `json:"turn_over"`
	BallInHand string            `json:"ball_in_hand,omitempty"` // "", "anywhere", "kitchen"
	GameOver   bool              `json:"game_over"`
	Winner     *string           `json:"winner"`
	Group      map[string]string `json:"group,omitempty"` // player -> solids|stripes
	Message    string            `json:"message"`         // one plain sentence for players
	Overruled  bool              `json:"overruled,omitempty"`
	// Next is who is at the table after this shot (or who chooses, when
	// Options are open); "" once the rack is over.
	Next string `json:"next,omitempty"`
	// Respot are the balls spotted after this shot (the 9 after a foul,
	// the 8 on the break) and where.
	Respot []BallSpot `json:"respot,omitempty"`
	// Options are the choices open to Next before the next shot: play or
	// pass (after a push-out), accept or rerack (after an illegal break),
	// respot or rerack (the 8 on the break).
	Options []string `json:"options,omitempty"`
	// Edition is the WPA rule book Rule and the message are numbered by:
	// "2016" (World Standardized Rules) or "2025" (Rules of Play); absent
	// in records judged before the edition was a setting.
	Edition string `json:"edition,omitempty"`
	// Uncertain names what the camera could not tell and the referee
	// decided in the shooter's favour (no foul called on it): codes
	// "first_contact", "pocketed", "off_table", "break_rails"; the message
	// says it in a sentence. Absent when the shot was seen whole.
	Uncertain []string `json:"uncertain,omitempty"`
}

// Alert levels.
const (
	AlertInfo     = "info"
	AlertWarning  = "warning"
	AlertError    = "error"
	AlertCritical = "critical"
)

// Alert is a message for people: camera lost, projector lamp fault, config
// reload failed. ID is set by the hub when it is published.
type Alert struct {
	ID      string    `json:"id"`
	Level   string    `json:"level"`
	Code    string    `json:"code"`
	Message string    `json:"message"`
	Source  string    `json:"source"` // component that raised it
	Time    time.Time `json:"time"`
}

// Trajectory is the predicted shot published on the `trajectory` stream.
type Trajectory struct {
	Seq        uint64      `json:"seq"`
	Aiming     bool        `json:"aiming"`
	HeadingDeg float64     `json:"heading_deg"`
	Speed      float64     `json:"speed"`
	Ghost      *Vec2       `json:"ghost,omitempty"`  // cue ball centre at first contact
	Target     string      `json:"target,omitempty"` // first object ball hit
	Paths      []BallPath  `json:"paths"`
	Outcome    ShotOutcome `json:"outcome"`
}

// BallPath is one ball's predicted polyline (table metres), from its start to
// rest or pocket, with a vertex at every event.
type BallPath struct {
	Ball   string `json:"ball"`
	Points []Vec2 `json:"points"`
}

// ShotOutcome says where the predicted shot ends.
type ShotOutcome struct {
	Pocketed map[string]string `json:"pocketed"` // ball id -> pocket name
	Scratch  bool              `json:"scratch"`
	Miss     bool              `json:"miss"` // cue ball hits no object ball
}
