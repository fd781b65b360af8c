package config

import (
	"regexp"
)

// Box is the box's identity and where it keeps state.
type Box struct {
	Site     string `toml:"site" json:"site"`           // MQTT topic level: letters, digits, - and _
	Table    string `toml:"table" json:"table"`         // MQTT topic level
	StateDir string `toml:"state_dir" json:"state_dir"` // calibration, MQTT store; systemd's StateDirectory
}

func defaultBox() Box {
	return Box{Site: "dev", Table: "table1", StateDir: "/var/lib/cuecast"}
}

var topicLevel = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (b *Box) validate(s section) {
	s.check(topicLevel.MatchString(b.Site), "site", "%q must be 1-64 letters, digits, '-' or '_' (it is an MQTT topic level)", b.Site)
	s.check(topicLevel.MatchString(b.Table), "table", "%q must be 1-64 letters, digits, '-' or '_' (it is an MQTT topic level)", b.Table)
	s.check(b.StateDir != "", "state_dir", "must not be empty")
}
