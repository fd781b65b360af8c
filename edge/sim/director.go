package sim

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/physics"
)

// director runs a scenario: it owns the simulated world (balls, cue, hand),
// advances it one frame at a time and collects the events of each frame.
type director struct {
	rng   *rand.Rand
	geo   model.TableGeometry
	look  *tableLook
	mv    mover
	balls []ball // index = ball number, 0 the cue ball
	scene *scenario

	steps []step
	stepT float64 // seconds spent in steps[0]

	cue   cueView
	hand  handView
	light int // index of the lighting rig in use (scenario.rigs)

	now    time.Time     // stamp for events emitted during this tick
	events []model.Event // since the last frame
	shot   *shotLog      // nil between shots
	shots  int           // shots since the last rack
	game   *simGame      // the 8ball and 9ball scenarios' game, else nil
}

// step is one stage of a scenario script; it is called once per frame with
// the time spent in it so far and returns true when finished.
type step func(d *director, t, dt float64) bool

type cueView struct {
	visible bool
	tip     model.Vec2
	dir     model.Vec2 // unit, from butt to tip
}

type handView struct {
	visible bool
	palm    model.Vec2
	dir     model.Vec2 // unit, the way the fingers point
}

type shotLog struct {
	start        float64
	firstContact string
	pocketed     map[string]string
	scratch      bool
	cueOff       bool // the cue ball left the table
	startSpots   []model.BallSpot
	frozen       []string
	events       []model.Event
}

// Cue stick dimensions, metres (a 58 in cue, 13 mm tip, 30 mm butt).
const (
	cueLength = 1.47
	cueTipR   = 0.0065
	cueButtR  = 0.015
)

func newDirector(sc *scenario, geo model.TableGeometry, look *tableLook, rng *rand.Rand, u Umpire) *director {
	d := &director{rng: rng, geo: geo, look: look, scene: sc}
	if sc.name == Game8Ball || sc.name == Game9Ball {
		d.game = newSimGame(sc.name, u, geo)
	}
	if em, err := newEngineMover(look, model.Size{Length: geo.Length, Width: geo.Width}); err == nil {
		em.offTable, em.rng = sc.offTable, rng
		d.mv = em
	} else {
		d.mv = &kinematics{look: look, geo: geo} // a table size the engine refuses
	}
	d.balls = make([]ball, 16)
	for i := range d.balls {
		d.balls[i] = ball{n: i, pocketed: true, absent: true, rot: randomRotation(rng)}
	}
	return d
}

// tick advances the world by dt seconds.
func (d *director) tick(dt float64) {
	if d.mv.moving(d.balls) {
		d.mv.step(d.balls, d.now, dt, d.emit)
	}
	if len(d.steps) == 0 {
		d.scene.plan(d)
	}
	if d.steps[0](d, d.stepT, dt) {
		d.steps = d.steps[1:]
		d.stepT = 0
	} else {
		d.stepT += dt
	}
}

// emit records an event for this frame and keeps the shot summary. An
// event the mover stamped keeps its exact time; others take the frame's.
func (d *director) emit(e model.Event) {
	if e.Time.IsZero() {
		e.Time = d.now
	}
	d.events = append(d.events, e)
	if d.shot == nil {
		return
	}
	switch e.Type {
	case model.EventCueStrike, model.EventBallCollision, model.EventBallCushion, model.EventBallPocketed, model.EventBallOffTable:
		d.shot.events = append(d.shot.events, e)
	}
	switch e.Type {
	case model.EventBallCollision:
		if d.shot.firstContact == "" {
			if e.Balls[0] == "cue" {
				d.shot.firstContact = e.Balls[1]
			} else if e.Balls[1] == "cue" {
				d.shot.firstContact = e.Balls[0]
			}
		}
	case model.EventBallPocketed:
		d.shot.pocketed[e.Balls[0]] = e.Pocket
		if e.Balls[0] == "cue" {
			d.shot.scratch = true
		}
	case model.EventBallOffTable:
		if e.Balls[0] == "cue" {
			d.shot.cueOff = true
		}
	}
}

func (d *director) then(s ...step) { d.steps = append(d.steps, s...) }

// onTable counts object balls still in play.
func (d *director) onTable() int {
	n := 0
	for i := 1; i < 16; i++ {
		if !d.balls[i].pocketed {
			n++
		}
	}
	return n
}

func randomRotation(rng *rand.Rand) rot3 {
	// Uniform enough for looks: a random axis and angle.
	u := vec3{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}.unit()
	return axisAngle(u, rng.Float64()*2*math.Pi)
}

// ---- steps ----

func hold(seconds float64) step {
	return func(d *director, t, dt float64) bool { return t+dt >= seconds }
}

// place puts a layout on the table at once: every ball not in it is off the
// table (pocketed), balls get fresh random orientations.
func place(layout func(d *director) []model.Vec2, rack bool) step {
	return func(d *director, t, dt float64) bool {
		pos := layout(d)
		for i := range d.balls {
			b := &d.balls[i]
			b.vel = model.Vec2{}
			b.pocket = ""
			b.rot = randomRotation(d.rng)
			b.pocketed = i >= len(pos) || math.IsNaN(pos[i].X)
			b.absent = b.pocketed
			b.offTable = false
			if !b.pocketed {
				b.pos = pos[i]
			}
		}
		d.cue.visible, d.hand.visible = false, false
		d.shots = 0
		if rack {
			foot := v2(0.75*d.geo.Length, d.geo.Width/2)
			d.emit(model.Event{Type: model.EventRackDetected, Pos: &foot})
		}
		return true
	}
}

// shoot aims the cue at the cue ball for a second or so (a few practice
// strokes, the bridge hand down), draws back and strikes; plan chooses the
// heading (radians) and cue-ball speed (m/s) when the step starts. The cue
// ball is hit a little above centre (a touch of follow).
func shoot(plan func(d *director) (heading, speed float64)) step {
	return shootWith(func(d *director) physics.Shot {
		h, v := plan(d)
		return physics.Shot{HeadingDeg: h * 180 / math.Pi, Speed: v, TipVertical: 0.15}
	}, 1.0)
}

// shootWith is shoot with the whole cue action planned (heading in degrees,
// speed, tip offsets) and the practice strokes lasting aim (plus up to 60%).
func shootWith(plan func(d *director) physics.Shot, aim float64) step {
	var sh physics.Shot
	var heading, speed, aimDur, wobble, gap float64
	var struck bool
	var strikeT float64
	var strikeTip model.Vec2
	return func(d *director, t, dt float64) bool {
		cb := &d.balls[0]
		if t == 0 {
			sh = plan(d)
			heading, speed = sh.HeadingDeg*math.Pi/180, sh.Speed
			aimDur = aim * (1.0 + 0.6*d.rng.Float64())
			wobble = (d.rng.Float64() - 0.5) * 0.3
			struck = false
			gap = 0.05
		}
		R := model.BallRadius
		if !struck {
			h := heading + wobble*(1-smoothstep(0, aimDur*0.8, t))
			dir := v2(math.Cos(h), math.Sin(h))
			switch {
			case t < aimDur: // practice strokes
				gap = 0.02 + 0.07*(0.5-0.5*math.Cos(2*math.Pi*t/0.8))
			case t < aimDur+0.3: // back swing
				gap += (0.17 - gap) * clamp01(dt/0.08)
			default: // forward at the stroke speed
				gap -= math.Max(speed, 0.6) * dt
			}
			if gap <= 0 && t >= aimDur+0.3 {
				struck = true
				strikeT = t
				strikeTip = v2(cb.pos.X-dir.X*R, cb.pos.Y-dir.Y*R)
				sh.HeadingDeg = angleDeg(dir)
				d.beginShot(t)
				p := cb.pos
				d.emit(model.Event{Type: model.EventShotStarted, Balls: []string{"cue"}, Pos: &p})
				v := d.mv.strike(d.balls, 0, sh, d.now)
				hd := angleDeg(v)
				d.emit(model.Event{Type: model.EventCueStrike, Balls: []string{"cue"}, Pos: &p, Speed: len2(v), HeadingDeg: &hd})
				d.shots++
				gap = 0
			}
			d.cue = cueView{visible: true, dir: dir, tip: v2(cb.pos.X-dir.X*(R+gap), cb.pos.Y-dir.Y*(R+gap))}
			d.hand = handView{visible: true, dir: dir, palm: v2(d.cue.tip.X-dir.X*(0.2-gap*0.3), d.cue.tip.Y-dir.Y*(0.2-gap*0.3))}
			return false
		}
		// Follow through, then the player stands up: cue and hand leave.
		ft := t - strikeT
		dir := d.cue.dir
		f := 0.06 * smoothstep(0, 0.12, ft)
		d.cue.tip = v2(strikeTip.X+dir.X*f, strikeTip.Y+dir.Y*f)
		if ft > 0.45 {
			d.cue.visible, d.hand.visible = false, false
			return true
		}
		return false
	}
}

// settle waits for every ball to stop, then closes the shot: shot_ended with
// its summary, the cue ball back on the head spot after a scratch, and
// table_cleared when the last object ball dropped.
func settle() step {
	return func(d *director, t, dt float64) bool {
		if d.mv.moving(d.balls) {
			return false
		}
		if d.shot != nil {
			s := d.shot
			d.shot = nil
			sum := d.summary(s, t)
			d.emit(model.Event{Type: model.EventShotEnded, Shot: sum})
			if d.game != nil {
				// The umpire rules; a cue ball off the cloth comes back
				// in hand, placed by the player.
				d.endGameShot(sum)
				return true
			}
			if s.scratch || s.cueOff {
				// The player fishes the cue ball out and puts it back:
				// that takes a moment, and the tracker must see the drop.
				d.steps = slices.Insert(d.steps, 1, hold(1.2), func(d *director, t, dt float64) bool {
					d.respotCue()
					return true
				})
			}
			if len(s.pocketed) > 0 && d.onTable() == 0 {
				d.emit(model.Event{Type: model.EventTableCleared})
			}
		}
		return true
	}
}

// respotCue puts the cue ball back near the head spot, clear of other balls.
func (d *director) respotCue() {
	cb := &d.balls[0]
	for i := 0; i < 50; i++ {
		p := v2(d.geo.Length*0.25+(d.rng.Float64()-0.5)*0.2, d.geo.Width/2+(d.rng.Float64()-0.5)*0.4)
		if d.clear(p, 0, 2*model.BallRadius+0.01) {
			cb.pos, cb.pocketed, cb.absent, cb.pocket, cb.vel, cb.offTable = p, false, false, "", model.Vec2{}, false
			return
		}
	}
}

// clear reports whether p is at least gap from every ball in play but skip.
func (d *director) clear(p model.Vec2, skip int, gap float64) bool {
	for i := range d.balls {
		if i == skip || d.balls[i].pocketed {
			continue
		}
		if len2(sub2(d.balls[i].pos, p)) < gap {
			return false
		}
	}
	return true
}
