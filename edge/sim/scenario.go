package sim

import (
	"math"
	"sort"

	"github.com/cuecast/cuecast/edge/model"
)

// scenario is a named script. plan is called whenever the director has no
// steps left and appends the next ones; it loops forever.
type scenario struct {
	name  string
	felt  string // default cloth, so a mixed test set sees several
	about string
	plan  func(d *director)
	rigs  []string // lighting rigs it switches between (none: Options.Lighting)
	// offTable is the chance per shot that a ball meeting a rail hard is
	// scripted to jump off the table there (the engine cannot jump balls).
	offTable float64
}

var scenarios = map[string]*scenario{}

func init() {
	for _, s := range []*scenario{
		{name: "demo", felt: "green", about: "rack, break, a few single shots, re-rack; forever", plan: planDemo},
		{name: "break", felt: "blue", about: "rack and break, then re-rack", plan: planBreak},
		{name: "shots", felt: "red", about: "scattered balls, single shots at pockets", plan: planShots},
		{name: Game8Ball, felt: "green", about: "whole racks of 8-ball between players A and B: break, called shots, misses, fouls and scratches; a shot record per shot", plan: planGame, offTable: gameOffTable},
		{name: Game9Ball, felt: "blue", about: "whole racks of 9-ball between players A and B: break, the lowest ball, misses, fouls and scratches; a shot record per shot", plan: planGame, offTable: gameOffTable},
		{name: "banks", felt: "blue", about: "balls frozen on rails and loose, hard bank, kick and pot shots; one shot in five jumps a ball off the table", plan: planBanks, offTable: 0.2},
		{name: "clusters", felt: "grey", about: "groups of touching balls, still", plan: planClusters},
		{name: "cushion", felt: "green", about: "balls frozen on cushions and sitting in pocket jaws, still", plan: planCushion},
		{name: "occlusion", felt: "blue", about: "a hand resting over a ball, then the cue lying over another, still", plan: planOcclusion},
		{name: "empty", felt: "green", about: "no balls at all: the bare cloth, then the cue lying across it, 2.5 s each (false balls on an empty table)", plan: planEmpty},
		{name: "still", felt: "green", about: "one scattered layout that never changes (no cue, no hand)", plan: planStill},
		{name: "lighting", felt: "green", about: "a still layout under each lighting rig in turn (lamps, dim, spot, even), 4 s each", plan: planLighting,
			rigs: []string{"lamps", "dim", "spot", "even"}},
	} {
		scenarios[s.name] = s
	}
}

// Scenarios lists the scenario names with a one-line description each.
func Scenarios() map[string]string {
	m := make(map[string]string, len(scenarios))
	for n, s := range scenarios {
		m[n] = s.about
	}
	return m
}

func scenarioNames() []string {
	n := make([]string, 0, len(scenarios))
	for k := range scenarios {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

func planDemo(d *director) {
	if d.onTable() <= 2 || d.shots >= 6 || d.balls[0].pocketed {
		d.then(place(layoutRack, true), hold(1.5), shoot(aimBreak), settle(), hold(1.0))
		return
	}
	d.then(shoot(aimPot), settle(), hold(1.0))
}

func planBreak(d *director) {
	d.then(place(layoutRack, true), hold(1.5), shoot(aimBreak), settle(), hold(2.0))
}

func planShots(d *director) {
	if d.onTable() == 0 || d.shots >= 4 || d.balls[0].pocketed {
		n := 5 + d.rng.IntN(8)
		d.then(place(func(d *director) []model.Vec2 { return layoutScatter(d, n) }, false), hold(1.0))
	}
	d.then(shoot(aimPot), settle(), hold(0.8))
}

// planBanks plays shots that drive balls into the rails: banks of the cue
// ball off a rail, kicks at a ball frozen on a rail, pots; fresh layouts of
// loose and frozen balls every four shots.
func planBanks(d *director) {
	if d.onTable() == 0 || d.shots >= 4 || d.balls[0].pocketed {
		d.then(place(layoutBanks, false), hold(1.0))
	}
	d.then(shoot(aimBank), settle(), hold(0.8))
}

func planClusters(d *director) {
	d.then(place(layoutClusters, false), hold(3.0))
}

func planCushion(d *director) {
	d.then(place(layoutCushion, false), hold(3.0))
}

func planStill(d *director) {
	if d.balls[0].pocketed {
		d.then(place(func(d *director) []model.Vec2 { return layoutScatter(d, 15) }, false))
	}
	d.then(hold(3600))
}

// planLighting shows one layout under every rig, then a new layout: the
// lamps going dim or one switched off mid-game, as vision will see it.
func planLighting(d *director) {
	d.then(place(func(d *director) []model.Vec2 { return layoutScatter(d, 12) }, false))
	for i := range d.scene.rigs {
		d.then(func(d *director, t, dt float64) bool { d.light = i; return true }, hold(4))
	}
}

// planOcclusion alternates a hand resting on the cloth over a ball and the
// cue lying across another ball.
func planOcclusion(d *director) {
	d.then(place(func(d *director) []model.Vec2 { return layoutScatter(d, 9) }, false),
		func(d *director, t, dt float64) bool {
			b := d.pickBall()
			a := d.rng.Float64() * 2 * math.Pi
			dir := v2(math.Cos(a), math.Sin(a))
			// Fingertips over the ball: the palm sits behind it.
			d.hand = handView{visible: true, dir: dir, palm: v2(b.pos.X-dir.X*0.06, b.pos.Y-dir.Y*0.06)}
			return true
		}, hold(2.5),
		func(d *director, t, dt float64) bool {
			d.hand.visible = false
			b := d.pickBall()
			a := d.rng.Float64() * 2 * math.Pi
			dir := v2(math.Cos(a), math.Sin(a))
			// The tip rests just past the ball so the shaft covers it.
			d.cue = cueView{visible: true, dir: dir, tip: v2(b.pos.X+dir.X*0.08, b.pos.Y+dir.Y*0.08)}
			return true
		}, hold(2.5),
		func(d *director, t, dt float64) bool { d.cue.visible = false; return true })
}

// planEmpty keeps every ball off the table and alternates the bare cloth
// with the cue lying across it: whatever vision reports there is false.
func planEmpty(d *director) {
	d.then(place(func(d *director) []model.Vec2 { return emptyLayout() }, false), hold(2.5),
		func(d *director, t, dt float64) bool {
			a := d.rng.Float64() * 2 * math.Pi
			dir := v2(math.Cos(a), math.Sin(a))
			tip := v2(d.geo.Length*(0.3+0.4*d.rng.Float64()), d.geo.Width*(0.3+0.4*d.rng.Float64()))
			d.cue = cueView{visible: true, dir: dir, tip: tip}
			return true
		}, hold(2.5),
		func(d *director, t, dt float64) bool { d.cue.visible = false; return true })
}

func (d *director) pickBall() *ball {
	var in []int
	for i := range d.balls {
		if !d.balls[i].pocketed {
			in = append(in, i)
		}
	}
	return &d.balls[in[d.rng.IntN(len(in))]]
}

// ---- layouts: one position per ball number, NaN for a ball not placed ----

func emptyLayout() []model.Vec2 {
	p := make([]model.Vec2, 16)
	for i := range p {
		p[i] = v2(math.NaN(), math.NaN())
	}
	return p
}

// layoutRack is an eight-ball rack on the foot spot: the 1 at the apex, the
// 8 in the middle of the third row, a solid and a stripe in the back
// corners, the rest shuffled; the cue ball behind the head string.
func layoutRack(d *director) []model.Vec2 {
	L, W := d.geo.Length, d.geo.Width
	R := model.BallRadius
	p := emptyLayout()
	solids := []int{2, 3, 4, 5, 6, 7}
	stripes := []int{9, 10, 11, 12, 13, 14, 15}
	d.rng.Shuffle(len(solids), func(i, j int) { solids[i], solids[j] = solids[j], solids[i] })
	d.rng.Shuffle(len(stripes), func(i, j int) { stripes[i], stripes[j] = stripes[j], stripes[i] })
	order := make([]int, 15) // rack slots, row by row
	order[0] = 1
	order[4] = 8
	order[10], order[14] = solids[0], stripes[0]
	d.fillShuffled(order, append(append([]int{}, solids[1:]...), stripes[1:]...))
	// Balls nearly touch: a real rack leaves hair-line gaps.
	s := 2 * R * 1.002
	slot := 0
	for row := 0; row < 5; row++ {
		for j := 0; j <= row; j++ {
			jx := (d.rng.Float64() - 0.5) * 0.0004
			jy := (d.rng.Float64() - 0.5) * 0.0004
			p[order[slot]] = v2(0.75*L+float64(row)*s*math.Sqrt(3)/2+jx, W/2+(float64(j)-float64(row)/2)*s+jy)
			slot++
		}
	}
	p[0] = v2(0.25*L-d.rng.Float64()*0.05, W/2+(d.rng.Float64()-0.5)*0.3)
	return p
}

// fillShuffled shuffles rest and fills the empty (zero) slots of a rack
// order with it.
func (d *director) fillShuffled(order, rest []int) {
	d.rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	k := 0
	for i := range order {
		if order[i] == 0 {
			order[i] = rest[k]
			k++
		}
	}
}

// onRail is a random point of a ball frozen on a random rail, at least
// margin from the corners.
func (d *director) onRail(margin float64) model.Vec2 {
	L, W := d.geo.Length, d.geo.Width
	R := model.BallRadius
	switch d.rng.IntN(4) {
	case 0:
		return v2(margin+d.rng.Float64()*(L-2*margin), R)
	case 1:
		return v2(margin+d.rng.Float64()*(L-2*margin), W-R)
	case 2:
		return v2(R, margin+d.rng.Float64()*(W-2*margin))
	default:
		return v2(L-R, margin+d.rng.Float64()*(W-2*margin))
	}
}

// freeSpot returns a random point on the cloth at least gap from every
// placed point and clear of the pocket openings.
func freeSpot(d *director, p []model.Vec2, gap float64) (model.Vec2, bool) {
	L, W := d.geo.Length, d.geo.Width
	R := model.BallRadius
	for try := 0; try < 200; try++ {
		c := v2(R+0.01+d.rng.Float64()*(L-2*R-0.02), R+0.01+d.rng.Float64()*(W-2*R-0.02))
		if d.look.holeDist(c.X, c.Y) < 2*R || !farFrom(p, c, gap) {
			continue
		}
		return c, true
	}
	return model.Vec2{}, false
}

func farFrom(p []model.Vec2, c model.Vec2, gap float64) bool {
	for _, q := range p {
		if !math.IsNaN(q.X) && len2(sub2(q, c)) < gap {
			return false
		}
	}
	return true
}

// layoutScatter places the cue ball and n random object balls apart.
func layoutScatter(d *director, n int) []model.Vec2 {
	p := emptyLayout()
	nums := d.rng.Perm(15)
	for i := -1; i < n; i++ {
		k := 0
		if i >= 0 {
			k = nums[i] + 1
		}
		if c, ok := freeSpot(d, p, 2*model.BallRadius+0.01); ok {
			p[k] = c
		}
	}
	return p
}

// layoutClusters makes two to four groups of two to five touching balls and
// a few loose ones.
func layoutClusters(d *director) []model.Vec2 {
	R := model.BallRadius
	p := emptyLayout()
	nums := d.rng.Perm(16)
	next := 0
	groups := 2 + d.rng.IntN(3)
	for g := 0; g < groups && next < 16; g++ {
		c, ok := freeSpot(d, p, 8*R)
		if !ok {
			break
		}
		members := []model.Vec2{c}
		p[nums[next]] = c
		next++
		size := 2 + d.rng.IntN(4)
		for len(members) < size && next < 16 {
			// Touching a random member at a random angle, overlapping none.
			placed := false
			for try := 0; try < 40 && !placed; try++ {
				m := members[d.rng.IntN(len(members))]
				a := d.rng.Float64() * 2 * math.Pi
				q := v2(m.X+2*R*math.Cos(a), m.Y+2*R*math.Sin(a))
				if q.X < R || q.Y < R || q.X > d.geo.Length-R || q.Y > d.geo.Width-R || d.look.holeDist(q.X, q.Y) < R {
					continue
				}
				if !farFrom(p, q, 2*R-1e-9) {
					continue
				}
				p[nums[next]] = q
				members = append(members, q)
				next++
				placed = true
			}
			if !placed {
				break
			}
		}
	}
	for loose := 0; loose < 3 && next < 16; loose++ {
		if c, ok := freeSpot(d, p, 2*R+0.02); ok {
			p[nums[next]] = c
			next++
		}
	}
	return p
}

// layoutCushion freezes balls against each cushion and puts one in a corner
// jaw and one in a side jaw, partly over the pocket's shadow.
func layoutCushion(d *director) []model.Vec2 {
	L, W := d.geo.Length, d.geo.Width
	R := model.BallRadius
	p := emptyLayout()
	nums := d.rng.Perm(16)
	next := 0
	put := func(q model.Vec2) {
		if next < 16 && farFrom(p, q, 2*R+0.002) {
			p[nums[next]] = q
			next++
		}
	}
	// In the jaws: centres a little inside the hole's rim, short of the
	// capture line the kinematics uses.
	corner := d.rng.IntN(4)
	s := 0.0197
	cx := []float64{s, L - s, L - s, s}[corner]
	cy := []float64{s, s, W - s, W - s}[corner]
	put(v2(cx, cy))
	sx := L/2 + (d.rng.Float64()-0.5)*0.04
	if d.rng.IntN(2) == 0 {
		put(v2(sx, 0.016))
	} else {
		put(v2(sx, W-0.016))
	}
	for i := 0; i < 9; i++ {
		q := d.onRail(0.15)
		if math.Abs(q.X-L/2) < 0.1 {
			continue
		}
		put(q)
	}
	for loose := 0; loose < 2; loose++ {
		if c, ok := freeSpot(d, p, 2*R+0.02); ok {
			put(c)
		}
	}
	return p
}

// layoutBanks puts two or three object balls frozen on rails, two to four
// loose ones and the cue ball.
func layoutBanks(d *director) []model.Vec2 {
	L := d.geo.Length
	R := model.BallRadius
	p := emptyLayout()
	nums := d.rng.Perm(15)
	k := 0
	for i := 0; i < 2+d.rng.IntN(2); i++ {
		q := d.onRail(0.2)
		if math.Abs(q.X-L/2) < 0.12 || !farFrom(p, q, 2*R+0.02) {
			continue
		}
		p[nums[k]+1] = q
		k++
	}
	for i := 0; i < 2+d.rng.IntN(3); i++ {
		if c, ok := freeSpot(d, p, 2*R+0.03); ok {
			p[nums[k]+1] = c
			k++
		}
	}
	if c, ok := freeSpot(d, p, 2*R+0.03); ok {
		p[0] = c
	}
	return p
}

// ---- aiming ----

// aimBank sends the cue ball into a rail (a bank or a kick), at a ball
// frozen on a rail, or at a pot, at 1.5-5 m/s.
func aimBank(d *director) (float64, float64) {
	cb := d.balls[0].pos
	L, W := d.geo.Length, d.geo.Width
	speed := 1.5 + 3.5*d.rng.Float64()
	switch d.rng.IntN(3) {
	case 0: // a random spot on a random rail, away from the pockets
		var q model.Vec2
		switch d.rng.IntN(4) {
		case 0:
			q = v2(0.2+d.rng.Float64()*(L-0.4), 0)
		case 1:
			q = v2(0.2+d.rng.Float64()*(L-0.4), W)
		case 2:
			q = v2(0, 0.2+d.rng.Float64()*(W-0.4))
		default:
			q = v2(L, 0.2+d.rng.Float64()*(W-0.4))
		}
		return math.Atan2(q.Y-cb.Y, q.X-cb.X), speed
	case 1: // the nearest ball (often one on a rail)
		h, _ := aimPot(d)
		best, bd := -1, math.Inf(1)
		for i := 1; i < 16; i++ {
			if !d.balls[i].pocketed {
				if dd := len2(sub2(d.balls[i].pos, cb)); dd < bd {
					best, bd = i, dd
				}
			}
		}
		if best > 0 {
			o := d.balls[best].pos
			h = math.Atan2(o.Y-cb.Y, o.X-cb.X) + (d.rng.Float64()-0.5)*0.05
		}
		return h, speed
	default:
		h, v := aimPot(d)
		return h, math.Max(v, speed)
	}
}

// aimBreak drives the cue ball at the apex ball, slightly off centre, hard.
func aimBreak(d *director) (float64, float64) {
	cb := d.balls[0].pos
	apex := d.balls[1].pos
	if d.balls[1].pocketed {
		apex = v2(0.75*d.geo.Length, d.geo.Width/2)
	}
	h := math.Atan2(apex.Y-cb.Y, apex.X-cb.X) + (d.rng.Float64()-0.5)*0.01
	return h, 7 + 2*d.rng.Float64()
}

// aimPot looks for an object ball with a clear path to a pocket and a clear
// path for the cue ball to the ghost-ball position, at a cut the player
// would try; it picks one at random, or else plays at the nearest ball.
func aimPot(d *director) (float64, float64) {
	R := model.BallRadius
	cb := d.balls[0].pos
	type cand struct{ h, v float64 }
	var cands []cand
	for i := 1; i < 16; i++ {
		o := &d.balls[i]
		if o.pocketed {
			continue
		}
		for _, pk := range d.geo.Pockets {
			toP := sub2(pk.Pos, o.pos)
			dp := len2(toP)
			u := v2(toP.X/dp, toP.Y/dp)
			ghost := v2(o.pos.X-2*R*u.X, o.pos.Y-2*R*u.Y)
			a := sub2(ghost, cb)
			da := len2(a)
			if da < 3*R {
				continue
			}
			if (a.X*u.X+a.Y*u.Y)/da < math.Cos(60*math.Pi/180) {
				continue // too thin a cut
			}
			if !d.pathClear(cb, ghost, 0, i) || !d.pathClear(o.pos, pk.Pos, i, -1) {
				continue
			}
			v := 1.0 + 0.55*(da+dp) + d.rng.Float64()*0.5
			cands = append(cands, cand{math.Atan2(a.Y, a.X), math.Min(v, 4.5)})
		}
	}
	if len(cands) > 0 {
		c := cands[d.rng.IntN(len(cands))]
		return c.h, c.v
	}
	best, bd := -1, math.Inf(1)
	for i := 1; i < 16; i++ {
		if !d.balls[i].pocketed {
			if dd := len2(sub2(d.balls[i].pos, cb)); dd < bd {
				best, bd = i, dd
			}
		}
	}
	if best < 0 {
		return d.rng.Float64() * 2 * math.Pi, 2
	}
	o := d.balls[best].pos
	return math.Atan2(o.Y-cb.Y, o.X-cb.X), 2.5
}

// pathClear reports whether a ball moving from a to b passes every ball in
// play other than skip1 and skip2 by more than two radii.
func (d *director) pathClear(a, b model.Vec2, skip1, skip2 int) bool {
	R := model.BallRadius
	ab := sub2(b, a)
	l2 := ab.X*ab.X + ab.Y*ab.Y
	for i := range d.balls {
		if i == skip1 || i == skip2 || d.balls[i].pocketed {
			continue
		}
		q := d.balls[i].pos
		t := clamp01(((q.X-a.X)*ab.X + (q.Y-a.Y)*ab.Y) / l2)
		c := v2(a.X+ab.X*t, a.Y+ab.Y*t)
		if len2(sub2(q, c)) < 2*R+0.002 {
			return false
		}
	}
	return true
}
