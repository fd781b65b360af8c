package config

import (
	"path/filepath"
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
	// across restarts: a bare name or relative path is placed in
	// box.state_dir, an absolute path is used as is; empty keeps alerts in
	// memory only. Read at start (a restart applies a change).
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
	s.check(!strings.HasSuffix(c.AlertStore, "/") && c.AlertStore != "." && c.AlertStore != "..",
		"alert_store", "%q is a directory: name a file (or leave it empty to keep alerts in memory only)", c.AlertStore)
}

// AlertStorePath returns the alert store's file for box b, "" when alerts
// are kept in memory only.
func (c *Hub) AlertStorePath(b Box) string {
	if c.AlertStore == "" || filepath.IsAbs(c.AlertStore) {
		return c.AlertStore
	}
	return filepath.Join(b.StateDir, c.AlertStore)
}
