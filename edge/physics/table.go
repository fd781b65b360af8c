package physics

import (
	"fmt"
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// The table is the playing surface [0, L] x [0, W] bounded by cushion noses.
// Rails are straight cushion segments between pocket mouths. Each pocket has
// two jaws: cushion segments leaving the jaw points at the WPA pocket angle
// (angle between nose and jaw face) and narrowing towards the throat, so a
// ball that meets a jaw is thrown back by the same cushion model as a rail
// and can rattle out. The jaw points (and the far ends of the jaws) are
// point cushions. A ball is pocketed when its centre enters the capture
// circle: the hole, whose near edge lies a shelf depth behind the mouth line.

type cushion struct {
	a, b v2 // ends
	dir  v2 // unit, a to b
	n    v2 // unit normal pointing to where balls are
	len  float64
	jaw  int    // pocket index for a jaw, -1 for a rail
	rail string // model.Rail* name of the rail it is (or whose pocket mouth the jaw cuts)
}

type corner struct {
	p    v2
	jaw  int    // pocket index
	rail string // the rail of the jaw it ends
}

type pocket struct {
	name  string
	mouth v2 // centre of the mouth line
	out   v2 // unit, from the table into the pocket
	hole  v2 // capture circle centre
	r     float64
	side  bool
	jaws  [2]v2 // jaw points
}

type table struct {
	l, w     float64
	cushions []cushion
	corners  []corner
	pockets  []pocket
}

// newTable builds the cushion, jaw and pocket geometry of g.
func newTable(g model.TableGeometry, p *Params) (*table, error) {
	l, w, r := g.Length, g.Width, p.BallRadius
	if !(l > 8*r && w > 8*r && finite(l) && finite(w)) {
		return nil, fmt.Errorf("physics: NewSystem: table %vx%v m is too small or not a number", l, w)
	}
	t := &table{l: l, w: w}
	// gaps[rail] lists [from, to] intervals (in the rail's own coordinate,
	// from its start corner) taken by pocket mouths. Rails: 0 bottom (y=0,
	// x from 0 to L), 1 right (x=L, y 0..W), 2 top (y=W, x 0..L), 3 left (x=0).
	type gap struct{ from, to float64 }
	var gaps [4][]gap
	for i, pk := range g.Pockets {
		pos := v2{pk.Pos.X, pk.Pos.Y}
		mouth := 2 * pk.Radius
		if !(mouth > 2*r && mouth < 10*r) {
			return nil, fmt.Errorf("physics: NewSystem: pocket %q mouth %v m does not fit a ball (radius %v)", pk.Name, mouth, r)
		}
		q := pocket{name: pk.Name, r: mouth / 2}
		var jawDeg, shelf float64
		if isCorner(pk.Pos, l, w) {
			// Snap to the exact corner; e1, e2 run along the two rails
			// from the corner into the table.
			cx, cy := 0.0, 0.0
			e1, e2 := v2{1, 0}, v2{0, 1}
			if pos.x > l/2 {
				cx, e1 = l, v2{-1, 0}
			}
			if pos.y > w/2 {
				cy, e2 = w, v2{0, -1}
			}
			c := v2{cx, cy}
			a := mouth / math.Sqrt2
			q.jaws = [2]v2{c.add(e1.scale(a)), c.add(e2.scale(a))}
			q.out = e1.add(e2).scale(-1 / math.Sqrt2)
			jawDeg, shelf = p.CornerJawDeg, p.CornerShelf
			// Bottom/top rails carry the e1 gap, left/right rails the e2 gap.
			if cy == 0 {
				gaps[0] = append(gaps[0], gap{math.Min(cx, cx+e1.x*a), math.Max(cx, cx+e1.x*a)})
			} else {
				gaps[2] = append(gaps[2], gap{math.Min(cx, cx+e1.x*a), math.Max(cx, cx+e1.x*a)})
			}
			if cx == 0 {
				gaps[3] = append(gaps[3], gap{math.Min(cy, cy+e2.y*a), math.Max(cy, cy+e2.y*a)})
			} else {
				gaps[1] = append(gaps[1], gap{math.Min(cy, cy+e2.y*a), math.Max(cy, cy+e2.y*a)})
			}
		} else {
			q.side = true
			jawDeg, shelf = p.SideJawDeg, p.SideShelf
			h := mouth / 2
			switch {
			case math.Abs(pos.y) < 0.02:
				q.jaws = [2]v2{{pos.x - h, 0}, {pos.x + h, 0}}
				q.out = v2{0, -1}
				gaps[0] = append(gaps[0], gap{pos.x - h, pos.x + h})
			case math.Abs(pos.y-w) < 0.02:
				q.jaws = [2]v2{{pos.x - h, w}, {pos.x + h, w}}
				q.out = v2{0, 1}
				gaps[2] = append(gaps[2], gap{pos.x - h, pos.x + h})
			case math.Abs(pos.x) < 0.02:
				q.jaws = [2]v2{{0, pos.y - h}, {0, pos.y + h}}
				q.out = v2{-1, 0}
				gaps[3] = append(gaps[3], gap{pos.y - h, pos.y + h})
			case math.Abs(pos.x-l) < 0.02:
				q.jaws = [2]v2{{l, pos.y - h}, {l, pos.y + h}}
				q.out = v2{1, 0}
				gaps[1] = append(gaps[1], gap{pos.y - h, pos.y + h})
			default:
				return nil, fmt.Errorf("physics: NewSystem: pocket %q at (%v, %v) is neither at a corner nor on a cushion", pk.Name, pos.x, pos.y)
			}
		}
		q.mouth = q.jaws[0].add(q.jaws[1]).scale(0.5)
		q.hole = q.mouth.add(q.out.scale(shelf + q.r))
		t.pockets = append(t.pockets, q)

		// Jaws: from each jaw point, turn the nose direction (pointing away
		// from the mouth) by the pocket angle towards the cushion's back.
		for k, jp := range q.jaws {
			along := jp.sub(q.jaws[1-k])
			along = along.scale(1 / along.norm()) // along the nose, away from the mouth
			back := q.out
			if !q.side {
				// A corner jaw point lies on one rail: turn from that rail's
				// direction towards its outward normal.
				along = railDir(jp, l, w)
				back = along.perp()
				if back.dot(q.out) < 0 {
					back = back.scale(-1)
				}
			}
			rad := jawDeg * math.Pi / 180
			dir := along.scale(math.Cos(rad)).add(back.scale(math.Sin(rad)))
			// Length: to where the jaw meets the capture circle, so the
			// corridor between the jaws always ends inside the hole.
			s := circleHit(jp, dir, q.hole, q.r)
			if !(s > 0) {
				s = shelf + 2*q.r
			}
			end := jp.add(dir.scale(s))
			n := dir.perp()
			if n.dot(q.mouth.sub(jp)) < 0 {
				n = n.scale(-1)
			}
			rail := railAt(jp, l, w)
			t.cushions = append(t.cushions, cushion{a: jp, b: end, dir: dir, n: n, len: s, jaw: i, rail: rail})
			t.corners = append(t.corners, corner{jp, i, rail}, corner{end, i, rail})
		}
	}
	// Rails minus the gaps.
	rails := [4]struct {
		start, dir, n v2
		len           float64
		name          string
	}{
		{v2{0, 0}, v2{1, 0}, v2{0, 1}, l, model.RailBottom},
		{v2{l, 0}, v2{0, 1}, v2{-1, 0}, w, model.RailRight},
		{v2{0, w}, v2{1, 0}, v2{0, -1}, l, model.RailTop},
		{v2{0, 0}, v2{0, 1}, v2{1, 0}, w, model.RailLeft},
	}
	for k, rl := range rails {
		gs := gaps[k]
		// Sort the few gaps by start (insertion sort; at most 3 per rail).
		for i := 1; i < len(gs); i++ {
			for j := i; j > 0 && gs[j].from < gs[j-1].from; j-- {
				gs[j], gs[j-1] = gs[j-1], gs[j]
			}
		}
		from := 0.0
		emit := func(to float64) {
			if to-from > 1e-6 {
				a := rl.start.add(rl.dir.scale(from))
				t.cushions = append(t.cushions, cushion{a: a, b: rl.start.add(rl.dir.scale(to)), dir: rl.dir, n: rl.n, len: to - from, jaw: -1, rail: rl.name})
			}
		}
		for _, gp := range gs {
			emit(gp.from)
			if gp.to > from {
				from = gp.to
			}
		}
		emit(rl.len)
	}
	return t, nil
}

// railAt names the rail whose nose line passes through jaw point jp (a
// side pocket's jaws lie on the bottom or top rail, a corner pocket's on
// one of its two rails).
func railAt(jp v2, l, w float64) string {
	const tol = 1e-6
	switch {
	case math.Abs(jp.y) < tol:
		return model.RailBottom
	case math.Abs(jp.y-w) < tol:
		return model.RailTop
	case math.Abs(jp.x) < tol:
		return model.RailLeft
	default:
		return model.RailRight
	}
}

// railDir returns the unit direction along the rail that carries corner jaw
// point jp, pointing away from the pocket.
func railDir(jp v2, l, w float64) v2 {
	const tol = 1e-9
	switch {
	case math.Abs(jp.y) < tol || math.Abs(jp.y-w) < tol: // on bottom or top rail
		if jp.x < l/2 {
			return v2{1, 0}
		}
		return v2{-1, 0}
	default:
		if jp.y < w/2 {
			return v2{0, 1}
		}
		return v2{0, -1}
	}
}

// circleHit returns the smallest s > 0 with |p + s d - c| = r, or -1.
func circleHit(p, d, c v2, r float64) float64 {
	m := p.sub(c)
	b := m.dot(d)
	cc := m.dot(m) - r*r
	disc := b*b - cc
	if disc < 0 {
		return -1
	}
	sq := math.Sqrt(disc)
	if s := -b - sq; s > 0 {
		return s
	}
	if s := -b + sq; s > 0 {
		return s
	}
	return -1
}

// onTable reports whether a ball centre at p is a legal resting place: at
// least a radius inside every cushion nose and clear of every jaw point.
func (t *table) onTable(p v2, r float64) bool {
	const tol = 1e-9
	if !(p.x >= r-tol && p.x <= t.l-r+tol && p.y >= r-tol && p.y <= t.w-r+tol) {
		return false
	}
	for _, c := range t.corners {
		if c.p.sub(p).norm() < r-tol {
			return false
		}
	}
	for i := range t.pockets {
		if t.pockets[i].hole.sub(p).norm() < t.pockets[i].r {
			return false
		}
	}
	return true
}

// inBounds is the looser invariant of a moving ball: inside the rectangle
// of cushion noses (less tol), or inside a pocket's corridor.
func (t *table) inBounds(p v2, r, tol float64) bool {
	if p.x >= r-tol && p.x <= t.l-r+tol && p.y >= r-tol && p.y <= t.w-r+tol {
		return true
	}
	for i := range t.pockets {
		q := &t.pockets[i]
		// Between the mouth line and the hole, within the mouth's width.
		d := p.sub(q.mouth)
		depth := d.dot(q.out)
		lat := math.Abs(d.dot(q.out.perp()))
		if depth > -r-tol && depth < q.hole.sub(q.mouth).norm()+q.r && lat < q.r+tol {
			return true
		}
	}
	return false
}
