package recorder

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"time"

	"github.com/cuecast/cuecast/edge/history"
)

// ThumbWidth is the width of the pictures kept with each shot: enough to
// see where every ball was, small enough (15-30 KB) to keep thousands.
const ThumbWidth = 480

// beforeEvery is how often the imager refreshes its picture of the still
// table (an encode of one frame every 2 s: negligible).
const beforeEvery = 2 * time.Second

type jobKind int

const (
	jobStart jobKind = iota // a shot started: the last still picture is its "before"
	jobEnd                  // a shot ended: take the "after" picture, store both
)

type imageJob struct {
	kind   jobKind
	shotID string
}

// image hands a job to the imager without blocking (a picture is not worth
// a wait: when the imager is behind, this shot gets none).
func (r *Recorder) image(j imageJob) {
	if r.o.Snapshot == nil || !r.started {
		return
	}
	select {
	case r.images <- j:
	default:
		r.o.Log.Warn("history: picture skipped (imager busy)", "component", "history", "shot", j.shotID)
	}
}

// imager owns the snapshot calls and the scaling: never the hub loop's job.
func (r *Recorder) imager(ctx context.Context) {
	defer r.wg.Done()
	if r.o.Snapshot == nil {
		<-ctx.Done()
		return
	}
	tick := time.NewTicker(beforeEvery)
	defer tick.Stop()
	var still, before []byte // raw JPEGs: scaled only when kept
	inShot := false
	snap := func(maxAge time.Duration) []byte {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		b, err := r.o.Snapshot(c, maxAge)
		if err != nil {
			return nil
		}
		return b
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if !inShot {
				if b := snap(beforeEvery); b != nil {
					still = b
				}
			}
		case j := <-r.images:
			switch j.kind {
			case jobStart:
				inShot, before = true, still
			case jobEnd:
				inShot = false
				after := snap(0)
				r.storePicture(j.shotID, history.ImageBefore, before)
				r.storePicture(j.shotID, history.ImageAfter, after)
				before, still = nil, after
			}
		}
	}
}

func (r *Recorder) storePicture(id, kind string, raw []byte) {
	if raw == nil {
		return
	}
	small, err := Thumbnail(raw, ThumbWidth)
	if err != nil {
		r.o.Log.Warn("history: picture unusable", "component", "history", "shot", id, "err", err)
		return
	}
	r.o.Store.PutImage(id, kind, small, func(err error) {
		if err != nil {
			r.o.Log.Warn("history: picture not stored", "component", "history", "shot", id, "kind", kind, "err", err)
		}
	})
}

// Thumbnail scales a JPEG down to width pixels (area average) and encodes
// it at quality 75. A picture already that small is returned as it is.
func Thumbnail(src []byte, width int) ([]byte, error) {
	img, err := jpeg.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("history: decode picture: %w", err)
	}
	b := img.Bounds()
	if b.Dx() <= width {
		return src, nil
	}
	height := max(1, b.Dy()*width/b.Dx())
	dst := image.NewRGBA(image.Rect(0, 0, width, height))
	// pixel reads one source pixel without allocating: camera JPEGs decode
	// to YCbCr, read directly; anything else goes through At (a picture of
	// ours is never anything else, so the slow path is only for safety).
	var pixel func(x, y int) (r, g, b uint32)
	if yc, ok := img.(*image.YCbCr); ok {
		pixel = func(x, y int) (uint32, uint32, uint32) {
			yi, ci := yc.YOffset(x, y), yc.COffset(x, y)
			r, g, b := color.YCbCrToRGB(yc.Y[yi], yc.Cb[ci], yc.Cr[ci])
			return uint32(r), uint32(g), uint32(b)
		}
	} else {
		pixel = func(x, y int) (uint32, uint32, uint32) {
			r, g, b, _ := img.At(x, y).RGBA()
			return r >> 8, g >> 8, b >> 8
		}
	}
	// Area average over the source pixels each destination pixel covers.
	for y := 0; y < height; y++ {
		y0, y1 := b.Min.Y+y*b.Dy()/height, b.Min.Y+(y+1)*b.Dy()/height
		for x := 0; x < width; x++ {
			x0, x1 := b.Min.X+x*b.Dx()/width, b.Min.X+(x+1)*b.Dx()/width
			var sr, sg, sb, n uint32
			for yy := y0; yy < max(y1, y0+1); yy++ {
				for xx := x0; xx < max(x1, x0+1); xx++ {
					cr, cg, cb := pixel(xx, yy)
					sr, sg, sb, n = sr+cr, sg+cg, sb+cb, n+1
				}
			}
			o := dst.PixOffset(x, y)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8(sr/n), uint8(sg/n), uint8(sb/n), 255
		}
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 75}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
