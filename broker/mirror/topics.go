package mirror

import (
	"strings"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
)

// topics are built once: every publish reuses these strings.
type topics struct {
	base      string // <prefix>/<site>/<table>
	available string
	summary   string
	snapshot  string
	session   string // history: retained summary of the current session
	game      string // history: one message per finished game
	cmdFilter string // base/cmd/+
	cmdPrefix string // base/cmd/
	haStatus  string // <ha_prefix>/status
	stream    map[hub.Stream]string
}

func newTopics(cfg config.MQTT, box config.Box) topics {
	base := cfg.TopicPrefix + "/" + box.Site + "/" + box.Table
	t := topics{
		base:      base,
		available: base + "/available",
		summary:   base + "/summary",
		snapshot:  base + "/snapshot",
		session:   base + "/session",
		game:      base + "/game",
		cmdFilter: base + "/cmd/+",
		cmdPrefix: base + "/cmd/",
		haStatus:  cfg.HADiscoveryPrefix + "/status",
		stream:    map[hub.Stream]string{},
	}
	for _, s := range hub.Streams {
		t.stream[s] = base + "/" + string(s)
	}
	return t
}

// command returns the command name of a topic under base/cmd/, or "".
func (t *topics) command(topic string) string {
	name, ok := strings.CutPrefix(topic, t.cmdPrefix)
	if !ok || strings.Contains(name, "/") {
		return ""
	}
	return name
}

func (t *topics) reply(name string) string { return t.cmdPrefix + name + "/reply" }
