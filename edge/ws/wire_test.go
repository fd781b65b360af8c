package ws

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/cuecast/cuecast/edge/hub"
)

func TestFrameHeaderMatchesGobwas(t *testing.T) {
	for _, n := range []int{0, 1, 125, 126, 127, 1000, 0xffff, 0x10000, 300000} {
		p := bytes.Repeat([]byte{'x'}, n)
		want, _ := ws.CompileFrame(ws.NewTextFrame(p))
		if got := compileText(p); !bytes.Equal(got, want) {
			t.Errorf("compileText(%d bytes) header % x, want % x", n, got[:min(len(got), 10)], want[:min(len(want), 10)])
		}
		f := ws.NewTextFrame(p)
		f.Header.Rsv = ws.Rsv(true, false, false)
		want, _ = ws.CompileFrame(f)
		if got := appendFrameHeader(nil, ws.OpText, true, n); !bytes.Equal(got, want[:len(got)]) {
			t.Errorf("RSV1 header for %d bytes: % x, want % x", n, got, want[:len(got)])
		}
	}
}

func TestBinaryHeaderRoundTrip(t *testing.T) {
	h := hub.New(testHubConfig(), nil)
	jpeg := []byte(strings.Repeat("J", 70000)) // a 64-bit length frame
	p, _ := h.PublishBinary(hub.StreamFrame, jpeg)
	head := buildBinaryHead(p)
	frame := append(append([]byte(nil), head...), jpeg...)
	hdr, err := ws.ReadHeader(bytes.NewReader(frame))
	if err != nil || hdr.OpCode != ws.OpBinary || !hdr.Fin || int(hdr.Length) != len(frame)-ws.HeaderSize(hdr) {
		t.Fatalf("ws header %+v, %v", hdr, err)
	}
	bh, err := ParseBinary(frame[ws.HeaderSize(hdr):])
	if err != nil {
		t.Fatal(err)
	}
	if bh.Version != 1 || bh.Stream != hub.StreamFrame || bh.Offset != p.Offset || bh.Epoch != h.Epoch() ||
		bh.TimeUS != p.Time.UnixMicro() || !bytes.Equal(bh.Payload, jpeg) {
		t.Errorf("ParseBinary = %+v", bh)
	}
	if d := time.Since(time.UnixMicro(bh.TimeUS)); d < 0 || d > time.Minute {
		t.Errorf("binary time off by %v", d)
	}
	// Malformed headers are errors, not panics.
	for _, bad := range [][]byte{nil, {1}, append([]byte{2}, make([]byte, 30)...), {1, 7, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}} {
		if _, err := ParseBinary(bad); err == nil {
			t.Errorf("ParseBinary(% x) accepted", bad)
		}
	}
}
