package sim

import (
	"math"
	"math/rand/v2"

	"github.com/cuecast/cuecast/edge/model"
)

// tableExtras is what a real table carries beyond the plain renderer's
// (Look's table fields): worn cloth, stains, chalk, paper spots and
// stickers, the lamps' sheen, and a rail finish with its sights and
// castings. Everything here is static: it is drawn into the background at
// Open and costs nothing per frame. nil on a tableLook means none of it.
type tableExtras struct {
	wear, chalk, hot float64
	spots, rail      string
	seed             uint32
	stains           []patch // dark: spills, burns
	burns            []patch // pale: ball marks around the spots
	smudges          []patch // blue chalk
	marks            []mark  // paper spots, stickers, the chalk cube
	mirrors          []model.Vec2
	rack             [3]model.Vec2 // racking template outline (tournament)
}

// patch is a soft, ragged blob on the cloth.
type patch struct {
	x, y, r, a float64 // centre, radius (m), strength 0..1
	stretch    float64 // along x over along y
}

// mark is something with a hard edge lying on the table: a disc (paper
// spot) or an axis-aligned rectangle (sticker, chalk cube) of colour col,
// with an optional print of colour ink in its middle.
type mark struct {
	x, y, rx, ry float64 // centre; radius, or half sizes when rect
	rect         bool
	col, ink     rgb
}

// Colours of the extras.
var (
	paper     = hex("f1eee4")
	chalkBlue = hex("4f86c6")
	brass     = hex("b38f55")
	chrome    = hex("c9cdd2")
	stainCol  = hex("241d12")
)

// Rail finishes: light and dark wood (or paint) colours.
var railFinish = map[string][2]rgb{
	"mahogany": {hex("8a3418"), hex("4c170a")},
	"black":    {hex("232325"), hex("111113")},
	"oak":      {hex("b89058"), hex("84602f")},
}

func newTableExtras(l *Look, size model.Size, lamps [][3]float64, seed uint32) *tableExtras {
	L, W := size.Length, size.Width
	x := &tableExtras{wear: l.Wear, chalk: l.Chalk, hot: l.HotSpots, spots: l.Spots, rail: l.Rail, seed: seed}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed7ab1e))
	onCloth := func(margin float64) (float64, float64) {
		return margin + rng.Float64()*(L-2*margin), margin + rng.Float64()*(W-2*margin)
	}
	// Stains: a few spills and cigarette burns, some about a ball's size.
	for i := 0; i < int(math.Round(l.Wear*7)); i++ {
		u, v := onCloth(0.08)
		x.stains = append(x.stains, patch{u, v, 0.008 + rng.Float64()*0.03, 0.2 + 0.35*rng.Float64(), 0.6 + 0.8*rng.Float64()})
	}
	// Ball marks: pale dots where the rack and the cue ball sit.
	for i := 0; i < int(math.Round(l.Wear*14)); i++ {
		cx := 0.75 * L
		if i%3 == 0 {
			cx = 0.25 * L
		}
		x.burns = append(x.burns, patch{cx + (rng.Float64()-0.5)*0.3, W/2 + (rng.Float64()-0.5)*0.3, 0.004 + 0.003*rng.Float64(), 0.25 + 0.3*rng.Float64(), 1})
	}
	// Chalk: smudges near the cushions (where players chalk and bridge)
	// and around the head string.
	for i := 0; i < int(math.Round(l.Chalk*14)); i++ {
		var u, v float64
		switch i % 3 {
		case 0, 1:
			u, v = onCloth(0.03)
			if rng.IntN(2) == 0 {
				v = 0.02 + rng.Float64()*0.18
				if rng.IntN(2) == 0 {
					v = W - v
				}
			} else {
				u = 0.02 + rng.Float64()*0.2
				if rng.IntN(2) == 0 {
					u = L - u
				}
			}
		default:
			u, v = L/4+(rng.Float64()-0.5)*0.4, W/2+(rng.Float64()-0.5)*0.6
		}
		x.smudges = append(x.smudges, patch{u, v, 0.01 + rng.Float64()*0.05, 0.15 + 0.3*rng.Float64(), 0.4 + 2*rng.Float64()})
	}
	if l.Chalk > 0 {
		// A chalk cube left on a long rail, 22 mm a side.
		mid := cushionWidth + railWidth/2
		cy := -mid
		if rng.IntN(2) == 0 {
			cy = W + mid
		}
		x.marks = append(x.marks, mark{x: 0.1*L + rng.Float64()*0.3*L, y: cy, rx: 0.011, ry: 0.011, rect: true, col: chalkBlue.scale(0.8), ink: chalkBlue})
	}
	if l.Spots != "" {
		// Paper spots, 1 inch across, on the head spot, centre and foot spot.
		for _, fx := range []float64{0.25, 0.5, 0.75} {
			x.marks = append(x.marks, mark{x: fx * L, y: W / 2, rx: 0.0127, ry: 0.0127, col: paper})
		}
	}
	if l.Spots == "tournament" {
		// Sponsor stickers near each end rail, and the racking template's
		// outline around the foot spot (a triangle drawn in chalk pencil).
		for _, fx := range []float64{0.07, 0.93} {
			x.marks = append(x.marks, mark{x: fx * L, y: W / 2, rx: 0.03, ry: 0.06, rect: true, col: hex("f4f2ea"), ink: hex("c42b2b")})
		}
		s := 2 * model.BallRadius * 5.05
		h := s * math.Sqrt(3) / 2
		apex := v2(0.75*L-model.BallRadius*1.1, W/2)
		x.rack = [3]model.Vec2{apex, v2(apex.X+h+model.BallRadius*1.1, W/2-s/2), v2(apex.X+h+model.BallRadius*1.1, W/2+s/2)}
	}
	// The lamps' reflections: a camera straight above the table's centre,
	// 2.5 m up, sees each lamp mirrored in the cloth where the angles of
	// incidence and reflection meet.
	const camH = 2.5
	for _, lp := range lamps {
		k := lp[2] / (lp[2] + camH)
		x.mirrors = append(x.mirrors, v2(lp[0]+(L/2-lp[0])*k, lp[1]+(W/2-lp[1])*k))
	}
	return x
}

// markAt returns the mark covering (u, v), if any.
func (x *tableExtras) markAt(u, v float64) *mark {
	for i := range x.marks {
		m := &x.marks[i]
		du, dv := u-m.x, v-m.y
		if m.rect {
			if math.Abs(du) <= m.rx && math.Abs(dv) <= m.ry {
				return m
			}
		} else if du*du+dv*dv <= m.rx*m.rx {
			return m
		}
	}
	return nil
}

// markColour is the printed colour of mark m at (u, v): the paper, and on
// stickers a band of print; the chalk cube's top face is paler.
func (m *mark) colour(u, v float64) rgb {
	if m.ink == (rgb{}) {
		return m.col
	}
	du, dv := (u-m.x)/m.rx, (v-m.y)/m.ry
	if math.Abs(du) < 0.6 && math.Abs(dv) < 0.6 {
		return m.ink
	}
	return m.col
}

// patchAt is a patch's coverage at (u, v), 0..1, with a ragged edge.
func (p *patch) at(u, v float64, seed uint32) float64 {
	du, dv := (u-p.x)/p.stretch, (v-p.y)*p.stretch
	d := math.Hypot(du, dv)
	if d > 1.6*p.r {
		return 0
	}
	edge := p.r * (0.75 + 0.5*valueNoise(u/p.r*2.5, v/p.r*2.5, seed))
	return p.a * (1 - smoothstep(0.6*edge, edge, d))
}

// cloth adjusts the felt colour and shade factor at cloth point (u, v).
func (x *tableExtras) cloth(u, v float64, t *tableLook, col rgb, f float64) (rgb, float64) {
	L, W := t.size.Length, t.size.Width
	if w := x.wear; w > 0 {
		// Burnished lanes: the break line from the head string to the
		// rack, and the kitchen where the cue ball is placed.
		lane := math.Exp(-sq((v-W/2)/0.13)) * smoothstep(0.15*L, 0.3*L, u) * (1 - smoothstep(0.7*L, 0.82*L, u))
		kitchen := math.Exp(-sq((u-0.2*L)/(0.12*L))) * math.Exp(-sq((v-W/2)/(0.3*W)))
		worn := w * math.Min(1, 0.7*lane+0.5*kitchen+0.25*valueNoise(u*3, v*3, x.seed+11))
		grey := (col.r + col.g + col.b) / 3
		col = lerp(col, rgb{grey, grey, grey}.scale(1.3), 0.4*worn)
		// Pilling and uneven nap: blotches at two scales.
		f *= 1 + w*(0.1*(valueNoise(u*30, v*30, x.seed+12)-0.5)+0.08*(valueNoise(u*5, v*5, x.seed+13)-0.5))
		for i := range x.stains {
			if a := x.stains[i].at(u, v, x.seed+uint32(i)); a > 0 {
				col = lerp(col, stainCol, a*0.6)
			}
		}
		for i := range x.burns {
			if a := x.burns[i].at(u, v, x.seed+100+uint32(i)); a > 0 {
				col = lerp(col, rgb{grey, grey, grey}.scale(1.8), a)
			}
		}
	}
	if c := x.chalk; c > 0 {
		for i := range x.smudges {
			if a := x.smudges[i].at(u, v, x.seed+200+uint32(i)); a > 0 {
				col = lerp(col, chalkBlue, a)
			}
		}
		// Dust: specks on a 3 mm lattice.
		if hash2(int32(u*330), int32(v*330), x.seed+300) < 0.004*c {
			col = lerp(col, chalkBlue, 0.5)
		}
	}
	if x.rack != ([3]model.Vec2{}) {
		// The template's pencil outline: 1.5 mm lines, faint.
		d := math.Min(segDist(u, v, x.rack[0], x.rack[1]), math.Min(segDist(u, v, x.rack[1], x.rack[2]), segDist(u, v, x.rack[2], x.rack[0])))
		if d < 0.0015 {
			col = lerp(col, rgb{0.85, 0.85, 0.82}, 0.35*(1-d/0.0015))
		}
	}
	return col, f
}

// sheen is the lamps' reflection on the cloth at (u, v): light added as a
// paler patch around each lamp's mirror point.
func (x *tableExtras) sheen(u, v float64) float64 {
	s := 0.0
	for _, m := range x.mirrors {
		s += math.Exp(-(sq(u-m.X) + sq(v-m.Y)) / (2 * 0.14 * 0.14))
	}
	return 0.35 * x.hot * s
}

// railColour is the rail's finish at (u, v): d is the distance from the
// cushion's outer edge, along the distance along the rail.
func (x *tableExtras) railColour(u, v, d, along float64, t *tableLook) rgb {
	fin := railFinish[x.rail]
	// Castings: metal plates over the rail at every pocket, square at the
	// corners, narrower at the sides.
	if x.rail != "oak" {
		for _, h := range t.holes {
			du, dv := math.Abs(u-h.x), math.Abs(v-h.y)
			half := 0.13
			if !h.corner {
				du, dv, half = du*1.8, 0, 0.13
			}
			if du < half && dv < half {
				m := brass
				if x.rail == "black" {
					m = chrome
				}
				// Polished: brighter towards the plate's middle.
				return m.scale(0.7 + 0.4*(1-math.Max(du, dv)/half))
			}
		}
	}
	var c rgb
	if x.rail == "black" {
		c = lerp(fin[1], fin[0], 0.5+0.5*valueNoise(along*30, d*30, t.seed+21))
	} else {
		// Grain runs along the rail: lines across it, wavering.
		grain := 0.5 + 0.5*math.Sin(d*500+5*valueNoise(along*3, d*25, t.seed+7))
		c = lerp(fin[1], fin[0], 0.45+0.55*grain)
	}
	bevel := 0.7 + 0.3*smoothstep(0, 0.012, d)*smoothstep(0, 0.015, railWidth-d)
	// Varnish: the lamps' streak along the rail's crown.
	streak := 0.22 * math.Exp(-sq((d-0.55*railWidth)/0.012))
	return c.scale(bevel).add(rgb{streak, streak, streak})
}

// onSight reports whether rail point (u, v), at across and along offsets
// from a sight's centre, is inside it: dots on the black and oak rails,
// diamonds with an inlay ring on mahogany.
func (x *tableExtras) onSight(dAlong, dAcross float64) bool {
	if x.rail == "mahogany" {
		return dAlong/0.013+dAcross/0.0065 <= 1
	}
	return dAlong*dAlong+dAcross*dAcross <= 0.0055*0.0055
}

// segDist is the distance from (u, v) to segment ab.
func segDist(u, v float64, a, b model.Vec2) float64 {
	ab := sub2(b, a)
	l2 := ab.X*ab.X + ab.Y*ab.Y
	t := clamp01(((u-a.X)*ab.X + (v-a.Y)*ab.Y) / l2)
	return math.Hypot(u-a.X-ab.X*t, v-a.Y-ab.Y*t)
}

func sq(x float64) float64 { return x * x }
