package daemon

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The daemon on the simulator keeps its shots: they are listed over REST
// with pictures, and still there after a restart on the same state dir.
func TestDaemonRecordsShots(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon on the simulator")
	}
	cfg, path := testConfig(t)
	cfg.HTTP.Token = "tok"
	d := startDaemon(t, cfg, path)
	type page struct {
		Total int `json:"total"`
		Shots []struct {
			ID     string `json:"id"`
			Source string `json:"source"`
			Images struct{ Before, After bool }
		} `json:"shots"`
	}
	get := func(addr string) page {
		var p page
		resp, err := http.Get("http://" + addr + "/api/v1/game/history?limit=100")
		if err != nil {
			return p
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(&p)
		return p
	}
	deadline := time.Now().Add(2 * time.Minute)
	var p page
	for {
		p = get(d.Addr())
		pictured, judged := false, false
		for _, s := range p.Shots {
			pictured = pictured || s.Images.After
			judged = judged || s.Source == "shot"
		}
		if p.Total >= 2 && pictured && judged {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 2 minutes of the simulator's demo: %+v; want 2 shots, one with pictures, one judged by the game service", p)
		}
		time.Sleep(200 * time.Millisecond)
	}
	resp, err := http.Get("http://" + d.Addr() + "/api/v1/shots/" + p.Shots[0].ID)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET shot: %v %v", resp, err)
	}
	resp.Body.Close()
	// A reset starts a new session and the game service's game again.
	req, _ := http.NewRequest("POST", "http://"+d.Addr()+"/api/v1/game/reset", strings.NewReader(`{"name":"after reset"}`))
	req.Header.Set("Authorization", "Bearer tok")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var reset struct {
		Session   struct{ Name string } `json:"session"`
		GameReset bool                  `json:"game_reset"`
	}
	json.NewDecoder(resp.Body).Decode(&reset)
	resp.Body.Close()
	if resp.StatusCode != 200 || reset.Session.Name != "after reset" || !reset.GameReset {
		t.Errorf("reset: %d %+v", resp.StatusCode, reset)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d.Shutdown(ctx)

	d2 := startDaemon(t, cfg, path)
	if got := get(d2.Addr()); got.Total < p.Total {
		t.Fatalf("after a restart: %d shots, want at least %d", got.Total, p.Total)
	}
}
