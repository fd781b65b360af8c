// Package labelapi serves the labelling tool's HTTP side: the frame being
// labelled (as an image and as labels: the detector's proposals, or what was
// saved for it before), a circle fit for a click (labels.Image.Snap), a new
// capture, and saving the edited labels into a label file (edge/labels
// format). The page itself is edge/display's /label.
//
// The host supplies the frame and the detector: the daemon captures the
// camera's current frame (full resolution) into its state directory and runs
// a fresh detector with the box's settings; `cuecast label IMAGE` hands over
// an image file. Captures and saves change state and need the command token
// (Options.Authorize); reading and fitting do not.
//
// Concurrency: a Service is safe for concurrent use; mu guards the session
// (the current frame, its image bytes and labels) and the label file, so two
// saves never interleave. Capture and Detect run without the lock held for
// the session swap only; a capture runs at most one at a time.
package labelapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/model"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

// Options wire a Service to its host.
type Options struct {
	// Root is the folder the label file's image paths are relative to.
	Root string
	// SetPath is the label file; created at the first save.
	SetPath string
	// Source and BallSet name a new label file's source and balls.
	Source, BallSet string
	// Capture returns the frame to label and its file, relative to Root
	// (the host has written it there).
	Capture func(ctx context.Context) (rel string, f *model.Frame, err error)
	// Detect proposes balls and table for a frame.
	Detect func(f *model.Frame, det *model.Detection) error
	// Authorize checks the command token: 0 when allowed, else an HTTP
	// status and a message.
	Authorize func(r *http.Request) (int, string)
	Log       *slog.Logger
}

// Service is the labelling API.
type Service struct {
	o Options

	capMu sync.Mutex // one capture at a time

	mu       sync.Mutex // guards the fields below and the label file
	frame    *labels.Frame
	proposed bool // frame holds the detector's proposals, not saved labels
	pix      *labels.Image
	jpeg     []byte
}

// New returns a Service; nothing is captured until the page asks.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.BallSet == "" {
		o.BallSet = labels.BallSetUS
	}
	return &Service{o: o}
}

// Register mounts the endpoints.
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/label/frame", s.getFrame)
	mux.HandleFunc("PUT /api/v1/label/frame", s.putFrame)
	mux.HandleFunc("POST /api/v1/label/capture", s.capture)
	mux.HandleFunc("GET /api/v1/label/image", s.image)
	mux.HandleFunc("POST /api/v1/label/snap", s.snap)
}

// frameReply is what GET /api/v1/label/frame returns.
type frameReply struct {
	Frame *labels.Frame `json:"frame"`
	// Proposed: the balls and table are the detector's, never saved.
	Proposed bool   `json:"proposed"`
	Set      string `json:"set"`
}

func (s *Service) getFrame(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	have := s.frame != nil
	s.mu.Unlock()
	if !have {
		if err := s.Capture(r.Context()); err != nil {
			writeError(w, http.StatusServiceUnavailable, err.Error())
			return
		}
	}
	s.reply(w)
}

// reply writes the session's frame.
func (s *Service) reply(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, http.StatusOK, frameReply{Frame: s.frame, Proposed: s.proposed, Set: s.o.SetPath})
}

func (s *Service) capture(w http.ResponseWriter, r *http.Request) {
	if status, msg := s.o.Authorize(r); status != 0 {
		writeError(w, status, msg)
		return
	}
	if err := s.Capture(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	s.reply(w)
}

// Capture takes a new frame from the host and makes it the session's: the
// labels saved for that image before if any, else the detector's proposals.
func (s *Service) Capture(ctx context.Context) error {
	s.capMu.Lock()
	defer s.capMu.Unlock()
	rel, f, err := s.o.Capture(ctx)
	if err != nil {
		return fmt.Errorf("label: capture: %w", err)
	}
	sum, err := labels.FileSHA256(filepath.Join(s.o.Root, rel))
	if err != nil {
		return fmt.Errorf("label: capture: %w", err)
	}
	lf := &labels.Frame{Image: filepath.ToSlash(rel), SHA256: sum, Width: f.Width, Height: f.Height, Balls: []labels.Ball{}}
	proposed := true
	if saved := s.saved(lf.Key(), sum); saved != nil {
		lf, proposed = saved, false
	} else {
		var det model.Detection
		if err := s.o.Detect(f, &det); err != nil {
			return fmt.Errorf("label: detect: %w", err)
		}
		propose(lf, &det)
	}
	jb, err := encodeJPEG(f)
	if err != nil {
		return fmt.Errorf("label: %w", err)
	}
	pix := labels.NewImageBGR(f.Width, f.Height, f.Pix)
	s.mu.Lock()
	s.frame, s.proposed, s.pix, s.jpeg = lf, proposed, pix, jb
	s.mu.Unlock()
	s.o.Log.Info("label: frame captured", "component", "label", "image", rel, "proposed", proposed, "balls", len(lf.Balls))
	return nil
}

// saved returns the labels saved for this image (same file bytes), if any.
func (s *Service) saved(key, sum string) *labels.Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, err := labels.Load(s.o.SetPath)
	if err != nil {
		return nil
	}
	for i := range set.Frames {
		if f := &set.Frames[i]; f.Key() == key && f.SHA256 == sum {
			return f
		}
	}
	return nil
}

// propose turns a detection into draft labels.
func propose(lf *labels.Frame, det *model.Detection) {
	if t := det.Table; t != nil {
		lt := &labels.Table{Corners: t.Corners}
		if len(t.Pockets) == 6 {
			lt.Pockets = append([]model.Pixel(nil), t.Pockets...)
		}
		// A detector's quad that fails the label rules (folded, far off
		// the image) is left out rather than refused whole.
		probe := labels.Frame{Image: "x", SHA256: lf.SHA256, Width: lf.Width, Height: lf.Height, Table: lt}
		if probe.Validate() == nil {
			lf.Table = lt
		}
	}
	for _, b := range det.Balls {
		lb := labels.Ball{X: b.Pixel.X, Y: b.Pixel.Y, R: b.RadiusPx, Class: b.Class, Number: b.Number}
		if lb.Number != nil && model.ClassOf(*lb.Number) != lb.Class {
			lb.Number = nil
		}
		probe := labels.Frame{Image: "x", SHA256: lf.SHA256, Width: lf.Width, Height: lf.Height, Balls: []labels.Ball{lb}}
		if probe.Validate() == nil {
			lf.Balls = append(lf.Balls, lb)
		}
	}
}

func (s *Service) image(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	b := s.jpeg
	s.mu.Unlock()
	if b == nil {
		writeError(w, http.StatusNotFound, "label: no frame captured yet (GET /api/v1/label/frame captures one)")
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// snapRequest is a click: centre and a rough radius; Fixed keeps the radius.
type snapRequest struct {
	X, Y, R float64
	Fixed   bool    `json:"fixed"`
	Search  float64 `json:"search"`
}

func (s *Service) snap(w http.ResponseWriter, r *http.Request) {
	var q snapRequest
	if err := decode(r, 1024, &q); err != nil {
		writeError(w, http.StatusBadRequest, "label: snap: "+err.Error()+` (want {"x":..,"y":..,"r":..})`)
		return
	}
	if q.Search == 0 {
		q.Search = math.Max(3, q.R/2)
	}
	if q.R < 2 || q.R > 500 || q.Search > 100 || !finite(q.X, q.Y, q.R, q.Search) {
		writeError(w, http.StatusBadRequest, "label: snap: r must be 2..500 px and search at most 100 px")
		return
	}
	s.mu.Lock()
	pix := s.pix
	s.mu.Unlock()
	if pix == nil {
		writeError(w, http.StatusNotFound, "label: no frame captured yet")
		return
	}
	var fit labels.Fit
	var err error
	if q.Fixed {
		fit, err = pix.SnapCentre(q.X, q.Y, q.R, q.Search)
	} else {
		fit, err = pix.Snap(q.X, q.Y, q.R, q.Search)
	}
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "label: snap: no ball outline there")
		return
	}
	writeJSON(w, http.StatusOK, map[string]float64{"x": fit.X, "y": fit.Y, "r": fit.R, "rms": fit.RMS})
}

func (s *Service) putFrame(w http.ResponseWriter, r *http.Request) {
	if status, msg := s.o.Authorize(r); status != 0 {
		writeError(w, status, msg)
		return
	}
	var lf labels.Frame
	if err := decode(r, 1<<20, &lf); err != nil {
		writeError(w, http.StatusBadRequest, "label: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.frame
	if cur == nil {
		writeError(w, http.StatusConflict, "label: no frame captured yet")
		return
	}
	if lf.Key() != cur.Key() || lf.SHA256 != cur.SHA256 || lf.Width != cur.Width || lf.Height != cur.Height {
		writeError(w, http.StatusConflict, fmt.Sprintf("label: these labels are for %s, the frame being labelled is %s (another capture happened: reload the page)", lf.Key(), cur.Key()))
		return
	}
	if lf.Balls == nil {
		lf.Balls = []labels.Ball{}
	}
	set, err := labels.Load(s.o.SetPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		set = &labels.Set{Source: s.o.Source, BallSet: s.o.BallSet}
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error()+" (fix or move the label file; nothing was saved)")
		return
	}
	replaced := false
	for i := range set.Frames {
		if set.Frames[i].Key() == lf.Key() {
			set.Frames[i], replaced = lf, true
		}
	}
	if !replaced {
		set.Frames = append(set.Frames, lf)
	}
	if err := set.Validate(); err != nil {
		writeError(w, http.StatusUnprocessableEntity, "label: "+err.Error())
		return
	}
	if err := set.Save(s.o.SetPath); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.frame, s.proposed = &lf, false
	s.o.Log.Info("label: frame saved", "component", "label", "image", lf.Image, "balls", len(lf.Balls), "file", s.o.SetPath)
	writeJSON(w, http.StatusOK, frameReply{Frame: &lf, Set: s.o.SetPath})
}

// decode reads one JSON value of at most max bytes, refusing unknown fields.
func decode(r *http.Request, max int64, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, max+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func finite(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"message": msg}})
}

// encodeJPEG encodes a BGR frame for the page (quality 92: the page shows
// it; the fits run on the pixels themselves).
func encodeJPEG(f *model.Frame) ([]byte, error) {
	if f.Width <= 0 || f.Height <= 0 || len(f.Pix) < 3*f.Width*f.Height {
		return nil, errors.New("frame has no pixels")
	}
	img := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	for i, j := 0, 0; i < 3*f.Width*f.Height; i, j = i+3, j+4 {
		img.Pix[j], img.Pix[j+1], img.Pix[j+2], img.Pix[j+3] = f.Pix[i+2], f.Pix[i+1], f.Pix[i], 255
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 92}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WritePNG writes a BGR frame as a PNG file (lossless: the labels are
// fitted to these pixels), atomically.
func WritePNG(path string, f *model.Frame) error {
	img := image.NewNRGBA(image.Rect(0, 0, f.Width, f.Height))
	for y := 0; y < f.Height; y++ {
		for x := 0; x < f.Width; x++ {
			i := 3 * (y*f.Width + x)
			img.SetNRGBA(x, y, color.NRGBA{f.Pix[i+2], f.Pix[i+1], f.Pix[i], 255})
		}
	}
	var b bytes.Buffer
	if err := pngEncode(&b, img); err != nil {
		return err
	}
	return atomicfile.Write(path, b.Bytes(), 0o644)
}

// CaptureName is a file name for a frame captured now.
func CaptureName(now time.Time) string {
	return "capture-" + now.UTC().Format("20060102-150405.000") + ".png"
}
