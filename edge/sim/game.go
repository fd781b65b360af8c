package sim

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
)

// Whole racks. The 8ball and 9ball scenarios play rack after rack between
// two players, A and B: a rack, a break, then shots a simple player picks
// (a called ball and pocket it can make, found by simulating candidate shots
// with edge/physics), with some deliberate misses, fouls and scratches so a
// referee has something to rule on, and now and then a ball jumped off the
// table. An Umpire rules on each shot and says what the table does next:
// who shoots, whether the cue ball is in hand, which balls are spotted
// again, whether the rack is over. Options.Umpire plugs one in (a test
// plugs in the real referee); without one the simulator's own houseUmpire,
// a small reading of the WPA rules, keeps the game going.
//
// Each shot's truth is a `shot` event (model.EventShot) after its
// shot_ended, carrying the record a referee judges from: the shooter, the
// call (8-ball), the shot summary (start spots, frozen balls, ordered
// events, paths) and the umpire's decision.

// Umpire rules on the shots of a simulated game. The simulator calls it
// from its reading goroutine only.
type Umpire interface {
	// NewRack starts a rack of game ("8ball" or "9ball") between players
	// [2], broken by breaker.
	NewRack(game string, players [2]string, breaker string)
	// Judge rules on a shot's truth (GameType, Number, Shooter, Called,
	// Summary are set) and says what happens next.
	Judge(rec *model.ShotRecord) Ruling
}

// Ruling is an umpire's answer to a shot.
type Ruling struct {
	Decision model.Decision
	// Next shoots next (the same player when the turn goes on).
	Next string
	// BallInHand is "", "anywhere" or "kitchen" (behind the head string):
	// where Next may put the cue ball.
	BallInHand string
	// Respot are balls put back on the table, where.
	Respot []model.BallSpot
	// Targets are the balls Next may legally hit first (empty: any object
	// ball); the simulated player aims at one of them.
	Targets []string
	// RackOver ends the rack: the next shot is a break of a new rack.
	RackOver bool
}

// Game types and the players of the game scenarios.
const (
	Game8Ball = "8ball"
	Game9Ball = "9ball"
)

// Players are the two simulated players.
var Players = [2]string{"A", "B"}

// simGame is a game scenario's state between shots.
type simGame struct {
	kind     string
	umpire   Umpire
	needRack bool
	racks    int // racks started
	breaker  int
	shooter  string
	bih      string
	targets  []string
	number   int // shots in the rack
	called   *model.Call
	pushOut  bool
	picker   *physics.System
	res      physics.Result
}

func newSimGame(kind string, u Umpire, geo model.TableGeometry) *simGame {
	g := &simGame{kind: kind, umpire: u, needRack: true, breaker: 1}
	if g.umpire == nil {
		g.umpire = &houseUmpire{size: model.Size{Length: geo.Length, Width: geo.Width}}
	}
	if sys, err := physics.NewSystem(physics.DefaultParams(), geo); err == nil {
		g.picker = sys
	}
	return g
}

// planGame is the plan of the 8ball and 9ball scenarios.
func planGame(d *director) {
	g := d.game
	if g.needRack {
		g.needRack = false
		g.racks++
		g.breaker = 1 - g.breaker
		g.shooter, g.bih, g.targets, g.number = Players[g.breaker], "", nil, 0
		g.umpire.NewRack(g.kind, Players, g.shooter)
		layout := layoutRack8
		if g.kind == Game9Ball {
			layout = layoutRack9
		}
		d.then(place(layout, true), hold(1.0), shootWith(aimGameBreak, 0.6), settle(), hold(0.6))
		return
	}
	if g.bih != "" || d.balls[0].pocketed {
		d.then(placeCueInHand, hold(0.8))
	}
	d.then(shootWith(aimGame, 0.6), settle(), hold(0.5))
}

// endGameShot is settle's part for a game scenario: the shot's record goes
// to the umpire and out as the truth's `shot` event, and its ruling is
// carried out on the table.
func (d *director) endGameShot(sum *model.ShotSummary) {
	g := d.game
	g.number++
	rec := &model.ShotRecord{
		ID: fmt.Sprintf("sim-%d-%d", g.racks, g.number), GameID: fmt.Sprintf("sim-rack-%d", g.racks),
		GameType: g.kind, Number: g.number, Shooter: g.shooter, Summary: *sum, Called: g.called, PushOut: g.pushOut,
	}
	if len(sum.Events) > 0 {
		rec.Started = sum.Events[0].Time
	}
	rec.Ended = d.now
	r := g.umpire.Judge(rec)
	dec := r.Decision
	rec.Decision = &dec
	d.emit(model.Event{Type: model.EventShot, Record: rec})
	for _, s := range r.Respot {
		if n := ballNumber(s.ID); n >= 0 {
			b := &d.balls[n]
			b.pos, b.vel, b.pocketed, b.absent, b.offTable, b.pocket = s.Pos, model.Vec2{}, false, false, false, ""
		}
	}
	g.shooter, g.bih, g.targets, g.called, g.pushOut = r.Next, r.BallInHand, r.Targets, nil, false
	if g.shooter == "" {
		g.shooter = Players[0]
	}
	if d.balls[0].pocketed && g.bih == "" {
		g.bih = "anywhere" // the cue ball must come back somehow
	}
	if r.RackOver {
		g.needRack = true
	}
}

func ballNumber(id string) int {
	if id == "cue" {
		return 0
	}
	n := 0
	for _, c := range id {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	if n < 1 || n > 15 {
		return -1
	}
	return n
}

// ---- racks ----

// rackSpacing leaves a hair between racked balls (the engine refuses
// overlapping balls; jitter stays inside the gap).
const (
	rackGap    = 0.0003
	rackJitter = 0.00005
)

// rackAt places balls (by number, in row order) in a rack whose apex is on
// the foot spot: rows of the given sizes, each centred on the long string.
func (d *director) rackAt(p []model.Vec2, order []int, rows []int) {
	L, W := d.geo.Length, d.geo.Width
	s := 2*model.BallRadius + rackGap
	k := 0
	for r, n := range rows {
		for j := 0; j < n; j++ {
			jx := (d.rng.Float64() - 0.5) * 2 * rackJitter
			jy := (d.rng.Float64() - 0.5) * 2 * rackJitter
			p[order[k]] = v2(0.75*L+float64(r)*s*math.Sqrt(3)/2+jx, W/2+(float64(j)-float64(n-1)/2)*s+jy)
			k++
		}
	}
	// The cue ball in the kitchen, where a breaker puts it.
	p[0] = v2(0.15+d.rng.Float64()*(L/4-0.2), W/2+(d.rng.Float64()-0.5)*0.5)
}

// layoutRack8 is an 8-ball rack (WPA 3.2): the 8 in the middle of the third
// row, a solid and a stripe in the back corners, the rest at random.
func layoutRack8(d *director) []model.Vec2 {
	p := emptyLayout()
	solids := d.rng.Perm(7)
	stripes := d.rng.Perm(7)
	order := make([]int, 15)
	order[4] = 8
	order[10], order[14] = solids[0]+1, stripes[0]+9
	var rest []int
	for _, n := range solids[1:] {
		rest = append(rest, n+1)
	}
	for _, n := range stripes[1:] {
		rest = append(rest, n+9)
	}
	d.fillShuffled(order, rest)
	d.rackAt(p, order, []int{1, 2, 3, 4, 5})
	return p
}

// layoutRack9 is a 9-ball diamond (WPA 2.2): the 1 at the apex on the foot
// spot, the 9 in the middle, the rest at random.
func layoutRack9(d *director) []model.Vec2 {
	p := emptyLayout()
	rest := []int{2, 3, 4, 5, 6, 7, 8}
	d.rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	order := []int{1, rest[0], rest[1], rest[2], 9, rest[3], rest[4], rest[5], rest[6]}
	d.rackAt(p, order, []int{1, 2, 3, 2, 1})
	return p
}

// ---- the player ----

// Chances of the simulated player's deliberate errors, per shot.
const (
	missChance    = 0.12 // aim off by 1.5-4 degrees
	wrongChance   = 0.04 // play an illegal ball first
	softChance    = 0.04 // roll up to the target too softly to reach a rail
	scratchChance = 0.04 // take a shot the cue ball follows into a pocket
	gameOffTable  = 0.03 // a ball jumps off the table (scripted)
)

// aimGameBreak breaks: hard at the apex ball, a touch off centre.
func aimGameBreak(d *director) physics.Shot {
	cb := d.balls[0].pos
	apex := v2(0.75*d.geo.Length, d.geo.Width/2)
	h := math.Atan2(apex.Y-cb.Y, apex.X-cb.X) + (d.rng.Float64()-0.5)*0.012
	return physics.Shot{HeadingDeg: h * 180 / math.Pi, Speed: 7 + 2*d.rng.Float64(), TipVertical: 0.1}
}

// candidate is a shot the player considers: at ball target into pocket.
type candidate struct {
	target, pocket string
	heading, speed float64 // degrees, m/s
	cost           float64 // difficulty: cut and distances
}

// aimGame picks the shot: a legal ball the player can make, checked with
// the physics engine, now and then a deliberate error.
func aimGame(d *director) physics.Shot {
	g := d.game
	shot, call := d.pick()
	r := d.rng.Float64()
	switch {
	case r < missChance:
		off := (1.5 + 2.5*d.rng.Float64()) * float64(1-2*d.rng.IntN(2))
		shot.HeadingDeg += off
	case r < missChance+wrongChance:
		if h, ok := d.aimIllegal(); ok {
			shot.HeadingDeg, shot.Speed = h, 2.5
		}
	case r < missChance+wrongChance+softChance:
		shot.Speed = 0.35 + 0.15*d.rng.Float64()
	case r < missChance+wrongChance+softChance+scratchChance:
		if s, ok := d.scratchShot(); ok {
			shot = s
		}
	}
	shot.HeadingDeg += d.rng.NormFloat64() * 0.15 // nobody aims perfectly
	if g.kind == Game8Ball {
		g.called = call
	}
	return shot
}

// targets are the balls the shooter may hit first, on the table.
func (d *director) targets() []int {
	var out []int
	for _, id := range d.game.targets {
		if n := ballNumber(id); n > 0 && !d.balls[n].pocketed {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		for n := 1; n < 16; n++ {
			if !d.balls[n].pocketed && !(d.game.kind == Game8Ball && n == 8 && d.onTable() > 1) {
				out = append(out, n)
			}
		}
	}
	return out
}

// pick finds the easiest candidate the engine says goes in (the right
// ball first, into the called pocket, the cue ball staying on the table),
// or else a plain hit on a legal ball.
func (d *director) pick() (physics.Shot, *model.Call) {
	cands := d.candidates()
	slices.SortFunc(cands, func(a, b candidate) int { return cmp.Compare(a.cost, b.cost) })
	for i, c := range cands {
		if i >= 10 {
			break
		}
		sh := physics.Shot{HeadingDeg: c.heading, Speed: c.speed, TipVertical: 0.1}
		if out, ok := d.predict(sh); ok && out.first == c.target && out.pocketed[c.target] == c.pocket && !out.scratch {
			return sh, &model.Call{Ball: c.target, Pocket: c.pocket}
		}
	}
	// Nothing goes: hit the nearest legal ball full, firmly enough to
	// drive something to a rail.
	cb := d.balls[0].pos
	best, bd := -1, math.Inf(1)
	for _, n := range d.targets() {
		if dd := len2(sub2(d.balls[n].pos, cb)); dd < bd && d.pathClear(cb, d.balls[n].pos, 0, n) {
			best, bd = n, dd
		}
	}
	if best < 0 {
		ts := d.targets()
		if len(ts) == 0 {
			return physics.Shot{HeadingDeg: d.rng.Float64() * 360, Speed: 2, TipVertical: 0.1}, nil
		}
		best = ts[0]
	}
	o := d.balls[best].pos
	pk := d.nearestPocket(o)
	return physics.Shot{HeadingDeg: angleDeg(sub2(o, cb)), Speed: 2.2, TipVertical: 0.1},
		&model.Call{Ball: model.BallID(best), Pocket: pk}
}

// candidates are the ghost-ball shots at legal balls with clear paths.
func (d *director) candidates() []candidate {
	R := model.BallRadius
	cb := d.balls[0].pos
	var out []candidate
	for _, n := range d.targets() {
		o := d.balls[n].pos
		for _, pk := range d.geo.Pockets {
			toP := sub2(pk.Pos, o)
			dp := len2(toP)
			u := v2(toP.X/dp, toP.Y/dp)
			ghost := v2(o.X-2*R*u.X, o.Y-2*R*u.Y)
			a := sub2(ghost, cb)
			da := len2(a)
			if da < 2*R {
				continue
			}
			cut := math.Acos(math.Max(-1, math.Min(1, (a.X*u.X+a.Y*u.Y)/da)))
			if cut > 65*math.Pi/180 || !d.pathClear(cb, ghost, 0, n) || !d.pathClear(o, pk.Pos, n, -1) {
				continue
			}
			v := math.Max(1.0, math.Min(3.5, 0.8+0.4*(da+dp)/math.Max(0.4, math.Cos(cut))))
			out = append(out, candidate{
				target: model.BallID(n), pocket: pk.Name, heading: angleDeg(a), speed: v,
				cost: cut*2 + da + dp,
			})
		}
	}
	return out
}

// outcome is what the engine says a shot does.
type outcome struct {
	first    string
	pocketed map[string]string
	scratch  bool
}

// predict simulates sh from the table as it stands.
func (d *director) predict(sh physics.Shot) (outcome, bool) {
	g := d.game
	if g.picker == nil {
		return outcome{}, false
	}
	sys := g.picker
	sys.Reset()
	for i := range d.balls {
		if b := &d.balls[i]; !b.pocketed {
			if _, err := sys.AddBall(model.BallID(b.n), b.pos, model.Vec2{}, physics.Vec3{}); err != nil {
				return outcome{}, false
			}
		}
	}
	if sys.Strike("cue", sh) != nil || sys.SimulateInto(&g.res) != nil {
		return outcome{}, false
	}
	out := outcome{pocketed: map[string]string{}}
	for _, e := range g.res.Events {
		switch e.Type {
		case physics.EvBallBall:
			if out.first == "" {
				a, b := g.res.IDs[e.A], g.res.IDs[e.B]
				if a == "cue" {
					out.first = b
				} else if b == "cue" {
					out.first = a
				}
			}
		case physics.EvBallPocket:
			id := g.res.IDs[e.A]
			out.pocketed[id] = sys.Table().Pockets[e.Pocket].Name
			out.scratch = out.scratch || id == "cue"
		}
	}
	return out, true
}

// aimIllegal aims at a ball the shooter may not hit first, if one is in
// clear view.
func (d *director) aimIllegal() (float64, bool) {
	legal := d.targets()
	cb := d.balls[0].pos
	for n := 1; n < 16; n++ {
		b := &d.balls[n]
		if b.pocketed || slices.Contains(legal, n) || !d.pathClear(cb, b.pos, 0, n) {
			continue
		}
		return angleDeg(sub2(b.pos, cb)), true
	}
	return 0, false
}

// scratchShot looks for a shot at a legal ball after which the engine puts
// the cue ball in a pocket.
func (d *director) scratchShot() (physics.Shot, bool) {
	for _, c := range d.candidates() {
		for _, v := range []float64{c.speed, 1.5 * c.speed} {
			sh := physics.Shot{HeadingDeg: c.heading, Speed: math.Min(v, 6), TipVertical: 0.4}
			if out, ok := d.predict(sh); ok && out.scratch {
				return sh, true
			}
		}
	}
	return physics.Shot{}, false
}

func (d *director) nearestPocket(p model.Vec2) string {
	best, bd := "", math.Inf(1)
	for _, pk := range d.geo.Pockets {
		if dd := len2(sub2(pk.Pos, p)); dd < bd {
			best, bd = pk.Name, dd
		}
	}
	return best
}

// placeCueInHand puts the cue ball where the player has the easiest shot:
// straight behind a legal ball's ghost position for a pocket, 0.2-0.4 m
// back, on the cloth and clear of the other balls (behind the head string
// when the ball in hand is restricted to the kitchen).
func placeCueInHand(d *director, t, dt float64) bool {
	g := d.game
	R := model.BallRadius
	L, W := d.geo.Length, d.geo.Width
	ok := func(p model.Vec2) bool {
		if p.X < R+0.01 || p.Y < R+0.01 || p.X > L-R-0.01 || p.Y > W-R-0.01 || d.look.holeDist(p.X, p.Y) < 2*R {
			return false
		}
		if g.bih == "kitchen" && p.X > L/4-0.01 {
			return false
		}
		return d.clear(p, 0, 2*R+0.01)
	}
	cb := &d.balls[0]
	place := func(p model.Vec2) {
		cb.pos, cb.vel, cb.pocketed, cb.absent, cb.offTable, cb.pocket = p, model.Vec2{}, false, false, false, ""
		cb.rot = randomRotation(d.rng)
	}
	for _, n := range d.rng.Perm(16) {
		if n == 0 || !slices.Contains(d.targets(), n) {
			continue
		}
		o := d.balls[n].pos
		for _, pk := range d.geo.Pockets {
			toP := sub2(pk.Pos, o)
			dp := len2(toP)
			u := v2(toP.X/dp, toP.Y/dp)
			back := 0.2 + 0.2*d.rng.Float64()
			p := v2(o.X-(2*R+back)*u.X, o.Y-(2*R+back)*u.Y)
			if ok(p) && d.pathClear(p, o, 0, n) && d.pathClear(o, pk.Pos, n, -1) {
				place(p)
				return true
			}
		}
	}
	for i := 0; i < 200; i++ {
		p := v2(R+0.02+d.rng.Float64()*(L-2*R-0.04), R+0.02+d.rng.Float64()*(W-2*R-0.04))
		if ok(p) {
			place(p)
			return true
		}
	}
	place(v2(L/8, W/2))
	return true
}
