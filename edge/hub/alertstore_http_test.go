package hub_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/api/apihub"
	"github.com/cuecast/cuecast/edge/api/apitest"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// TestAlertStoreRESTAfterRestart drives the HTTP path end to end on a
// restarted hub: GET /api/v1/alerts lists the pre-restart alerts with their
// original ids, times and ack state, and POST .../ack of a pre-restart alert
// works and is still there after another restart.
func TestAlertStoreRESTAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alerts.json")
	cfg := config.Default()
	cfg.HTTP.Token = "tok"
	h1 := hub.New(cfg.Hub, nil, hub.WithAlertStore(path))
	p1, _ := h1.RaiseAlert(model.Alert{Level: model.AlertWarning, Code: "venue.closing", Message: "closing soon", Source: "api"})
	p2, _ := h1.RaiseAlert(model.Alert{Level: model.AlertError, Code: "camera_lost", Message: "camera stopped", Source: "vision"})
	if err := h1.Ack(p1.AlertID(), "bar"); err != nil {
		t.Fatal(err)
	}
	before := h1.Alerts()

	h2 := hub.New(cfg.Hub, nil, hub.WithAlertStore(path)) // the restart
	ad := apihub.New(h2)
	mux := http.NewServeMux()
	api.New(api.Deps{Alerts: ad, Connections: ad, Delivery: ad, Streams: ad, Config: apitest.NewConfig(cfg)}, nil).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer http.DefaultClient.CloseIdleConnections()

	call := func(method, p, body string) (int, []byte) {
		t.Helper()
		r, _ := http.NewRequest(method, srv.URL+p, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer tok")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	var list struct {
		Alerts  []api.AlertState `json:"alerts"`
		Unacked int              `json:"unacked"`
	}
	code, b := call("GET", "/api/v1/alerts", "")
	if err := json.Unmarshal(b, &list); code != 200 || err != nil {
		t.Fatalf("GET /api/v1/alerts = %d %s", code, b)
	}
	byID := map[string]api.AlertState{}
	for _, a := range list.Alerts {
		byID[a.ID] = a
	}
	a1, a2 := byID[p1.AlertID()], byID[p2.AlertID()]
	if len(list.Alerts) != 2 || list.Unacked != 1 {
		t.Fatalf("after restart GET lists %d alerts, %d unacked: %s", len(list.Alerts), list.Unacked, b)
	}
	if !a1.Acked || a1.AckedBy != "bar" || !a1.AckedAt.Equal(*before[0].AckedAt) || !a1.Time.Equal(before[0].Time) {
		t.Errorf("pre-restart acked alert listed as %+v", a1)
	}
	if a2.Acked || !a2.Time.Equal(before[1].Time) || a2.Code != "camera_lost" {
		t.Errorf("pre-restart open alert listed as %+v", a2)
	}

	if code, b := call("POST", "/api/v1/alerts/"+p2.AlertID()+"/ack", `{"by":"manager"}`); code != 200 {
		t.Fatalf("POST ack of a pre-restart alert = %d %s", code, b)
	}
	h3 := hub.New(cfg.Hub, nil, hub.WithAlertStore(path))
	if st, ok := h3.Alert(p2.AlertID()); !ok || !st.Acked || st.AckedBy != "manager" {
		t.Errorf("REST ack after restart did not persist: %+v", st)
	}
}
