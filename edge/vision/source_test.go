package vision

import (
	"context"
	"errors"
	"image"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// fakeReporter records what a component told the supervisor.
type fakeReporter struct {
	mu            sync.Mutex
	progress, oks int
	fails         []error
	lastOK        string
}

func (r *fakeReporter) Progress() { r.mu.Lock(); r.progress++; r.mu.Unlock() }
func (r *fakeReporter) OK(d string) {
	r.mu.Lock()
	r.oks++
	r.lastOK = d
	r.mu.Unlock()
}
func (r *fakeReporter) Fail(err error) { r.mu.Lock(); r.fails = append(r.fails, err); r.mu.Unlock() }

func TestCameraMissingDevice(t *testing.T) {
	_, err := OpenCamera("/dev/video99", CameraOptions{Width: 1280, Height: 720, FPS: 30, FourCC: "MJPG"}, nil)
	if !errors.Is(err, model.ErrSourceLost) {
		t.Fatalf("OpenCamera(/dev/video99) = %v, want an error wrapping ErrSourceLost", err)
	}
}

// TestOpenCameraKeepsRetrying opens a camera that does not exist through
// Open: Read must keep retrying with backoff (reporting the outage once,
// alerting once, showing progress) until its context ends.
func TestOpenCameraKeepsRetrying(t *testing.T) {
	vis := config.Default().Vision
	vis.CameraReconnectMin = config.Duration(5 * time.Millisecond)
	vis.CameraReconnectMax = config.Duration(20 * time.Millisecond)
	src := config.Default().Source
	src.Kind = "camera:/dev/video99"
	rep := &fakeReporter{}
	var alerts []model.Alert
	s, err := Open(src, vis, SourceOptions{Reporter: rep, Alert: func(a model.Alert) { alerts = append(alerts, a) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var f model.Frame
	start := time.Now()
	err = s.Read(ctx, &f)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Read = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Read returned %s after its context ended", d)
	}
	if len(rep.fails) != 1 || !errors.Is(rep.fails[0], model.ErrSourceLost) {
		t.Errorf("Fail calls = %v, want one wrapping ErrSourceLost", rep.fails)
	}
	if rep.progress == 0 {
		t.Error("no Progress while retrying: the watchdog would restart the daemon")
	}
	if len(alerts) != 1 || alerts[0].Code != "camera_lost" || alerts[0].Level != model.AlertError {
		t.Errorf("alerts = %+v, want one camera_lost error", alerts)
	}
	if r := s.(*Reconnecting); r.tries < 3 {
		t.Errorf("%d open attempts in 300ms with 5-20ms backoff, want several", r.tries)
	}
}

// lostSource delivers lostAt frames, then reports the device lost.
type lostSource struct {
	frames int
	lostAt int
	closed bool
}

func (s *lostSource) Name() string { return "flaky" }
func (s *lostSource) Close() error { s.closed = true; return nil }

func (s *lostSource) Read(ctx context.Context, f *model.Frame) error {
	if s.frames == s.lostAt {
		return errors.Join(errors.New("flaky: usb disconnect"), model.ErrSourceLost)
	}
	s.frames++
	return nil
}

// TestReconnectingRecovers: two failed opens, frames, a loss, a reopen.
func TestReconnectingRecovers(t *testing.T) {
	opens := 0
	var srcs []*lostSource
	open := func() (model.Source, error) {
		opens++
		if opens <= 2 || opens == 4 {
			return nil, errors.Join(errors.New("no device"), model.ErrSourceLost)
		}
		s := &lostSource{lostAt: 3}
		if opens > 4 {
			s.lostAt = 1 << 30
		}
		srcs = append(srcs, s)
		return s, nil
	}
	rep := &fakeReporter{}
	var codes []string
	r := NewReconnecting("camera:test", open, time.Millisecond, 4*time.Millisecond, rep, func(a model.Alert) { codes = append(codes, a.Code) }, nil)
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var f model.Frame
	for i := 0; i < 8; i++ {
		if err := r.Read(ctx, &f); err != nil {
			t.Fatalf("Read %d = %v", i, err)
		}
	}
	want := []string{"camera_lost", "camera_restored", "camera_lost", "camera_restored"}
	if len(codes) != len(want) {
		t.Fatalf("alerts = %v, want %v", codes, want)
	}
	for i := range want {
		if codes[i] != want[i] {
			t.Fatalf("alerts = %v, want %v", codes, want)
		}
	}
	if len(rep.fails) != 2 || rep.oks != 2 {
		t.Errorf("Fail x%d OK x%d, want 2 and 2", len(rep.fails), rep.oks)
	}
	if !srcs[0].closed {
		t.Error("the lost source was not closed")
	}
	if opens != 5 {
		t.Errorf("opens = %d, want 5", opens)
	}
}

// TestReconnectingPassesOtherErrors: io.EOF is not a loss.
func TestReconnectingPassesOtherErrors(t *testing.T) {
	open := func() (model.Source, error) { return eofSource{}, nil }
	r := NewReconnecting("x", open, time.Millisecond, time.Millisecond, nil, nil, nil)
	var f model.Frame
	if err := r.Read(context.Background(), &f); err != io.EOF {
		t.Fatalf("Read = %v, want io.EOF", err)
	}
}

type eofSource struct{}

func (eofSource) Name() string                             { return "eof" }
func (eofSource) Read(context.Context, *model.Frame) error { return io.EOF }
func (eofSource) Close() error                             { return nil }

// writeTestVideo writes n frames of a moving square as MJPG AVI.
func writeTestVideo(t *testing.T, path string, n int) {
	w, err := gocv.VideoWriterFile(path, "MJPG", 25, 160, 120, true)
	if err != nil {
		t.Skipf("no video writer: %v", err)
	}
	defer w.Close()
	m := gocv.NewMatWithSize(120, 160, gocv.MatTypeCV8UC3)
	defer m.Close()
	for i := 0; i < n; i++ {
		m.SetTo(gocv.NewScalar(40, 120, 40, 0))
		roi := m.Region(imageRect(10+i*5, 40, 30, 30))
		roi.SetTo(gocv.NewScalar(255, 255, 255, 0))
		roi.Close()
		if err := w.Write(m); err != nil {
			t.Fatal(err)
		}
	}
}

func imageRect(x, y, w, h int) image.Rectangle { return image.Rect(x, y, x+w, y+h) }

func TestVideoFileLoopsAndEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clip.avi")
	writeTestVideo(t, path, 5)
	for _, loop := range []bool{false, true} {
		v, err := OpenVideoFile(path, loop, 200)
		if err != nil {
			t.Fatal(err)
		}
		var f model.Frame
		got := 0
		for i := 0; i < 12; i++ {
			err := v.Read(context.Background(), &f)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Width != 160 || f.Height != 120 || len(f.Pix) != 160*120*3 || f.Seq != uint64(got+1) {
				t.Fatalf("frame %d: %dx%d %d bytes seq %d", got, f.Width, f.Height, len(f.Pix), f.Seq)
			}
			got++
		}
		if want := map[bool]int{false: 5, true: 12}[loop]; got != want {
			t.Errorf("loop=%v: %d frames, want %d", loop, got, want)
		}
		v.Close()
		v.Close()
	}
	if _, err := OpenVideoFile(filepath.Join(t.TempDir(), "missing.mp4"), false, 0); err == nil {
		t.Error("OpenVideoFile(missing) succeeded")
	}
}

func TestStillImagePaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "still.png")
	m := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(10, 20, 30, 0), 48, 64, gocv.MatTypeCV8UC3)
	gocv.IMWrite(path, m)
	m.Close()
	src := config.Default().Source
	src.Kind, src.FPS = "image:"+path, 50
	s, err := Open(src, config.Default().Vision, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var f model.Frame
	start := time.Now()
	for i := 0; i < 6; i++ {
		if err := s.Read(context.Background(), &f); err != nil {
			t.Fatal(err)
		}
	}
	// Six frames at 50 fps: the first is immediate, five periods follow.
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Errorf("6 frames at 50 fps took %s, want >= 100ms (paced)", d)
	}
	if f.Width != 64 || f.Height != 48 || f.Pix[0] != 10 || f.Pix[1] != 20 || f.Pix[2] != 30 {
		t.Errorf("frame %dx%d starts %v, want 64x48 BGR 10,20,30", f.Width, f.Height, f.Pix[:3])
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Read(ctx, &f); !errors.Is(err, context.Canceled) {
		t.Errorf("Read(cancelled) = %v", err)
	}
	if _, err := Open(config.Source{Kind: "image:/nonexistent.png"}, config.Default().Vision, SourceOptions{}); err == nil {
		t.Error("Open(image:/nonexistent.png) succeeded")
	}
	if _, err := Open(config.Source{Kind: "sim"}, config.Default().Vision, SourceOptions{}); err == nil {
		t.Error("Open(sim) succeeded; the daemon opens the simulator")
	}
}
