package api_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cuecast/cuecast/edge/api"
	cmodel "github.com/cuecast/cuecast/edge/model"
)

func scrape(t *testing.T, e *env) map[string]*dto.MetricFamily {
	t.Helper()
	r := e.do(req{path: "/metrics", header: map[string]string{"Accept": "text/plain"}})
	if r.status != 200 {
		t.Fatalf("/metrics status %d: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !bytes.HasPrefix([]byte(ct), []byte("text/plain")) {
		t.Fatalf("/metrics Content-Type = %q, want the text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("/metrics does not parse as Prometheus text: %v\n%s", err, r.body)
	}
	return fams
}

// value finds the sample of family name with the given label pairs.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no metric family %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i < len(labels); i += 2 {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch f.GetType() {
		case dto.MetricType_COUNTER:
			return m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			return m.GetGauge().GetValue()
		}
		t.Fatalf("%s is a %v", name, f.GetType())
	}
	t.Fatalf("no %s sample with labels %v", name, labels)
	return 0
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.conns.Add(api.ConnectionInfo{ID: "c1"})
	e.conns.Add(api.ConnectionInfo{ID: "c2"})
	e.conns.Add(api.ConnectionInfo{ID: "c3"})
	e.deliv.Set(api.DeliveryStats{
		Disconnects: 2,
		Recent:      api.LatencyStats{Samples: 50, AvgMS: 2, P50MS: 1.5, P99MS: 9, MaxMS: 12, JitterMS: 0.5},
		Streams: []api.StreamDelivery{
			{Stream: "state", Messages: 600, Bytes: 600_000, Drops: 12},
			{Stream: "event", Messages: 7, Bytes: 2100, Errors: 1},
		},
		Lifetime: api.LatencyHistogram{Count: 607, SumMS: 1214, Buckets: []api.LatencyBucket{
			{UpperMS: 1, Count: 100}, {UpperMS: 5, Count: 600}, {UpperMS: 20, Count: 607},
		}},
	})
	e.hubst.Set([]api.StreamStats{{Stream: "state", History: 1000, Published: 5000, Watchers: 3}, {Stream: "alert", History: 2, Published: 2}})
	e.vision.Set(api.Performance{FPS: 30, Frames: 9000, Dropped: 5, Timings: cmodel.StageTimings{BallsMS: 8, CaptureMS: 2}})
	mqtt, source := api.ComponentHealth{Name: "mqtt", OK: false}, api.ComponentHealth{Name: "source", OK: true}
	e.health.Set(api.HealthReport{Phase: api.PhaseReady, Live: true, Components: []api.ComponentHealth{mqtt, source}, MQTT: &mqtt, Source: &source})
	e.alerts.RaiseAlert(cmodel.Alert{Message: "a"})
	e.alerts.RaiseAlert(cmodel.Alert{Message: "b"})
	e.alerts.Ack("a1", "t")

	fams := scrape(t, e)
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"cuecast_ws_clients", nil, 3},
		{"cuecast_ws_messages_total", []string{"stream", "state"}, 600},
		{"cuecast_ws_bytes_total", []string{"stream", "event"}, 2100},
		{"cuecast_ws_drops_total", []string{"stream", "state"}, 12},
		{"cuecast_ws_errors_total", []string{"stream", "event"}, 1},
		{"cuecast_ws_slow_disconnects_total", nil, 2},
		{"cuecast_ws_delivery_latency_recent_seconds", []string{"stat", "p99"}, 0.009},
		{"cuecast_ws_delivery_latency_recent_seconds", []string{"stat", "avg"}, 0.002},
		{"cuecast_hub_history_publications", []string{"stream", "state"}, 1000},
		{"cuecast_hub_published_total", []string{"stream", "alert"}, 2},
		{"cuecast_hub_subscribers", []string{"stream", "state"}, 3},
		{"cuecast_pipeline_fps", nil, 30},
		{"cuecast_pipeline_stage_seconds", []string{"stage", "balls"}, 0.008},
		{"cuecast_pipeline_stage_seconds", []string{"stage", "capture"}, 0.002},
		{"cuecast_pipeline_frames_total", nil, 9000},
		{"cuecast_pipeline_frames_dropped_total", nil, 5},
		{"cuecast_ready", nil, 1},
		{"cuecast_live", nil, 1},
		{"cuecast_component_up", []string{"component", "mqtt"}, 0},
		{"cuecast_component_up", []string{"component", "source"}, 1},
		{"cuecast_mqtt_connected", nil, 0},
		{"cuecast_alerts_unacked", nil, 1},
		{"cuecast_alerts", nil, 2},
	} {
		if got := value(t, fams, tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	h := fams["cuecast_ws_delivery_latency_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 607 || h.GetSampleSum() != 1.214 {
		t.Errorf("latency histogram count %d sum %v, want 607 and 1.214", h.GetSampleCount(), h.GetSampleSum())
	}
	// Three buckets and +Inf.
	if b := h.GetBucket(); len(b) != 4 || b[1].GetUpperBound() != 0.005 || b[1].GetCumulativeCount() != 600 {
		t.Errorf("latency buckets = %v", b)
	}
	for _, name := range []string{"process_cpu_seconds_total", "process_resident_memory_bytes", "go_goroutines", "go_memstats_heap_alloc_bytes"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s: process and Go collectors missing", name)
		}
	}
	problems, err := testutil.GatherAndLint(e.api.Registry())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if bytes.HasPrefix([]byte(p.Metric), []byte("cuecast_")) {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
}

func TestMQTTDisabledIsNotConnected(t *testing.T) {
	e := newEnv(t)
	mqtt := api.ComponentHealth{Name: "mqtt", OK: true, Disabled: true, Detail: "url is off"}
	e.health.Set(api.HealthReport{Phase: api.PhaseReady, Live: true, Components: []api.ComponentHealth{mqtt}, MQTT: &mqtt})
	fams := scrape(t, e)
	if got := value(t, fams, "cuecast_mqtt_connected"); got != 0 {
		t.Errorf("mqtt_connected = %v with the mirror disabled, want 0", got)
	}
	if got := value(t, fams, "cuecast_component_up", "component", "mqtt"); got != 1 {
		t.Errorf("component_up{mqtt} = %v, want 1 (disabled is not a failure)", got)
	}
}

// TestMetricsFollowSources: values are read at scrape time, not copied.
func TestMetricsFollowSources(t *testing.T) {
	e := newEnv(t)
	e.vision.Set(api.Performance{FPS: 10})
	if got := value(t, scrape(t, e), "cuecast_pipeline_fps"); got != 10 {
		t.Fatalf("fps = %v, want 10", got)
	}
	e.vision.Set(api.Performance{FPS: 25})
	if got := value(t, scrape(t, e), "cuecast_pipeline_fps"); got != 25 {
		t.Errorf("fps after update = %v, want 25", got)
	}
}

// TestMetricsRegistry: other components add collectors through Registry, and
// a registry handed in with the standard collectors already on it is fine.
func TestMetricsRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGoCollector())
	a := api.New(api.Deps{Registry: reg, Now: func() time.Time { return t0 }}, nil)
	if a.Registry() != reg {
		t.Fatal("Registry() is not the registry passed in Deps")
	}
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "cuecast_mqtt_published_total", Help: "test"})
	a.Registry().MustRegister(c)
	c.Add(3)
	mux := http.NewServeMux()
	a.Register(mux)
	e := &env{t: t, mux: mux}
	if got := value(t, scrape(t, e), "cuecast_mqtt_published_total"); got != 3 {
		t.Errorf("other component's counter = %v, want 3", got)
	}
	// Unwired sources export nothing rather than zeros.
	if _, ok := scrape(t, e)["cuecast_pipeline_fps"]; ok {
		t.Error("cuecast_pipeline_fps exported with no vision source")
	}
}
