package daemon

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The game over REST in the assembled daemon: a command needs the token,
// bad input is a 400 that changes nothing, the state is served, and the
// same game is on the hub's game stream. The config's game.rules is the
// edition of a game that names none; a reload reaches the next game.
func TestGameOverREST(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon on the simulator")
	}
	cfg, path := testConfig(t)
	cfg.HTTP.Token = "sekrit"
	cfg.Game.Rules = "2025"
	d := startDaemon(t, cfg, path)
	base := "http://" + d.Addr() + "/api/v1/game/"
	post := func(route, body, token string) (int, string) {
		req, _ := http.NewRequest("POST", base+route, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := post("new", `{"game":"9ball","players":["Anna","Ben"]}`, ""); code != http.StatusUnauthorized {
		t.Errorf("new without the token: %d, want 401", code)
	}
	if code, body := post("new", `{"id":"g1","game":"9ball","players":["Anna","Ben"]}`, "sekrit"); code != 200 || !strings.Contains(body, `"applied":true`) {
		t.Fatalf("new: %d %s", code, body)
	}
	if code, body := post("call", `{"ball":"12","pocket":"side-top"}`, "sekrit"); code != 400 || !strings.Contains(body, "not on the table") {
		t.Errorf("call of the 12 in 9-ball: %d %s", code, body)
	}
	if code, body := post("overrule", `{"shot":4,"fouls":[]}`, "sekrit"); code != 400 || !strings.Contains(body, "does not exist") {
		t.Errorf("overrule of a shot that does not exist: %d %s", code, body)
	}
	if code, body := post("new", `{"game":"9ball","players":["Carl","Dora"],"rules":"2019"}`, "sekrit"); code != 400 || !strings.Contains(body, "rules edition") {
		t.Errorf("new with rules 2019: %d %s", code, body)
	}
	resp, err := http.Get(base + "state")
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Game     string   `json:"game"`
		Players  []string `json:"players"`
		Turn     string   `json:"turn"`
		Score    string   `json:"score"`
		Settings struct {
			Rules string `json:"rules"`
		} `json:"settings"`
	}
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.Game != "9ball" || st.Turn != "Anna" || st.Score != "Anna 0 - 0 Ben" || st.Settings.Rules != "2025" {
		t.Errorf("state = %+v", st)
	}
	p := d.hub.Latest("game")
	if p == nil || !strings.Contains(string(p.Data), `"turn":"Anna"`) {
		t.Errorf("game stream latest = %v", p)
	}

	// A reload back to the default edition: the next game cites 2016.
	cfg.Game.Rules = "2016"
	if err := d.apply(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	if code, body := post("new", `{"game":"8ball","players":["Anna","Ben"]}`, "sekrit"); code != 200 || !strings.Contains(body, `"rules":"2016"`) {
		t.Errorf("new after the reload: %d %s", code, body)
	}
}
