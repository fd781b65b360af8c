package led

import (
	"fmt"
	"time"
)

// Chip is the LED controller on the strip.
type Chip int

const (
	APA102 Chip = iota + 1 // also SK9822: clock + data, 8-bit PWM per channel
	WS2812                 // also WS2812B, SK6812 RGB: one NRZ data line
)

func (c Chip) String() string {
	switch c {
	case APA102:
		return "apa102"
	case WS2812:
		return "ws2812"
	}
	return fmt.Sprintf("Chip(%d)", int(c))
}

// ParseChip parses a config driver name.
func ParseChip(s string) (Chip, error) {
	switch s {
	case "apa102":
		return APA102, nil
	case "ws2812":
		return WS2812, nil
	}
	return 0, fmt.Errorf("led: driver %q: want \"apa102\" or \"ws2812\"", s)
}

// DefaultOrder is the chip's datasheet colour order: APA102 takes blue,
// green, red; WS2812 green, red, blue.
func (c Chip) DefaultOrder() Order {
	if c == WS2812 {
		return OrderGRB
	}
	return OrderBGR
}

// Options describe a strip.
type Options struct {
	Chip  Chip
	Count int // LEDs on the strip, 1..4096
	// Order is the wire order; the zero Order means the chip's default.
	Order Order
	// MaxBrightness caps every channel after gamma (255 = no cap).
	MaxBrightness uint8
	// Gamma: 1 sends values as given; 2.2 matches perceived brightness.
	Gamma float64
	// SpeedHz is the APA102 clock (0 = 4 MHz). Ignored for WS2812.
	SpeedHz int
}

// WS2812 timing over SPI. At 2.5 MHz one SPI bit lasts 400 ns, so a data bit
// sent as three SPI bits is 100 (400 ns high, 800 ns low: a 0, T0H 0.4 us) or
// 110 (800 ns high, 400 ns low: a 1, T1H 0.8 us), both within the datasheet's
// +-150 ns and 1.25 us period.
const (
	WS2812SpeedHz = 2_500_000
	// ws2812Latch is the low time that makes the strip latch: the original
	// WS2812 needs 50 us, the WS2812B-V5 280 us; 300 us covers both.
	ws2812Latch = 300 * time.Microsecond
	// APA102DefaultSpeedHz is safe over a metre or two of ribbon cable.
	APA102DefaultSpeedHz = 4_000_000
)

// ws2812ResetBytes is the latch gap as zero bytes at 2.5 MHz (8 bits of
// 400 ns each per byte): ceil(300 us / 3.2 us) = 94.
var ws2812ResetBytes = int((ws2812Latch + 8*400*time.Nanosecond - 1) / (8 * 400 * time.Nanosecond))

// ws2812Bits expands a data byte to its 24 SPI bits (3 bytes), MSB first.
var ws2812Bits [256][3]byte

func init() {
	for v := 0; v < 256; v++ {
		var bits uint32
		for i := 7; i >= 0; i-- {
			if v&(1<<i) != 0 {
				bits = bits<<3 | 0b110
			} else {
				bits = bits<<3 | 0b100
			}
		}
		ws2812Bits[v] = [3]byte{byte(bits >> 16), byte(bits >> 8), byte(bits)}
	}
}

// Encoder turns pixels into wire bytes for one strip. Its frame buffer is
// allocated once in NewEncoder.
type Encoder struct {
	chip  Chip
	count int
	order Order
	lv    levels
	frame []byte
	data  []byte // frame's per-LED part
}

// NewEncoder validates o and allocates the frame.
func NewEncoder(o Options) (*Encoder, error) {
	if o.Chip != APA102 && o.Chip != WS2812 {
		return nil, fmt.Errorf("led: unknown chip %v: want apa102 or ws2812", o.Chip)
	}
	if o.Count < 1 || o.Count > 4096 {
		return nil, fmt.Errorf("led: %d LEDs: want 1..4096", o.Count)
	}
	if o.Gamma < 0.5 || o.Gamma > 4 || o.Gamma != o.Gamma {
		return nil, fmt.Errorf("led: gamma %v: want 0.5..4 (1 = none)", o.Gamma)
	}
	if o.Order == (Order{}) {
		o.Order = o.Chip.DefaultOrder()
	}
	e := &Encoder{chip: o.Chip, count: o.Count, order: o.Order, lv: newLevels(o.Gamma, o.MaxBrightness)}
	switch o.Chip {
	case APA102:
		// Start frame: 32 zero bits. Then 32 bits per LED. Then the end frame:
		// each LED delays the data by half a clock, so n LEDs need n/2 more
		// clock edges to push the last pixel to the end of the strip, which
		// is ceil(n/16) bytes, and at least 32 bits. The end frame is zeros,
		// not the datasheet's ones: zeros clock the data through just as
		// well, SK9822 clones need a zero frame to latch, and ones would turn
		// the first LED past Count (a longer strip than configured) full white.
		end := (o.Count + 15) / 16
		if end < 4 {
			end = 4
		}
		e.frame = make([]byte, 4+4*o.Count+end)
		e.data = e.frame[4 : 4+4*o.Count]
	case WS2812:
		// 24 data bits per LED, 3 SPI bits each, then the latch gap as zeros
		// (MOSI held low).
		e.frame = make([]byte, 9*o.Count+ws2812ResetBytes)
		e.data = e.frame[:9*o.Count]
	}
	return e, nil
}

// Len returns the number of LEDs.
func (e *Encoder) Len() int { return e.count }

// Chip returns the strip's chip.
func (e *Encoder) Chip() Chip { return e.chip }

// FrameSize is the number of bytes one update puts on the wire.
func (e *Encoder) FrameSize() int { return len(e.frame) }

// Encode writes px into the frame and returns it. LEDs past len(px) are
// sent off; pixels past Len are ignored. The returned slice is the encoder's
// own buffer: valid until the next Encode.
func (e *Encoder) Encode(px []RGB) []byte {
	if len(px) > e.count {
		px = px[:e.count]
	}
	switch e.chip {
	case APA102:
		e.encodeAPA102(px)
	case WS2812:
		e.encodeWS2812(px)
	}
	return e.frame
}

// apa102Header is the first byte of an LED frame: 0b111 then the 5-bit global
// brightness, kept at full (31). The brightness cap is applied to the 8-bit
// channels instead because the global brightness is a second PWM at about
// 580 Hz on genuine APA102s, slow enough to band in the table camera's
// exposures; the channel PWM runs near 19 kHz.
const apa102Header = 0xE0 | 0x1F

func (e *Encoder) encodeAPA102(px []RGB) {
	d := e.data
	o := e.order
	for i := range e.count {
		var ch [3]uint8
		if i < len(px) {
			ch = [3]uint8{e.lv[px[i].R], e.lv[px[i].G], e.lv[px[i].B]}
		}
		j := 4 * i
		d[j] = apa102Header
		d[j+1] = ch[o[0]]
		d[j+2] = ch[o[1]]
		d[j+3] = ch[o[2]]
	}
}

func (e *Encoder) encodeWS2812(px []RGB) {
	d := e.data
	o := e.order
	for i := range e.count {
		var ch [3]uint8
		if i < len(px) {
			ch = [3]uint8{e.lv[px[i].R], e.lv[px[i].G], e.lv[px[i].B]}
		}
		j := 9 * i
		for k := 0; k < 3; k++ {
			b := &ws2812Bits[ch[o[k]]]
			d[j+3*k] = b[0]
			d[j+3*k+1] = b[1]
			d[j+3*k+2] = b[2]
		}
	}
}
