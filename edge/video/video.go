package video

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// Encoder turns a frame into a JPEG. The returned bytes must be new (they
// are shared with viewers and the hub and never modified afterwards).
type Encoder func(f *model.Frame) ([]byte, error)

// Publisher is the hub's side of the `frame` stream.
type Publisher interface {
	PublishBinary(s hub.Stream, b []byte) (*hub.Publication, error)
	Watchers(s hub.Stream) int
}

// Image is one encoded frame, shared read-only by every viewer.
type Image struct {
	Seq      uint64
	Captured time.Time
	Encoded  time.Time
	JPEG     []byte
	// next is closed when a newer image replaces this one.
	next chan struct{}
}

// Options configure a Video.
type Options struct {
	Encode Encoder
	Hub    Publisher
	Log    *slog.Logger
	// MaxFPS caps encoding (and so every viewer); 0 means 15.
	MaxFPS float64
	// WriteTimeout cuts off an MJPEG viewer that stops reading; 0 means 10 s.
	WriteTimeout time.Duration
}

// Video is the encoder and its viewers.
type Video struct {
	o Options

	viewers  atomic.Int32 // MJPEG connections
	snapWait atomic.Int32 // snapshot requests waiting for a fresh frame

	mu      sync.Mutex   // guards pending, spare, latest
	pending *model.Frame // newest offered frame not yet encoded (nil: none)
	spare   *model.Frame // buffer for the next copy
	latest  *Image
	wake    chan struct{} // buffered(1): a frame is pending

	encoded  atomic.Uint64
	encodeNs atomic.Int64 // total encode time, for stats
	errors   atomic.Uint64
	lastEnc  time.Time // owned by Run
}

// New returns a Video; call Run to start encoding.
func New(o Options) *Video {
	if o.MaxFPS <= 0 {
		o.MaxFPS = 15
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Video{o: o, wake: make(chan struct{}, 1), latest: &Image{next: make(chan struct{})}}
}

// Watching reports whether anyone wants frames now.
func (v *Video) Watching() bool {
	if v.viewers.Load() > 0 || v.snapWait.Load() > 0 {
		return true
	}
	return v.o.Hub != nil && v.o.Hub.Watchers(hub.StreamFrame) > 0
}

// Offer hands the newest frame to the encoder. It never blocks and copies
// f only when someone watches and the frame is due under MaxFPS.
func (v *Video) Offer(f *model.Frame) {
	if !v.Watching() || len(f.Pix) == 0 {
		return
	}
	v.mu.Lock()
	buf := v.spare
	v.spare = nil
	if buf == nil {
		buf = &model.Frame{}
	}
	buf.Seq, buf.Captured, buf.Width, buf.Height = f.Seq, f.Captured, f.Width, f.Height
	buf.Pix = append(buf.Pix[:0], f.Pix...)
	if v.pending != nil {
		// Latest wins: the older pending frame becomes the next spare.
		v.spare = v.pending
	}
	v.pending = buf
	v.mu.Unlock()
	select {
	case v.wake <- struct{}{}:
	default:
	}
}

// Run encodes pending frames until ctx ends.
func (v *Video) Run(ctx context.Context) {
	minGap := time.Duration(float64(time.Second) / v.o.MaxFPS)
	for {
		select {
		case <-ctx.Done():
			return
		case <-v.wake:
		}
		if wait := minGap - time.Since(v.lastEnc); wait > 0 && v.snapWait.Load() == 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		v.mu.Lock()
		f := v.pending
		v.pending = nil
		v.mu.Unlock()
		if f == nil {
			continue
		}
		v.encode(f)
		v.mu.Lock()
		if v.spare == nil {
			v.spare = f
		}
		v.mu.Unlock()
	}
}

func (v *Video) encode(f *model.Frame) {
	t0 := time.Now()
	jpeg, err := v.o.Encode(f)
	v.lastEnc = time.Now()
	if err != nil {
		if v.errors.Add(1) == 1 || v.errors.Load()%100 == 0 {
			v.o.Log.Error("jpeg encode failed", "component", "video", "frame", f.Seq, "err", err)
		}
		return
	}
	v.encoded.Add(1)
	v.encodeNs.Add(int64(time.Since(t0)))
	img := &Image{Seq: f.Seq, Captured: f.Captured, Encoded: time.Now(), JPEG: jpeg, next: make(chan struct{})}
	v.mu.Lock()
	prev := v.latest
	v.latest = img
	v.mu.Unlock()
	close(prev.next) // wake every viewer waiting on the previous image
	if v.o.Hub != nil && v.o.Hub.Watchers(hub.StreamFrame) > 0 {
		if _, err := v.o.Hub.PublishBinary(hub.StreamFrame, jpeg); err != nil {
			v.o.Log.Error("publish frame", "component", "video", "err", err)
		}
	}
}

// Latest returns the newest encoded image (JPEG nil before the first).
func (v *Video) Latest() *Image {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.latest
}

// Snapshot returns a JPEG no older than maxAge, waiting up to ctx for the
// encoder to produce one. It is the MQTT mirror's snapshot source too.
func (v *Video) Snapshot(ctx context.Context, maxAge time.Duration) ([]byte, error) {
	img := v.Latest()
	if img.JPEG != nil && time.Since(img.Encoded) <= maxAge {
		return img.JPEG, nil
	}
	v.snapWait.Add(1)
	defer v.snapWait.Add(-1)
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-img.next:
		}
		img = v.Latest()
		if img.JPEG != nil {
			return img.JPEG, nil
		}
	}
}

// Stats is what /metrics shows about video.
type Stats struct {
	Viewers     int     `json:"viewers"`
	Encoded     uint64  `json:"encoded"`
	Errors      uint64  `json:"errors"`
	MeanEncodeM float64 `json:"mean_encode_ms"`
}

// Stats returns counters since start.
func (v *Video) Stats() Stats {
	s := Stats{Viewers: int(v.viewers.Load()), Encoded: v.encoded.Load(), Errors: v.errors.Load()}
	if s.Encoded > 0 {
		s.MeanEncodeM = float64(v.encodeNs.Load()) / float64(s.Encoded) / 1e6
	}
	return s
}
