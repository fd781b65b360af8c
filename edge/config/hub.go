package config

// Hub bounds the streams' history. Owned by edge/hub.
type Hub struct {
	HistoryCount int      `toml:"history_count" json:"history_count"` // publications kept per stream
	HistoryAge   Duration `toml:"history_age" json:"history_age"`     // and no older than this
}

func defaultHub() Hub { return Hub{HistoryCount: 1000, HistoryAge: Duration(5 * 60e9)} }

func (c *Hub) validate(s section) {
	s.rangeI(c.HistoryCount, 1, 1_000_000, "history_count")
	s.positive(c.HistoryAge, "history_age")
}
