package config

import (
	"path/filepath"
	"regexp"
	"strings"
)

// Hub bounds the streams' history. Owned by edge/hub.
type Hub struct {
	// HistoryCount is how many publications of each never-dropped stream
	// (alert, config, event) are kept for resume; conflating streams keep
	// only their latest value.
	HistoryCount int `toml:"history_count" json:"history_count"`
	// HistoryAge drops kept publications older than this: a client
	// resuming from further back is told recovered:false.
	HistoryAge Duration `toml:"history_age" json:"history_age"`
	// AlertRetention is how many alerts' acknowledgement state is kept, in
	// memory and in the alert store (oldest acknowledged alerts are
	// forgotten first).
	AlertRetention int `toml:"alert_retention" json:"alert_retention"`
	// AlertMaxAge forgets alerts raised longer ago than this, acknowledged
	// or not, in memory and in the alert store.
	AlertMaxAge Duration `toml:"alert_max_age" json:"alert_max_age"`
	// AlertStore is the file that keeps alerts and their acknowledgement
	// across restarts: a file name in box.state_dir (no directories: the
	// store rewrites and sets aside the file it names, so it may not point
	// at the config or another file); empty keeps alerts in memory only.
	// Read at start (a restart applies a change).
	AlertStore string `toml:"alert_store" json:"alert_store"`
}

func defaultHub() Hub {
	return Hub{HistoryCount: 1000, HistoryAge: Duration(5 * 60e9), AlertRetention: 256,
		AlertMaxAge: Duration(7 * 24 * 3600e9), AlertStore: "alerts.json"}
}

func (c *Hub) validate(s section) {
	s.rangeI(c.HistoryCount, 1, 1_000_000, "history_count")
	s.positive(c.HistoryAge, "history_age")
	s.rangeI(c.AlertRetention, 1, 100_000, "alert_retention")
	s.positive(c.AlertMaxAge, "alert_max_age")
	if c.AlertStore != "" && !stateFileName.MatchString(c.AlertStore) {
		s.fail("alert_store", "%q: name a file in box.state_dir (1-64 letters, digits, '.', '_' or '-', not starting with '.'; no directories), or leave it empty to keep alerts in memory only", c.AlertStore)
	}
}

// stateFileName is a plain file name in box.state_dir: no separator, no
// "..", not hidden (temp files are).
var stateFileName = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$`)

// reservedStateNames are the files and directories in box.state_dir that
// belong to other parts: the alert store may not be named after one of
// them (it would rewrite, or set aside as corrupt, another part's state).
func (c *Config) reservedStateNames() map[string]string {
	names := map[string]string{
		"projector.json": "the projector calibration",
		"mqtt":           "the MQTT outbox (mqtt.store_dir's default)",
		"update":         "the update spool",
	}
	if cal := c.Vision.Calibration; cal != "" && !filepath.IsAbs(cal) {
		names[strings.SplitN(filepath.ToSlash(filepath.Clean(cal)), "/", 2)[0]] = "vision.calibration"
	}
	return names
}

// AlertStorePath returns the alert store's file for box b, "" when alerts
// are kept in memory only.
func (c *Hub) AlertStorePath(b Box) string {
	if c.AlertStore == "" {
		return ""
	}
	return filepath.Join(b.StateDir, c.AlertStore)
}
