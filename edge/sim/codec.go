package sim

import (
	"bytes"
	"image"
	"image/jpeg"
)

// codec compresses a frame and decodes it again, as a camera streaming
// MJPEG or H.264 does before the frame reaches vision: the picture gets the
// codec's block edges, ringing, lost fine texture and 4:2:0 chroma.
//
// "jpeg" is a real baseline JPEG round trip (image/jpeg, 4:2:0). "h264" is
// H.264-like, not H.264: the same 8x8 transform coding, then a deblocking
// filter in the spirit of H.264's in-loop filter (block-edge steps of a
// few levels are pulled together, real edges kept). There are no motion
// artefacts: every frame is coded on its own.
type codec struct {
	h264    bool
	quality int
	ycc     *image.YCbCr // the frame to encode, 4:2:0
	buf     bytes.Buffer
	// alpha, beta, tc are the deblocking thresholds (h264 only).
	alpha, beta, tc int
}

func newCodec(w, h int, kind string, quality int) *codec {
	c := &codec{h264: kind == "h264", quality: quality, ycc: image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)}
	// Thresholds grow as the quality falls, like H.264's with its
	// quantiser: quality 50 gives alpha 14, beta 5, tc 2.
	q := 100 - quality
	c.alpha, c.beta, c.tc = 2+q/4, 2+q/15, 1+q/40
	return c
}

// roundTrip encodes frame (packed BGR) and replaces it by the decoded
// picture. The decoder allocates its planes (about 1.5 bytes a pixel) per
// frame: image/jpeg has no decode-into-buffer call.
func (c *codec) roundTrip(frame []byte) {
	bgrToYCC420(frame, c.ycc)
	c.buf.Reset()
	if err := jpeg.Encode(&c.buf, c.ycc, &jpeg.Options{Quality: c.quality}); err != nil {
		return // cannot happen for an in-memory RGBA; keep the frame
	}
	img, err := jpeg.Decode(&c.buf)
	if err != nil {
		return
	}
	ycc, ok := img.(*image.YCbCr)
	if !ok {
		return
	}
	if c.h264 {
		w, h := ycc.Rect.Dx(), ycc.Rect.Dy()
		c.deblock(ycc.Y, ycc.YStride, w, h)
		cw, ch := (w+1)/2, (h+1)/2
		c.deblock(ycc.Cb, ycc.CStride, cw, ch)
		c.deblock(ycc.Cr, ycc.CStride, cw, ch)
	}
	ycc420ToBGR(ycc, frame)
}

// bgrToYCC420 converts packed BGR to JFIF YCbCr with 4:2:0 chroma (each
// chroma sample the mean of its 2x2 pixels, as a camera's encoder takes
// it), in fixed point.
func bgrToYCC420(src []byte, m *image.YCbCr) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	for y := 0; y < h; y++ {
		row := src[y*w*3 : (y+1)*w*3]
		yr := m.Y[y*m.YStride:]
		for x := 0; x < w; x++ {
			b, g, r := int32(row[x*3]), int32(row[x*3+1]), int32(row[x*3+2])
			yr[x] = uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 16)
		}
	}
	for cy := 0; cy < (h+1)/2; cy++ {
		for cx := 0; cx < (w+1)/2; cx++ {
			var r, g, b, n int32
			for dy := 0; dy < 2 && 2*cy+dy < h; dy++ {
				for dx := 0; dx < 2 && 2*cx+dx < w; dx++ {
					p := src[((2*cy+dy)*w+2*cx+dx)*3:]
					b, g, r, n = b+int32(p[0]), g+int32(p[1]), r+int32(p[2]), n+1
				}
			}
			r, g, b = r/n, g/n, b/n
			i := cy*m.CStride + cx
			m.Cb[i] = clampByte(int((-11059*r - 21709*g + 32768*b + 257<<15) >> 16))
			m.Cr[i] = clampByte(int((32768*r - 27439*g - 5329*b + 257<<15) >> 16))
		}
	}
}

// deblock filters one plane across every vertical, then every horizontal,
// 8-px block edge: where the step across the edge is small (3 levels up
// to alpha) and both sides are flat (below beta), it is a coding artefact,
// and the two pixels beside the edge are pulled together by at most tc; a
// real edge (a ball's rim) is left alone. This is H.264's normal-strength
// luma filter with fixed thresholds; steps of one or two levels are left,
// as the real broadcast frames measured show them (blockiness 4.3-4.8).
func (c *codec) deblock(p []byte, stride, w, h int) {
	filter := func(i, step int) {
		p1, p0, q0, q1 := int(p[i-2*step]), int(p[i-step]), int(p[i]), int(p[i+step])
		if st := abs(p0 - q0); st < 3 || st >= c.alpha || abs(p1-p0) >= c.beta || abs(q1-q0) >= c.beta {
			return
		}
		d := ((q0-p0)*4 + (p1 - q1) + 4) >> 3
		d = min(max(d, -c.tc), c.tc)
		p[i-step] = clampByte(p0 + d)
		p[i] = clampByte(q0 - d)
	}
	for y := 0; y < h; y++ {
		for x := 8; x+1 < w; x += 8 {
			filter(y*stride+x, 1)
		}
	}
	for y := 8; y+1 < h; y += 8 {
		for x := 0; x < w; x++ {
			filter(y*stride+x, stride)
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func clampByte(v int) byte { return byte(min(max(v, 0), 255)) }

// ycc420ToBGR converts a decoded 4:2:0 picture to packed BGR, upsampling
// the chroma bilinearly (3/4 and 1/4 weights, libjpeg's "fancy"
// upsampling): nearest-neighbour chroma would add 2x2 steps no camera shows.
func ycc420ToBGR(m *image.YCbCr, dst []byte) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	cw, ch := (w+1)/2, (h+1)/2
	for y := 0; y < h; y++ {
		// Chroma rows around this luma row and the weight of the far one.
		cy0 := y / 2
		cy1 := cy0 - 1
		if y%2 == 1 {
			cy1 = cy0 + 1
		}
		cy1 = min(max(cy1, 0), ch-1)
		for x := 0; x < w; x++ {
			cx0 := x / 2
			cx1 := cx0 - 1
			if x%2 == 1 {
				cx1 = cx0 + 1
			}
			cx1 = min(max(cx1, 0), cw-1)
			a, b := cy0*m.CStride, cy1*m.CStride
			// 9/16 near, 3/16 and 3/16 beside, 1/16 diagonal.
			cb := (9*int32(m.Cb[a+cx0]) + 3*int32(m.Cb[a+cx1]) + 3*int32(m.Cb[b+cx0]) + int32(m.Cb[b+cx1]) + 8) >> 4
			cr := (9*int32(m.Cr[a+cx0]) + 3*int32(m.Cr[a+cx1]) + 3*int32(m.Cr[b+cx0]) + int32(m.Cr[b+cx1]) + 8) >> 4
			yy := int32(m.Y[y*m.YStride+x]) * 0x10101
			cb, cr = cb-128, cr-128
			p := dst[(y*w+x)*3:]
			p[2] = clamp16(yy + 91881*cr)
			p[1] = clamp16(yy - 22554*cb - 46802*cr)
			p[0] = clamp16(yy + 116130*cb)
		}
	}
}

func clamp16(v int32) uint8 {
	if uint32(v)&0xff000000 == 0 {
		return uint8(v >> 16)
	}
	if v < 0 {
		return 0
	}
	return 255
}
