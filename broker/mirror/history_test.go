package mirror

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cuecast/cuecast/broker/internal/mqtttest"
	"github.com/cuecast/cuecast/edge/hub"
)

// History's summaries (edge/recorder publishes them on the event stream)
// reach their own topics: the session summary retained, each finished game
// once, QoS 1; a dashboard that connects later finds the session summary.
func TestHistoryTopics(t *testing.T) {
	b := mqtttest.New(t, "broker", mqtttest.Plain)
	b.Start()
	cfg, box := testConfig(t, b.URL())
	r := startRig(t, cfg, box, nil)
	r.waitConnected()
	live := mqtttest.Subscribe(t, b.URL(), "dash", true, r.m.Topic("game"), r.m.Topic("session"))
	ev := func(typ, key string, v any) {
		body, _ := json.Marshal(v)
		r.hub.Publish(hub.StreamEvent, map[string]any{"type": typ, "time": time.Now().UTC(), key: json.RawMessage(body)})
	}
	ev("session_summary", "session", map[string]any{"session": map[string]any{"id": 3}, "stats": map[string]any{"shots": 41}})
	ev("game_finished", "game", map[string]any{"game": map[string]any{"id": "g7", "winner": "ann"}})
	ev("session_summary", "session", map[string]any{"session": map[string]any{"id": 3}, "stats": map[string]any{"shots": 42}})
	waitFor(t, "the game and the latest session summary", 10*time.Second, func() bool {
		m, ok := live.Last(r.m.Topic("session"))
		var s struct{ Stats struct{ Shots int } }
		json.Unmarshal(m.Payload, &s)
		return ok && s.Stats.Shots == 42 && len(live.Messages(r.m.Topic("game"))) == 1
	})
	g := live.Messages(r.m.Topic("game"))[0]
	var gf struct{ Game struct{ ID, Winner string } }
	if err := json.Unmarshal(g.Payload, &gf); err != nil || gf.Game.ID != "g7" || gf.Game.Winner != "ann" || g.Retained {
		t.Errorf("base/game = %s (retained %v)", g.Payload, g.Retained)
	}
	later := mqtttest.Subscribe(t, b.URL(), "late", true, r.m.Topic("session"))
	waitFor(t, "the retained session summary", 10*time.Second, func() bool {
		m, ok := later.Last(r.m.Topic("session"))
		return ok && m.Retained
	})
}
