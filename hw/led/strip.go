package led

import (
	"fmt"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
)

// Strip is an Encoder bound to an SPI connection.
type Strip struct {
	enc   *Encoder
	c     spi.Conn
	name  string
	chunk int // APA102 writes in pieces of at most this (the port's transfer limit); 0 = whole frame
}

// New connects to port and returns a strip. The caller keeps ownership of
// port (and closes it after the strip is done).
//
// A WS2812 frame must go out in one transfer: a pause between two transfers
// longer than the latch gap would latch half a frame. If the port's transfer
// limit is smaller than the frame, New fails naming the fix (spidev's bufsiz).
// APA102 is clocked, so its frame is split at the limit instead.
func New(port spi.Port, o Options) (*Strip, error) {
	enc, err := NewEncoder(o)
	if err != nil {
		return nil, err
	}
	f := physic.Frequency(o.SpeedHz) * physic.Hertz
	if o.Chip == WS2812 {
		f = WS2812SpeedHz * physic.Hertz
	} else if o.SpeedHz == 0 {
		f = APA102DefaultSpeedHz * physic.Hertz
	}
	// Mode 0, 8-bit words, MSB first: both chips sample data on the rising
	// clock edge (WS2812 ignores the clock entirely and sees only MOSI).
	c, err := port.Connect(f, spi.Mode0, 8)
	if err != nil {
		return nil, fmt.Errorf("led: connect %s at %s: %w", port, f, err)
	}
	s := &Strip{enc: enc, c: c, name: port.String()}
	if l, ok := c.(conn.Limits); ok && l.MaxTxSize() > 0 && l.MaxTxSize() < enc.FrameSize() {
		if o.Chip == WS2812 {
			return nil, fmt.Errorf("led: %s: a %d-LED ws2812 frame is %d bytes but the port sends at most %d at once: raise spidev.bufsiz (kernel command line spidev.bufsiz=%d) or shorten the strip",
				s.name, o.Count, enc.FrameSize(), l.MaxTxSize(), nextPow2(enc.FrameSize()))
		}
		s.chunk = l.MaxTxSize()
	}
	return s, nil
}

func nextPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// Len returns the number of LEDs.
func (s *Strip) Len() int { return s.enc.Len() }

// String names the strip for logs.
func (s *Strip) String() string { return s.enc.Chip().String() + " on " + s.name }

// Write encodes px and sends it. It allocates nothing.
func (s *Strip) Write(px []RGB) error {
	return s.send(s.enc.Encode(px))
}

// Off turns every LED off.
func (s *Strip) Off() error { return s.Write(nil) }

func (s *Strip) send(frame []byte) error {
	if s.chunk == 0 {
		if err := s.c.Tx(frame, nil); err != nil {
			return fmt.Errorf("led: write %s: %w", s.name, err)
		}
		return nil
	}
	for len(frame) > 0 {
		n := min(s.chunk, len(frame))
		if err := s.c.Tx(frame[:n], nil); err != nil {
			return fmt.Errorf("led: write %s: %w", s.name, err)
		}
		frame = frame[n:]
	}
	return nil
}
