package vision

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// CameraOptions are what a V4L2 camera is asked for. The driver may give
// something else (a camera without MJPG, a resolution it rounds); Camera
// logs what it actually got.
type CameraOptions struct {
	Width, Height int
	FPS           float64
	FourCC        string  // "MJPG", "YUYV" or "" for the driver's default
	Exposure      float64 // 0: auto exposure
}

// Camera is a V4L2 camera read through OpenCV. Read blocks in the driver
// until the next frame (the camera paces itself); a failed read means the
// device went away and returns an error wrapping model.ErrSourceLost.
type Camera struct {
	dev   string
	cap   *gocv.VideoCapture
	mat   gocv.Mat
	tmp   gocv.Mat
	seq   uint64
	start time.Time
}

// OpenCamera opens dev ("/dev/video0") with the V4L2 backend.
func OpenCamera(dev string, o CameraOptions, log *slog.Logger) (*Camera, error) {
	vc, err := gocv.OpenVideoCaptureWithAPI(dev, gocv.VideoCaptureV4L2)
	if err != nil || !vc.IsOpened() {
		if vc != nil {
			vc.Close()
		}
		return nil, fmt.Errorf("vision: open camera %s: %w (is it plugged in, and is the daemon in group video?)", dev, model.ErrSourceLost)
	}
	// The pixel format must be chosen before the size: many USB cameras
	// offer 1080p at 30 fps only as MJPG.
	if o.FourCC != "" {
		vc.Set(gocv.VideoCaptureFOURCC, vc.ToCodec(o.FourCC))
	}
	if o.Width > 0 && o.Height > 0 {
		vc.Set(gocv.VideoCaptureFrameWidth, float64(o.Width))
		vc.Set(gocv.VideoCaptureFrameHeight, float64(o.Height))
	}
	if o.FPS > 0 {
		vc.Set(gocv.VideoCaptureFPS, o.FPS)
	}
	// One buffered frame: the detector wants the newest frame, not a queue.
	vc.Set(gocv.VideoCaptureBufferSize, 1)
	if o.Exposure > 0 {
		// V4L2 through OpenCV: auto_exposure 1 is manual, 3 is aperture priority.
		vc.Set(gocv.VideoCaptureAutoExposure, 1)
		vc.Set(gocv.VideoCaptureExposure, o.Exposure)
	}
	if log != nil {
		log.Info("camera opened", "dev", dev,
			"width", vc.Get(gocv.VideoCaptureFrameWidth), "height", vc.Get(gocv.VideoCaptureFrameHeight),
			"fps", vc.Get(gocv.VideoCaptureFPS), "fourcc", vc.CodecString(), "want_fourcc", o.FourCC)
	}
	return &Camera{dev: dev, cap: vc, mat: gocv.NewMat(), tmp: gocv.NewMat(), start: time.Now()}, nil
}

// Name implements model.Source.
func (c *Camera) Name() string { return "camera:" + c.dev }

// Read implements model.Source. The V4L2 read cannot be interrupted: ctx is
// checked before it, and a live camera returns within one frame period.
func (c *Camera) Read(ctx context.Context, f *model.Frame) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.cap == nil {
		return fmt.Errorf("vision: camera %s: read after close", c.dev)
	}
	if !c.cap.Read(&c.mat) || c.mat.Empty() {
		return fmt.Errorf("vision: camera %s: read: %w (unplugged or driver error)", c.dev, model.ErrSourceLost)
	}
	if err := matToFrame(c.mat, &c.tmp, f); err != nil {
		return err
	}
	c.seq++
	f.Seq, f.Captured, f.Truth = c.seq, time.Now(), nil
	return nil
}

// Close releases the device. Safe to call twice.
func (c *Camera) Close() error {
	if c.cap == nil {
		return nil
	}
	c.cap.Close()
	c.cap = nil
	c.mat.Close()
	c.tmp.Close()
	return nil
}
