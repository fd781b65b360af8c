package sim

import (
	"encoding/binary"
	"math/rand/v2"
)

// noise is sensor noise: a precomputed pattern of per-byte offsets in
// 0..2A (roughly Gaussian around A), longer than a frame, added at a random
// shift each frame. The background and everything drawn on it are clamped to
// 255-2A, so adding the pattern can never carry from one byte into the next
// and the add runs eight bytes at a time as uint64s.
type noise struct {
	amp     int // A
	pattern []byte
	rng     *rand.Rand
}

// newNoise builds the pattern for frames of n bytes; sigma is the standard
// deviation in 8-bit levels (0 disables noise).
func newNoise(n int, sigma float64, rng *rand.Rand) *noise {
	if sigma <= 0 {
		return &noise{}
	}
	// The sum of three uniforms on [-a, a] has sigma a; use A = 3 sigma
	// (rounded) so the tails are clipped only beyond 3 sigma.
	a := int(sigma*3 + 0.5)
	if a > 40 {
		a = 40
	}
	p := make([]byte, n+64*1024)
	for i := range p {
		s := (rng.Float64() + rng.Float64() + rng.Float64() - 1.5) * 2 * sigma
		v := int(s+0.5) + a
		p[i] = byte(min(max(v, 0), 2*a))
	}
	return &noise{amp: a, pattern: p, rng: rng}
}

// maxV is the largest byte value the renderer may write before noise.
func (nz *noise) maxV() uint8 { return uint8(255 - 2*nz.amp) }

// apply adds the pattern to frame at a fresh random shift.
func (nz *noise) apply(frame []byte) {
	if nz.amp == 0 {
		return
	}
	off := nz.rng.IntN(len(nz.pattern) - len(frame) + 1)
	src := nz.pattern[off : off+len(frame)]
	i := 0
	for ; i+8 <= len(frame); i += 8 {
		binary.LittleEndian.PutUint64(frame[i:], binary.LittleEndian.Uint64(frame[i:])+binary.LittleEndian.Uint64(src[i:]))
	}
	for ; i < len(frame); i++ {
		frame[i] += src[i]
	}
}
