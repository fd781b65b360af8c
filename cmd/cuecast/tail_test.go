package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/ws"
)

// tailBox is a hub behind the real WebSocket server on loopback.
func tailBox(t *testing.T) (*hub.Hub, *ws.Server, string) {
	cfg := config.Default()
	h := hub.New(cfg.Hub, nil)
	s := ws.NewServer(cfg.WebSocket, cfg.HTTP, h, nil)
	mux := http.NewServeMux()
	s.Register(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		ts.Close()
	})
	return h, s, strings.TrimPrefix(ts.URL, "http://")
}

func TestTailFiltersFields(t *testing.T) {
	h, s, addr := tailBox(t)
	h.Publish(hub.StreamState, model.State{Seq: 7, Phase: "idle", Balls: []model.Ball{{ID: "cue", Class: "cue", Pos: model.Vec2{X: 1, Y: 0.5}}}})
	// Stop the server once tail has been sent the latest state: tail then
	// returns (its connection closed).
	go func() {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			for _, c := range h.Clients() {
				if c.Positions[hub.StreamState] > 0 {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					s.Shutdown(ctx)
					cancel()
					return
				}
			}
		}
	}()
	var code int
	out := captureStdout(t, func() { code = runTail([]string{"--addr", addr, "--fields", "state=seq,balls.id", "state"}) })
	if !strings.Contains(string(out), `"data":{"seq":7,"balls":[{"id":"cue"}]}`) {
		t.Errorf("tail printed %s, want the state with seq and balls' ids only", out)
	}
	if code == 2 {
		t.Errorf("tail exit %d after a good subscribe", code)
	}
}

func TestTailRefusedFilterExits2(t *testing.T) {
	_, _, addr := tailBox(t)
	for _, args := range [][]string{
		{"--fields", "state=balls.size", "state"},
		{"--filter", `event={"where":{"type":{"like":"x"}}}`, "event"},
		{"--filter", `event=not json`, "event"},
		{"--fields", "noequals", "state"},
	} {
		var code int
		captureStdout(t, func() { code = runTail(append([]string{"--addr", addr}, args...)) })
		if code != 2 {
			t.Errorf("tail %v: exit %d, want 2", args, code)
		}
	}
}
