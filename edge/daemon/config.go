package daemon

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/cuecast/cuecast/edge/config"
)

// Overrides are the command-line flags that win over the config file, on
// start and on every reload.
type Overrides struct {
	Listen, Source, MQTT, StateDir string
}

// Apply writes the non-empty overrides into c.
func (o Overrides) Apply(c *config.Config) {
	if o.Listen != "" {
		c.HTTP.Listen = o.Listen
	}
	if o.Source != "" {
		c.Source.Kind = o.Source
	}
	if o.MQTT != "" {
		c.MQTT.URL = o.MQTT
	}
	if o.StateDir != "" {
		c.Box.StateDir = o.StateDir
	}
}

// LoadConfig reads path over the defaults and applies the flag overrides.
// An absent default path means built-in defaults; an absent explicit path is
// an error.
func LoadConfig(path string, explicit bool, ov Overrides) (cfg config.Config, fromFile bool, err error) {
	cfg, err = config.Load(path)
	switch {
	case err == nil:
		fromFile = true
	case !explicit && errors.Is(err, fs.ErrNotExist):
		cfg, err = config.Default(), nil
	default:
		return cfg, false, err
	}
	ov.Apply(&cfg)
	if err := cfg.Validate(); err != nil {
		return cfg, fromFile, fmt.Errorf("command-line flags: %w", err)
	}
	if err := checkStatePaths(path, cfg); err != nil {
		return cfg, fromFile, err
	}
	return cfg, fromFile, nil
}

// ParseLevel turns log.level into a slog level (info when unreadable; the
// config's validation has already refused bad values).
func ParseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}
