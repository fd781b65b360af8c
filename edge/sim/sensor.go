package sim

import (
	"encoding/binary"
	"math"
)

// sensor is what the simulated camera does to a drawn frame (Look's camera
// fields), in the order a camera does it: lens blur, then vignetting,
// exposure and white balance, the response curve, saturation, sharpening,
// and last the codec. Sensor noise is added before it (Sim.draw), so the
// blur correlates it as a demosaic does and the gain amplifies it.
//
// Every stage works on the packed BGR frame in place, with integer
// arithmetic; the blur averages eight bytes at a time. A sensor belongs to
// the Sim's reading goroutine.
type sensor struct {
	w, h       int
	blurPasses int
	blurFrac   int32    // a last, partial pass: its weight * 256 (0: none)
	gain       []uint16 // per pixel, 65535 = 1 (nil: no vignetting)
	lut        [3][256]uint8
	lutOn      bool
	sat        int32  // saturation * 256 (256: unchanged)
	sharpen    int32  // unsharp amount * 256 (0: none)
	tmp, tmp2  []byte // scratch frames (tmp2 only for sharpening and a partial blur)
	codec      *codec
}

func newSensor(w, h int, l *Look) *sensor {
	s := &sensor{w: w, h: h, sat: 256, tmp: make([]byte, w*h*3)}
	// A binomial [1 2 1] pass (across then down) adds a variance of 1/2
	// px^2, so n passes make sigma sqrt(n/2); what is left over is a pass
	// blended in at that share of its weight (variance a/2).
	if v := 2 * l.Blur * l.Blur; v > 0 {
		s.blurPasses = int(v)
		s.blurFrac = int32(math.Round(256 * (v - float64(s.blurPasses))))
	}
	if v := l.Vignette; v > 0 && v < 1 {
		// cos^4-like falloff, 1/(1 + k r^2)^2 with r = 1 at the corners.
		k := 1/math.Sqrt(v) - 1
		s.gain = make([]uint16, w*h)
		cx, cy := float64(w)/2, float64(h)/2
		rc2 := cx*cx + cy*cy
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
				q := 1 + k*(dx*dx+dy*dy)/rc2
				s.gain[y*w+x] = uint16(65535 / (q * q))
			}
		}
	}
	exp := l.Exposure
	if exp == 0 {
		exp = 1
	}
	wb := [3]float64{1, 1, 1} // B, G, R
	if l.WhiteBalanceK != 0 {
		wb = whiteBalanceGains(l.WhiteBalanceK)
	}
	s.lutOn = exp != 1 || l.Contrast != 0 || wb != [3]float64{1, 1, 1}
	for c := 0; c < 3; c++ {
		for i := 0; i < 256; i++ {
			x := math.Min(float64(i)/255*exp*wb[c], 1)
			// S-curve: a blend towards smoothstep, which is steeper in the
			// middle and flat at both ends (crushed shadows, soft shoulder).
			y := (1-l.Contrast)*x + l.Contrast*x*x*(3-2*x)
			s.lut[c][i] = uint8(math.Round(255 * y))
		}
	}
	if l.Saturation != 0 {
		s.sat = int32(math.Round(256 * l.Saturation))
	}
	s.sharpen = int32(math.Round(256 * l.Sharpen))
	if s.sharpen != 0 || s.blurFrac != 0 {
		s.tmp2 = make([]byte, w*h*3)
	}
	if l.Codec != "" {
		s.codec = newCodec(w, h, l.Codec, l.Quality)
	}
	return s
}

// whiteBalanceGains returns B, G, R gains that give a neutral grey the
// colour of a black body at k kelvin relative to one at 6500 K, at the same
// luma: the cast a camera leaves when its white balance misses.
func whiteBalanceGains(k float64) [3]float64 {
	r, g, b := kelvinRGB(k)
	r0, g0, b0 := kelvinRGB(6500)
	gr, gg, gb := r/r0, g/g0, b/b0
	l := 0.299*gr + 0.587*gg + 0.114*gb
	return [3]float64{gb / l, gg / l, gr / l}
}

// kelvinRGB is the colour of a black body at k kelvin (1000..40000), by a
// common curve fit to the CIE data, components 0..255.
func kelvinRGB(k float64) (r, g, b float64) {
	t := k / 100
	if t <= 66 {
		r = 255
		g = 99.4708025861*math.Log(t) - 161.1195681661
	} else {
		r = 329.698727446 * math.Pow(t-60, -0.1332047592)
		g = 288.1221695283 * math.Pow(t-60, -0.0755148492)
	}
	switch {
	case t >= 66:
		b = 255
	case t <= 19:
		b = 0
	default:
		b = 138.5177312231*math.Log(t-10) - 305.0447927307
	}
	c := func(v float64) float64 { return math.Min(math.Max(v, 1), 255) }
	return c(r), c(g), c(b)
}

// apply runs the camera's stages over frame (packed BGR, w x h).
func (s *sensor) apply(frame []byte) {
	for i := 0; i < s.blurPasses; i++ {
		blur121(frame, s.tmp, s.w, s.h)
	}
	if s.blurFrac != 0 {
		copy(s.tmp2, frame)
		blur121(s.tmp2, s.tmp, s.w, s.h)
		for i, b := range frame {
			frame[i] = uint8(int32(b) + ((int32(s.tmp2[i])-int32(b))*s.blurFrac+128)>>8)
		}
	}
	if s.gain != nil || s.lutOn || s.sat != 256 {
		s.tone(frame)
	}
	if s.sharpen != 0 {
		copy(s.tmp2, frame)
		blur121(s.tmp2, s.tmp, s.w, s.h)
		for i, b := range frame {
			v := int32(b) + (int32(b)-int32(s.tmp2[i]))*s.sharpen>>8
			frame[i] = uint8(min(max(v, 0), 255))
		}
	}
	if s.codec != nil {
		s.codec.roundTrip(frame)
	}
}

// tone applies vignetting, exposure, white balance, the curve and
// saturation, pixel by pixel.
func (s *sensor) tone(frame []byte) {
	lb, lg, lr := &s.lut[0], &s.lut[1], &s.lut[2]
	for i, n := 0, s.w*s.h; i < n; i++ {
		p := frame[i*3 : i*3+3 : i*3+3]
		b, g, r := uint32(p[0]), uint32(p[1]), uint32(p[2])
		if s.gain != nil {
			k := uint32(s.gain[i])
			b, g, r = b*k>>16, g*k>>16, r*k>>16
		}
		b, g, r = uint32(lb[b]), uint32(lg[g]), uint32(lr[r])
		if s.sat != 256 {
			y := int32(29*b+150*g+77*r) >> 8
			sb := y + (int32(b)-y)*s.sat>>8
			sg := y + (int32(g)-y)*s.sat>>8
			sr := y + (int32(r)-y)*s.sat>>8
			p[0], p[1], p[2] = uint8(min(max(sb, 0), 255)), uint8(min(max(sg, 0), 255)), uint8(min(max(sr, 0), 255))
			continue
		}
		p[0], p[1], p[2] = uint8(b), uint8(g), uint8(r)
	}
}

const (
	lowBits  = 0x0101010101010101
	highMask = 0xfefefefefefefefe
)

// avgFloor and avgCeil average eight byte lanes at once without carries
// between them: (a+b)/2 rounded down or up.
func avgFloor(a, b uint64) uint64 { return (a & b) + ((a^b)&highMask)>>1 }
func avgCeil(a, b uint64) uint64  { return (a | b) - ((a^b)&highMask)>>1 }

// avg3 is (a + 2b + c)/4 per byte lane; rounding up then down keeps the
// mean error under a quarter level.
func avg3(a, b, c uint64) uint64 { return avgFloor(avgCeil(a, c), b) }

// blur121 blurs frame (packed BGR) with [1 2 1] across and then down,
// using tmp (same size) as scratch. Edges repeat their outermost pixel.
func blur121(frame, tmp []byte, w, h int) {
	stride := w * 3
	le := binary.LittleEndian
	for y := 0; y < h; y++ {
		src := frame[y*stride : (y+1)*stride]
		dst := tmp[y*stride : (y+1)*stride]
		// Bytes 3..stride-4 have both neighbours (3 bytes apart) in the row.
		i := 3
		for ; i+8 <= stride-3; i += 8 {
			le.PutUint64(dst[i:], avg3(le.Uint64(src[i-3:]), le.Uint64(src[i:]), le.Uint64(src[i+3:])))
		}
		for ; i < stride-3; i++ {
			dst[i] = uint8((int(src[i-3]) + 2*int(src[i]) + int(src[i+3]) + 2) >> 2)
		}
		for c := 0; c < 3 && c < stride; c++ {
			dst[c] = uint8((3*int(src[c]) + int(src[min(c+3, stride-1)]) + 2) >> 2)
			j := stride - 3 + c
			if j >= 3 {
				dst[j] = uint8((3*int(src[j]) + int(src[j-3]) + 2) >> 2)
			}
		}
	}
	for y := 0; y < h; y++ {
		up := tmp[max(y-1, 0)*stride:]
		mid := tmp[y*stride:]
		dn := tmp[min(y+1, h-1)*stride:]
		dst := frame[y*stride : (y+1)*stride]
		i := 0
		for ; i+8 <= stride; i += 8 {
			le.PutUint64(dst[i:], avg3(le.Uint64(up[i:]), le.Uint64(mid[i:]), le.Uint64(dn[i:])))
		}
		for ; i < stride; i++ {
			dst[i] = uint8((int(up[i]) + 2*int(mid[i]) + int(dn[i]) + 2) >> 2)
		}
	}
}
