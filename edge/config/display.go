package config

// Display tunes the web pages' client behaviour (sent to them at load).
type Display struct {
	// Seed api.websocket.manager.max_reconnect_attempts = 5 and
	// reconnect_delay = 1.0: quick tries before backing off. The pages never
	// give up; after MaxReconnectAttempts quick tries they back off to 10 s.
	MaxReconnectAttempts int      `toml:"max_reconnect_attempts" json:"max_reconnect_attempts"`
	ReconnectDelay       Duration `toml:"reconnect_delay" json:"reconnect_delay"`
}

func defaultDisplay() Display {
	return Display{MaxReconnectAttempts: 5, ReconnectDelay: Duration(1e9)}
}

func (c *Display) validate(s section) {
	s.rangeI(c.MaxReconnectAttempts, 0, 1000, "max_reconnect_attempts")
	s.positive(c.ReconnectDelay, "reconnect_delay")
}
