package sim

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// rgb is a linear-ish colour with components 0..1 (sRGB-looking values; the
// renderer does not pretend to be physically exact).
type rgb struct{ r, g, b float64 }

func (c rgb) scale(s float64) rgb { return rgb{c.r * s, c.g * s, c.b * s} }
func (c rgb) add(d rgb) rgb       { return rgb{c.r + d.r, c.g + d.g, c.b + d.b} }
func (c rgb) mul(d rgb) rgb       { return rgb{c.r * d.r, c.g * d.g, c.b * d.b} }
func lerp(a, b rgb, t float64) rgb {
	return rgb{a.r + (b.r-a.r)*t, a.g + (b.g-a.g)*t, a.b + (b.b-a.b)*t}
}

func hex(s string) rgb {
	v, _ := strconv.ParseUint(s, 16, 32)
	return rgb{float64(v>>16&255) / 255, float64(v>>8&255) / 255, float64(v&255) / 255}
}

// Felts are the cloth colours the simulator knows by name. Vision must learn
// the felt colour, so scenarios default to different ones.
var Felts = map[string]string{
	"green": "1f7a45",
	"blue":  "1d5a9e",
	"red":   "8c1f24",
	"grey":  "6d7378",
	"tan":   "a08a5a",
}

// parseFelt accepts a name from Felts or "#rrggbb".
func parseFelt(s string) (rgb, error) {
	if h, ok := Felts[s]; ok {
		return hex(h), nil
	}
	if len(s) == 7 && s[0] == '#' {
		if _, err := strconv.ParseUint(s[1:], 16, 32); err == nil {
			return hex(s[1:]), nil
		}
	}
	names := make([]string, 0, len(Felts))
	for n := range Felts {
		names = append(names, n)
	}
	sort.Strings(names)
	return rgb{}, fmt.Errorf("sim: felt %q: not a known name or #rrggbb (names: %s)", s, strings.Join(names, ", "))
}

// lamp is an overhead light, positioned in table-frame units relative to the
// playing surface (x, y as fractions of length and width), height in metres.
type lamp struct {
	fx, fy, height, power float64
}

// lighting is one lighting rig: lamps, ambient light and a colour tint.
type lighting struct {
	lamps   []lamp
	ambient float64
	tint    rgb
	// exposure is the level of the brightest cloth after the camera's
	// auto exposure (0 means 1): lighting sets the gradient, not the level.
	exposure float64
	gain     float64 // set by normalize
}

// Lightings are the lighting rigs by name.
var Lightings = map[string]lighting{
	// Three shaded lamps over the long axis: the usual pool hall.
	"lamps": {lamps: []lamp{{0.2, 0.5, 1.0, 1}, {0.5, 0.5, 1.0, 1}, {0.8, 0.5, 1.0, 1}}, ambient: 0.35, tint: rgb{1, 1, 1}},
	// One big diffuse panel: flat light, soft shadows.
	"even": {lamps: []lamp{{0.5, 0.5, 2.5, 1}}, ambient: 0.55, tint: rgb{1, 1, 1}},
	// A dim bar: two weak lamps and a warm cast; the camera's gain makes
	// up the level (exposure), so the picture is darker at the ends.
	"dim": {lamps: []lamp{{0.35, 0.5, 1.1, 1}, {0.65, 0.5, 1.1, 1}}, ambient: 0.25, tint: rgb{1.05, 0.93, 0.78}, exposure: 0.8},
	// A pool hall's wide shades higher up, with light off the walls: the
	// cloth as evenly lit as real rooms measure (corners about 0.85 of the
	// centre; docs/sim.md), where "lamps" falls to 0.64.
	"hall": {lamps: []lamp{{0.17, 0.5, 2.0, 1}, {0.5, 0.5, 2.0, 1}, {0.83, 0.5, 2.0, 1}}, ambient: 0.7, tint: rgb{1, 0.99, 0.97}},
	// A single off-centre lamp: a strong gradient across the table.
	"spot": {lamps: []lamp{{0.3, 0.65, 0.9, 1}}, ambient: 0.3, tint: rgb{1, 0.97, 0.92}},
}

// normalize sets gain so the brightest point of the playing surface (lamps
// at the given positions, metres) lights to the rig's exposure, as a
// camera's auto exposure would.
func (l *lighting) normalize(pos [][3]float64, length, width float64) {
	l.gain = 1
	peak := 0.0
	for i := 0; i <= 40; i++ {
		for j := 0; j <= 20; j++ {
			peak = math.Max(peak, l.lightAt(pos, length*float64(i)/40, width*float64(j)/20))
		}
	}
	e := l.exposure
	if e == 0 {
		e = 1
	}
	l.gain = e / peak
}

// lightAt is the relative illumination of the cloth at table point (x, y),
// with the lamps' positions in metres; about 1 under a lamp.
func (l *lighting) lightAt(pos [][3]float64, x, y float64) float64 {
	v := l.ambient
	for i, p := range pos {
		dx, dy, h := x-p[0], y-p[1], p[2]
		d2 := (dx*dx + dy*dy) / (h * h)
		// Lambert on a horizontal surface from a point source: cos^3 falloff.
		x := 1 / (1 + d2)
		v += l.lamps[i].power * (1 - l.ambient) * x * math.Sqrt(x)
	}
	return v * l.gain
}

// WPA ball colours, 1..8; 9..15 are stripes of 1..7's colour.
var ballColours = [9]rgb{
	hex("f4f1e6"), // cue: ivory white
	hex("f7c21a"), // 1 yellow
	hex("1d3fa8"), // 2 blue
	hex("d21f26"), // 3 red
	hex("4a2a85"), // 4 purple
	hex("f2701c"), // 5 orange
	hex("127a3f"), // 6 green
	hex("7a1a22"), // 7 maroon
	hex("141414"), // 8 black
}

// BallColour returns ball n's base colour as 8-bit R, G, B (n 0..15), for
// tests and tools that want to check pixels.
func BallColour(n int) (r, g, b uint8) {
	c := ballColours[colourIndex(n)]
	return uint8(c.r*255 + 0.5), uint8(c.g*255 + 0.5), uint8(c.b*255 + 0.5)
}

func colourIndex(n int) int {
	if n > 8 {
		return n - 8
	}
	return n
}

var (
	white     = hex("f6f4ec")
	wood      = hex("5a3119")
	woodDark  = hex("3b1e0e")
	floorCol  = hex("2a2623")
	pearl     = hex("e8e2d0")
	pocketCol = hex("080706")
)
