package labels

import (
	"fmt"

	"github.com/cuecast/cuecast/edge/model"
)

// Shrunk is the labels of f for the frame shrunk k times in each direction
// by averaging k x k pixel blocks (ShrinkFrame): the same balls and table
// at 1/k of the size. It is how the real set, whose balls are all at least
// 10 px in radius, also measures balls below 10 px (a wider camera, a
// smaller sensor) without labelling new pictures. Pixel j of the shrunk
// frame covers pixels kj..kj+k-1, whose centre is at kj + (k-1)/2 in the
// labels' convention (pixel centres at integers).
func (f *Frame) Shrunk(k int) Frame {
	if k <= 1 {
		return *f
	}
	s := float64(k)
	pt := func(p model.Pixel) model.Pixel {
		return model.Pixel{X: (p.X - (s-1)/2) / s, Y: (p.Y - (s-1)/2) / s}
	}
	g := *f
	g.Width, g.Height = f.Width/k, f.Height/k
	g.Balls = make([]Ball, len(f.Balls))
	for i, b := range f.Balls {
		c := pt(model.Pixel{X: b.X, Y: b.Y})
		b.X, b.Y, b.R = c.X, c.Y, b.R/s
		g.Balls[i] = b
	}
	if f.Table != nil {
		t := Table{Pockets: make([]model.Pixel, len(f.Table.Pockets))}
		for i, c := range f.Table.Corners {
			t.Corners[i] = pt(c)
		}
		for i, p := range f.Table.Pockets {
			t.Pockets[i] = pt(p)
		}
		g.Table = &t
	}
	return g
}

// ShrinkFrame writes src shrunk k times (k x k blocks averaged, rounded;
// a partial block at the right or bottom edge is dropped) into dst,
// reusing dst.Pix when it is large enough. Pixels are packed BGR.
func ShrinkFrame(dst, src *model.Frame, k int) error {
	if k < 1 {
		return fmt.Errorf("labels: shrink factor %d: want 1 or more", k)
	}
	w, h := src.Width/k, src.Height/k
	if w == 0 || h == 0 {
		return fmt.Errorf("labels: a %dx%d frame shrunk %d times is empty", src.Width, src.Height, k)
	}
	if len(src.Pix) < src.Width*src.Height*3 {
		return fmt.Errorf("labels: frame has %d bytes for %dx%d BGR", len(src.Pix), src.Width, src.Height)
	}
	n := w * h * 3
	if cap(dst.Pix) < n {
		dst.Pix = make([]byte, n)
	}
	dst.Pix = dst.Pix[:n]
	dst.Width, dst.Height = w, h
	dst.Seq, dst.Captured, dst.Truth = src.Seq, src.Captured, nil
	area := k * k
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var sum [3]int
			for dy := 0; dy < k; dy++ {
				row := ((y*k+dy)*src.Width + x*k) * 3
				for dx := 0; dx < k*3; dx += 3 {
					sum[0] += int(src.Pix[row+dx])
					sum[1] += int(src.Pix[row+dx+1])
					sum[2] += int(src.Pix[row+dx+2])
				}
			}
			o := (y*w + x) * 3
			for c := range 3 {
				dst.Pix[o+c] = byte((sum[c] + area/2) / area)
			}
		}
	}
	return nil
}
