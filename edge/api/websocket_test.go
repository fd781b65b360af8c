package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/api"
)

func TestLatencyLevel(t *testing.T) {
	ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, api.LevelExcellent},
		{ms(19.999), api.LevelExcellent},
		{ms(20), api.LevelGood},
		{ms(49.999), api.LevelGood},
		{ms(50), api.LevelFair},
		{ms(99.999), api.LevelFair},
		{ms(100), api.LevelPoor},
		{ms(199.999), api.LevelPoor},
		{ms(200), api.LevelCritical},
		{time.Minute, api.LevelCritical},
	} {
		if got := api.LatencyLevel(tc.d); got != tc.want {
			t.Errorf("LatencyLevel(%v) = %s, want %s", tc.d, got, tc.want)
		}
	}
}

func TestWebSocketHealth(t *testing.T) {
	for _, tc := range []struct {
		avgMS   float64
		samples uint64
		level   string
		healthy bool
	}{
		{3, 100, api.LevelExcellent, true},
		{20, 100, api.LevelGood, true},
		{75, 100, api.LevelFair, true},
		{150, 100, api.LevelPoor, false},
		{250, 100, api.LevelCritical, false},
		{0, 0, api.LevelUnknown, true},
	} {
		t.Run(fmt.Sprint(tc.avgMS, tc.samples), func(t *testing.T) {
			e := newEnv(t)
			e.conns.Add(api.ConnectionInfo{ID: "c1"})
			e.deliv.Set(api.DeliveryStats{Window: 10 * time.Second, Messages: 42, Drops: 3,
				Recent: api.LatencyStats{Samples: tc.samples, AvgMS: tc.avgMS, MinMS: 1, MaxMS: 400, P99MS: 390, JitterMS: 2}})
			var got struct {
				Level       string           `json:"level"`
				Healthy     bool             `json:"healthy"`
				Latency     api.LatencyStats `json:"latency"`
				WindowS     float64          `json:"window_s"`
				Connections int              `json:"connections"`
				Messages    uint64           `json:"messages"`
				Drops       uint64           `json:"drops"`
			}
			e.do(req{path: "/api/v1/websocket/health"}).wantJSON(t, 200, &got)
			if got.Level != tc.level || got.Healthy != tc.healthy {
				t.Errorf("level, healthy = %s, %v; want %s, %v", got.Level, got.Healthy, tc.level, tc.healthy)
			}
			if got.WindowS != 10 || got.Connections != 1 || got.Messages != 42 || got.Drops != 3 || got.Latency.P99MS != 390 {
				t.Errorf("body = %+v", got)
			}
		})
	}
}

func TestWebSocketMetrics(t *testing.T) {
	e := newEnv(t)
	st := api.DeliveryStats{
		Window: 10 * time.Second, Messages: 30, Bytes: 3000, Errors: 1, Drops: 5, Disconnects: 1,
		Recent: api.LatencyStats{Samples: 30, MinMS: 0.5, MaxMS: 9, AvgMS: 2, JitterMS: 0.7},
		Streams: []api.StreamDelivery{
			{Stream: "state", Messages: 20, Bytes: 2000, Drops: 5, Consumers: 2, Latency: api.LatencyStats{Samples: 20, AvgMS: 2}},
			{Stream: "event", Messages: 10, Bytes: 1000, Errors: 1, Consumers: 1},
		},
	}
	e.deliv.Set(st)
	var got struct {
		Latency     api.LatencyStats     `json:"latency"`
		Messages    uint64               `json:"messages"`
		Bytes       uint64               `json:"bytes"`
		Errors      uint64               `json:"errors"`
		Drops       uint64               `json:"drops"`
		Disconnects uint64               `json:"disconnects"`
		Streams     []api.StreamDelivery `json:"streams"`
	}
	e.do(req{path: "/api/v1/websocket/metrics"}).wantJSON(t, 200, &got)
	if got.Latency != st.Recent || got.Messages != 30 || got.Bytes != 3000 || got.Errors != 1 || got.Drops != 5 || got.Disconnects != 1 {
		t.Errorf("totals = %+v", got)
	}
	if !slices.EqualFunc(got.Streams, st.Streams, func(a, b api.StreamDelivery) bool { return a == b }) {
		t.Errorf("streams = %+v, want %+v", got.Streams, st.Streams)
	}
}

func TestConnections(t *testing.T) {
	e := newEnv(t)
	e.conns.Add(api.ConnectionInfo{ID: "c2", Remote: "10.0.0.2:5000", Group: "projector", Connected: t0.Add(time.Second), Streams: []string{"trajectory"}})
	e.conns.Add(api.ConnectionInfo{ID: "c1", Remote: "10.0.0.1:5000", Group: "display", Connected: t0, Streams: []string{"state"}})
	var list struct {
		Count       int                  `json:"count"`
		Connections []api.ConnectionInfo `json:"connections"`
	}
	e.do(req{path: "/api/v1/websocket/connections"}).wantJSON(t, 200, &list)
	if list.Count != 2 || len(list.Connections) != 2 || list.Connections[0].ID != "c1" || list.Connections[1].Group != "projector" {
		t.Errorf("list = %+v, want c1 then c2 (by connect time)", list)
	}
	var one api.ConnectionInfo
	e.do(req{path: "/api/v1/websocket/connections/c2"}).wantJSON(t, 200, &one)
	if one.ID != "c2" || one.Remote != "10.0.0.2:5000" {
		t.Errorf("c2 = %+v", one)
	}
	e.do(req{path: "/api/v1/websocket/connections/zz"}).wantErr(t, 404, api.CodeNotFound)
}

func TestConnectionCommands(t *testing.T) {
	const json = "application/json"
	for _, tc := range []struct {
		name    string
		r       req
		status  int
		code    string
		streams []string // c1's streams afterwards
		calls   []string
	}{
		{"subscribe", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe", body: `{"streams":["event","alert","event"]}`, auth: true},
			200, "", []string{"alert", "event", "state"}, []string{"subscribe c1 [event alert]"}},
		{"subscribe with content type", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe", body: `{"streams":["frame"]}`, header: map[string]string{"Content-Type": json + "; charset=utf-8"}, auth: true},
			200, "", []string{"frame", "state"}, []string{"subscribe c1 [frame]"}},
		{"unsubscribe", req{method: "POST", path: "/api/v1/websocket/connections/c1/unsubscribe", body: `{"streams":["state"]}`, auth: true},
			200, "", []string{}, []string{"unsubscribe c1 [state]"}},
		{"disconnect", req{method: "POST", path: "/api/v1/websocket/connections/c1/disconnect", auth: true},
			200, "", nil, []string{`disconnect c1 "disconnected by an administrator"`}},
		{"disconnect with reason", req{method: "POST", path: "/api/v1/websocket/connections/c1/disconnect", body: `{"reason":"maintenance"}`, auth: true},
			200, "", nil, []string{`disconnect c1 "maintenance"`}},

		{"no token", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe", body: `{"streams":["event"]}`},
			401, api.CodeUnauthorized, []string{"state"}, nil},
		{"unknown stream", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe", body: `{"streams":["event","video"]}`, auth: true},
			400, api.CodeBadRequest, []string{"state"}, nil},
		{"empty list", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe", body: `{"streams":[]}`, auth: true},
			400, api.CodeBadRequest, []string{"state"}, nil},
		{"unknown field", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe", body: `{"streams":["event"],"rate":5}`, auth: true},
			400, api.CodeBadRequest, []string{"state"}, nil},
		{"wrong type", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe", body: `{"streams":"event"}`, auth: true},
			400, api.CodeBadRequest, []string{"state"}, nil},
		{"malformed JSON", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe", body: `{"streams":["event"]`, auth: true},
			400, api.CodeBadRequest, []string{"state"}, nil},
		{"trailing data", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe", body: `{"streams":["event"]} {}`, auth: true},
			400, api.CodeBadRequest, []string{"state"}, nil},
		{"no body", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe", auth: true},
			400, api.CodeBadRequest, []string{"state"}, nil},
		{"wrong content type", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe", body: `{"streams":["event"]}`, header: map[string]string{"Content-Type": "text/plain"}, auth: true},
			415, api.CodeUnsupportedType, []string{"state"}, nil},
		{"unknown query parameter", req{method: "POST", path: "/api/v1/websocket/connections/c1/subscribe?force=1", body: `{"streams":["event"]}`, auth: true},
			400, api.CodeBadRequest, []string{"state"}, nil},
		{"unknown client", req{method: "POST", path: "/api/v1/websocket/connections/zz/subscribe", body: `{"streams":["event"]}`, auth: true},
			404, api.CodeNotFound, []string{"state"}, []string{"subscribe zz [event]"}},
		{"disconnect unknown client", req{method: "POST", path: "/api/v1/websocket/connections/zz/disconnect", auth: true},
			404, api.CodeNotFound, []string{"state"}, []string{`disconnect zz "disconnected by an administrator"`}},
		{"disconnect reason too long", req{method: "POST", path: "/api/v1/websocket/connections/c1/disconnect", body: `{"reason":"` + strings.Repeat("x", 121) + `"}`, auth: true},
			400, api.CodeBadRequest, []string{"state"}, nil},
		{"disconnect unknown field", req{method: "POST", path: "/api/v1/websocket/connections/c1/disconnect", body: `{"why":"x"}`, auth: true},
			400, api.CodeBadRequest, []string{"state"}, nil},
		{"id with a space", req{method: "POST", path: "/api/v1/websocket/connections/c%201/disconnect", auth: true},
			400, api.CodeBadRequest, []string{"state"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.conns.Add(api.ConnectionInfo{ID: "c1", Streams: []string{"state"}})
			r := e.do(tc.r)
			if tc.code != "" {
				r.wantErr(t, tc.status, tc.code)
			} else {
				r.wantJSON(t, tc.status, nil)
			}
			if !slices.Equal(e.conns.Calls(), tc.calls) {
				t.Errorf("calls = %q, want %q", e.conns.Calls(), tc.calls)
			}
			c, ok := e.conns.Connection("c1")
			if tc.streams == nil {
				if tc.code == "" && ok {
					t.Errorf("c1 still connected after disconnect")
				}
				return
			}
			if !ok || !slices.Equal(c.Streams, tc.streams) && !(len(c.Streams) == 0 && len(tc.streams) == 0) {
				t.Errorf("c1 streams = %v (connected %v), want %v", c.Streams, ok, tc.streams)
			}
		})
	}
}
