package api_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/api/apihub"
	"github.com/cuecast/cuecast/edge/api/apitest"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
)

// Example wires the API the way cuecastd does: the hub through apihub, the
// supervisor, config manager and pipeline through the daemon's own adapters
// (fakes here), all on one ServeMux.
func Example() {
	cfg := config.Default()
	cfg.HTTP.Token = "change-me"
	h := hub.New(cfg.Hub, nil)
	fromHub := apihub.New(h)

	health := &apitest.Health{}
	a := api.New(api.Deps{
		Health:      health,                 // the daemon: its supervisor
		Config:      apitest.NewConfig(cfg), // the daemon: validate, write, swap, publish
		Vision:      &apitest.Vision{},      // the daemon: the frame loop's Stats
		Alerts:      fromHub,
		Connections: fromHub,
		Delivery:    fromHub,
		Streams:     fromHub,
	}, slog.New(slog.DiscardHandler))

	// Other components put their collectors on the same registry.
	a.Registry().MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "cuecast_example_total", Help: "Example."}))

	mux := http.NewServeMux()
	a.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		fmt.Println(path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	get("/api/v1/health/ready")
	health.Set(api.HealthReport{Phase: api.PhaseReady, Live: true})
	get("/api/v1/health/ready")

	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/websocket/broadcast/alert?level=info&message=hello", nil)
	resp, _ := http.DefaultClient.Do(req)
	resp.Body.Close()
	fmt.Println("alert without token:", resp.StatusCode)
	req.Header.Set("Authorization", "Bearer change-me")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	fmt.Println("alert with token:", resp.StatusCode, "unacked:", len(h.Alerts()))
	// Output:
	// /api/v1/health/ready 503 {"phase":"starting","ready":false}
	// /api/v1/health/ready 200 {"phase":"ready","ready":true}
	// alert without token: 401
	// alert with token: 200 unacked: 1
}
