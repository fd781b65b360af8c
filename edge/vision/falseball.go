package vision

import (
	"math"

	"github.com/cuecast/cuecast/edge/model"
)

// rimLook is what the ring around a detection says about it being a ball:
// a ball differs from what lies just outside its outline all the way round
// (cloth, a cushion, a neighbour of another colour, its own shadow), while
// the things real frames put where a ball could be do not. The nose's
// shadow along a cushion and a cue lying on the cloth are bands: inside and
// outside are the same along the band, so the outline shows on two opposite
// arcs only. A ball's cast shadow under a side light (a projector, a low
// lamp) is the cloth in shadow inside. A hand, an arm or a sleeve crosses
// the circle: outside and inside are the same skin or cloth where it goes on.
type rimLook struct {
	share float64 // share of the rays with a colour step across the outline
	gap   float64 // longest run of rays without one, share of the circle
	step  float64 // median step over the cloth's brightness
	inner float64 // share of inside samples that are the cloth in shadow
	skin  float64 // share of inside samples skin-coloured (see skinLike)
	band  float64 // bandReach: how far (radii) the centre's colour runs on both sides
	bandW float64 // bandReach: the band's width across (radii)
	bare  float64 // bareRing: share of the ring outside that is not cloth
	off   bool    // bareReach: what is not cloth around it runs off the table
	bed   float64 // bareReach: its ball areas on the playing surface
}

// rimRays is how many directions rimAround samples.
const rimRays = 32

// rimAround measures rimLook for the circle (x, y, r) in m. cloth is the
// cloth's B, G, R there.
func rimAround(m *img, x, y, r float64, cloth [3]float64) rimLook {
	var l rimLook
	cs := cloth[0] + cloth[1] + cloth[2]
	if cs <= 0 {
		return l
	}
	var steps [rimRays]float64
	var has [rimRays]bool
	shadowed := newShadowTest(cloth)
	n, ns, shade, skin, nin := 0, 0, 0, 0, 0
	for k := 0; k < rimRays; k++ {
		c, s := rimRing.cos[k], rimRing.sin[k]
		// Inside: the limb at 0.7 r (past the highlight, before the
		// blurred edge); outside: 1.3 r (past a contact shadow's core).
		ib, ig, ir, ok1 := m.bilinear(x+0.7*r*c, y+0.7*r*s)
		ob, og, or, ok2 := m.bilinear(x+1.35*r*c, y+1.35*r*s)
		if ok1 {
			nin++
			if shadowed.over(ib, ig, ir) {
				shade++
			}
			if skinLike(ib, ig, ir) {
				skin++
			}
		}
		if !ok1 || !ok2 {
			continue
		}
		n++
		d := (math.Abs(ib-ob) + math.Abs(ig-og) + math.Abs(ir-or)) / cs
		steps[ns] = d
		ns++
		has[k] = d > rimStep
	}
	if n == 0 {
		return l
	}
	cnt, run, best, first := 0, 0, 0, -1
	for k := 0; k < 2*rimRays; k++ {
		if has[k%rimRays] {
			if k < rimRays {
				cnt++
			}
			run = 0
			if first < 0 {
				first = k
			}
			continue
		}
		if first >= 0 {
			run++
			if run > best {
				best = run
			}
		}
	}
	if first < 0 {
		best = rimRays
	}
	l.share = float64(cnt) / float64(n)
	l.gap = math.Min(1, float64(best)/rimRays)
	sortFloats(steps[:ns])
	l.step = steps[ns/2]
	if nin > 0 {
		l.inner = float64(shade) / float64(nin)
		l.skin = float64(skin) / float64(nin)
	}
	return l
}

// faintContrast is the least median colour step across the outline
// (evidence.contrast, inside at 0.75 r against outside at 1.3 r, over the
// cloth's brightness) of a detection without a lit sphere's highlight. On
// the labelled real set (issue #14, 2026-12-07, main ed3d6d0) such true
// balls showed 0.17-0.73 per source (the lowest: radar3699's grey cloth
// 0.17, lukasseglias' snooker balls under the projector 0.20), the false
// ones that reached the end 0.06-0.08 (a cloth patch by a player's arm,
// the cushion's shadow by a corner pocket, a broadcast's mark on the
// cloth).
const faintContrast = 0.12

// rimStepMedian and rimShare are a ball's least median colour step
// across its outline (over the cloth's brightness) and least share of
// directions with a step. On the labelled real frames (issue #14) no true
// ball had a median step below 0.24 nor a share below 0.75, and half of
// the false ones did (the cushion's shadow band, ball shadows under the
// projector, hands, the cloth between arms).
const (
	rimStepMedian = 0.1
	rimShare      = 0.5
)

// shadowFelt and shadowStep: a detection whose disc is mostly the cloth
// in shade (evidence.feltShare) with a median step across its outline below
// shadowStep is a shadow. On the real set the projector's shadows beside
// snooker balls had 0.85-1.0 and steps up to 0.32; white balls under the
// projector's tint read as cloth on up to 0.92 of the disc with steps of
// 0.37 and more.
const (
	shadowFelt = 0.8
	shadowStep = 0.34
)

// glossyHighlight and glossyShading: see falseBall's glossy. On the real
// set the bands (sticks, arms, gloves, a rail) had highlight ratios up to
// 3.8; the simulator's balls in a rack under a dim lamp 7.5-14 over
// shading 0.9-1.3.
const (
	glossyHighlight = 5
	glossyShading   = 0.5
)

// clothDisc and clothStep: a detection whose disc is at least clothDisc
// the cloth's colour (evidence.feltShare) with a median step across its
// outline below clothStep is a mark on the cloth, not a ball. On the
// labelled real set no true ball with half its disc read as cloth had a
// step below 0.37 (white balls under a tinted projector, on grey cloth:
// 0.37-1.0); perfectswish's scrap on the cloth had 0.43-0.58 and 0.17-0.21,
// lukasseglias's halos and shadows 0.45-1.0 and 0.17-0.30.
const (
	clothDisc = 0.4
	clothStep = 0.3
)

// netRough and netHighlight: a white detection (class cue) whose core
// varies pixel to pixel (coreRough) more than netRough with its brightest
// pixel over netHighlight times its median is a pocket's net seen through
// the mouth. On the real set true white balls had highlight ratios of
// 1.00-1.08 (white saturates evenly) and the nets 1.07-1.26 with core
// roughness 0.014-0.07.
// A white ball under a lamp the camera does not saturate is shaded
// smoothly round its highlight: its pixel-to-pixel variation is under
// netFine of its disc's brightness spread (0.19-0.22 on the simulator with
// a highlight ratio of 1.3, the nets 0.28-0.65), and a strong highlight
// (netSpecular and more) is a ball's whatever its texture.
const (
	netRough     = 0.012
	netFine      = 0.26
	netHighlight = 1.09
	netSpecular  = 1.6
)

// sphereHighlight and sphereShading: a detection whose brightest pixel is
// at least sphereHighlight times its disc's median, over a disc shaded
// at least sphereShading (ballLook.shading), is a lit sphere.
// blurredHighlight and blurredShading are the same for a ball smeared by
// its motion: on the rex-lapis clips (broadcast, 25 fps) a ball rolling
// into a corner pocket showed 1.3-1.6 and 0.14-0.3; the real set's
// false balls the rim tests reject are flatter (the cushion's shadow
// band 0.07-0.10) or without a highlight.
const (
	sphereHighlight  = 2.0
	sphereShading    = 0.25
	blurredHighlight = 1.14
	blurredShading   = 0.14
)

// dullBlack, dullHighlight and dullShare: a detection at least dullBlack
// black (evidence.black) with a highlight under dullHighlight times its
// disc's median and an outline on less than dullShare of the circle is
// not a ball. A black ball is polished: against its dark body even a
// weak lamp's reflection is many times brighter, and it stands out from
// the cloth all the way round. On the labelled real set (issue #14) the
// dark true balls had highlights of 5.7-14.8 and shares of 0.97-1.0;
// the gloves, the shirt, the pocket holes and the broadcast's dark
// sleeves that passed the other tests 1.3-3.8 and 0.59-0.81.
const (
	dullBlack     = 0.5
	dullHighlight = 4.5
	dullShare     = 0.9
)

// flatShare: a detection shaded less than blurredShading (no sphere's
// shading, no smeared sphere's either) must show an outline on at least
// flatShare of the circle. Balls lit flat by a diffuse lamp (white ones
// saturated, lukasseglias' under the projector) stand out from what is
// around them all the way round: on the real set their shares were
// 0.94-1.0; the patches of cloth and cushion beside a player's arm and
// along lukasseglias' left cushion 0.53-0.78.
const flatShare = 0.85

// personBare and personBed: a detection with at least personBare of the
// ring just outside it not the cloth (bareRing) whose not-cloth runs on
// off the table covering at least personBed ball areas of the playing
// surface (bareReach) is on a person. On the labelled real set (issue #14,
// 2026-12-07) true balls whose ring was a third bare and ran off the table
// (lukasseglias' balls by the pockets and the frame's dark edge) covered
// 3-18 ball areas; the cap of the player leaning over gravitygravity 03
// 50-94, the gloved bridge hands of gravitygravity 02 and rex-lapis Clip2
// (hand, arm and cue) 27-51 and 33. The cue ball at the cue's tip had
// 0.08-0.17 of its ring bare.
const (
	personBare = 0.3
	personBed  = 25.0
)

// lookMinRadius is the least radius (pixels) the stage applies from: it
// was measured on balls of 12-28 px.
const lookMinRadius = 10

// rimStep is the colour step (B+G+R, over the cloth's) across a ball's
// outline that counts as an edge.
const rimStep = 0.12

// skinLike says whether a pixel has skin's colour: red over green over
// blue, moderately saturated, not dark.
func skinLike(b, g, r float64) bool {
	if r < 60 || !(r > g && g > b) {
		return false
	}
	sat := (r - b) / r
	h := (g - b) / (r - b) // 0 red .. 1 yellow
	return sat > 0.15 && sat < 0.6 && h > 0.25 && h < 0.75
}

// falseBall is the last test of a detection that passed the others: why
// it is not a ball after all, "" when it is.
func (d *Detector) falseBall(im *img, tf *tableFit, b *model.BallDetection, fit circleFit, ev evidence, cloth [3]float64) string {
	fe := &tf.felt
	rl := rimAround(im, b.Pixel.X, b.Pixel.Y, b.RadiusPx, cloth)
	rl.bare = bareRing(im, fe, b.Pixel.X, b.Pixel.Y, b.RadiusPx)
	if rl.bare >= personBare {
		rl.off, rl.bed = d.bareReach(im, tf, fe, b)
	}
	why := ""
	// A lit sphere shows a specular highlight over a shaded disc: where
	// it does (and is not the dark hole of a pocket or a black blob with a
	// glint), its outline may fade into the cloth on one side (a ball of
	// the cloth's hue under a spot lamp) and the rim tests do not apply.
	// A ball rolling in the shutter's time is smeared: its outline fades
	// along its path, but it keeps a shaded body with a highlight over
	// it, weaker (blurredHighlight, blurredShading) than a still one's.
	// A polished sphere under a lamp shows one small highlight many times
	// brighter than the rest of its strongly shaded disc: the band test
	// does not apply to it (in a rack under a dim lamp, the balls and the
	// shadows between them make one dark run through the middle ball; a
	// stick's or a sleeve's sheen is a long streak that lifts the disc's
	// median with it, or dull).
	glossy := ev.black < 0.3 && ev.highlight >= glossyHighlight && ev.shading >= glossyShading
	lit := ev.black < 0.3 && ev.highlight >= sphereHighlight && ev.shading >= sphereShading
	blurred := ev.black < 0.3 && ev.highlight >= blurredHighlight && ev.shading >= blurredShading
	switch {
	case b.RadiusPx < lookMinRadius:
		// Too small for these tests: a small ball's outline is blurred
		// over the samples at 0.7 r and 1.35 r, its disc into the cloth,
		// and 2 px is a third of its radius (the real set shrunk three
		// times lost true balls to them).
	case !glossy && bandOf(im, fe, b, cloth, &rl) >= bandLength:
		// The colour at the centre runs on straight past the outline on
		// both sides: a stick lying on the cloth, an arm, a rail.
		why = "band"
	case rl.band >= stickLength && rl.bandW < stickWidth:
		// A band narrower than a ball running on past the outline on
		// both sides: a cue stick lying on the cloth. A ball smeared by
		// its motion is as wide as the ball all along its smear.
		why = "stick"
	case ev.black >= dullBlack && ev.highlight < dullHighlight && rl.share < dullShare:
		// Dark without a polished sphere's highlight and with its outline
		// open on part of the circle: a glove, a sleeve, a shirt, a
		// pocket's hole. A black ball shines.
		why = "dull"
	case !glossy && rl.share < mouthShare && d.inMouth(b, 0):
		// Centred in a pocket's mouth with its outline open on part of
		// the circle: the hole, whose darkness goes on into the throat.
		why = "pocket"
	case b.Class == model.ClassCue && ev.highlight < netSpecular && d.inMouth(b, mouthZone) && isMouthNet(im, b):
		// White with a mesh's cells in a pocket's mouth: the net.
		why = "net"
	case !shines(ev) && d.offBed(b) && d.inMouth(b, 0):
		// Centred past the cushion's nose inside a pocket's mouth without
		// a lit sphere's highlight: the pocket's liner (leather, rubber)
		// or its far wall, round and ball-sized where it meets the
		// cloth. A ball dropping into the jaws sits under the same lamp
		// as the rest and shows its lit top against the hole; its colour
		// does not matter (a black ball shines too).
		why = "liner"
	case rl.off && rl.bed >= personBed:
		// Mostly not the cloth around it, and that runs on off the table
		// over more of the bed than anything but a person covers: a
		// badge, a print or a button on someone leaning over the table.
		// Balls in a rack, beside a pocket or against a cushion are
		// surrounded by other balls, the hole or the rail, which cover
		// a few ball areas of the bed.
		why = "person"
	case lit:
	case ev.contrast < faintContrast:
		// No sphere's highlight and hardly different from what is just
		// outside it on most of the circle: a patch of cloth between an
		// arm's shadow and a cue, the cushion's shadow beside a pocket's
		// jaw. A ball stands out from the cloth around it even where its
		// outline fades on one side (a ball of the cloth's hue, a smeared
		// one): the median step across its outline is its body against
		// the cloth.
		why = "faint"
	case ev.feltShare >= clothDisc && rl.step < clothStep:
		// Mostly the cloth's colour inside with a weak outline: a stain
		// or a scrap on the cloth, a ball's shadow or a projector's halo
		// beside it. A ball the cloth's hue shows a clear step at its
		// outline (its lit top, its shaded limb, its contact shadow) or a
		// lamp's highlight (lit, above); a smeared one's faint highlight
		// (blurred) is no proof here, a halo's ring or a glint on a
		// scrap gives as much.
		why = "cloth"
	case blurred:
	case ev.shading < blurredShading && rl.share < flatShare:
		// Neither shaded like a sphere nor outlined all the way round: a
		// patch of cloth or cushion, the edge of a shadow or of an arm.
		why = "open rim"
	case rl.step < rimStepMedian:
		// Hardly differs from what is around it: the cloth in a shadow,
		// a stain, the nose's shadow band along a cushion.
		why = "no rim"
	case rl.share < rimShare:
		// An outline on part of the circle only: a band (the nose's
		// shadow, a cue lying on the cloth), the edge of a hand or sleeve.
		why = "open rim"
	case ev.feltShare > shadowFelt && rl.step < shadowStep:
		// The cloth's colour inside, darker, with a weak edge: a ball's
		// cast shadow beside it (a projector or a low lamp).
		why = "shadow"
	case b.Class == model.ClassCue && ev.highlight > netHighlight && ev.highlight < netSpecular && isNet(im, b):
		// White with a mesh's texture (its variation from pixel to pixel,
		// not a smooth gradient), its brightest threads above the disc's
		// median but no specular highlight: a pocket's net. A white ball
		// is smooth, evenly bright over its lit cap where the camera
		// saturates, or shaded smoothly round a highlight where it does
		// not.
		why = "net"
	}
	if d.expl != nil {
		d.expl.rim, d.expl.ran = rl, true
	}
	return why
}

// shines says whether ev shows a lit sphere's highlight over a shaded
// disc, whatever the ball's colour (falseBall's lit without its guard
// against dark blobs).
func shines(ev evidence) bool {
	return ev.highlight >= sphereHighlight && ev.shading >= sphereShading
}

// offBed says whether b's centre lies past the cushions' noses, off the
// playing surface: in a pocket's mouth at most.
func (d *Detector) offBed(b *model.BallDetection) bool {
	return b.Pos != nil && d.offSurface(*b.Pos)
}

// offSurface says whether pos (table metres) lies past the cushions'
// noses.
func (d *Detector) offSurface(pos model.Vec2) bool {
	return pos.X < 0 || pos.Y < 0 || pos.X > d.geo.Length || pos.Y > d.geo.Width
}

// bandOf measures bandReach for b into rl.band and returns it.
func bandOf(im *img, fe *felt, b *model.BallDetection, cloth [3]float64, rl *rimLook) float64 {
	rl.band, rl.bandW = bandReach(im, fe, b.Pixel.X, b.Pixel.Y, b.RadiusPx, cloth)
	return rl.band
}

// isNet says whether the core of white detection b (inside 0.6 r, past
// the limb's darkening) has a mesh's texture: its pixel-to-pixel variation
// (coreTexture's rough) over netRough and over netFine of its brightness
// spread. Measured only for white candidates (the rest never are nets).
func isNet(m *img, b *model.BallDetection) bool {
	cv, rough := coreTexture(m, b.Pixel.X, b.Pixel.Y, 0.6*b.RadiusPx)
	return rough > netRough && rough > netFine*cv
}

// coreTexture measures the disc of radius rad at (x, y): the brightness's
// coefficient of variation and the mean difference of each pixel from the
// mean of the four 2 px away, over the mean brightness.
func coreTexture(m *img, x, y, rad float64) (cv, rough float64) {
	return coreTextureAt(m, x, y, rad, 2)
}

// coreTextureAt is coreTexture with the neighbours off px away.
func coreTextureAt(m *img, x, y, rad float64, off int) (cv, rough float64) {
	x0, x1 := int(math.Floor(x-rad)), int(math.Ceil(x+rad))
	y0, y1 := int(math.Floor(y-rad)), int(math.Ceil(y+rad))
	var sum, sq, rs float64
	n := 0
	for py := y0; py <= y1; py++ {
		for px := x0; px <= x1; px++ {
			dx, dy := float64(px)+0.5-x, float64(py)+0.5-y
			if dx*dx+dy*dy > rad*rad {
				continue
			}
			b, g, r, ok := m.at(px, py)
			if !ok {
				continue
			}
			v := b + g + r
			var nb float64
			cnt := 0
			for _, o := range [4][2]int{{-off, 0}, {off, 0}, {0, -off}, {0, off}} {
				if qb, qg, qr, ok := m.at(px+o[0], py+o[1]); ok {
					nb += qb + qg + qr
					cnt++
				}
			}
			if cnt > 0 {
				rs += math.Abs(v - nb/float64(cnt))
			}
			sum += v
			sq += v * v
			n++
		}
	}
	if n == 0 || sum == 0 {
		return 0, 0
	}
	mean := sum / float64(n)
	return math.Sqrt(math.Max(0, sq/float64(n)-mean*mean)) / mean, rs / float64(n) / mean
}
