package update

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// The spool is the hand-over between the unprivileged daemon (Handler) and
// the root-owned cuecast-update.service (ProcessSpool). It lives in the
// daemon's state directory.
const (
	// DefaultSpoolDir is the spool on a box (cuecastd's StateDirectory).
	DefaultSpoolDir = "/var/lib/cuecast/update"
	// PendingName is a verified upload waiting for cuecast-update.path.
	PendingName    = "pending.bundle"
	installingName = "installing.bundle"
	statusName     = "status.json"
)

// Status is the spool's last news, served by GET /api/v1/update.
type Status struct {
	// State: "queued", "installing", "installed" (reboot to try it),
	// "failed".
	State   string    `json:"state"`
	Version string    `json:"version,omitempty"`
	Slot    Slot      `json:"slot,omitempty"`
	Entry   string    `json:"entry,omitempty"`
	Error   string    `json:"error,omitempty"`
	Time    time.Time `json:"time"`
}

// ReadStatus returns the spool's status; a spool that never saw an upload
// has State "idle".
func ReadStatus(dir string) (Status, error) {
	b, err := os.ReadFile(filepath.Join(dir, statusName))
	if errors.Is(err, fs.ErrNotExist) {
		return Status{State: "idle"}, nil
	}
	if err != nil {
		return Status{}, fmt.Errorf("update: read status: %w", err)
	}
	var s Status
	if err := json.Unmarshal(b, &s); err != nil {
		return Status{}, fmt.Errorf("update: status file %s: %w", filepath.Join(dir, statusName), err)
	}
	return s, nil
}

func writeStatus(dir string, s Status) error {
	s.Time = time.Now().UTC()
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	// writeFileAtomic creates its temporary file with O_EXCL, so a symlink
	// planted in the (daemon-writable) spool cannot redirect a root write.
	return writeFileAtomic(filepath.Join(dir, statusName), append(b, '\n'), 0o644)
}

// ProcessSpool installs the pending upload in dir, if any, recording the
// outcome in the status file. It returns (nil, nil) when nothing is pending.
// The bundle is verified again here: the daemon that queued it is not
// trusted with the slots.
func ProcessSpool(ctx context.Context, dir string, in *Installer) (*Result, error) {
	pending := filepath.Join(dir, PendingName)
	installing := filepath.Join(dir, installingName)
	if err := os.Rename(pending, installing); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("update: spool: %w", err)
	}
	defer os.Remove(installing)
	if err := writeStatus(dir, Status{State: "installing"}); err != nil {
		return nil, fmt.Errorf("update: spool status: %w", err)
	}
	r, err := in.installSpooled(ctx, installing)
	if err != nil {
		if serr := writeStatus(dir, Status{State: "failed", Error: err.Error()}); serr != nil {
			in.logger().Error("update: spool status", "err", serr)
		}
		return nil, err
	}
	st := Status{State: "installed", Version: r.Version, Slot: r.Slot, Entry: r.Entry}
	if err := writeStatus(dir, st); err != nil {
		return r, fmt.Errorf("update: spool status: %w", err)
	}
	return r, nil
}
