package api_test

import (
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/api"
)

func TestHealth(t *testing.T) {
	ok := func(name string) api.ComponentHealth {
		return api.ComponentHealth{Name: name, OK: true, Detail: "fine", Since: t0}
	}
	bad := func(name string) api.ComponentHealth {
		return api.ComponentHealth{Name: name, OK: false, Error: "broker refused", Since: t0}
	}
	for _, tc := range []struct {
		name        string
		report      api.HealthReport
		status      int
		overall     string
		failing     []string
		ready, live int
	}{
		{"all ok", api.HealthReport{Phase: api.PhaseReady, Live: true, Components: []api.ComponentHealth{ok("mqtt"), ok("source")}},
			200, api.StatusOK, nil, 200, 200},
		{"mqtt down is degraded, still 200", api.HealthReport{Phase: api.PhaseReady, Live: true, Components: []api.ComponentHealth{bad("mqtt"), ok("source")}},
			200, api.StatusDegraded, []string{"mqtt"}, 200, 200},
		{"starting", api.HealthReport{Phase: api.PhaseStarting, Live: true, Components: []api.ComponentHealth{ok("source")}},
			503, api.StatusStarting, nil, 503, 200},
		{"stopping", api.HealthReport{Phase: api.PhaseStopping, Live: true},
			503, api.StatusStopping, nil, 503, 200},
		{"stalled loop", api.HealthReport{Phase: api.PhaseReady, Live: false, LiveDetail: "vision: no progress for 12s", Components: []api.ComponentHealth{ok("source")}},
			503, api.StatusStalled, nil, 200, 503},
		{"stalled beats degraded", api.HealthReport{Phase: api.PhaseReady, Live: false, Components: []api.ComponentHealth{bad("source")}},
			503, api.StatusStalled, []string{"source"}, 200, 503},
		{"zero report", api.HealthReport{}, 503, api.StatusStarting, nil, 503, 503},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.conns.Add(api.ConnectionInfo{ID: "c1"})
			e.conns.Add(api.ConnectionInfo{ID: "c2"})
			tc.report.Started = t0
			// The daemon hands the mirror's and the source's reports over
			// from their handles; here the fixtures' names say which.
			for i, c := range tc.report.Components {
				switch c.Name {
				case "mqtt":
					tc.report.MQTT = &tc.report.Components[i]
				case "source":
					tc.report.Source = &tc.report.Components[i]
				}
			}
			e.health.Set(tc.report)
			var got struct {
				Status     string                `json:"status"`
				Phase      string                `json:"phase"`
				Live       bool                  `json:"live"`
				UptimeS    float64               `json:"uptime_s"`
				Clients    *int                  `json:"clients"`
				MQTT       *api.ComponentHealth  `json:"mqtt"`
				Source     *api.ComponentHealth  `json:"source"`
				Failing    []string              `json:"failing"`
				Components []api.ComponentHealth `json:"components"`
			}
			e.do(req{path: "/api/v1/health"}).wantJSON(t, tc.status, &got)
			if got.Status != tc.overall {
				t.Errorf("status = %q, want %q", got.Status, tc.overall)
			}
			if len(got.Failing) != len(tc.failing) || (len(tc.failing) > 0 && got.Failing[0] != tc.failing[0]) {
				t.Errorf("failing = %v, want %v", got.Failing, tc.failing)
			}
			if got.Clients == nil || *got.Clients != 2 {
				t.Errorf("clients = %v, want 2", got.Clients)
			}
			if got.UptimeS != 60 {
				t.Errorf("uptime_s = %v, want 60 (clock is t0+1m)", got.UptimeS)
			}
			if len(got.Components) != len(tc.report.Components) {
				t.Errorf("components = %d, want %d", len(got.Components), len(tc.report.Components))
			}
			for _, c := range tc.report.Components {
				var lifted *api.ComponentHealth
				switch c.Name {
				case "mqtt":
					lifted = got.MQTT
				case "source":
					lifted = got.Source
				}
				if lifted == nil || lifted.OK != c.OK || lifted.Error != c.Error || !lifted.Since.Equal(c.Since) {
					t.Errorf("%s lifted to top level = %+v, want %+v", c.Name, lifted, c)
				}
			}
			if r := e.do(req{path: "/api/v1/health/ready"}); r.status != tc.ready {
				t.Errorf("ready = %d, want %d (%s)", r.status, tc.ready, r.body)
			}
			if r := e.do(req{path: "/api/v1/health/live"}); r.status != tc.live {
				t.Errorf("live = %d, want %d (%s)", r.status, tc.live, r.body)
			}
		})
	}
}

func TestLiveDetail(t *testing.T) {
	e := newEnv(t)
	e.health.Set(api.HealthReport{Phase: api.PhaseReady, Live: false, LiveDetail: "vision: no progress for 12s", Started: t0.Add(-time.Hour)})
	var got struct {
		Live   bool   `json:"live"`
		Detail string `json:"detail"`
	}
	e.do(req{path: "/api/v1/health/live"}).wantJSON(t, 503, &got)
	if got.Live || got.Detail != "vision: no progress for 12s" {
		t.Errorf("live = %+v, want live false with the stalled loop named", got)
	}
}
