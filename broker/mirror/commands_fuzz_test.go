package mirror

import (
	"context"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// FuzzCommand: whatever the payload, a command that is refused changes
// nothing in the hub, and none panics. Run: go test ./broker/mirror
// -run '^$' -fuzz FuzzCommand -fuzztime 30s
func FuzzCommand(f *testing.F) {
	for _, s := range []string{
		`{"id":"a","alert_id":"X"}`, `{"alert_id":"X","extra":1}`, `{"alert_id":"X"} {}`, `not json`, `[]`, `{}`,
		`{"id":"b","level":"warning","code":"ok","message":"m"}`, `{"level":"doom","code":"x","message":"m"}`,
		`{"id":"` + string(make([]byte, 70)) + `"}`, `{"alert_id":"X","by":"<script>"}`, "{\"alert_id\":\"X\",\"alert_id\":\"Y\"}",
	} {
		for _, name := range []string{"ack", "alert", "snapshot", "nope"} {
			f.Add(name, []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, name string, payload []byte) {
		h := hub.New(config.Default().Hub, testLogger(t))
		p, _ := h.RaiseAlert(model.Alert{Level: model.AlertError, Code: "c", Message: "m", Source: "test"})
		id := p.AlertID()
		cfg, box := config.Default().MQTT, config.Default().Box
		m := &Mirror{cfg: cfg, box: box, hub: h, log: testLogger(t), topics: newTopics(cfg, box)}
		// "X" in a payload stands for the live alert id.
		payload = []byte(strings.ReplaceAll(string(payload), `"X"`, `"`+id+`"`))
		before := len(h.Alerts())
		_, err := m.apply(context.Background(), name, inbound{topic: m.topics.cmdPrefix + name, payload: payload})
		if err != nil {
			if n := len(h.Alerts()); n != before {
				t.Fatalf("refused %s %q raised an alert (%d -> %d)", name, payload, before, n)
			}
			if st, _ := h.Alert(id); st.Acked {
				t.Fatalf("refused %s %q acked the alert", name, payload)
			}
		}
	})
}
