package vision

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// pacer sleeps until the next frame is due, so a file or a still image
// plays at its frame rate instead of as fast as it decodes. A late caller
// is not made to catch up in a burst: the schedule restarts from now.
type pacer struct {
	period time.Duration
	next   time.Time
	timer  *time.Timer
}

func newPacer(fps float64) *pacer {
	if fps <= 0 {
		fps = 30
	}
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &pacer{period: time.Duration(float64(time.Second) / fps), timer: t}
}

func (p *pacer) wait(ctx context.Context) error {
	now := time.Now()
	if p.next.IsZero() || now.Sub(p.next) > p.period {
		p.next = now
	}
	if d := p.next.Sub(now); d > 0 {
		p.timer.Reset(d)
		select {
		case <-ctx.Done():
			p.timer.Stop()
			return ctx.Err()
		case <-p.timer.C:
		}
	}
	p.next = p.next.Add(p.period)
	return ctx.Err()
}

// VideoFile plays a video file at its own frame rate, optionally looping.
type VideoFile struct {
	path string
	loop bool
	cap  *gocv.VideoCapture
	mat  gocv.Mat
	tmp  gocv.Mat
	pace *pacer
	seq  uint64
}

// OpenVideoFile opens path with OpenCV's default backend (FFmpeg on Debian).
// fps <= 0 uses the file's own rate.
func OpenVideoFile(path string, loop bool, fps float64) (*VideoFile, error) {
	vc, err := openFile(path)
	if err != nil || !vc.IsOpened() {
		if vc != nil {
			vc.Close()
		}
		return nil, fmt.Errorf("vision: open video %s: cannot open (missing file or unsupported codec)", path)
	}
	// The frame size FFmpeg read from the container: refuse a huge one
	// before any frame is decoded (OpenCV would throw allocating it).
	w, h := int(vc.Get(gocv.VideoCaptureFrameWidth)), int(vc.Get(gocv.VideoCaptureFrameHeight))
	if w > 0 && h > 0 {
		if err := checkImageSize(ImageInfo{Format: "video", Width: w, Height: h}); err != nil {
			vc.Close()
			return nil, fmt.Errorf("vision: open video %s: %w", path, err)
		}
	}
	if fps <= 0 {
		fps = vc.Get(gocv.VideoCaptureFPS)
	}
	if fps <= 0 || fps > 240 {
		fps = 30
	}
	return &VideoFile{path: path, loop: loop, cap: vc, mat: gocv.NewMat(), tmp: gocv.NewMat(), pace: newPacer(fps)}, nil
}

// openFile prefers FFmpeg (Debian's OpenCV would otherwise try GStreamer
// first, slower to open and noisier on errors), then any backend.
func openFile(path string) (*gocv.VideoCapture, error) {
	vc, err := gocv.OpenVideoCaptureWithAPI(path, gocv.VideoCaptureFFmpeg)
	if err == nil && vc.IsOpened() {
		return vc, nil
	}
	if vc != nil {
		vc.Close()
	}
	return gocv.OpenVideoCapture(path)
}

// Name implements model.Source.
func (v *VideoFile) Name() string { return "file:" + v.path }

// Read implements model.Source: io.EOF at the end unless looping.
func (v *VideoFile) Read(ctx context.Context, f *model.Frame) error {
	if v.cap == nil {
		return fmt.Errorf("vision: video %s: read after close", v.path)
	}
	if err := v.pace.wait(ctx); err != nil {
		return err
	}
	if !v.cap.Read(&v.mat) || v.mat.Empty() {
		if !v.loop {
			return io.EOF
		}
		// Rewind by seeking; if the container cannot seek, reopen.
		v.cap.Set(gocv.VideoCapturePosFrames, 0)
		if !v.cap.Read(&v.mat) || v.mat.Empty() {
			v.cap.Close()
			vc, err := openFile(v.path)
			if err != nil || !vc.IsOpened() || !vc.Read(&v.mat) || v.mat.Empty() {
				if vc != nil {
					vc.Close()
				}
				v.cap = nil
				return fmt.Errorf("vision: video %s: cannot restart the loop: %w", v.path, model.ErrSourceLost)
			}
			v.cap = vc
		}
	}
	if err := matToFrame(v.mat, &v.tmp, f); err != nil {
		return err
	}
	v.seq++
	f.Seq, f.Captured, f.Truth = v.seq, time.Now(), nil
	return nil
}

// Close releases the decoder. Safe to call twice.
func (v *VideoFile) Close() error {
	if v.mat.Ptr() == nil {
		return nil
	}
	if v.cap != nil {
		v.cap.Close()
		v.cap = nil
	}
	v.mat.Close()
	v.tmp.Close()
	v.mat, v.tmp = gocv.Mat{}, gocv.Mat{}
	return nil
}

// StillImage repeats one decoded image at a fixed rate: for bench setups and
// for replaying a snapshot through the whole pipeline.
type StillImage struct {
	path string
	pix  []byte
	w, h int
	pace *pacer
	seq  uint64
}

// OpenStillImage decodes path (any format OpenCV reads) once.
func OpenStillImage(path string, fps float64) (*StillImage, error) {
	var f model.Frame
	if err := ReadImage(path, &f); err != nil {
		return nil, err
	}
	return &StillImage{path: path, pix: f.Pix, w: f.Width, h: f.Height, pace: newPacer(fps)}, nil
}

// ReadImage decodes an image file into f as packed BGR. A file that cannot
// be read as an image (missing, not an image, damaged, over MaxImagePixels)
// is an *ImageError; OpenCV never aborts the process (imagefile.go).
func ReadImage(path string, f *model.Frame) error {
	m := gocv.NewMat()
	defer m.Close()
	if err := decodeImageFile(path, gocv.IMReadColor, &m); err != nil {
		return err
	}
	tmp := gocv.NewMat()
	defer tmp.Close()
	return matToFrame(m, &tmp, f)
}

// Name implements model.Source.
func (s *StillImage) Name() string { return "image:" + s.path }

// Read implements model.Source.
func (s *StillImage) Read(ctx context.Context, f *model.Frame) error {
	if err := s.pace.wait(ctx); err != nil {
		return err
	}
	if cap(f.Pix) < len(s.pix) {
		f.Pix = make([]byte, len(s.pix))
	}
	f.Pix = f.Pix[:len(s.pix)]
	copy(f.Pix, s.pix)
	s.seq++
	f.Seq, f.Captured, f.Width, f.Height, f.Truth = s.seq, time.Now(), s.w, s.h, nil
	return nil
}

// Close implements model.Source.
func (s *StillImage) Close() error { return nil }
