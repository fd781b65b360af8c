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

// Encoder turns a frame into a JPEG at a quality level (hub.LevelFull,
// hub.Level960, hub.Level640: the widths and JPEG qualities of Levels). The
// returned bytes must be new (they are shared with viewers and the hub and
// never modified afterwards).
type Encoder func(f *model.Frame, level int) ([]byte, error)

// Publisher is the hub's side of the `frame` stream.
type Publisher interface {
	PublishFrame(jpegs [hub.NumLevels][]byte) (*hub.Publication, error)
	FrameLevels() [hub.NumLevels]int
}

// Level is how one quality level is encoded.
type Level struct {
	Name    string // as clients ask for it (hub.LevelNames)
	Width   int    // frames wider are scaled down to it; 0 keeps the frame's
	Quality int    // JPEG quality
}

// Levels returns the quality levels for a [video] config: full is the
// configured width and quality; 960 and 640 are for tablets and phones on
// venue Wi-Fi, at a JPEG quality a step lower (a small image shows
// artefacts less than it saves bytes).
func Levels(width, quality int) [hub.NumLevels]Level {
	return [hub.NumLevels]Level{
		hub.LevelFull: {hub.LevelNames[hub.LevelFull], width, quality},
		hub.Level960:  {hub.LevelNames[hub.Level960], 960, min(quality, 70)},
		hub.Level640:  {hub.LevelNames[hub.Level640], 640, min(quality, 60)},
	}
}

// Image is one encoded frame, shared read-only by every viewer.
type Image struct {
	Seq      uint64
	Captured time.Time
	Encoded  time.Time
	// JPEG is the full level (nil when nobody watching wanted it);
	// Levels[l] each level encoded for this frame (Levels[LevelFull] ==
	// JPEG).
	JPEG   []byte
	Levels [hub.NumLevels][]byte
	// next is closed when a newer image replaces this one.
	next chan struct{}
}

// at returns the image at level, or the nearest better level encoded; nil
// if none (the viewer waits for the next image).
func (img *Image) at(level int) []byte {
	for l := level; l >= 0; l-- {
		if b := img.Levels[l]; b != nil {
			return b
		}
	}
	return nil
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

	viewers  atomic.Int32                // MJPEG connections
	levelVw  [hub.NumLevels]atomic.Int32 // MJPEG connections per level
	snapWait atomic.Int32                // snapshot requests waiting for a fresh frame

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
	return v.wanted() != [hub.NumLevels]bool{}
}

// wanted reports which levels someone watches now: MJPEG viewers, `frame`
// subscribers (the hub counts them per level) and snapshots (full).
func (v *Video) wanted() [hub.NumLevels]bool {
	var w [hub.NumLevels]bool
	var subs [hub.NumLevels]int
	if v.o.Hub != nil {
		subs = v.o.Hub.FrameLevels()
	}
	for l := range w {
		w[l] = v.levelVw[l].Load() > 0 || subs[l] > 0
	}
	w[hub.LevelFull] = w[hub.LevelFull] || v.snapWait.Load() > 0
	return w
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

// encode encodes f once at each level someone watches and hands the
// result to every viewer and the hub.
func (v *Video) encode(f *model.Frame) {
	t0 := time.Now()
	want := v.wanted()
	img := &Image{Seq: f.Seq, Captured: f.Captured, next: make(chan struct{})}
	n := 0
	for l, w := range want {
		if !w {
			continue
		}
		jpeg, err := v.o.Encode(f, l)
		if err != nil {
			if v.errors.Add(1) == 1 || v.errors.Load()%100 == 0 {
				v.o.Log.Error("jpeg encode failed", "component", "video", "frame", f.Seq, "level", hub.LevelNames[l], "err", err)
			}
			continue
		}
		img.Levels[l] = jpeg
		n++
	}
	v.lastEnc = time.Now()
	if n == 0 {
		return
	}
	img.JPEG = img.Levels[hub.LevelFull]
	img.Encoded = time.Now()
	v.encoded.Add(1)
	v.encodeNs.Add(int64(img.Encoded.Sub(t0)))
	v.mu.Lock()
	prev := v.latest
	v.latest = img
	v.mu.Unlock()
	close(prev.next) // wake every viewer waiting on the previous image
	if v.o.Hub == nil {
		return
	}
	if subs := v.o.Hub.FrameLevels(); subs != [hub.NumLevels]int{} {
		if _, err := v.o.Hub.PublishFrame(img.Levels); err != nil {
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
