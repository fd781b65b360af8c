package vision

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

// VenueStore keeps the venue file (the taught ball colours) in the state
// directory and serves it over HTTP. Set validates, writes the file
// atomically and only then notifies, so a bad or failed import changes
// nothing. Safe for concurrent use.
type VenueStore struct {
	path     string
	onChange func(*Venue) // may be nil; nil venue: forgotten; called with mu not held

	mu  sync.Mutex // guards cur
	cur *Venue     // nil: none taught
}

// OpenVenueStore reads path; a missing file is no venue (the built-in
// colours).
func OpenVenueStore(path string, onChange func(*Venue)) (*VenueStore, error) {
	s := &VenueStore{path: path, onChange: onChange}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("vision: venue: %w", err)
	}
	v, err := ParseVenue(data)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	s.cur = v
	return s, nil
}

// Get is a copy of the venue, nil when none is taught.
func (s *VenueStore) Get() *Venue {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil {
		return nil
	}
	return s.cur.clone()
}

// Set validates and persists v, then makes it current.
func (s *VenueStore) Set(v *Venue) error {
	if err := v.Validate(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("vision: venue: %w", err)
	}
	s.mu.Lock()
	if err := atomicfile.Write(s.path, append(data, '\n'), 0o640); err != nil {
		s.mu.Unlock()
		return fmt.Errorf("vision: venue: %w", err)
	}
	s.cur = v.clone()
	s.mu.Unlock()
	if s.onChange != nil {
		s.onChange(v.clone())
	}
	return nil
}

// Forget removes the venue file: balls are named by the built-in colours.
func (s *VenueStore) Forget() error {
	s.mu.Lock()
	if err := os.Remove(s.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.mu.Unlock()
		return fmt.Errorf("vision: venue: %w", err)
	}
	s.cur = nil
	s.mu.Unlock()
	if s.onChange != nil {
		s.onChange(nil)
	}
	return nil
}

// Register adds GET, PUT and DELETE /api/v1/vision/venue to mux. GET
// exports the venue (404 when none is taught); PUT imports a whole venue
// document (validated whole or refused) and answers with what was
// stored; DELETE forgets it.
func (s *VenueStore) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/vision/venue", func(w http.ResponseWriter, r *http.Request) {
		v := s.Get()
		if v == nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "vision: venue: none taught (the built-in ball colours are in use)"})
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
	mux.HandleFunc("PUT /api/v1/vision/venue", func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "vision: venue: " + err.Error()})
			return
		}
		v, err := ParseVenue(data)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		if err := s.Set(v); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, s.Get())
	})
	mux.HandleFunc("DELETE /api/v1/vision/venue", func(w http.ResponseWriter, r *http.Request) {
		if err := s.Forget(); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
