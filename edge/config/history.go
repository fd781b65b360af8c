package config

import (
	"path/filepath"
	"strings"
)

// History keeps every shot in a SQLite database on the data partition.
// Owned by edge/store and edge/recorder. Read at start (a restart applies a
// change).
type History struct {
	// Enabled turns shot history, statistics, exports and drills on.
	Enabled bool `toml:"enabled" json:"enabled"`
	// Path is the database file: a bare name or relative path is placed in
	// box.state_dir, an absolute path is used as is.
	Path string `toml:"path" json:"path"`
	// MaxBytes bounds the database: past it the oldest shots lose their
	// pictures first, then the oldest shots are deleted.
	MaxBytes int64 `toml:"max_bytes" json:"max_bytes"`
	// SessionIdle starts a new session at the first shot after the table
	// was idle this long (POST /api/v1/game/reset starts one at once).
	SessionIdle Duration `toml:"session_idle" json:"session_idle"`
	// Queue is how many writes may wait for the database; past it a shot is
	// dropped, counted and alerted, never waited for.
	Queue int `toml:"queue" json:"queue"`
}

func defaultHistory() History {
	return History{Enabled: true, Path: "history.db", MaxBytes: 1 << 30, SessionIdle: Duration(2 * 3600e9), Queue: 256}
}

func (c *History) validate(s section) {
	s.check(c.Path != "" && !strings.HasSuffix(c.Path, "/"), "path", "%q must name a file", c.Path)
	s.check(c.MaxBytes >= 1<<20 && c.MaxBytes <= 1<<40, "max_bytes", "%d is out of range [1 MiB, 1 TiB]", c.MaxBytes)
	s.positive(c.SessionIdle, "session_idle")
	s.rangeI(c.Queue, 8, 100_000, "queue")
}

// DBPath returns the database file for box b.
func (c *History) DBPath(b Box) string {
	if filepath.IsAbs(c.Path) {
		return c.Path
	}
	return filepath.Join(b.StateDir, c.Path)
}
