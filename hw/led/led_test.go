package led

import (
	"bytes"
	"strings"
	"testing"

	"periph.io/x/conn/v3"
	"periph.io/x/conn/v3/conntest"
	"periph.io/x/conn/v3/physic"
	"periph.io/x/conn/v3/spi"
	"periph.io/x/conn/v3/spi/spitest"
)

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
func zeros(n int) []byte         { return make([]byte, n) }

// ws is the datasheet encoding of one data byte written out by hand: each bit
// is three SPI bits, 1 -> 110, 0 -> 100.
var (
	ws00 = []byte{0x92, 0x49, 0x24} // 100 100 100 100 100 100 100 100
	wsFF = []byte{0xDB, 0x6D, 0xB6} // 110 110 110 110 110 110 110 110
	wsA5 = []byte{0xD3, 0x49, 0xA6} // 10100101 -> 110 100 110 100 100 110 100 110
	ws80 = []byte{0xD2, 0x49, 0x24} // 10000000 -> 110 100 100 100 100 100 100 100
)

// Golden frames: the exact bytes on the wire for known colours, recorded by
// periph's spitest recorder.
func TestGoldenFrames(t *testing.T) {
	cases := []struct {
		name string
		o    Options
		px   []RGB
		want []byte
	}{
		{
			name: "apa102 rgb primaries bgr order",
			o:    Options{Chip: APA102, Count: 3, MaxBrightness: 255, Gamma: 1},
			px:   []RGB{Red, Green, Blue},
			want: cat(zeros(4),
				[]byte{0xFF, 0x00, 0x00, 0xFF}, // red: header, B, G, R
				[]byte{0xFF, 0x00, 0xFF, 0x00},
				[]byte{0xFF, 0xFF, 0x00, 0x00},
				zeros(4)), // end frame: max(4, ceil(3/16)) zero bytes
		},
		{
			name: "apa102 rgb order and short pixel slice",
			o:    Options{Chip: APA102, Count: 2, Order: OrderRGB, MaxBrightness: 255, Gamma: 1},
			px:   []RGB{{0x12, 0x34, 0x56}},
			want: cat(zeros(4), []byte{0xFF, 0x12, 0x34, 0x56}, []byte{0xFF, 0, 0, 0}, zeros(4)),
		},
		{
			name: "apa102 brightness cap 128",
			o:    Options{Chip: APA102, Count: 1, MaxBrightness: 128, Gamma: 1},
			px:   []RGB{{255, 100, 0}}, // 255*128/255 = 128, 100*128/255 = 50.2 -> 50
			want: cat(zeros(4), []byte{0xFF, 0, 50, 128}, zeros(4)),
		},
		{
			name: "apa102 gamma 2.2",
			o:    Options{Chip: APA102, Count: 1, MaxBrightness: 255, Gamma: 2.2},
			px:   []RGB{{128, 255, 1}}, // (128/255)^2.2*255 = 55.98 -> 56; 1 -> 0.0014 -> 0
			want: cat(zeros(4), []byte{0xFF, 0, 255, 56}, zeros(4)),
		},
		{
			name: "ws2812 grb",
			o:    Options{Chip: WS2812, Count: 2, MaxBrightness: 255, Gamma: 1},
			px:   []RGB{{0xFF, 0x00, 0xA5}, {0, 0, 0}},
			want: cat(ws00, wsFF, wsA5, ws00, ws00, ws00, zeros(94)), // G, R, B; 94 zero bytes = 300.8 us at 2.5 MHz
		},
		{
			name: "ws2812 cap and gamma",
			o:    Options{Chip: WS2812, Count: 1, MaxBrightness: 128, Gamma: 2.2},
			// 255 at any gamma is 1.0, times the cap 128 = 0x80.
			px:   []RGB{{255, 0, 0}},
			want: cat(ws00, ws80, ws00, zeros(94)),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &spitest.Record{}
			s, err := New(rec, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Write(tc.px); err != nil {
				t.Fatal(err)
			}
			if len(rec.Ops) != 1 {
				t.Fatalf("%d transfers, want 1", len(rec.Ops))
			}
			if got := rec.Ops[0].W; !bytes.Equal(got, tc.want) {
				t.Fatalf("wire =\n% x\nwant\n% x", got, tc.want)
			}
		})
	}
}

func TestGammaAndCapTogether(t *testing.T) {
	// One mid value through gamma and cap, worked by hand:
	// 200 at gamma 2.2 -> (200/255)^2.2 = 0.5862, times cap 100 = 58.6 -> 59 = 0b00111011.
	e, err := NewEncoder(Options{Chip: APA102, Count: 1, MaxBrightness: 100, Gamma: 2.2})
	if err != nil {
		t.Fatal(err)
	}
	f := e.Encode([]RGB{{200, 0, 0}})
	if f[4+3] != 59 {
		t.Fatalf("red 200 gamma 2.2 cap 100 = %d, want 59", f[7])
	}
	e, _ = NewEncoder(Options{Chip: WS2812, Count: 1, MaxBrightness: 100, Gamma: 2.2})
	f = e.Encode([]RGB{{0, 200, 0}}) // green first on the wire
	// 59 = 00111011 -> 100 100 110 110 110 100 110 110 = 10010011 01101101 00110110
	if want := []byte{0x93, 0x6D, 0x36}; !bytes.Equal(f[:3], want) {
		t.Fatalf("ws2812 green 200 = % x, want % x", f[:3], want)
	}
}

// TestPlaybackRejectsUnexpected replays an expected conversation: a write that
// differs from the recording fails, and Close reports writes that never came.
func TestPlayback(t *testing.T) {
	o := Options{Chip: APA102, Count: 1, MaxBrightness: 255, Gamma: 1}
	want := cat(zeros(4), []byte{0xFF, 0, 0, 0xFF}, zeros(4))
	p := &spitest.Playback{Playback: conntest.Playback{Ops: []conntest.IO{{W: want}, {W: cat(zeros(4), []byte{0xFF, 0, 0, 0}, zeros(4))}}, DontPanic: true}}
	s, err := New(p, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write([]RGB{Red}); err != nil {
		t.Fatalf("first write: %v", err)
	}
	if err := p.Close(); err == nil {
		t.Fatal("Close with one expected write outstanding = nil, want error")
	}
	if err := s.Write([]RGB{Blue}); err == nil || !strings.Contains(err.Error(), "unexpected write") {
		t.Fatalf("write of blue where off was expected = %v, want unexpected write", err)
	}
	if err := s.Off(); err != nil {
		t.Fatalf("Off: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close after all writes: %v", err)
	}
}

func TestEndFrameSizedToStrip(t *testing.T) {
	for _, tc := range []struct{ n, end int }{{1, 4}, {64, 4}, {65, 5}, {100, 7}, {300, 19}} {
		e, err := NewEncoder(Options{Chip: APA102, Count: tc.n, MaxBrightness: 255, Gamma: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.FrameSize() - 4 - 4*tc.n; got != tc.end {
			t.Errorf("apa102 %d LEDs: end frame %d bytes, want %d (>= n/2 clock edges)", tc.n, got, tc.end)
		}
		f := e.Encode(nil)
		for i, b := range f[4+4*tc.n:] {
			if b != 0 {
				t.Fatalf("end frame byte %d = %#x, want 0", i, b)
			}
		}
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, o := range []Options{
		{Chip: 0, Count: 1, Gamma: 1},
		{Chip: APA102, Count: 0, Gamma: 1},
		{Chip: WS2812, Count: 5000, Gamma: 1},
		{Chip: WS2812, Count: 1, Gamma: 0},
	} {
		if _, err := NewEncoder(o); err == nil {
			t.Errorf("NewEncoder(%+v) = nil error", o)
		}
	}
	for _, s := range []string{"", "rg", "rgx", "rrb", "rgbr"} {
		if _, err := ParseOrder(s); err == nil {
			t.Errorf("ParseOrder(%q) = nil error", s)
		}
	}
	if o, err := ParseOrder("GRB"); err != nil || o != OrderGRB || o.String() != "grb" {
		t.Errorf("ParseOrder(GRB) = %v, %v", o, err)
	}
}

// limitedPort is an SPI port whose connection accepts at most max bytes per
// transfer, like spidev with its bufsiz, and records the transfers.
type limitedPort struct {
	max int
	got [][]byte
}

func (p *limitedPort) String() string { return "limited" }
func (p *limitedPort) Connect(f physic.Frequency, m spi.Mode, bits int) (spi.Conn, error) {
	return &limitedConn{p}, nil
}

type limitedConn struct{ p *limitedPort }

func (c *limitedConn) String() string               { return "limited" }
func (c *limitedConn) Duplex() conn.Duplex          { return conn.Half }
func (c *limitedConn) MaxTxSize() int               { return c.p.max }
func (c *limitedConn) TxPackets([]spi.Packet) error { return nil }
func (c *limitedConn) Tx(w, r []byte) error {
	if len(w) > c.p.max {
		return conntest.Errorf("transfer of %d > %d", len(w), c.p.max)
	}
	c.p.got = append(c.p.got, append([]byte(nil), w...))
	return nil
}

func TestTransferLimit(t *testing.T) {
	// WS2812 cannot be split: a pause between transfers would latch half a frame.
	_, err := New(&limitedPort{max: 4096}, Options{Chip: WS2812, Count: 500, Gamma: 1})
	if err == nil || !strings.Contains(err.Error(), "spidev.bufsiz") {
		t.Fatalf("ws2812 500 LEDs on a 4096-byte port = %v, want bufsiz hint", err)
	}
	// APA102 is clocked: the frame goes out in pieces, byte-identical.
	p := &limitedPort{max: 64}
	s, err := New(p, Options{Chip: APA102, Count: 40, MaxBrightness: 255, Gamma: 1})
	if err != nil {
		t.Fatal(err)
	}
	px := make([]RGB, 40)
	for i := range px {
		px[i] = RGB{uint8(i), 0, 0}
	}
	if err := s.Write(px); err != nil {
		t.Fatal(err)
	}
	e, _ := NewEncoder(Options{Chip: APA102, Count: 40, MaxBrightness: 255, Gamma: 1})
	if got, want := bytes.Join(p.got, nil), e.Encode(px); !bytes.Equal(got, want) || len(p.got) != 3 {
		t.Fatalf("chunked write: %d transfers, bytes equal %v", len(p.got), bytes.Equal(got, want))
	}
}

// discardPort accepts everything and allocates nothing.
type discardPort struct{ n int }

func (p *discardPort) String() string { return "discard" }
func (p *discardPort) Connect(physic.Frequency, spi.Mode, int) (spi.Conn, error) {
	return (*discardConn)(p), nil
}

type discardConn discardPort

func (c *discardConn) String() string               { return "discard" }
func (c *discardConn) Duplex() conn.Duplex          { return conn.Half }
func (c *discardConn) TxPackets([]spi.Packet) error { return nil }
func (c *discardConn) Tx(w, r []byte) error         { c.n += len(w); return nil }

func TestWriteAllocatesNothing(t *testing.T) {
	for _, chip := range []Chip{APA102, WS2812} {
		s, err := New(&discardPort{}, Options{Chip: chip, Count: 300, MaxBrightness: 200, Gamma: 2.2})
		if err != nil {
			t.Fatal(err)
		}
		px := make([]RGB, 300)
		for i := range px {
			px[i] = RGB{uint8(i), uint8(2 * i), uint8(3 * i)}
		}
		if n := testing.AllocsPerRun(100, func() { _ = s.Write(px) }); n != 0 {
			t.Errorf("%v Write: %v allocs per run, want 0", chip, n)
		}
	}
}

func BenchmarkWrite300(b *testing.B) {
	for _, chip := range []Chip{APA102, WS2812} {
		b.Run(chip.String(), func(b *testing.B) {
			s, _ := New(&discardPort{}, Options{Chip: chip, Count: 300, MaxBrightness: 200, Gamma: 2.2})
			px := make([]RGB, 300)
			for i := range px {
				px[i] = RGB{uint8(i), uint8(2 * i), uint8(3 * i)}
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = s.Write(px)
			}
		})
	}
}
