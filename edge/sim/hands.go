package sim

import (
	"math"
	"math/rand/v2"

	"github.com/cuecast/cuecast/edge/model"
)

// bystanders are people at the table with an arm in view (Look.Hands):
// each rests a hand on the rail or the cloth's edge, fingers towards the
// middle, the forearm in a sleeve running out over the rail. They move to
// new places every armPeriod seconds of simulated time. Their placement
// comes from its own random stream, so the scenario plays the same game
// with or without them.
type bystanders struct {
	n    int
	seed uint64
	size model.Size
	slot int64 // the period the arms are placed for
	arms []arm
}

type arm struct {
	rods         []rod
	skin, sleeve rgb
}

// armPeriod is how long people keep still, seconds.
const armPeriod = 3.5

// Sleeves and skin tones people bring: a white shirt, black, navy, grey, a
// red top, a green close to the cloth's, denim.
var (
	sleeveCols = []rgb{hex("e9e7e1"), hex("1d1d1f"), hex("1f2a44"), hex("6b6e72"), hex("a3262a"), hex("2f6b45"), hex("3d5a80")}
	skinCols   = []rgb{hex("d8a183"), hex("c08a6a"), hex("8d5a3c"), hex("e8c0a4"), hex("5c3a28")}
)

func newBystanders(n int, seed int64, size model.Size) *bystanders {
	return &bystanders{n: n, seed: uint64(seed) ^ 0xa5a5f00d, size: size, slot: -1}
}

// at places the arms for simulated time t (seconds).
func (b *bystanders) at(t float64) {
	slot := int64(t / armPeriod)
	if slot == b.slot {
		return
	}
	b.slot = slot
	rng := rand.New(rand.NewPCG(b.seed, uint64(slot)))
	L, W := b.size.Length, b.size.Width
	b.arms = b.arms[:0]
	for i := 0; i < b.n; i++ {
		// A rail, by its length, and a place along it clear of the pockets.
		var nose, in model.Vec2
		if k := rng.Float64() * (2*L + 2*W); k < 2*L {
			x := 0.12 + rng.Float64()*(L-0.24)
			if math.Abs(x-L/2) < 0.12 {
				x += 0.24
			}
			nose, in = v2(x, 0), v2(0, 1)
			if k >= L {
				nose, in = v2(x, W), v2(0, -1)
			}
		} else {
			y := 0.12 + rng.Float64()*(W-0.24)
			nose, in = v2(0, y), v2(1, 0)
			if k >= 2*L+W {
				nose, in = v2(L, y), v2(-1, 0)
			}
		}
		// The palm from 10 cm back on the rail to 12 cm onto the cloth,
		// the fingers turned up to 35 degrees off straight in.
		depth := -0.1 + rng.Float64()*0.22
		a := (rng.Float64() - 0.5) * 70 * math.Pi / 180
		dir := v2(in.X*math.Cos(a)-in.Y*math.Sin(a), in.X*math.Sin(a)+in.Y*math.Cos(a))
		palm := v2(nose.X+in.X*depth, nose.Y+in.Y*depth)
		b.arms = append(b.arms, arm{
			rods:   handRods(handView{visible: true, palm: palm, dir: dir}),
			skin:   skinCols[rng.IntN(len(skinCols))],
			sleeve: sleeveCols[rng.IntN(len(sleeveCols))],
		})
	}
}

// draw composites every arm.
func (b *bystanders) draw(frame []byte, w, h int, cam *camera, t *tableLook, maxV uint8) {
	for _, a := range b.arms {
		drawHand(frame, w, h, cam, t, a.rods, a.skin, a.sleeve, maxV)
	}
}

// occluders appends every arm's rods.
func (b *bystanders) occluders(dst []rod) []rod {
	for _, a := range b.arms {
		dst = append(dst, a.rods...)
	}
	return dst
}
