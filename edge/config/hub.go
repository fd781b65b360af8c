package config

// Hub bounds the streams' history. Owned by edge/hub.
type Hub struct {
	// HistoryCount is how many publications of each never-dropped stream
	// (alert, config, event) are kept for resume; conflating streams keep
	// only their latest value.
	HistoryCount int `toml:"history_count" json:"history_count"`
	// HistoryAge drops kept publications older than this: a client
	// resuming from further back is told recovered:false.
	HistoryAge Duration `toml:"history_age" json:"history_age"`
	// AlertRetention is how many alerts' acknowledgement state is kept
	// (oldest acknowledged alerts are forgotten first).
	AlertRetention int `toml:"alert_retention" json:"alert_retention"`
}

func defaultHub() Hub {
	return Hub{HistoryCount: 1000, HistoryAge: Duration(5 * 60e9), AlertRetention: 256}
}

func (c *Hub) validate(s section) {
	s.rangeI(c.HistoryCount, 1, 1_000_000, "history_count")
	s.positive(c.HistoryAge, "history_age")
	s.rangeI(c.AlertRetention, 1, 100_000, "alert_retention")
}
