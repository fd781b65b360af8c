package labels

import (
	"math"
	"testing"

	"github.com/cuecast/cuecast/edge/model"
)

// A disc drawn at full size and shrunk keeps its labelled centre: the
// shrunk label lands on the shrunk disc's intensity centroid.
func TestShrunkLabelsFollowThePixels(t *testing.T) {
	const w, h, k = 64, 48, 2
	cx, cy, r := 30.0, 21.0, 9.0 // labels' convention: pixel centres at integers
	src := model.Frame{Width: w, Height: h, Pix: make([]byte, w*h*3)}
	for y := range h {
		for x := range w {
			if math.Hypot(float64(x)-cx, float64(y)-cy) <= r {
				o := (y*w + x) * 3
				src.Pix[o], src.Pix[o+1], src.Pix[o+2] = 200, 100, 50
			}
		}
	}
	var dst model.Frame
	if err := ShrinkFrame(&dst, &src, k); err != nil {
		t.Fatal(err)
	}
	if dst.Width != w/k || dst.Height != h/k {
		t.Fatalf("shrunk to %dx%d, want %dx%d", dst.Width, dst.Height, w/k, h/k)
	}
	var sx, sy, sw float64
	for y := range dst.Height {
		for x := range dst.Width {
			v := float64(dst.Pix[(y*dst.Width+x)*3])
			sx, sy, sw = sx+v*float64(x), sy+v*float64(y), sw+v
		}
	}
	f := Frame{Width: w, Height: h, Balls: []Ball{{X: cx, Y: cy, R: r}},
		Table: &Table{Corners: [4]model.Pixel{{X: 0.5, Y: 0.5}, {X: 10, Y: 0.5}, {X: 10, Y: 7}, {X: 0.5, Y: 7}}}}
	g := f.Shrunk(k)
	b := g.Balls[0]
	if math.Abs(b.X-sx/sw) > 0.05 || math.Abs(b.Y-sy/sw) > 0.05 || b.R != r/k {
		t.Errorf("shrunk label (%.2f, %.2f) r %.2f; the pixels' centre (%.2f, %.2f), r %.2f", b.X, b.Y, b.R, sx/sw, sy/sw, r/k)
	}
	if c := g.Table.Corners[0]; c.X != 0 || c.Y != 0 {
		t.Errorf("corner (0.5, 0.5) shrunk to %v, want (0, 0)", c)
	}
	if f.Balls[0].X != cx || f.Table.Corners[0].X != 0.5 {
		t.Error("Shrunk changed the original labels")
	}
	if dst.Pix[((21/k)*dst.Width+30/k)*3] != 200 {
		t.Errorf("inside the disc: %d, want 200", dst.Pix[((21/k)*dst.Width+30/k)*3])
	}
}

func TestShrinkFrameRefusesBadInput(t *testing.T) {
	var dst model.Frame
	src := model.Frame{Width: 3, Height: 3, Pix: make([]byte, 27)}
	for _, k := range []int{0, -1, 4} {
		if err := ShrinkFrame(&dst, &src, k); err == nil {
			t.Errorf("shrink %d of a 3x3 frame: no error", k)
		}
	}
	short := model.Frame{Width: 3, Height: 3, Pix: make([]byte, 5)}
	if err := ShrinkFrame(&dst, &short, 1); err == nil {
		t.Error("a frame with too few bytes: no error")
	}
}
