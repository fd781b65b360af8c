package history

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/cuecast/cuecast/edge/model"
)

// A Drill is a practice exercise: where to put the balls, the zones that
// matter and what counts as success. Positions are in diamonds (x 0-8 along
// the long rails from the left end, y 0-4 from the bottom rail: the sights
// on every table size), so one drill fits 7, 8 and 9 ft tables; zone radii
// are in centimetres.
type Drill struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Category    string      `json:"category"`
	Description string      `json:"description"`
	Balls       []Placement `json:"balls"`
	Zones       []Zone      `json:"zones,omitempty"`
	// Shots is how many shots one attempt may take (1 for single shots,
	// more for ladders and run-outs: the balls are played where they lie).
	Shots   int  `json:"shots"`
	Success Rule `json:"success"`
	Builtin bool `json:"builtin,omitempty"` // part of the box's library (read-only)
}

// Placement is where one ball goes, in diamonds.
type Placement struct {
	Ball string  `json:"ball"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
}

// Zone is a target area: a circle around (X, Y) diamonds.
type Zone struct {
	Name     string  `json:"name"`
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
	RadiusCM float64 `json:"radius_cm"`
}

// Rule is what an attempt must do. Every non-empty requirement must hold; a
// foul (scratch, no contact, ball off the table) fails the attempt.
type Rule struct {
	Pot     []string `json:"pot,omitempty"`    // balls to pocket within the attempt
	Pocket  string   `json:"pocket,omitempty"` // the pocket every ball of Pot must drop in ("" = any)
	InOrder bool     `json:"in_order,omitempty"`
	// FirstHit is the ball the cue ball must hit first on the first shot.
	FirstHit string `json:"first_hit,omitempty"`
	// RailFirst: the cue ball must touch a cushion before any ball.
	RailFirst bool `json:"rail_first,omitempty"`
	// CueZone is the zone the cue ball must stop in after the last shot.
	CueZone string `json:"cue_zone,omitempty"`
}

// SetupToleranceM is how close to its spot every ball must be before an
// attempt counts.
const SetupToleranceM = 0.01

var (
	drillID  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	ballName = regexp.MustCompile(`^(cue|[1-9]|1[0-5])$`)
)

// ParseDrill decodes one drill strictly (unknown fields are errors) and
// validates it for table.
func ParseDrill(b []byte, table model.TableGeometry) (*Drill, error) {
	var d Drill
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, Invalid(fmt.Errorf("drill: %w", err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, Invalid(errors.New("drill: unexpected data after the JSON object"))
	}
	if err := d.Validate(table); err != nil {
		return nil, Invalid(err)
	}
	return &d, nil
}

// Validate checks a drill against a table: ids and names, every ball and
// zone on the cloth, no two balls overlapping, requirements that name
// placed balls, known pockets and zones.
func (d *Drill) Validate(t model.TableGeometry) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("drill %q: "+format, append([]any{d.ID}, args...)...)
	}
	if !drillID.MatchString(d.ID) {
		return fmt.Errorf("drill: id %q must be 1-64 of a-z, 0-9 and '-', starting with a letter or digit", d.ID)
	}
	if strings.TrimSpace(d.Name) == "" || len(d.Name) > 80 {
		return fail("name must be 1-80 characters")
	}
	if len(d.Description) > 2000 || len(d.Category) > 40 {
		return fail("description (2000) or category (40 characters) too long")
	}
	if d.Shots < 1 || d.Shots > 15 {
		return fail("shots %d must be 1-15", d.Shots)
	}
	if len(d.Balls) < 2 || len(d.Balls) > 16 {
		return fail("place 2-16 balls (the cue ball and at least one object ball)")
	}
	placed := map[string]model.Vec2{}
	for i, p := range d.Balls {
		if !ballName.MatchString(p.Ball) {
			return fail("ball %d: %q is not a ball (cue, 1-15)", i+1, p.Ball)
		}
		if _, dup := placed[p.Ball]; dup {
			return fail("ball %s placed twice", p.Ball)
		}
		pos := d.Metres(t, p.X, p.Y)
		R := model.BallRadius
		if !(pos.X >= R && pos.X <= t.Length-R && pos.Y >= R && pos.Y <= t.Width-R) {
			return fail("ball %s at (%g, %g) diamonds is off the table: x must keep the ball on the cloth within 0-8, y within 0-4", p.Ball, p.X, p.Y)
		}
		for o, q := range placed {
			if dist(pos, q) < 2*R-0.001 {
				return fail("balls %s and %s overlap", o, p.Ball)
			}
		}
		placed[p.Ball] = pos
	}
	if _, ok := placed["cue"]; !ok {
		return fail("the cue ball is not placed")
	}
	zones := map[string]bool{}
	for _, z := range d.Zones {
		if z.Name == "" || zones[z.Name] {
			return fail("zone names must be given and unique (%q)", z.Name)
		}
		zones[z.Name] = true
		if z.X < 0 || z.X > 8 || z.Y < 0 || z.Y > 4 || math.IsNaN(z.X+z.Y) {
			return fail("zone %s at (%g, %g) diamonds is off the table", z.Name, z.X, z.Y)
		}
		if !(z.RadiusCM >= 1 && z.RadiusCM <= 100) {
			return fail("zone %s: radius_cm %g must be 1-100", z.Name, z.RadiusCM)
		}
	}
	r := &d.Success
	if len(r.Pot) == 0 && r.FirstHit == "" && r.CueZone == "" && !r.RailFirst {
		return fail("success names nothing to do (pot, first_hit, rail_first or cue_zone)")
	}
	for _, b := range r.Pot {
		if _, ok := placed[b]; !ok || b == "cue" {
			return fail("success.pot names ball %q, which is not a placed object ball", b)
		}
	}
	if r.FirstHit != "" {
		if _, ok := placed[r.FirstHit]; !ok || r.FirstHit == "cue" {
			return fail("success.first_hit names ball %q, which is not a placed object ball", r.FirstHit)
		}
	}
	if r.Pocket != "" {
		if _, ok := pocketPos(t, r.Pocket); !ok {
			return fail("success.pocket %q is not a pocket (%s)", r.Pocket, pocketNames(t))
		}
	}
	if r.CueZone != "" && !zones[r.CueZone] {
		return fail("success.cue_zone %q is not one of the drill's zones", r.CueZone)
	}
	return nil
}

func pocketNames(t model.TableGeometry) string {
	var n []string
	for _, p := range t.Pockets {
		n = append(n, p.Name)
	}
	return strings.Join(n, ", ")
}

// Metres converts diamonds to table metres on t.
func (d *Drill) Metres(t model.TableGeometry, x, y float64) model.Vec2 {
	return model.Vec2{X: x * t.Length / 8, Y: y * t.Width / 4}
}

// Spot is where ball b goes on t.
func (d *Drill) Spot(t model.TableGeometry, b string) (model.Vec2, bool) {
	for _, p := range d.Balls {
		if p.Ball == b {
			return d.Metres(t, p.X, p.Y), true
		}
	}
	return model.Vec2{}, false
}

// PlacementStatus is one ball of a set-up as the camera sees it.
type PlacementStatus struct {
	Ball   string     `json:"ball"`
	Spot   model.Vec2 `json:"spot"` // table metres
	Placed bool       `json:"placed"`
	ErrCM  *float64   `json:"err_cm,omitempty"` // distance of the nearest candidate ball, when one is within 20 cm
}

// CheckSetup compares the balls on the table with the drill's set-up: each
// placement is met by the ball with its id, or by a ball not yet identified
// ("?N"), within SetupToleranceM of the spot. ok is true when every ball is
// in place.
func (d *Drill) CheckSetup(t model.TableGeometry, balls []model.Ball) ([]PlacementStatus, bool) {
	out := make([]PlacementStatus, len(d.Balls))
	ok := true
	for i, p := range d.Balls {
		spot := d.Metres(t, p.X, p.Y)
		best := math.Inf(1)
		for _, b := range balls {
			if b.ID != p.Ball && !strings.HasPrefix(b.ID, "?") {
				continue
			}
			best = math.Min(best, dist(b.Pos, spot))
		}
		out[i] = PlacementStatus{Ball: p.Ball, Spot: spot, Placed: best <= SetupToleranceM}
		if best < 0.2 {
			e := math.Round(best*1000) / 10
			out[i].ErrCM = &e
		}
		ok = ok && out[i].Placed
	}
	return out, ok
}

// Result is the judgement of one attempt.
type Result struct {
	Success bool     `json:"success"`
	Score   float64  `json:"score"` // fraction of the requirements met, 0-1
	Potted  []string `json:"potted,omitempty"`
	// CueZoneErrCM is the cue ball's rest from the zone's centre.
	CueZoneErrCM *float64 `json:"cue_zone_err_cm,omitempty"`
	Message      string   `json:"message"` // one sentence for the player
	// Unjudged: the shot record lacks what the rule needs (cushion events
	// for rail-first); the attempt is neither a success nor a miss.
	Unjudged bool `json:"unjudged,omitempty"`
}

// Judge scores an attempt from its shots so far. done is false while the
// attempt may go on (a ladder or run-out with shots left and nothing failed).
func (d *Drill) Judge(t model.TableGeometry, shots []model.ShotRecord) (res Result, done bool) {
	r := &d.Success
	need := len(r.Pot)
	if r.FirstHit != "" {
		need++
	}
	if r.RailFirst {
		need++
	}
	if r.CueZone != "" {
		need++
	}
	met := 0
	finish := func(success bool, msg string) (Result, bool) {
		res.Success, res.Message = success, msg
		if need > 0 {
			res.Score = round2(float64(met) / float64(need))
		}
		return res, true
	}
	if len(shots) == 0 {
		return res, false
	}
	first := &shots[0].Summary
	if r.FirstHit != "" {
		if first.FirstContact != r.FirstHit {
			return finish(false, fmt.Sprintf("The cue ball hit %s first, not the %s.", orNothing(first.FirstContact), r.FirstHit))
		}
		met++
	}
	if r.RailFirst {
		switch railFirst(first.Events) {
		case 1:
			met++
		case 0:
			return finish(false, "The cue ball hit a ball before a cushion.")
		default:
			res.Unjudged = true
			return finish(false, "No cushion contacts were measured for this shot, so rail-first cannot be judged: not counted.")
		}
	}
	remaining := append([]string(nil), r.Pot...)
	for i := range shots {
		s := &shots[i].Summary
		if s.Scratch {
			return finish(false, "Scratch: the attempt ends.")
		}
		for _, e := range s.Events {
			if e.Type == model.EventBallOffTable {
				return finish(false, "A ball left the table: the attempt ends.")
			}
		}
		if s.FirstContact == "" {
			return finish(false, "The cue ball hit no ball.")
		}
		made := 0
		for _, b := range pocketOrder(s) {
			pk := s.Pocketed[b]
			j := indexOf(remaining, b)
			if j < 0 {
				continue // a ball the drill does not ask for: no harm
			}
			if r.Pocket != "" && pk != r.Pocket {
				return finish(false, fmt.Sprintf("The %s went in the %s, not the %s.", b, pk, r.Pocket))
			}
			if r.InOrder && j != 0 {
				return finish(false, fmt.Sprintf("The %s went in before the %s.", b, remaining[0]))
			}
			remaining = append(remaining[:j], remaining[j+1:]...)
			res.Potted = append(res.Potted, b)
			met++
			made++
		}
		if len(remaining) > 0 {
			if made == 0 || i == len(shots)-1 && len(shots) >= d.Shots {
				if len(remaining) == len(r.Pot) && len(r.Pot) == 1 {
					return finish(false, fmt.Sprintf("Missed the %s.", r.Pot[0]))
				}
				return finish(false, fmt.Sprintf("Missed: %s still on the table.", strings.Join(remaining, ", ")))
			}
			if i == len(shots)-1 {
				return res, false // more shots to come
			}
			continue
		}
		// Every ball made: the cue ball's rest decides.
		if r.CueZone != "" {
			z := d.zone(r.CueZone)
			c := d.Metres(t, z.X, z.Y)
			end, ok := cueRest(s)
			if !ok {
				return finish(false, "The cue ball's rest was not measured.")
			}
			e := math.Round(dist(end, c)*1000) / 10
			res.CueZoneErrCM = &e
			if e > z.RadiusCM {
				return finish(false, fmt.Sprintf("Made it, but the cue ball stopped %.0f cm from the %s zone's centre (within %.0f cm needed).", e, z.Name, z.RadiusCM))
			}
			met++
		}
		return finish(true, "Success!")
	}
	return res, false
}

func orNothing(b string) string {
	if b == "" {
		return "nothing"
	}
	return "the " + b
}

func (d *Drill) zone(name string) Zone {
	for _, z := range d.Zones {
		if z.Name == name {
			return z
		}
	}
	return Zone{}
}

// railFirst: 1 when the cue ball touched a cushion before any ball, 0 when
// it hit a ball first, -1 when the event list says nothing either way.
func railFirst(events []model.Event) int {
	for _, e := range events {
		switch {
		case e.Type == model.EventBallCushion && len(e.Balls) > 0 && e.Balls[0] == "cue":
			return 1
		case e.Type == model.EventBallCollision && indexOf(e.Balls, "cue") >= 0:
			return 0
		}
	}
	return -1
}

// pocketOrder is the shot's pocketed balls in the order they dropped (by
// the event list when there is one, else by ball number).
func pocketOrder(s *model.ShotSummary) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range s.Events {
		if e.Type == model.EventBallPocketed && len(e.Balls) > 0 && !seen[e.Balls[0]] {
			if _, ok := s.Pocketed[e.Balls[0]]; ok {
				out = append(out, e.Balls[0])
				seen[e.Balls[0]] = true
			}
		}
	}
	var rest []string
	for b := range s.Pocketed {
		if !seen[b] && b != "cue" {
			rest = append(rest, b)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return ballLess(rest[i], rest[j]) })
	return append(out, rest...)
}

func ballLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func cueRest(s *model.ShotSummary) (model.Vec2, bool) {
	for _, b := range s.End {
		if b.ID == "cue" {
			return b.Pos, true
		}
	}
	return lastPoint(s.Paths, "cue")
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

//go:embed drills/*.json
var drillFS embed.FS

// Library returns the box's standard drills, validated for table, in
// file-name order. A drill that does not fit the table is a build bug: the
// test validates every one on every standard size.
func Library(t model.TableGeometry) ([]Drill, error) {
	entries, err := drillFS.ReadDir("drills")
	if err != nil {
		return nil, err
	}
	var out []Drill
	for _, e := range entries {
		b, err := drillFS.ReadFile(path.Join("drills", e.Name()))
		if err != nil {
			return nil, err
		}
		d, err := ParseDrill(b, t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		d.Builtin = true
		out = append(out, *d)
	}
	return out, nil
}
