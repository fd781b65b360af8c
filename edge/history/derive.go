package history

import (
	"math"
	"sort"

	"github.com/cuecast/cuecast/edge/model"
)

// Foul codes history uses when no referee judged the shot (the referee's
// own codes are kept as they are).
const (
	FoulScratch      = "scratch"
	FoulNoContact    = "no_contact"
	FoulBallOffTable = "ball_off_table"
)

// Derive computes the figures history keeps beside a shot record. table
// gives the pockets (cut angles, the pocket a missed ball was heading for).
func Derive(r *model.ShotRecord, table model.TableGeometry) Features {
	s := &r.Summary
	var f Features
	for b := range s.Pocketed {
		if b != "cue" {
			f.Made++
		}
	}
	f.Scratch = s.Scratch
	start := spots(s.Start)
	end := spots(s.End)
	f.Break = r.Number == 1 && (r.GameID != "" || len(s.Start) == 0 || racked(s.Start, table))

	if d := r.Decision; d != nil {
		f.Fouls = append([]string(nil), d.Fouls...)
		f.Legal = d.Legal
		f.TurnOver = d.TurnOver
		f.GameOver = d.GameOver
		if d.Winner != nil {
			f.Winner = *d.Winner
		}
	} else {
		if s.Scratch {
			f.Fouls = append(f.Fouls, FoulScratch)
		}
		if s.FirstContact == "" {
			f.Fouls = append(f.Fouls, FoulNoContact)
		}
		for _, e := range s.Events {
			if e.Type == model.EventBallOffTable {
				f.Fouls = append(f.Fouls, FoulBallOffTable)
				break
			}
		}
		f.Legal = len(f.Fouls) == 0
		f.TurnOver = !(f.Legal && f.Made > 0)
	}
	if len(s.End) > 0 {
		f.Cleared = true
		for _, b := range s.End {
			if b.ID != "cue" {
				f.Cleared = false
				break
			}
		}
	}

	// The cue ball: where it stood, where it stopped.
	if p, ok := start["cue"]; ok {
		f.CueStart = &p
	} else if p, ok := firstPoint(s.Paths, "cue"); ok {
		f.CueStart = &p
	}
	if _, pocketed := s.Pocketed["cue"]; !pocketed {
		if p, ok := end["cue"]; ok {
			f.CueEnd = &p
		} else if p, ok := lastPoint(s.Paths, "cue"); ok {
			f.CueEnd = &p
		}
	}

	// The target and its pocket.
	if r.Called != nil {
		f.Target, f.Pocket = r.Called.Ball, r.Called.Pocket
	} else {
		f.Target = s.FirstContact
		if f.Target != "" {
			if pk, ok := s.Pocketed[f.Target]; ok {
				f.Pocket = pk
			} else {
				f.Pocket = headingFor(s.Paths, f.Target, table)
			}
		}
	}
	f.Attempt = !f.Break && f.Target != ""
	if f.Attempt {
		if r.Called != nil {
			f.Potted = f.Legal && s.Pocketed[r.Called.Ball] == r.Called.Pocket
		} else {
			f.Potted = f.Legal && f.Made > 0
		}
	}
	if f.Target != "" && f.CueStart != nil {
		obj, ok := start[f.Target]
		if !ok {
			obj, ok = firstPoint(s.Paths, f.Target)
		}
		if ok {
			d := dist(*f.CueStart, obj)
			f.DistM = &d
			if pk, ok := pocketPos(table, f.Pocket); ok {
				if c, ok := cutAngle(*f.CueStart, obj, pk); ok {
					f.CutDeg = &c
				}
			}
		}
	}

	// Against the prediction shown before the strike.
	if p := r.Prediction; p != nil {
		if p.Target != "" {
			agree := p.Target == s.FirstContact
			f.TargetAgree = &agree
		}
		agree := sameOutcome(p.Outcome.Pocketed, s.Pocketed)
		f.OutcomeAgree = &agree
		if _, predScratch := p.Outcome.Pocketed["cue"]; !predScratch && f.CueEnd != nil {
			if q, ok := lastPoint(p.Paths, "cue"); ok {
				f.PredictedCueEnd = &q
				e := dist(q, *f.CueEnd) * 100
				f.PositionErrCM = &e
			}
		}
		if f.Target != "" {
			pred, measured := pathOf(p.Paths, f.Target), pathOf(s.Paths, f.Target)
			if len(pred) >= 2 && len(measured) >= 2 {
				e := meanDeviation(measured, pred) * 100
				f.PathErrCM = &e
				ee := dist(pred[len(pred)-1], measured[len(measured)-1]) * 100
				f.EndErrCM = &ee
			}
		}
	}

	if f.Break {
		var obj []model.Vec2
		for _, b := range s.End {
			if b.ID != "cue" {
				obj = append(obj, b.Pos)
			}
		}
		if len(obj) > 0 {
			sp := rmsSpread(obj) * 100
			f.SpreadCM = &sp
		}
		rail := map[string]bool{}
		for _, e := range s.Events {
			if e.Type == model.EventBallCushion && len(e.Balls) > 0 && e.Balls[0] != "cue" {
				rail[e.Balls[0]] = true
			}
		}
		f.BallsToRail = len(rail)
	}
	return f
}

func spots(s []model.BallSpot) map[string]model.Vec2 {
	m := make(map[string]model.Vec2, len(s))
	for _, b := range s {
		m[b.ID] = b.Pos
	}
	return m
}

// racked reports whether the start of a shot looks like a rack: at least six
// object balls within 0.3 m of the foot spot. A practice shot numbered 1 is a
// break only then (the first shot after the box started need not be one).
func racked(start []model.BallSpot, t model.TableGeometry) bool {
	foot := model.Vec2{X: 0.75 * t.Length, Y: t.Width / 2}
	n := 0
	for _, b := range start {
		if b.ID != "cue" && dist(b.Pos, foot) < 0.3 {
			n++
		}
	}
	return n >= 6
}

func pathOf(paths []model.BallPath, ball string) []model.Vec2 {
	for _, p := range paths {
		if p.Ball == ball {
			return p.Points
		}
	}
	return nil
}

func firstPoint(paths []model.BallPath, ball string) (model.Vec2, bool) {
	if p := pathOf(paths, ball); len(p) > 0 {
		return p[0], true
	}
	return model.Vec2{}, false
}

func lastPoint(paths []model.BallPath, ball string) (model.Vec2, bool) {
	if p := pathOf(paths, ball); len(p) > 0 {
		return p[len(p)-1], true
	}
	return model.Vec2{}, false
}

func pocketPos(t model.TableGeometry, name string) (model.Vec2, bool) {
	for _, p := range t.Pockets {
		if p.Name == name {
			return p.Pos, true
		}
	}
	return model.Vec2{}, false
}

// headingFor is the pocket a missed ball was heading for: the one closest
// in direction to its measured path's first leg (within 30 degrees).
func headingFor(paths []model.BallPath, ball string, t model.TableGeometry) string {
	pts := pathOf(paths, ball)
	if len(pts) < 2 {
		return ""
	}
	o := pts[0]
	var d model.Vec2
	for _, p := range pts[1:] {
		if dist(o, p) > 0.02 {
			d = model.Vec2{X: p.X - o.X, Y: p.Y - o.Y}
			break
		}
	}
	if d == (model.Vec2{}) {
		return ""
	}
	best, bestAng := "", 30.0
	for _, pk := range t.Pockets {
		a := angleBetween(d, model.Vec2{X: pk.Pos.X - o.X, Y: pk.Pos.Y - o.Y})
		if a < bestAng {
			best, bestAng = pk.Name, a
		}
	}
	return best
}

// cutAngle is the angle, in degrees, between the cue ball's line to the
// ghost ball (where it must be at contact to send obj to pocket) and the
// object ball's line to the pocket. 0 is straight in.
func cutAngle(cue, obj, pocket model.Vec2) (float64, bool) {
	op := model.Vec2{X: pocket.X - obj.X, Y: pocket.Y - obj.Y}
	l := math.Hypot(op.X, op.Y)
	if l < 1e-6 {
		return 0, false
	}
	ghost := model.Vec2{X: obj.X - 2*model.BallRadius*op.X/l, Y: obj.Y - 2*model.BallRadius*op.Y/l}
	cg := model.Vec2{X: ghost.X - cue.X, Y: ghost.Y - cue.Y}
	if math.Hypot(cg.X, cg.Y) < 1e-6 {
		return 0, false
	}
	return angleBetween(cg, op), true
}

func angleBetween(a, b model.Vec2) float64 {
	la, lb := math.Hypot(a.X, a.Y), math.Hypot(b.X, b.Y)
	if la == 0 || lb == 0 {
		return 180
	}
	c := (a.X*b.X + a.Y*b.Y) / (la * lb)
	return math.Acos(math.Max(-1, math.Min(1, c))) * 180 / math.Pi
}

func dist(a, b model.Vec2) float64 { return math.Hypot(a.X-b.X, a.Y-b.Y) }

func sameOutcome(pred, actual map[string]string) bool {
	if len(pred) != len(actual) {
		return false
	}
	for b, p := range pred {
		if actual[b] != p {
			return false
		}
	}
	return true
}

// meanDeviation is the mean distance from measured (sampled evenly along
// its length, 32 samples) to the polyline pred.
func meanDeviation(measured, pred []model.Vec2) float64 {
	const n = 32
	total := 0.0
	for i := 1; i < len(measured); i++ {
		total += dist(measured[i-1], measured[i])
	}
	if total == 0 {
		return distToPolyline(measured[0], pred)
	}
	sum := 0.0
	for k := 0; k < n; k++ {
		sum += distToPolyline(along(measured, total*float64(k)/(n-1)), pred)
	}
	return sum / n
}

// along is the point at arc length s on the polyline.
func along(pts []model.Vec2, s float64) model.Vec2 {
	for i := 1; i < len(pts); i++ {
		l := dist(pts[i-1], pts[i])
		if s <= l && l > 0 {
			t := s / l
			return model.Vec2{X: pts[i-1].X + t*(pts[i].X-pts[i-1].X), Y: pts[i-1].Y + t*(pts[i].Y-pts[i-1].Y)}
		}
		s -= l
	}
	return pts[len(pts)-1]
}

func distToPolyline(p model.Vec2, pts []model.Vec2) float64 {
	best := math.Inf(1)
	for i := 1; i < len(pts); i++ {
		best = math.Min(best, distToSegment(p, pts[i-1], pts[i]))
	}
	if len(pts) == 1 {
		best = dist(p, pts[0])
	}
	return best
}

func distToSegment(p, a, b model.Vec2) float64 {
	dx, dy := b.X-a.X, b.Y-a.Y
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return dist(p, a)
	}
	t := math.Max(0, math.Min(1, ((p.X-a.X)*dx+(p.Y-a.Y)*dy)/l2))
	return dist(p, model.Vec2{X: a.X + t*dx, Y: a.Y + t*dy})
}

func rmsSpread(pts []model.Vec2) float64 {
	var c model.Vec2
	for _, p := range pts {
		c.X += p.X
		c.Y += p.Y
	}
	c.X /= float64(len(pts))
	c.Y /= float64(len(pts))
	s := 0.0
	for _, p := range pts {
		d := dist(p, c)
		s += d * d
	}
	return math.Sqrt(s / float64(len(pts)))
}

// sortedKeys returns m's keys in order (stable output for exports).
func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}
