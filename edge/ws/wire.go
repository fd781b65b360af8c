package ws

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/gobwas/ws"

	"github.com/cuecast/cuecast/edge/hub"
)

// Frames are built once per publication and shared by every connection
// through hub.Publication.Cached: a server frame is never masked, so the
// bytes are the same for every client.

// appendFrameHeader appends the header of an unmasked, final server frame
// (RFC 6455 5.2). It is what ws.CompileFrame writes, without CompileFrame's
// three allocations per frame (TestFrameHeaderMatchesGobwas checks the bytes).
func appendFrameHeader(b []byte, op ws.OpCode, rsv1 bool, n int) []byte {
	first := 0x80 | byte(op)
	if rsv1 {
		first |= 0x40
	}
	b = append(b, first)
	switch {
	case n <= 125:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		return binary.BigEndian.AppendUint64(b, uint64(n))
	}
}

// compileText returns a complete unmasked text frame holding payload, in
// one allocation.
func compileText(payload []byte) []byte {
	b := make([]byte, 0, ws.MaxHeaderSize+len(payload))
	b = appendFrameHeader(b, ws.OpText, false, len(payload))
	return append(b, payload...)
}

func buildText(p *hub.Publication) []byte { return compileText(p.JSON()) }

// deflateBuilder builds compressed text frames at one level.
type deflateBuilder struct {
	level   int
	buildFn func(*hub.Publication) []byte // d.build, bound once: a method value allocates
	pool    sync.Pool                     // *flate.Writer: 600 KB of state each, never allocate per message
}

func newDeflateBuilder(level int) *deflateBuilder {
	d := &deflateBuilder{level: level}
	d.buildFn = d.build
	return d
}

// deflateTail is what a sync flush appends; RFC 7692 7.2.1 says to drop it.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff}

// compress returns the permessage-deflate payload of p (no context
// takeover: every message is compressed on its own).
func (d *deflateBuilder) compress(p []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(p)/2 + 16)
	fw, _ := d.pool.Get().(*flate.Writer)
	if fw == nil {
		fw, _ = flate.NewWriter(&buf, d.level) // level validated by config
	} else {
		fw.Reset(&buf)
	}
	fw.Write(p) // bytes.Buffer writes do not fail
	fw.Flush()
	d.pool.Put(fw)
	return bytes.TrimSuffix(buf.Bytes(), deflateTail)
}

func (d *deflateBuilder) build(p *hub.Publication) []byte {
	payload := d.compress(p.JSON())
	b := make([]byte, 0, ws.MaxHeaderSize+len(payload))
	b = appendFrameHeader(b, ws.OpText, true, len(payload))
	return append(b, payload...)
}

// Binary frame header (docs/protocol.md, "Binary frames").
const (
	binVersion   = 1
	binFixedSize = 21 // version, stream, H, offset, time, epoch length
)

// streamCode is a stream's code in the binary header: its position in
// hub.Streams, plus one.
func streamCode(s hub.Stream) byte {
	for i, x := range hub.Streams {
		if x == s {
			return byte(i + 1)
		}
	}
	return 0
}

// appendBinaryHeader appends the cuecast binary header of p.
func appendBinaryHeader(b []byte, p *hub.Publication) []byte {
	h := binFixedSize + len(p.Epoch)
	b = append(b, binVersion, streamCode(p.Stream))
	b = binary.BigEndian.AppendUint16(b, uint16(h))
	b = binary.BigEndian.AppendUint64(b, p.Offset)
	b = binary.BigEndian.AppendUint64(b, uint64(p.Time.UnixMicro()))
	b = append(b, byte(len(p.Epoch)))
	return append(b, p.Epoch...)
}

// buildBinaryHead returns the WebSocket frame header and the cuecast binary
// header of p; the JPEG follows as its own buffer in the vectored write, so
// the payload is never copied.
func buildBinaryHead(p *hub.Publication) []byte {
	n := binFixedSize + len(p.Epoch) + len(p.Binary)
	b := make([]byte, 0, ws.MaxHeaderSize+binFixedSize+len(p.Epoch))
	b = appendFrameHeader(b, ws.OpBinary, false, n)
	return appendBinaryHeader(b, p)
}

// BinaryHeader is a decoded cuecast binary frame header.
type BinaryHeader struct {
	Version byte
	Stream  hub.Stream
	Offset  uint64
	TimeUS  int64 // Unix microseconds
	Epoch   string
	Payload []byte // aliases the message
}

// ParseBinary decodes a binary message (for clients and tests).
func ParseBinary(m []byte) (BinaryHeader, error) {
	var h BinaryHeader
	if len(m) < binFixedSize {
		return h, fmt.Errorf("ws: binary message of %d bytes is shorter than the %d-byte header", len(m), binFixedSize)
	}
	h.Version = m[0]
	if h.Version != binVersion {
		return h, fmt.Errorf("ws: binary header version %d, want %d", h.Version, binVersion)
	}
	if c := int(m[1]); c >= 1 && c <= len(hub.Streams) {
		h.Stream = hub.Streams[c-1]
	}
	hl := int(binary.BigEndian.Uint16(m[2:4]))
	el := int(m[20])
	if hl < binFixedSize+el || hl > len(m) {
		return h, fmt.Errorf("ws: binary header length %d is inconsistent (epoch %d bytes, message %d)", hl, el, len(m))
	}
	h.Offset = binary.BigEndian.Uint64(m[4:12])
	h.TimeUS = int64(binary.BigEndian.Uint64(m[12:20]))
	h.Epoch = string(m[21 : 21+el])
	h.Payload = m[hl:]
	return h, nil
}

// inflate decompresses a permessage-deflate payload, failing with
// errTooBig once the result exceeds limit bytes (a small compressed message
// may expand enormously).
func inflate(p []byte, limit int) ([]byte, error) {
	src := io.MultiReader(bytes.NewReader(p), bytes.NewReader(deflateTail))
	fr, _ := inflaters.Get().(io.ReadCloser)
	if fr == nil {
		fr = flate.NewReader(src)
	} else {
		fr.(flate.Resetter).Reset(src, nil)
	}
	defer inflaters.Put(fr)
	var out bytes.Buffer
	n, err := out.ReadFrom(io.LimitReader(fr, int64(limit)+1))
	if n > int64(limit) {
		return nil, errTooBig
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("ws: inflate: %w", err)
	}
	return out.Bytes(), nil
}

// inflaters pools flate readers (about 40 KiB of state each).
var inflaters sync.Pool

var errTooBig = errors.New("ws: message exceeds max_message_bytes")
