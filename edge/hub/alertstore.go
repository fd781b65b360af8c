package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cuecast/cuecast/edge/atomicfile"
	"github.com/cuecast/cuecast/edge/model"
)

// The alert store keeps the alert book (alerts and who acknowledged them) on
// disk so a restart (watchdog, update, power cut) neither loses an open
// alert nor re-opens an acknowledged one.
//
// Format: one JSON snapshot of the whole book, rewritten on every raise and
// ack (temp file in the same directory, fsync, rename, fsync of the
// directory). Chosen over an append-only log because the book is small and
// bounded (hub.alert_retention records, a few hundred bytes each: 80 KiB at
// the default) and changes rarely (an alert is raised minutes apart, not per
// frame): rewriting it costs one small write and the fsync a log append would
// cost anyway, and in exchange there is no compaction, no replay and no torn
// tail to repair. The file on disk is always one complete snapshot, old or
// new, so "corrupt" has one meaning: it does not parse or validate.

// alertStoreVersion is the snapshot format version; a file with another
// version is set aside like a corrupt one, never misread.
const alertStoreVersion = 1

// maxAlertStoreBytes bounds what is read at start: the largest legitimate
// book (100 000 records, config's ceiling) is well under it.
const maxAlertStoreBytes = 64 << 20

// maxAlertIDBytes bounds an alert id read back from the file.
const maxAlertIDBytes = 256

type alertStoreFile struct {
	Version int           `json:"version"`
	Saved   time.Time     `json:"saved"`
	Alerts  []storedAlert `json:"alerts"` // oldest first
}

// storedAlert is one record of the store: the alert and its ack state. Its
// own type, not AlertState, so the file format does not follow wire-only
// fields (raised_offset is an offset of an epoch that ends with the process).
type storedAlert struct {
	model.Alert
	Group   string     `json:"group,omitempty"`
	Acked   bool       `json:"acked"`
	AckedBy string     `json:"acked_by,omitempty"`
	AckedAt *time.Time `json:"acked_at,omitempty"`
}

// alertStore writes snapshots of the alert book. The hub builds a snapshot
// under Hub.mu and saves it after unlocking: the fsync (tens of ms on an SD
// card, forever on a dying one) never holds up publishers or other clients,
// only the caller that raised or acked.
type alertStore struct {
	path string
	log  *slog.Logger

	mu      sync.Mutex // serialises writes; guards written
	written uint64     // generation of the newest snapshot on disk

	errors atomic.Uint64 // failed writes (and a failed load)
}

// alertSnapshot is the book at one generation.
type alertSnapshot struct {
	gen  uint64
	recs []storedAlert
}

// WithAlertStore makes the hub keep its alerts and their acknowledgement in
// the file at path (see config.Hub.AlertStorePath), loading it in New. An
// empty path keeps alerts in memory only. A missing file is an empty store;
// a corrupt one is renamed to path+".corrupt", logged, and the hub starts
// with no alerts.
func WithAlertStore(path string) Option {
	return func(h *Hub) {
		if path != "" {
			h.store = &alertStore{path: path, log: h.log}
		}
	}
}

// restoreAlerts loads the store into the book and republishes every
// unacknowledged alert in this epoch (marked restored), so clients
// subscribing to alert get it redelivered as for any open alert. h.mu is
// not needed: New calls it before the hub is shared.
func (h *Hub) restoreAlerts() {
	recs := h.store.load()
	if len(recs) == 0 {
		return
	}
	// Bounds may have changed since the file was written (a smaller
	// retention, a shorter max age): apply both as the book is rebuilt.
	now := time.Now()
	for i := range recs {
		r := &recs[i]
		if h.alerts.maxAge > 0 && now.Sub(r.Time) > h.alerts.maxAge {
			continue
		}
		st := AlertState{Alert: r.Alert, Group: r.Group, Acked: r.Acked, AckedBy: r.AckedBy, AckedAt: r.AckedAt, Restored: true}
		h.alerts.insert(&alertRec{state: st})
	}
	unacked := 0
	for _, r := range h.alerts.order {
		if r.state.Acked {
			continue
		}
		data, err := json.Marshal(r.state)
		if err != nil { // a model.Alert always encodes; keep the record listed
			h.log.Error("alert store: json.Marshal of a restored alert", "id", r.state.ID, "err", err)
			continue
		}
		h.publishLocked(StreamAlert, r.state.Group, data, nil, r.state.ID)
		unacked++
	}
	h.log.Info("alerts restored", "file", h.store.path, "alerts", len(h.alerts.order), "unacked", unacked)
}

// snapshotLocked returns the book to save, nil without a store. h.mu held.
func (h *Hub) snapshotLocked() *alertSnapshot {
	if h.store == nil {
		return nil
	}
	h.alerts.gen++
	s := &alertSnapshot{gen: h.alerts.gen, recs: make([]storedAlert, len(h.alerts.order))}
	for i, r := range h.alerts.order {
		st := r.state
		s.recs[i] = storedAlert{Alert: st.Alert, Group: st.Group, Acked: st.Acked, AckedBy: st.AckedBy, AckedAt: st.AckedAt}
	}
	return s
}

// save writes snap unless a newer snapshot is already on disk (two raises
// racing to save after unlocking Hub.mu land in generation order). A failure
// is logged and counted, never returned: the alert is published and held in
// memory whatever the disk does.
func (s *alertStore) save(snap *alertSnapshot) {
	if s == nil || snap == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if snap.gen <= s.written {
		return
	}
	data, err := json.Marshal(alertStoreFile{Version: alertStoreVersion, Saved: time.Now().UTC(), Alerts: snap.recs})
	if err == nil {
		err = writeFileAtomic(s.path, data)
	}
	if err != nil {
		s.errors.Add(1)
		s.log.Error("alert store: write failed: alerts and acks since the last good write will not survive a restart",
			"file", s.path, "err", err, "failures", s.errors.Load())
		return
	}
	s.written = snap.gen
}

// load reads the store. A missing file is an empty store; a file that cannot
// be read, parsed or validated is set aside (path+".corrupt") and logged,
// and the hub starts empty: a bad file never stops the daemon and is never
// half-applied.
func (s *alertStore) load() []storedAlert {
	// A crash between Create and Commit leaves a temp file; nothing
	// else would ever remove it.
	removed, err := atomicfile.RemoveTemps(s.path)
	for _, name := range removed {
		s.log.Info("alert store: removed the temp file of an interrupted write", "file", name)
	}
	if err != nil {
		s.log.Warn("alert store: could not remove the temp files of an interrupted write", "file", s.path, "err", err)
	}
	data, err := s.read()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		// Not known to be corrupt (permissions, I/O): leave it in place.
		s.errors.Add(1)
		s.log.Error("alert store: cannot read, starting with no alerts", "file", s.path, "err", err)
		return nil
	}
	recs, err := decodeAlertStore(data)
	if err == nil {
		return recs
	}
	s.errors.Add(1)
	aside := s.path + ".corrupt"
	if rerr := os.Rename(s.path, aside); rerr != nil {
		s.log.Error("alert store: unreadable, starting with no alerts; could not set it aside either (it will be overwritten by the next alert)",
			"file", s.path, "err", err, "rename_err", rerr)
		return nil
	}
	s.log.Error("alert store: unreadable, starting with no alerts; the file was kept aside for inspection",
		"file", s.path, "kept_as", aside, "err", err)
	return nil
}

func (s *alertStore) read() ([]byte, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxAlertStoreBytes+1))
	if err != nil {
		return nil, fmt.Errorf("hub: alert store: read %s: %w", s.path, err)
	}
	return data, nil
}

// decodeAlertStore parses and validates a snapshot: every record must be
// one the hub could have written, or none is used.
func decodeAlertStore(data []byte) ([]storedAlert, error) {
	if len(data) > maxAlertStoreBytes {
		return nil, fmt.Errorf("hub: alert store: larger than %d bytes: not a file the hub wrote", maxAlertStoreBytes)
	}
	var f alertStoreFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("hub: alert store: json: %w (truncated or overwritten?)", err)
	}
	if f.Version != alertStoreVersion {
		return nil, fmt.Errorf("hub: alert store: version %d, want %d", f.Version, alertStoreVersion)
	}
	seen := make(map[string]bool, len(f.Alerts))
	for i, r := range f.Alerts {
		if err := r.valid(); err != nil {
			return nil, fmt.Errorf("hub: alert store: record %d: %w", i, err)
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("hub: alert store: record %d: duplicate id %q", i, r.ID)
		}
		seen[r.ID] = true
	}
	return f.Alerts, nil
}

func (r *storedAlert) valid() error {
	switch {
	case r.ID == "" || len(r.ID) > maxAlertIDBytes:
		return fmt.Errorf("id %q: want 1 to %d bytes", r.ID, maxAlertIDBytes)
	case r.Time.IsZero():
		return fmt.Errorf("alert %q: no raise time", r.ID)
	case r.Acked != (r.AckedAt != nil):
		return fmt.Errorf("alert %q: acked %v but acked_at %v", r.ID, r.Acked, r.AckedAt)
	}
	switch r.Level {
	case model.AlertInfo, model.AlertWarning, model.AlertError, model.AlertCritical:
	default:
		return fmt.Errorf("alert %q: level %q", r.ID, r.Level)
	}
	return ValidGroup(r.Group, true)
}

// tempPrefix is the name prefix of path's temp files.
func tempPrefix(path string) string { return atomicfile.TempPrefix(path) }

// writeFileAtomic replaces path with data (atomicfile: a crash at any point
// leaves either the old file or the new one), creating box.state_dir if
// needed.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("hub: alert store: %w (is box.state_dir writable?)", err)
	}
	if err := atomicfile.Write(path, data, 0o640); err != nil {
		return fmt.Errorf("hub: alert store: %w", err)
	}
	return nil
}
