package ws

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
)

// TestGarbageFrames: after the handshake, random bytes and malformed frames
// end the connection with a protocol error (or leave it usable), never a
// panic or a stuck goroutine; other clients are unaffected.
func TestGarbageFrames(t *testing.T) {
	env := newEnv(t, 0)
	witness, _ := env.connect(t, dialOpts{})
	r := rand.New(rand.NewPCG(1, 2))
	mask := [4]byte{1, 2, 3, 4}
	frame := func(first, second byte, payload []byte) []byte {
		return append([]byte{first, second | 0x80, mask[0], mask[1], mask[2], mask[3]}, payload...)
	}
	cases := map[string][]byte{
		"unmasked":             {0x81, 0x02, 'h', 'i'},
		"reserved opcode":      frame(0x83, 0, nil),
		"rsv without ext":      frame(0xc1, 0, nil),
		"continuation first":   frame(0x80, 0, nil),
		"fragmented ping":      frame(0x09, 0, nil),
		"long control":         frame(0x89, 126, []byte{0, 200}),
		"bad close code":       frame(0x88, 2, []byte{0x03 ^ 1, 0xe7 ^ 2}), // 999 masked
		"text then text frag":  append(frame(0x01, 1, []byte{'a' ^ 1}), frame(0x01, 1, []byte{'b' ^ 1})...),
		"64-bit length, MSB 1": {0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4},
	}
	for i := 0; i < 20; i++ {
		b := make([]byte, 1+r.IntN(64))
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		cases["random"+strings.Repeat("+", i)] = b
	}
	for name, b := range cases {
		c, _ := env.connect(t, dialOpts{})
		c.nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
		c.nc.Write(b)
		// Either the server closes (close frame or EOF) or, for bytes that
		// happen to form an incomplete frame, the idle timeout would; we
		// only require no panic and a prompt close for the named cases.
		wait := 20 * time.Second
		if strings.HasPrefix(name, "random") {
			wait = 200 * time.Millisecond
		}
		_, err := c.read(wait)
		var ce closeError
		if !strings.HasPrefix(name, "random") && !(asClose(err, &ce) && ce.Code == ws.StatusProtocolError) {
			t.Errorf("%s: got %v, want close 1002", name, err)
		}
		c.nc.Close()
	}
	witness.send(`{"type":"ping"}`)
	if m := witness.next(); m.Type != TypePong {
		t.Errorf("witness got %s", m.Raw)
	}
	waitFor(t, func() bool { return len(env.s.Connections()) == 1 })
}

func asClose(err error, ce *closeError) bool {
	if e, ok := err.(closeError); ok {
		*ce = e
		return true
	}
	return false
}

var _ = bytes.Equal
