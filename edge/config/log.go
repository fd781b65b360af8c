package config

// Log chooses how much the daemon logs.
type Log struct {
	Level string `toml:"level" json:"level"` // debug, info, warn, error
}

func defaultLog() Log { return Log{Level: "info"} }

func (l *Log) validate(s section) {
	switch l.Level {
	case "debug", "info", "warn", "error":
	default:
		s.fail("level", "%q is not one of debug, info, warn, error", l.Level)
	}
}
