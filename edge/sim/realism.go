package sim

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Look is how real the simulated picture is: the camera (response curve,
// white balance, exposure, vignetting, lens blur, sharpening, compression),
// the lamps' reflections, the table's wear and markings, the ball set, how
// high the camera hangs and people's arms in view.
//
// The zero Look is the simulator as it always drew (a clean camera, new
// cloth, tournament balls, nobody at the table), so tests tuned on it keep
// their meaning; realism is opt-in. Preset names a whole look from Looks,
// whose values fill the fields left zero; a field set explicitly wins.
type Look struct {
	// Preset is a name from Looks ("" or "clean": nothing added).
	Preset string `json:"preset,omitempty"`

	// Exposure scales the light before the response curve; above 1 white
	// balls and highlights burn out (0 means 1).
	Exposure float64 `json:"exposure,omitempty"`
	// Contrast is the response curve's S (0..1): 0 is linear, higher
	// values crush shadows and roll highlights off the way consumer
	// cameras do.
	Contrast float64 `json:"contrast,omitempty"`
	// Saturation scales colourfulness around grey (0 means 1): consumer
	// cameras boost it, a washed-out webcam loses it.
	Saturation float64 `json:"saturation,omitempty"`
	// WhiteBalanceK is the colour temperature the picture is left with
	// after the camera's white balance: 0 is neutral, 2700-4000 a warm
	// (tungsten) cast, 7000-10000 a cool (daylight LED) one.
	WhiteBalanceK float64 `json:"white_balance_k,omitempty"`
	// Vignette is the brightness in the frame's corners relative to its
	// centre (0 or 1: none; 0.6 is a cheap wide lens).
	Vignette float64 `json:"vignette,omitempty"`
	// Blur is the lens and demosaic blur, a Gaussian sigma in px (0: none).
	Blur float64 `json:"blur,omitempty"`
	// Sharpen is the camera's unsharp mask (0..2): halos at edges.
	Sharpen float64 `json:"sharpen,omitempty"`
	// Codec compresses every frame: "" none, "jpeg" (an MJPEG webcam:
	// 8x8 blocks, 4:2:0 chroma) or "h264" (a broadcast or IP camera:
	// coarser quantisation, then a deblocking filter over the block
	// edges; no motion artefacts).
	Codec string `json:"codec,omitempty"`
	// Quality is the codec's quality, 1..100 (0: jpeg 80, h264 40).
	Quality int `json:"quality,omitempty"`

	// HotSpots is the lamps' sheen on the cloth (0..1): a bright,
	// paler patch where each lamp reflects towards the camera.
	HotSpots float64 `json:"hot_spots,omitempty"`
	// Gloss is the lamps' reflection on the balls (0..1): 0 is a pin-point
	// highlight, 1 the lamp's whole shade mirrored as a burnt-out patch.
	Gloss float64 `json:"gloss,omitempty"`

	// Wear is the cloth's age (0..1): burnished lanes, pilling, stains.
	Wear float64 `json:"wear,omitempty"`
	// Chalk is how much chalk lies about (0..1): blue smudges, dust, a
	// chalk cube on the rail.
	Chalk float64 `json:"chalk,omitempty"`
	// Spots are the markings on the cloth: "" the small foot-spot dot,
	// "paper" head, centre and foot spots (paper discs about half a
	// ball across), "tournament" paper spots, the racking template's
	// outline and sponsor stickers.
	Spots string `json:"spots,omitempty"`
	// Rail is the rail's finish: "" the plain wood, "mahogany" (red wood,
	// varnish, brass castings), "black" (a tournament table: black rails,
	// dot sights, chrome castings) or "oak" (pale wood, dot sights).
	Rail string `json:"rail,omitempty"`

	// Balls is the ball set: "" or "tournament" (WPA colours, crisp
	// numbers), "cheap" (off-hue colours, worn numbers in smaller
	// circles, scuffs).
	Balls string `json:"balls,omitempty"`
	// BallRadiusPx hangs the camera at the height where a ball at the
	// table's centre is this many pixels in radius (0: the whole table
	// with its rails fills the frame, as before). Values above what fits
	// crop the table.
	BallRadiusPx float64 `json:"ball_radius_px,omitempty"`
	// Hands is how many people's arms and sleeves lie in view, over the
	// rails and reaching onto the cloth (0..4); they move every few
	// seconds and mark the balls they cover as occluded.
	Hands int `json:"hands,omitempty"`
}

// Looks are the named presets. Their camera figures were chosen so that
// framestat's statistics of simulated frames (under the "hall" lighting
// rig) come near those of the real sources named: rim width, blockiness,
// fine noise, clipped highlights (docs/sim.md, "Real and simulated
// frames side by side").
var Looks = map[string]Look{
	"clean": {},
	// A USB webcam over a club table: MJPEG, soft, burnt-out whites, a
	// slightly warm cast, worn cloth and chalk, a cheap ball set (like
	// perfectswish and pooljk).
	"webcam": {Exposure: 1.55, Contrast: 0.3, Saturation: 0.85, WhiteBalanceK: 6300, Vignette: 0.95, Blur: 0.7, Sharpen: 0.3,
		Codec: "jpeg", Quality: 92, HotSpots: 0.1, Gloss: 0.7, Wear: 0.6, Chalk: 0.5, Spots: "paper", Rail: "oak", Balls: "cheap", Hands: 1},
	// A broadcast camera over a tournament table: H.264-like blocks,
	// crisp, neutral, black rails, tournament markings, players' arms
	// (like rex-lapis and germuth).
	"broadcast": {Exposure: 1.25, Contrast: 0.25, Saturation: 1.1, Sharpen: 0.4,
		Codec: "h264", Quality: 50, HotSpots: 0.1, Gloss: 0.6, Wear: 0.15, Chalk: 0.3, Spots: "tournament", Rail: "black", Hands: 2},
	// A depth camera's colour stream or a Raspberry Pi camera: noisier,
	// a cool cast, vignetting, light JPEG, mahogany rails (like noshi96,
	// lukasseglias and pooljk).
	"kinect": {Exposure: 1.45, Contrast: 0.15, Saturation: 0.9, WhiteBalanceK: 7000, Vignette: 0.95, Blur: 0.5,
		Codec: "jpeg", Quality: 96, HotSpots: 0.1, Gloss: 0.6, Wear: 0.35, Chalk: 0.3, Spots: "paper", Rail: "mahogany", Hands: 1},
}

// LookNames lists the preset names, sorted.
func LookNames() []string {
	n := make([]string, 0, len(Looks))
	for k := range Looks {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// resolve fills the fields left zero from the preset and checks ranges.
func (l Look) resolve() (Look, error) {
	if l.Preset != "" {
		p, ok := Looks[l.Preset]
		if !ok {
			return l, fmt.Errorf("sim: unknown look %q (known: %s)", l.Preset, strings.Join(LookNames(), ", "))
		}
		fill := func(dst *float64, v float64) {
			if *dst == 0 {
				*dst = v
			}
		}
		fill(&l.Exposure, p.Exposure)
		fill(&l.Contrast, p.Contrast)
		fill(&l.Saturation, p.Saturation)
		fill(&l.WhiteBalanceK, p.WhiteBalanceK)
		fill(&l.Vignette, p.Vignette)
		fill(&l.Blur, p.Blur)
		fill(&l.Sharpen, p.Sharpen)
		fill(&l.HotSpots, p.HotSpots)
		fill(&l.Gloss, p.Gloss)
		fill(&l.Wear, p.Wear)
		fill(&l.Chalk, p.Chalk)
		fill(&l.BallRadiusPx, p.BallRadiusPx)
		if l.Codec == "" {
			l.Codec = p.Codec
		}
		if l.Quality == 0 {
			l.Quality = p.Quality
		}
		if l.Spots == "" {
			l.Spots = p.Spots
		}
		if l.Rail == "" {
			l.Rail = p.Rail
		}
		if l.Balls == "" {
			l.Balls = p.Balls
		}
		if l.Hands == 0 {
			l.Hands = p.Hands
		}
	}
	in := func(v, lo, hi float64) bool { return !math.IsNaN(v) && v >= lo && v <= hi }
	switch {
	case !in(l.Exposure, 0, 4) || l.Exposure > 0 && l.Exposure < 0.25:
		return l, fmt.Errorf("sim: look exposure %v out of range (0.25..4, 0 = 1)", l.Exposure)
	case !in(l.Contrast, 0, 1):
		return l, fmt.Errorf("sim: look contrast %v out of range [0, 1]", l.Contrast)
	case !in(l.Saturation, 0, 2):
		return l, fmt.Errorf("sim: look saturation %v out of range [0, 2]", l.Saturation)
	case !(l.WhiteBalanceK == 0 || in(l.WhiteBalanceK, 2000, 12000)):
		return l, fmt.Errorf("sim: look white balance %v K out of range (2000..12000, 0 = neutral)", l.WhiteBalanceK)
	case !in(l.Vignette, 0, 1) || l.Vignette > 0 && l.Vignette < 0.3:
		return l, fmt.Errorf("sim: look vignette %v out of range (0.3..1, 0 = none)", l.Vignette)
	case !in(l.Blur, 0, 3):
		return l, fmt.Errorf("sim: look blur %v px out of range [0, 3]", l.Blur)
	case !in(l.Sharpen, 0, 2):
		return l, fmt.Errorf("sim: look sharpen %v out of range [0, 2]", l.Sharpen)
	case l.Codec != "" && l.Codec != "jpeg" && l.Codec != "h264":
		return l, fmt.Errorf("sim: look codec %q: want jpeg, h264 or none", l.Codec)
	case l.Quality < 0 || l.Quality > 100:
		return l, fmt.Errorf("sim: look quality %d out of range [1, 100]", l.Quality)
	case !in(l.HotSpots, 0, 1) || !in(l.Gloss, 0, 1) || !in(l.Wear, 0, 1) || !in(l.Chalk, 0, 1):
		return l, fmt.Errorf("sim: look hot spots %v, gloss %v, wear %v, chalk %v: each must be in [0, 1]", l.HotSpots, l.Gloss, l.Wear, l.Chalk)
	case l.Spots != "" && l.Spots != "paper" && l.Spots != "tournament":
		return l, fmt.Errorf("sim: look spots %q: want paper, tournament or none", l.Spots)
	case l.Rail != "" && l.Rail != "mahogany" && l.Rail != "black" && l.Rail != "oak":
		return l, fmt.Errorf("sim: look rail %q: want mahogany, black, oak or the plain wood", l.Rail)
	case l.Balls != "" && l.Balls != "tournament" && l.Balls != "cheap":
		return l, fmt.Errorf("sim: look balls %q: want tournament or cheap", l.Balls)
	case !(l.BallRadiusPx == 0 || in(l.BallRadiusPx, 4, 60)):
		return l, fmt.Errorf("sim: look ball radius %v px out of range (4..60, 0 = fit the table)", l.BallRadiusPx)
	case l.Hands < 0 || l.Hands > 4:
		return l, fmt.Errorf("sim: look hands %d out of range [0, 4]", l.Hands)
	}
	if l.Codec != "" && l.Quality == 0 {
		l.Quality = map[string]int{"jpeg": 80, "h264": 40}[l.Codec]
	}
	return l, nil
}

// camPost reports whether any camera stage runs after the frame is drawn.
func (l *Look) camPost() bool {
	return l.Exposure != 0 && l.Exposure != 1 || l.Contrast != 0 || l.Saturation != 0 && l.Saturation != 1 ||
		l.WhiteBalanceK != 0 || l.Vignette != 0 && l.Vignette != 1 || l.Blur != 0 || l.Sharpen != 0 || l.Codec != ""
}

// dress gives a table the look's extras: wear, markings and finish, the
// ball set and the balls' gloss. The zero Look leaves it plain.
func (l *Look) dress(t *tableLook, seed uint32) {
	if l.Wear > 0 || l.Chalk > 0 || l.HotSpots > 0 || l.Spots != "" || l.Rail != "" {
		t.extra = newTableExtras(l, t.size, t.lamps, seed)
	}
	if l.Balls == "cheap" {
		t.set = cheapSet(seed)
	}
	t.gloss = l.Gloss
}
