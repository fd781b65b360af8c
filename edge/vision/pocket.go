package vision

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// A pocket is a hole at a known place: the table's corners and the middles
// of its long sides. Seen from above, its mouth is a dark disc (the hole
// and the shadow in it) or, where a net hangs under it, a white mesh: both
// about a ball's size and round where they meet the cloth, so the tests of
// an outline can take them for balls, and a hole's far wall or a glint on
// its lip gives the faint highlight the smeared-ball exemption reads
// (falseBall's blurred). What is known of a pocket is where it is: the
// tests here apply in its mouth only, where nothing but a ball, the hole
// or the net can be.

// mouthZone is how far (ball radii) past a pocket's mouth radius from the
// pocket's centre a detection counts as in the pocket's mouth for the net
// test: a ball there touches the mouth's line. The net's centre can sit a
// ball radius into the bed where a table's cushions are found a little
// wide of the mouths.
const mouthZone = 1.5

// mouthShare is the least share of rays with an outline (rimLook.share) a
// detection centred inside a pocket's mouth (within its radius of the
// pocket's centre) must show. A ball there stands out all the way round,
// against the cloth on the bed's side and against the dark hole on the
// other: on the labelled real set (issue #14) no true ball had a share
// below 0.75, and the holes of lukasseglias' pockets, seen as balls, had
// 0.50-0.72 (the hole's darkness goes on into the throat, no outline
// there). A smeared ball's highlight exempts it elsewhere, not here: a
// hole's far wall gives as much.
const mouthShare = 0.75

// netMouthRough and netMouthFine: in a pocket's mouth a white detection is
// a net when its core's variation from pixel to pixel at the mesh's scale
// (a sixth of the radius, coreTextureAt) is over netMouthRough of its
// brightness and over netMouthFine of its brightness spread: a mesh's
// cells, not a ball's smooth shading. The net test elsewhere
// (netHighlight) needs the brightest threads over the disc's median, which
// a net lit evenly in a side pocket does not show (pooljk: 1.07-1.08, as
// white balls: 1.00-1.08). On the real set white balls measured at most
// 0.034 and 0.43 (lukasseglias' noisy camera), the nets 0.046-0.108 and
// 0.52-0.75.
const (
	netMouthRough = 0.04
	netMouthFine  = 0.48
)

// pocketNear returns the pocket nearest to pos (table metres) and the
// distance to its centre; ok is false when the table has no pockets.
func (d *Detector) pocketNear(pos model.Vec2) (p model.Pocket, dist float64, ok bool) {
	dist = math.Inf(1)
	for _, q := range d.geo.Pockets {
		if e := math.Hypot(pos.X-q.Pos.X, pos.Y-q.Pos.Y); e < dist {
			p, dist, ok = q, e, true
		}
	}
	return p, dist, ok
}

// inMouth says whether b's centre is within zone ball radii past the
// mouth radius of a pocket's centre.
func (d *Detector) inMouth(b *model.BallDetection, zone float64) bool {
	if b.Pos == nil {
		return false
	}
	p, dist, ok := d.pocketNear(*b.Pos)
	return ok && dist < p.Radius+zone*model.BallRadius
}

// isMouthNet says whether white detection b has a net's mesh at the
// mesh's scale (see netMouthRough).
func isMouthNet(m *img, b *model.BallDetection) bool {
	o := int(math.Round(b.RadiusPx / 6))
	if o < 2 {
		o = 2
	}
	cv, rough := coreTextureAt(m, b.Pixel.X, b.Pixel.Y, 0.6*b.RadiusPx, o)
	return rough > netMouthRough && rough > netMouthFine*cv
}
