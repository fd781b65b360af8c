package led

import (
	"fmt"
	"math"
)

// RGB is one pixel, 8 bits per channel, in linear "what the animation meant"
// values: gamma and the brightness cap are applied when encoding.
type RGB struct{ R, G, B uint8 }

// Some colours the behaviour uses.
var (
	Off   = RGB{}
	Red   = RGB{255, 0, 0}
	Green = RGB{0, 255, 0}
	Blue  = RGB{0, 0, 255}
	White = RGB{255, 255, 255}
)

// Scale returns c with every channel multiplied by f/255.
func (c RGB) Scale(f uint8) RGB {
	return RGB{uint8(uint16(c.R) * uint16(f) / 255), uint8(uint16(c.G) * uint16(f) / 255), uint8(uint16(c.B) * uint16(f) / 255)}
}

// Order is the strip's wire colour order: Order[i] is the channel (0 red,
// 1 green, 2 blue) sent in position i. Strips from different batches of the
// same chip differ, hence a setting.
type Order [3]uint8

// Orders named in configs.
var (
	OrderRGB = Order{0, 1, 2}
	OrderGRB = Order{1, 0, 2}
	OrderBGR = Order{2, 1, 0}
)

// ParseOrder parses "rgb", "grb", "bgr", ...
func ParseOrder(s string) (Order, error) {
	var o Order
	var seen [3]bool
	if len(s) != 3 {
		return o, fmt.Errorf("led: colour order %q: want three letters of r, g, b such as \"bgr\"", s)
	}
	for i := 0; i < 3; i++ {
		var ch uint8
		switch s[i] {
		case 'r', 'R':
			ch = 0
		case 'g', 'G':
			ch = 1
		case 'b', 'B':
			ch = 2
		default:
			return o, fmt.Errorf("led: colour order %q: %q is not r, g or b", s, s[i])
		}
		if seen[ch] {
			return o, fmt.Errorf("led: colour order %q names a channel twice", s)
		}
		seen[ch] = true
		o[i] = ch
	}
	return o, nil
}

func (o Order) String() string {
	const names = "rgb"
	return string([]byte{names[o[0]], names[o[1]], names[o[2]]})
}

// levels is the per-channel transfer table: gamma then the brightness cap,
// rounded. Folding both into one table keeps the encoder at one lookup per
// channel.
type levels [256]uint8

func newLevels(gamma float64, max uint8) levels {
	var l levels
	for i := range l {
		v := math.Pow(float64(i)/255, gamma) * float64(max)
		l[i] = uint8(math.Round(v))
	}
	return l
}
