package vision

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

// CalibrationStore keeps the calibration file in the state directory and
// serves it over HTTP. Set validates, writes the file atomically (temp file,
// fsync, rename) and only then notifies, so a bad or failed update changes
// nothing. Safe for concurrent use.
type CalibrationStore struct {
	path     string
	onChange func(*Calibration) // may be nil; called with mu not held

	mu  sync.Mutex // guards cur
	cur Calibration
}

// OpenCalibrationStore reads path; a missing file is an empty calibration
// (automatic table finding, no lens model).
func OpenCalibrationStore(path string, onChange func(*Calibration)) (*CalibrationStore, error) {
	s := &CalibrationStore{path: path, onChange: onChange}
	c, err := LoadCalibration(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if c != nil {
		s.cur = *c
	}
	return s, nil
}

// LoadCalibration reads a calibration file.
func LoadCalibration(path string) (*Calibration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("vision: calibration: %w", err)
	}
	var c Calibration
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("vision: calibration %s: %v (fix or delete the file; cuecast calibrate writes it)", path, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return &c, nil
}

// SaveCalibration writes c to path atomically.
func SaveCalibration(path string, c *Calibration) error {
	if err := c.Validate(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("vision: calibration: %w", err)
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o640); err != nil {
		return fmt.Errorf("vision: calibration: %w", err)
	}
	return nil
}

// Get returns a copy of the current calibration.
func (s *CalibrationStore) Get() Calibration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.clone()
}

// Set validates and persists c, then makes it current.
func (s *CalibrationStore) Set(c Calibration) error {
	if err := c.Validate(); err != nil {
		return err
	}
	s.mu.Lock()
	if err := SaveCalibration(s.path, &c); err != nil {
		s.mu.Unlock()
		return err
	}
	s.cur = c.clone()
	s.mu.Unlock()
	if s.onChange != nil {
		cc := c.clone()
		s.onChange(&cc)
	}
	return nil
}

func (c Calibration) clone() Calibration {
	if c.Corners != nil {
		k := *c.Corners
		c.Corners = &k
	}
	if c.Camera != nil {
		k := *c.Camera
		k.Dist = append([]float64(nil), k.Dist...)
		c.Camera = &k
	}
	return c
}

// Register adds GET and PUT /api/v1/vision/calibration to mux. PUT takes
// the whole calibration as JSON (unknown fields refused) and answers with
// what was stored.
func (s *CalibrationStore) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/vision/calibration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Get())
	})
	mux.HandleFunc("PUT /api/v1/vision/calibration", func(w http.ResponseWriter, r *http.Request) {
		var c Calibration
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "vision: calibration: bad JSON: " + err.Error()})
			return
		}
		if err := c.Validate(); err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
			return
		}
		if err := s.Set(c); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, s.Get())
	})
}

// ServePerformance answers GET /api/v1/vision/performance with
// d.Performance(); the api package may mount it or call Performance itself.
func (d *Detector) ServePerformance(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, d.Performance())
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
