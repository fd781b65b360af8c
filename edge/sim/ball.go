package sim

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// ball is one ball in the simulated world.
type ball struct {
	n        int
	pos, vel model.Vec2
	rot      rot3 // ball frame -> table frame; rolling turns it
	pocketed bool
	absent   bool // not part of the current layout: not drawn, not in Truth
	offTable bool // pocketed means off the cloth; this one left it over a rail
	pocket   string
}

// roll turns the ball as if it rolled without slipping by its velocity for
// dt seconds: the axis is horizontal, perpendicular to the motion.
func (b *ball) roll(dt float64) {
	sp := len2(b.vel)
	if sp < 1e-6 {
		return
	}
	axis := vec3{-b.vel.Y / sp, b.vel.X / sp, 0}
	r := axisAngle(axis, sp*dt/model.BallRadius)
	b.rot = r.mul(b.rot)
	b.rot.orthonormalize()
}

// ballSet is the printed appearance of a set of balls.
type ballSet struct {
	colours [9]rgb // cue ball, 1..8; 9..15 are stripes of 1..7's colour
	white   rgb    // number circles and stripes' caps
	ink     rgb    // the numbers
	// The stripe band covers |z| < stripeHalf of the ball frame; number
	// circles are centred on the ±x poles with an angular radius whose
	// sine is circleSin (cosine circleCos).
	stripeHalf, circleCos, circleSin float64
	// worn (0..1) rubs ink off the numbers and scuffs the surface.
	worn float64
	// tint varies each ball's colour a little (a cheap set's balls do not
	// match): per-ball factors, index = number.
	tint [16]rgb
	seed uint32
}

// tournamentSet is a new WPA-coloured set: the circle is about 45 % of the
// diameter, numbers crisp.
var tournamentSet = ballSet{
	colours: ballColours, white: white, ink: rgb{0.06, 0.06, 0.06},
	stripeHalf: 0.52, circleCos: 0.905, circleSin: 0.425,
}

// cheapSet is a bar-room set: off-hue colours (lemon 1, sky 2, orange-red
// 3, magenta 4, pale orange 5, bright green 6, brown 7, grey-black 8), a
// creamy cue ball, smaller circles with rubbed numbers, narrower stripes,
// and balls that do not quite match.
func cheapSet(seed uint32) *ballSet {
	s := &ballSet{
		colours: [9]rgb{hex("efe5c6"), hex("f0d82a"), hex("2e6fd6"), hex("e63b1e"), hex("8f3a8e"),
			hex("f79a2a"), hex("27a35a"), hex("7c3b1f"), hex("262626")},
		white: hex("ece6d2"), ink: rgb{0.12, 0.11, 0.1},
		stripeHalf: 0.46, circleCos: 0.935, circleSin: 0.355, worn: 0.5, seed: seed,
	}
	for n := range s.tint {
		j := func(k uint32) float64 { return 1 + 0.12*(hash2(int32(n), int32(k), seed)-0.5) }
		s.tint[n] = rgb{j(1), j(2), j(3)}
	}
	return s
}

// albedo is the printed colour of ball n at ball-frame unit vector m.
func (s *ballSet) albedo(n int, m vec3) rgb {
	if s.worn == 0 {
		return s.print(n, m)
	}
	c := s.print(n, m).mul(s.tint[n])
	// Scuffs: pale and dark flecks on a fine lattice over the sphere.
	if h := hash2(int32(m.x*40)+int32(m.z*40)*97, int32(m.y*40)+int32(n*131), s.seed+1); h < 0.05*s.worn {
		c = lerp(c, rgb{0.8, 0.8, 0.78}, 0.5)
	} else if h > 1-0.03*s.worn {
		c = c.scale(0.6)
	}
	return c
}

// print is the ball's design without wear or tint.
func (s *ballSet) print(n int, m vec3) rgb {
	if n == 0 {
		return s.colours[0]
	}
	base := s.colours[colourIndex(n)]
	// Number circles on both poles of the x axis.
	if m.x > s.circleCos || -m.x > s.circleCos {
		u, v := m.y/s.circleSin, m.z/s.circleSin
		if m.x < 0 {
			u = -u
		}
		if glyphInk(n, u, v) && (s.worn == 0 || hash2(int32(u*9), int32(v*9)+int32(m.x*4), s.seed+uint32(n)) > 0.45*s.worn) {
			return s.ink
		}
		return s.white
	}
	if n >= 9 {
		// White caps, colour band; a narrow blend keeps the edge
		// anti-aliased without supersampling.
		t := smoothstep(s.stripeHalf-0.04, s.stripeHalf+0.04, math.Abs(m.z))
		return lerp(base, s.white, t)
	}
	return base
}

// ballLight is the light falling on one ball from each lamp, computed once
// per ball per frame.
type ballLight struct {
	n       int
	l, h    [4]vec3
	lum     [4]float64
	ambient float64
	tint    rgb
	// gloss > 0 mirrors each lamp's shade as a disc of angular radius
	// whose cosines (of the half-vector angle) are glossIn (full) and
	// glossOut (none).
	gloss, glossIn, glossOut float64
}

func newBallLight(t *tableLook, p model.Vec2) ballLight {
	g := t.light.gain
	bl := ballLight{n: len(t.lamps), ambient: t.light.ambient * g, tint: t.light.tint}
	if t.gloss > 0 {
		// A lamp shade 30-50 cm across at a metre: 8-14 degrees of half
		// angle at the mirror, so the highlight is 0.14-0.24 of the radius.
		a := (4 + 4*t.gloss) * math.Pi / 180
		bl.gloss, bl.glossIn, bl.glossOut = t.gloss, math.Cos(a), math.Cos(a*1.5)
	}
	if bl.n > 4 {
		bl.n = 4
	}
	for i := 0; i < bl.n; i++ {
		lp := t.lamps[i]
		l := vec3{lp[0] - p.X, lp[1] - p.Y, lp[2] - model.BallRadius}.unit()
		bl.l[i] = l
		bl.h[i] = l.add(vec3{0, 0, 1}).unit()
		// The same falloff the cloth gets, divided by the cloth's own
		// cosine so a ball's top facing the lamp is at least as bright.
		d2 := ((p.X-lp[0])*(p.X-lp[0]) + (p.Y-lp[1])*(p.Y-lp[1])) / (lp[2] * lp[2])
		x := 1 / (1 + d2)
		bl.lum[i] = g * t.light.lamps[i].power * (1 - t.light.ambient) * x * math.Sqrt(x) / l.z
	}
	return bl
}

// shade lights a surface point with normal n and printed colour a: ambient
// plus Lambert from each lamp plus a tight Phong highlight per lamp.
func (bl *ballLight) shade(a rgb, n vec3) rgb {
	diff := bl.ambient * (0.6 + 0.4*n.z) // sky light, less at the sides
	spec := 0.0
	for i := 0; i < bl.n; i++ {
		d := n.dot(bl.l[i])
		if d > 0 {
			diff += bl.lum[i] * d
		}
		s := n.dot(bl.h[i])
		if bl.gloss > 0 && s > bl.glossOut {
			// The lamp's image: bright enough to burn out on any ball.
			spec += (1 + 2*bl.gloss) * smoothstep(bl.glossOut, bl.glossIn, s) * bl.lum[i]
		}
		if s > 0.9 {
			s *= s // ^2
			s *= s // ^4
			s *= s // ^8
			s *= s // ^16
			s *= s // ^32
			s *= s // ^64
			spec += 1.1 * s * bl.lum[i]
		}
	}
	c := a.scale(0.92 * diff).mul(bl.tint)
	return c.add(rgb{spec, spec, spec})
}

// maxBlurSamples bounds the positions averaged for a moving ball: 64 x
// 0.75 px covers a ball at 7 m/s (a hard break) at 1080p over a 1/60 s
// shutter.
const maxBlurSamples = 64

// drawBall composites ball b into frame (packed BGR, w x h) with
// anti-aliased edges. A moving ball is drawn as the average of several
// positions over the exposure (motion blur); exposure is in seconds.
func drawBall(frame []byte, w, h int, cam *camera, t *tableLook, b *ball, exposure float64, maxV uint8) {
	c := cam.px(b.pos)
	j := cam.jacobian(b.pos)
	rpx := model.BallRadius * math.Sqrt(math.Abs(j[0]*j[3]-j[1]*j[2]))
	// Inverse Jacobian, scaled so pixel offsets map to unit-sphere offsets.
	det := j[0]*j[3] - j[1]*j[2]
	k := 1 / (det * model.BallRadius)
	ji := [4]float64{j[3] * k, -j[1] * k, -j[2] * k, j[0] * k}
	// Blur: displacement over the exposure in pixels.
	mx := (j[0]*b.vel.X + j[1]*b.vel.Y) * exposure
	my := (j[2]*b.vel.X + j[3]*b.vel.Y) * exposure
	// One sample per 0.75 px of travel, so the smear is continuous: too
	// few samples would draw a row of faint ghost balls instead.
	ns := int(math.Ceil(math.Hypot(mx, my) / 0.75))
	if ns < 1 {
		ns = 1
	}
	if ns > maxBlurSamples {
		ns = maxBlurSamples
	}
	var sx, sy [maxBlurSamples]float64
	for i := 0; i < ns; i++ {
		f := 0.0
		if ns > 1 {
			f = float64(i)/float64(ns-1) - 0.5
		}
		sx[i], sy[i] = c.X+mx*f, c.Y+my*f
	}
	x0 := int(math.Floor(math.Min(sx[0], sx[ns-1]) - rpx - 1))
	x1 := int(math.Ceil(math.Max(sx[0], sx[ns-1]) + rpx + 1))
	y0 := int(math.Floor(math.Min(sy[0], sy[ns-1]) - rpx - 1))
	y1 := int(math.Ceil(math.Max(sy[0], sy[ns-1]) + rpx + 1))
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 = min(x1, w-1), min(y1, h-1)
	bl := newBallLight(t, b.pos)
	inv := 1 / float64(ns)
	for y := y0; y <= y1; y++ {
		row := frame[y*w*3:]
		for x := x0; x <= x1; x++ {
			var acc rgb
			cov := 0.0
			for i := 0; i < ns; i++ {
				dx, dy := float64(x)+0.5-sx[i], float64(y)+0.5-sy[i]
				a := rpx - math.Sqrt(dx*dx+dy*dy) + 0.5
				if a <= 0 {
					continue
				}
				if a > 1 {
					a = 1
				}
				nx := ji[0]*dx + ji[1]*dy
				ny := ji[2]*dx + ji[3]*dy
				r2 := nx*nx + ny*ny
				if r2 > 1 {
					s := 1 / math.Sqrt(r2)
					nx, ny, r2 = nx*s, ny*s, 1
				}
				n := vec3{nx, ny, math.Sqrt(1 - r2)}
				col := bl.shade(t.set.albedo(b.n, b.rot.applyT(n)), n)
				acc = acc.add(col.scale(a))
				cov += a
			}
			if cov == 0 {
				continue
			}
			acc, cov = acc.scale(inv), cov*inv
			p := row[x*3 : x*3+3]
			keep := 1 - cov
			p[0] = to8(float64(p[0])/255*keep+acc.b, maxV)
			p[1] = to8(float64(p[1])/255*keep+acc.g, maxV)
			p[2] = to8(float64(p[2])/255*keep+acc.r, maxV)
		}
	}
}

// drawShadow darkens the cloth where ball b blocks each lamp, plus a soft
// contact ring: shadows fall away from the lamps, so a ball under the
// middle lamp has a ring and one between lamps has two faint lobes.
func drawShadow(frame []byte, w, h int, cam *camera, t *tableLook, b *ball) {
	R := model.BallRadius
	c := cam.px(b.pos)
	rpx := cam.radiusPx(b.pos)
	type lobe struct{ x, y, r, k float64 }
	var lobes [5]lobe
	nl := 0
	total := t.light.lightAt(t.lamps, b.pos.X, b.pos.Y)
	for i, lp := range t.lamps {
		if nl == 4 {
			break
		}
		f := R / (lp[2] - R)
		sp := cam.px(v2(b.pos.X+(b.pos.X-lp[0])*f, b.pos.Y+(b.pos.Y-lp[1])*f))
		d2 := ((b.pos.X-lp[0])*(b.pos.X-lp[0]) + (b.pos.Y-lp[1])*(b.pos.Y-lp[1])) / (lp[2] * lp[2])
		x := 1 / (1 + d2)
		share := t.light.gain * t.light.lamps[i].power * (1 - t.light.ambient) * x * math.Sqrt(x) / total
		lobes[nl] = lobe{sp.X, sp.Y, rpx * (1 + f), 0.8 * share}
		nl++
	}
	// Contact shadow: ambient light is blocked close to the ball.
	lobes[nl] = lobe{c.X, c.Y, rpx * 1.12, 0.35}
	nl++
	pen := 0.35 * rpx
	var in2, out2 [5]float64 // squared radii: full shadow inside, none outside
	for i := 0; i < nl; i++ {
		in2[i] = math.Max(lobes[i].r-pen, 0) * math.Max(lobes[i].r-pen, 0)
		out2[i] = (lobes[i].r + pen) * (lobes[i].r + pen)
	}
	// The ball itself will cover its own disc: no need to shade under it.
	hidden2 := (rpx - 1) * (rpx - 1)
	reach := rpx*1.5 + pen + 2
	x0, x1 := max(int(c.X-reach), 0), min(int(c.X+reach), w-1)
	y0, y1 := max(int(c.Y-reach), 0), min(int(c.Y+reach), h-1)
	for y := y0; y <= y1; y++ {
		row := frame[y*w*3:]
		fy := float64(y) + 0.5
		for x := x0; x <= x1; x++ {
			fx := float64(x) + 0.5
			if (fx-c.X)*(fx-c.X)+(fy-c.Y)*(fy-c.Y) < hidden2 {
				continue
			}
			f := 1.0
			for i := 0; i < nl; i++ {
				lb := &lobes[i]
				d2 := (fx-lb.x)*(fx-lb.x) + (fy-lb.y)*(fy-lb.y)
				switch {
				case d2 >= out2[i]:
				case d2 <= in2[i]:
					f *= 1 - lb.k
				default:
					f *= 1 - lb.k*(1-smoothstep(lb.r-pen, lb.r+pen, math.Sqrt(d2)))
				}
			}
			if f > 0.999 {
				continue
			}
			p := row[x*3 : x*3+3]
			p[0] = uint8(float64(p[0]) * f)
			p[1] = uint8(float64(p[1]) * f)
			p[2] = uint8(float64(p[2]) * f)
		}
	}
}
