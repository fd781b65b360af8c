package vision

import (
	"fmt"

	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// frameMat is a reusable C-side copy of a frame's pixels. The copy costs a
// memcpy (0.2 ms at 720p) and keeps the cgo rules simple: OpenCV never holds
// a pointer into Go memory.
type frameMat struct {
	mat gocv.Mat
	ok  bool // mat allocated
}

// load copies f.Pix into the Mat, reallocating only when the size changes.
func (m *frameMat) load(f *model.Frame) (gocv.Mat, error) {
	if err := checkFrame(f); err != nil {
		return m.mat, err
	}
	return m.copy(f)
}

// checkFrame says why f is not a packed BGR frame, nil when it is.
func checkFrame(f *model.Frame) error {
	if f.Width <= 0 || f.Height <= 0 || len(f.Pix) < f.Width*f.Height*3 {
		return fmt.Errorf("vision: frame %d: %dx%d with %d bytes is not packed BGR (want %d bytes)", f.Seq, f.Width, f.Height, len(f.Pix), f.Width*f.Height*3)
	}
	return nil
}

// copy is load once f is checked.
func (m *frameMat) copy(f *model.Frame) (gocv.Mat, error) {
	if !m.ok || m.mat.Cols() != f.Width || m.mat.Rows() != f.Height {
		m.close()
		m.mat = gocv.NewMatWithSize(f.Height, f.Width, gocv.MatTypeCV8UC3)
		m.ok = true
	}
	dst, err := m.mat.DataPtrUint8()
	if err != nil {
		return m.mat, fmt.Errorf("vision: frame mat: %w", err)
	}
	copy(dst, f.Pix[:f.Width*f.Height*3])
	return m.mat, nil
}

// frameView is the frame Detect works on: its packed BGR pixels, and an
// OpenCV Mat of them made only when an OpenCV call needs one. In steady
// state (the table cached, no lens) none does: the ball finder's warp
// reads the pixels in place (warpMaps.warpPix), and the copy into C
// memory (0.4 ms a 1080p frame) is not made.
type frameView struct {
	pix  []byte
	w, h int
	f    *model.Frame // copied into fm on the first mat(); nil once there
	fm   *frameMat
	m    gocv.Mat
	err  error // the copy's
}

// viewOf is the view of f (checked) with fm to copy it into on demand.
func viewOf(f *model.Frame, fm *frameMat) frameView {
	return frameView{pix: f.Pix[:f.Width*f.Height*3], w: f.Width, h: f.Height, f: f, fm: fm}
}

// viewMat is the view of a frame already in the Mat m (undistorted).
func viewMat(m gocv.Mat) (frameView, error) {
	pix, err := m.DataPtrUint8()
	if err != nil {
		return frameView{}, err
	}
	return frameView{pix: pix, w: m.Cols(), h: m.Rows(), m: m}, nil
}

// mat is the frame as a Mat, copied on the first call.
func (v *frameView) mat() (gocv.Mat, error) {
	if v.f != nil {
		v.m, v.err = v.fm.copy(v.f)
		v.f = nil
	}
	return v.m, v.err
}

func (m *frameMat) close() {
	if m.ok {
		m.mat.Close()
		m.ok = false
	}
}

// matToFrame copies a BGR (or grey/BGRA, converted through tmp) Mat into f,
// reusing f.Pix when it is large enough.
func matToFrame(src gocv.Mat, tmp *gocv.Mat, f *model.Frame) error {
	m := src
	switch src.Channels() {
	case 3:
	case 1:
		gocv.CvtColor(src, tmp, gocv.ColorGrayToBGR)
		m = *tmp
	case 4:
		gocv.CvtColor(src, tmp, gocv.ColorBGRAToBGR)
		m = *tmp
	default:
		return fmt.Errorf("vision: image with %d channels is not supported", src.Channels())
	}
	if m.Type() != gocv.MatTypeCV8UC3 {
		return fmt.Errorf("vision: image type %v is not 8-bit (convert it to 8-bit BGR)", m.Type())
	}
	if !m.IsContinuous() {
		c := m.Clone()
		defer c.Close()
		m = c
	}
	data, err := m.DataPtrUint8()
	if err != nil {
		return fmt.Errorf("vision: image data: %w", err)
	}
	n := m.Cols() * m.Rows() * 3
	if cap(f.Pix) < n {
		f.Pix = make([]byte, n)
	}
	f.Pix = f.Pix[:n]
	copy(f.Pix, data[:n])
	f.Width, f.Height = m.Cols(), m.Rows()
	return nil
}
