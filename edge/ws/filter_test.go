package ws

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// TestFiltersOverWebSocket: a scoreboard that wants only pocketings and a
// tile that wants only balls' ids and positions get just that; an
// unfiltered display beside them gets everything, and offsets are the
// stream's own in both.
func TestFiltersOverWebSocket(t *testing.T) {
	env := newEnv(t, 0)
	filtered, _ := env.connect(t, dialOpts{})
	plain, _ := env.connect(t, dialOpts{})
	filtered.send(`{"type":"subscribe","id":1,"data":{"streams":["event","state"],"filters":{"event":{"where":{"type":{"in":["ball_pocketed","shot_ended"]}}},"state":{"fields":["balls.id","balls.pos"]}}}}`)
	m, _ := filtered.until(TypeSubscribed)
	var sub struct {
		Streams []hub.SubscribeResult `json:"streams"`
	}
	json.Unmarshal(m.Data, &sub)
	if len(sub.Streams) != 2 || !sub.Streams[0].Filtered || !sub.Streams[1].Filtered {
		t.Fatalf("subscribed = %s, want both streams filtered", m.Data)
	}
	plain.send(`{"type":"subscribe","data":{"streams":["event","state"]}}`)
	plain.until(TypeSubscribed)

	env.h.Publish(hub.StreamEvent, model.Event{Type: model.EventBallCollision, Balls: []string{"cue", "3"}})
	pk, _ := env.h.Publish(hub.StreamEvent, model.Event{Type: model.EventBallPocketed, Balls: []string{"3"}, Pocket: "side-top"})
	n := 3
	st, _ := env.h.Publish(hub.StreamState, model.State{Seq: 5, Phase: "idle", Balls: []model.Ball{{ID: "3", Class: "solid", Number: &n, Pos: model.Vec2{X: 1, Y: 0.5}, Confidence: 0.9}}})

	got := map[string]msg{}
	for len(got) < 2 {
		p := filtered.next()
		if p.Type != TypePublication {
			continue
		}
		if _, dup := got[p.Stream]; dup {
			t.Fatalf("second %s publication through the filter: %s", p.Stream, p.Raw)
		}
		got[p.Stream] = p
	}
	if ev := got["event"]; ev.Offset != pk.Offset || !strings.Contains(string(ev.Data), `"ball_pocketed"`) {
		t.Errorf("event through the filter = %s, want the pocketing at offset %d", ev.Raw, pk.Offset)
	}
	if s := got["state"]; s.Offset != st.Offset || string(s.Data) != `{"balls":[{"id":"3","pos":{"x":1,"y":0.5}}]}` {
		t.Errorf("state through the filter = %s", s.Raw)
	}
	seen := map[uint64]bool{}
	for len(seen) < 3 {
		p := plain.next()
		if p.Type == TypePublication {
			seen[p.Offset*10+map[string]uint64{"event": 1, "state": 2}[p.Stream]] = true
		}
	}
}

// TestFilterErrorsNamePathAndChangeNothing: a refused filter is a
// bad_argument naming the path; the connection's subscriptions are as
// before.
func TestFilterErrorsNamePathAndChangeNothing(t *testing.T) {
	env := newEnv(t, 0)
	c, _ := env.connect(t, dialOpts{})
	c.send(`{"type":"subscribe","data":{"streams":["event"]}}`)
	c.until(TypeSubscribed)
	for _, tc := range []struct{ req, path, msg string }{
		{`{"fields":["balls.size"]}`, "balls.size", `unknown field "size"`},
		{`{"where":{"balls.class":{"like":"s%"}}}`, "balls.class", `unknown operator "like"`},
		{`{"where":{"balls.moving":{"gt":true}}}`, "balls.moving", "without an order"},
	} {
		c.send(`{"type":"subscribe","id":"x","data":{"streams":["state","event"],"filters":{"state":` + tc.req + `}}}`)
		m, skipped := c.until(TypeError)
		for _, s := range skipped {
			if s.Type == TypeSubscribed {
				t.Fatalf("%s: subscribed before the error", tc.req)
			}
		}
		var d errorData
		json.Unmarshal(m.Data, &d)
		if d.Code != CodeBadArgument || d.Path != tc.path || !strings.Contains(d.Message, tc.msg) || !strings.Contains(d.Message, "filters.state") {
			t.Errorf("%s: error %+v, want bad_argument at %q with %q", tc.req, d, tc.path, tc.msg)
		}
	}
	c.send(`{"type":"get_status"}`)
	m, _ := c.until(TypeStatus)
	var st struct{ Streams []string }
	json.Unmarshal(m.Data, &st)
	if len(st.Streams) != 1 || st.Streams[0] != "event" {
		t.Errorf("streams after refused filters = %v, want [event]", st.Streams)
	}
}

// TestFrameQualityOverWebSocket: two clients asking for different levels
// each get their own JPEG of the same frame (same offset).
func TestFrameQualityOverWebSocket(t *testing.T) {
	env := newEnv(t, 0)
	full, _ := env.connect(t, dialOpts{})
	small, _ := env.connect(t, dialOpts{})
	full.send(`{"type":"subscribe","data":{"streams":["frame"]}}`)
	full.until(TypeSubscribed)
	small.send(`{"type":"subscribe","data":{"streams":["frame"],"filters":{"frame":{"quality":"640"}}}}`)
	m, _ := small.until(TypeSubscribed)
	if !strings.Contains(string(m.Data), `"quality":"640"`) {
		t.Errorf("subscribed = %s, want quality 640", m.Data)
	}
	if got := env.h.FrameLevels(); got != [hub.NumLevels]int{1, 0, 1} {
		t.Fatalf("FrameLevels = %v, want [1 0 1]", got)
	}
	p, err := env.h.PublishFrame([hub.NumLevels][]byte{hub.LevelFull: []byte("FULL-JPEG"), hub.Level640: []byte("SMALL")})
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range map[*tclient]string{full: "FULL-JPEG", small: "SMALL"} {
		b := c.next()
		if b.Bin == nil || string(b.Bin.Payload) != want || b.Offset != p.Offset {
			t.Errorf("frame = %q at %d, want %q at %d", b.Raw, b.Offset, want, p.Offset)
		}
	}
}

func TestAutoQualitySteps(t *testing.T) {
	a := newAutoQuality()
	now := time.Unix(1000, 0)
	pub := now
	step := func(write time.Duration, drops uint64) (int, bool) {
		now = now.Add(66 * time.Millisecond)
		pub = pub.Add(66 * time.Millisecond)
		return a.observe(now, pub, write, drops)
	}
	step(0, 0) // first frame: the reference
	// Keeping pace at full: no change.
	for range 100 {
		if l, ch := step(time.Millisecond, 0); ch || l != hub.LevelFull {
			t.Fatalf("stepped to %d while keeping pace", l)
		}
	}
	// Falling behind: frames dropped (conflated) before the client took them.
	drops := uint64(0)
	var level int
	for range a.stepDownAt {
		drops++
		level, _ = step(time.Millisecond, drops)
	}
	if level != hub.Level960 {
		t.Fatalf("after %d frames behind: level %d, want 960", a.stepDownAt, level)
	}
	// Slow writes alone count as behind too.
	for range a.stepDownAt {
		level, _ = step(50*time.Millisecond, drops)
	}
	if level != hub.Level640 {
		t.Fatalf("after slow writes: level %d, want 640", level)
	}
	for range 10 {
		if l, _ := step(50*time.Millisecond, drops); l != hub.Level640 {
			t.Fatalf("stepped below the lowest level: %d", l)
		}
	}
	// Keeping pace again: back up one level at a time, not before the hold.
	ups := 0
	for i := 0; i < 2000 && level > hub.LevelFull; i++ {
		var ch bool
		if level, ch = step(time.Millisecond, drops); ch {
			ups++
			if now.Sub(a.changed) != 0 {
				t.Fatal("changed time not recorded")
			}
		}
	}
	if level != hub.LevelFull || ups != 2 {
		t.Errorf("recovering: level %d after %d steps up, want full after 2", level, ups)
	}
}
