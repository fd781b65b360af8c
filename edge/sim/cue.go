package sim

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// rod is a tapered cylinder lying on (or just above) the table, from a to b
// in table metres with radii ra and rb: the cue, a finger, an arm.
type rod struct {
	a, b   model.Vec2
	ra, rb float64
}

// covers reports whether the rod overlaps a ball of radius r at p, in the
// top-down view.
func (r rod) covers(p model.Vec2, rad float64) bool {
	ab := sub2(r.b, r.a)
	l2 := ab.X*ab.X + ab.Y*ab.Y
	t := 0.0
	if l2 > 0 {
		t = clamp01(((p.X-r.a.X)*ab.X + (p.Y-r.a.Y)*ab.Y) / l2)
	}
	c := v2(r.a.X+ab.X*t, r.a.Y+ab.Y*t)
	return len2(sub2(p, c)) < rad+r.ra+(r.rb-r.ra)*t
}

// paint gives the colour of a rod at position t along it (0 at a, 1 at b)
// and s across it (-1..1, 0 on the axis).
type paint func(t, s float64) rgb

// drawRod composites a rod into frame with anti-aliased edges, visiting only
// the rows and spans it can cover. If shadow > 0 it darkens instead of
// painting (the rod's shadow, drawn offset before the rod).
func drawRod(frame []byte, w, h int, cam *camera, r rod, col paint, shadow float64, maxV uint8) {
	A, B := cam.px(r.a), cam.px(r.b)
	scale := cam.radiusPx(r.a) / model.BallRadius
	ra, rb := r.ra*scale, r.rb*scale
	scaleB := cam.radiusPx(r.b) / model.BallRadius
	if !math.IsNaN(scaleB) && scaleB > 0 {
		rb = r.rb * scaleB
	}
	rmax := math.Max(ra, rb) + 1
	dx, dy := B.X-A.X, B.Y-A.Y
	l2 := dx*dx + dy*dy
	y0 := max(int(math.Floor(math.Min(A.Y, B.Y)-rmax)), 0)
	y1 := min(int(math.Ceil(math.Max(A.Y, B.Y)+rmax)), h-1)
	for y := y0; y <= y1; y++ {
		fy := float64(y) + 0.5
		// Parameter range whose axis point is within rmax rows of this row.
		tlo, thi := 0.0, 1.0
		if math.Abs(dy) > 1e-9 {
			t1, t2 := (fy-rmax-A.Y)/dy, (fy+rmax-A.Y)/dy
			tlo, thi = math.Max(0, math.Min(t1, t2)), math.Min(1, math.Max(t1, t2))
			if tlo > thi {
				continue
			}
		} else if math.Abs(fy-A.Y) > rmax {
			continue
		}
		xa, xb := A.X+dx*tlo, A.X+dx*thi
		x0 := max(int(math.Floor(math.Min(xa, xb)-rmax)), 0)
		x1 := min(int(math.Ceil(math.Max(xa, xb)+rmax)), w-1)
		row := frame[y*w*3:]
		for x := x0; x <= x1; x++ {
			fx := float64(x) + 0.5
			t := 0.0
			if l2 > 0 {
				t = ((fx-A.X)*dx + (fy-A.Y)*dy) / l2
				t = clamp01(t)
			}
			cx, cy := A.X+dx*t, A.Y+dy*t
			d := math.Hypot(fx-cx, fy-cy)
			rad := ra + (rb-ra)*t
			a := rad - d + 0.5
			if a <= 0 {
				continue
			}
			if a > 1 {
				a = 1
			}
			p := row[x*3 : x*3+3]
			if shadow > 0 {
				f := 1 - shadow*a
				p[0] = uint8(float64(p[0]) * f)
				p[1] = uint8(float64(p[1]) * f)
				p[2] = uint8(float64(p[2]) * f)
				continue
			}
			// Side of the axis (sign of the cross product) for shading.
			side := ((fx-A.X)*dy - (fy-A.Y)*dx) / math.Sqrt(math.Max(l2, 1e-9))
			s := math.Max(-1, math.Min(1, side/math.Max(rad, 0.5)))
			c := col(t, s)
			keep := 1 - a
			p[0] = to8(float64(p[0])/255*keep+c.b*a, maxV)
			p[1] = to8(float64(p[1])/255*keep+c.g*a, maxV)
			p[2] = to8(float64(p[2])/255*keep+c.r*a, maxV)
		}
	}
}

// cylinder shades a round rod: brightest along the axis towards the light,
// darker at the sides.
func cylinder(c rgb, s, lum float64) rgb {
	return c.scale(lum * (0.55 + 0.45*math.Sqrt(math.Max(0, 1-s*s))))
}

var (
	maple    = hex("d9b98a")
	ferrule  = hex("f2efe6")
	chalk    = hex("3b6fb6")
	ebony    = hex("2a1710")
	wrapCol  = hex("1b1b1b")
	skin     = hex("d8a183")
	sleeve   = hex("2b3440")
	skinDark = hex("b98468")
)

// cueRod is the stick as one rod, tip first (a at the tip).
func cueRod(c cueView) rod {
	butt := v2(c.tip.X-c.dir.X*cueLength, c.tip.Y-c.dir.Y*cueLength)
	return rod{a: c.tip, b: butt, ra: cueTipR, rb: cueButtR}
}

// cuePaint colours a cue by its length: chalked tip, white ferrule, maple
// shaft, dark butt with a wrap.
func cuePaint(lum float64) paint {
	return func(t, s float64) rgb {
		l := t * cueLength
		var c rgb
		switch {
		case l < 0.004:
			c = chalk
		case l < 0.03:
			c = ferrule
		case l < 0.8:
			c = maple
		case l < 0.83:
			c = ferrule
		case l < 1.05:
			c = ebony
		case l < 1.3:
			c = wrapCol
		default:
			c = ebony
		}
		return cylinder(c, s, lum)
	}
}

// handRods is a bridge hand: arm, palm, four fingers and a thumb, fingers
// pointing along dir with their tips a little past the palm.
func handRods(hv handView) []rod {
	f := hv.dir
	s := v2(-f.Y, f.X)
	P := hv.palm
	at := func(along, across float64) model.Vec2 {
		return v2(P.X+f.X*along+s.X*across, P.Y+f.Y*along+s.Y*across)
	}
	rods := []rod{
		{a: at(-0.06, 0), b: at(-0.5, 0), ra: 0.035, rb: 0.05}, // forearm in a sleeve
		{a: at(-0.03, 0), b: at(0.02, 0), ra: 0.042, rb: 0.04}, // palm
	}
	for i, off := range []float64{-0.027, -0.009, 0.009, 0.027} {
		l := 0.075 - math.Abs(float64(i)-1.5)*0.008
		rods = append(rods, rod{a: at(0.03, off), b: at(0.03+l, off*1.3), ra: 0.0095, rb: 0.008})
	}
	rods = append(rods, rod{a: at(0.0, 0.038), b: at(0.045, 0.06), ra: 0.011, rb: 0.009}) // thumb
	return rods
}

// drawCueAndHand draws the hand, then the cue over it (the cue rests on the
// bridge), each with a soft shadow offset away from the main lamp.
func drawCueAndHand(frame []byte, w, h int, cam *camera, t *tableLook, cue cueView, hand handView, maxV uint8) {
	if hand.visible {
		drawHand(frame, w, h, cam, t, handRods(hand), skin, sleeve, maxV)
	}
	if cue.visible {
		lum := t.light.lightAt(t.lamps, t.size.Length/2, t.size.Width/2)
		tint := t.light.tint
		r := cueRod(cue)
		drawRod(frame, w, h, cam, shadowRod(t, r, 0.05), nil, 0.35, maxV)
		p := cuePaint(lum)
		drawRod(frame, w, h, cam, r, func(at, s float64) rgb { return p(at, s).mul(tint) }, 0, maxV)
	}
}

// drawHand draws a hand's rods (handRods: the arm first, in a sleeve) with
// their shadows.
func drawHand(frame []byte, w, h int, cam *camera, t *tableLook, rods []rod, skinCol, sleeveCol rgb, maxV uint8) {
	lum := t.light.lightAt(t.lamps, t.size.Length/2, t.size.Width/2)
	tint := t.light.tint
	for _, r := range rods {
		drawRod(frame, w, h, cam, shadowRod(t, r, 0.03), nil, 0.3, maxV)
	}
	for i, r := range rods {
		c := skinCol
		if i == 0 {
			c = sleeveCol
		}
		cc := c
		drawRod(frame, w, h, cam, r, func(at, s float64) rgb {
			return cylinder(lerp(cc, skinDark, 0.2*at), s, lum).mul(tint)
		}, 0, maxV)
	}
}

// shadowRod is the shadow of rod r held height above the cloth: offset
// away from the first lamp and a little wider.
func shadowRod(t *tableLook, r rod, height float64) rod {
	lp := t.lamps[0]
	mid := v2((r.a.X+r.b.X)/2, (r.a.Y+r.b.Y)/2)
	k := height / lp[2]
	o := v2((mid.X-lp[0])*k, (mid.Y-lp[1])*k)
	return rod{a: v2(r.a.X+o.X, r.a.Y+o.Y), b: v2(r.b.X+o.X, r.b.Y+o.Y), ra: r.ra * 1.2, rb: r.rb * 1.2}
}
