package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/cuecast/cuecast/edge/hub"
)

// Home Assistant MQTT discovery: one device per table, with sensors read
// from base/summary (the game's score and turn from base/game) and availability from base/available ("stopped" shows
// as unavailable too, through the availability template).
type haDevice struct {
	Identifiers  []string `json:"identifiers"`
	Name         string   `json:"name"`
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
}

type haAvailability struct {
	Topic         string `json:"topic"`
	ValueTemplate string `json:"value_template"`
}

type haSensor struct {
	Name              string           `json:"name"`
	UniqueID          string           `json:"unique_id"`
	ObjectID          string           `json:"object_id"`
	StateTopic        string           `json:"state_topic"`
	ValueTemplate     string           `json:"value_template"`
	Unit              string           `json:"unit_of_measurement,omitempty"`
	StateClass        string           `json:"state_class,omitempty"`
	Icon              string           `json:"icon,omitempty"`
	Availability      []haAvailability `json:"availability"`
	AvailabilityMode  string           `json:"availability_mode"`
	Device            haDevice         `json:"device"`
	EntityCategory    string           `json:"entity_category,omitempty"`
	JSONAttributes    string           `json:"json_attributes_topic,omitempty"`
	JSONAttributesTpl string           `json:"json_attributes_template,omitempty"`
}

// discovery returns topic -> retained config payload.
func (m *Mirror) discovery() map[string][]byte {
	node := "cuecast_" + m.box.Site + "_" + m.box.Table
	dev := haDevice{
		Identifiers: []string{node}, Name: "cuecast " + m.box.Site + "/" + m.box.Table,
		Manufacturer: "cuecast", Model: "pool table edge box",
	}
	avail := []haAvailability{{Topic: m.topics.available, ValueTemplate: "{{ 'online' if value == 'online' else 'offline' }}"}}
	mk := func(obj, name, tpl, unit, class, icon string) haSensor {
		return haSensor{
			Name: name, UniqueID: node + "_" + obj, ObjectID: node + "_" + obj,
			StateTopic: m.topics.summary, ValueTemplate: tpl, Unit: unit, StateClass: class, Icon: icon,
			Availability: avail, AvailabilityMode: "all", Device: dev,
		}
	}
	sensors := []haSensor{
		mk("balls_on_table", "Balls on table", "{{ value_json.balls_on_table }}", "balls", "measurement", "mdi:billiards"),
		mk("fps", "Camera frame rate", "{{ value_json.fps }}", "fps", "measurement", "mdi:camera-timer"),
		mk("last_event", "Last event", "{{ value_json.last_event | default('none') }}", "", "", "mdi:history"),
		mk("phase", "Phase", "{{ value_json.phase | default('unknown') }}", "", "", "mdi:state-machine"),
	}
	sensors[1].EntityCategory = "diagnostic"
	// The game's score and turn come from the retained game stream.
	score := mk("game_score", "Score", "{{ value_json.data.score | default('') }}", "", "", "mdi:scoreboard")
	turn := mk("game_turn", "Turn", "{{ value_json.data.turn | default('') }}", "", "", "mdi:account-arrow-right")
	score.StateTopic, turn.StateTopic = m.topics.stream[hub.StreamGame], m.topics.stream[hub.StreamGame]
	score.JSONAttributes, score.JSONAttributesTpl = m.topics.stream[hub.StreamGame], "{{ {'game': value_json.data.game, 'racks': value_json.data.racks, 'players': value_json.data.players} | tojson }}"
	sensors = append(sensors, score, turn)
	out := map[string][]byte{}
	for _, s := range sensors {
		b, _ := json.Marshal(s)
		out[fmt.Sprintf("%s/sensor/%s/%s/config", m.cfg.HADiscoveryPrefix, node, s.UniqueID[len(node)+1:])] = b
	}
	return out
}

// publishDiscovery sends the discovery configs with pub: the client itself
// during session setup, m.publish afterwards.
func (m *Mirror) publishDiscovery(ctx context.Context, pub func(string, byte, bool, any) mqtt.Token) error {
	var toks []mqtt.Token
	for topic, b := range m.discovery() {
		t := pub(topic, 1, true, b)
		if t == nil {
			return errors.New("publish discovery: disconnected")
		}
		toks = append(toks, t)
	}
	for _, t := range toks {
		if !waitToken(ctx, t) {
			return fmt.Errorf("publish discovery: %v", tokenErr(t, ctx))
		}
	}
	return nil
}
