package api

import (
	"github.com/prometheus/client_golang/prometheus"
)

// collector exports the figures the other components keep, read at scrape
// time: no counters are mirrored or updated on the hot paths, and a scrape
// costs one call per dependency.
type collector struct {
	a *API

	wsClients, wsMessages, wsBytes, wsDrops, wsErrors, wsDisconnects, wsLatency, wsRecent *prometheus.Desc
	hubHistory, hubPublished, hubSubscribers                                              *prometheus.Desc
	fps, stage, frames, dropped                                                           *prometheus.Desc
	ready, live, componentUp, mqttConnected                                               *prometheus.Desc
	alertsUnacked, alertsKept                                                             *prometheus.Desc
}

func newCollector(a *API) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("cuecast_"+name, help, labels, nil)
	}
	return &collector{
		a:              a,
		wsClients:      d("ws_clients", "Connected WebSocket clients."),
		wsMessages:     d("ws_messages_total", "Messages written to WebSocket clients.", "stream"),
		wsBytes:        d("ws_bytes_total", "Bytes written to WebSocket clients, after compression.", "stream"),
		wsDrops:        d("ws_drops_total", "Publications conflated or dropped for slow WebSocket clients.", "stream"),
		wsErrors:       d("ws_errors_total", "WebSocket write and protocol errors.", "stream"),
		wsDisconnects:  d("ws_slow_disconnects_total", "WebSocket clients disconnected for falling behind on a never-dropped stream."),
		wsLatency:      d("ws_delivery_latency_seconds", "Publish-to-socket-write delivery latency since start."),
		wsRecent:       d("ws_delivery_latency_recent_seconds", "Publish-to-socket-write delivery latency over the recent window (stat: avg, p50, p99, max, jitter).", "stat"),
		hubHistory:     d("hub_history_publications", "Publications a stream keeps for resume.", "stream"),
		hubPublished:   d("hub_published_total", "Publications on a stream since start.", "stream"),
		hubSubscribers: d("hub_subscribers", "Current subscribers of a stream.", "stream"),
		fps:            d("pipeline_fps", "Frames processed per second (recent window)."),
		stage:          d("pipeline_stage_seconds", "Mean per-stage processing time over the recent window.", "stage"),
		frames:         d("pipeline_frames_total", "Frames processed since start."),
		dropped:        d("pipeline_frames_dropped_total", "Frames skipped to keep up with the target rate."),
		ready:          d("ready", "1 once the daemon is READY, 0 before and while stopping."),
		live:           d("live", "1 while the loops that gate the watchdog make progress."),
		componentUp:    d("component_up", "1 if the component's last report was OK.", "component"),
		mqttConnected:  d("mqtt_connected", "1 while the MQTT mirror is connected to its broker (the mirror's component OK and not disabled)."),
		alertsUnacked:  d("alerts_unacked", "Alerts nobody has acknowledged."),
		alertsKept:     d("alerts", "Alerts the hub keeps (acknowledged or not)."),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.wsClients, c.wsMessages, c.wsBytes, c.wsDrops, c.wsErrors, c.wsDisconnects, c.wsLatency, c.wsRecent,
		c.hubHistory, c.hubPublished, c.hubSubscribers,
		c.fps, c.stage, c.frames, c.dropped,
		c.ready, c.live, c.componentUp, c.mqttConnected,
		c.alertsUnacked, c.alertsKept,
	} {
		ch <- d
	}
}

// Collect emits only the metrics whose source is wired: an absent series is
// honest, a zero would claim a measurement.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	deps := &c.a.deps
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	if deps.Connections != nil {
		gauge(c.wsClients, float64(len(deps.Connections.Connections())))
	}
	if deps.Delivery != nil {
		st := deps.Delivery.DeliveryStats()
		for _, s := range st.Streams {
			counter(c.wsMessages, s.Messages, s.Stream)
			counter(c.wsBytes, s.Bytes, s.Stream)
			counter(c.wsDrops, s.Drops, s.Stream)
			counter(c.wsErrors, s.Errors, s.Stream)
		}
		counter(c.wsDisconnects, st.Disconnects)
		// The cumulative histogram is what Prometheus can aggregate and
		// rate; a source that keeps only a sliding window (the hub does)
		// exports the window's figures as gauges instead of a fake
		// histogram.
		if h := st.Lifetime; h.Count > 0 {
			buckets := make(map[float64]uint64, len(h.Buckets))
			for _, b := range h.Buckets {
				buckets[b.UpperMS/1e3] = b.Count
			}
			ch <- prometheus.MustNewConstHistogram(c.wsLatency, h.Count, h.SumMS/1e3, buckets)
		}
		if r := st.Recent; r.Samples > 0 {
			gauge(c.wsRecent, r.AvgMS/1e3, "avg")
			gauge(c.wsRecent, r.P50MS/1e3, "p50")
			gauge(c.wsRecent, r.P99MS/1e3, "p99")
			gauge(c.wsRecent, r.MaxMS/1e3, "max")
			gauge(c.wsRecent, r.JitterMS/1e3, "jitter")
		}
	}
	if deps.Streams != nil {
		for _, s := range deps.Streams.StreamStats() {
			gauge(c.hubHistory, float64(s.History), s.Stream)
			counter(c.hubPublished, s.Published, s.Stream)
			gauge(c.hubSubscribers, float64(s.Watchers), s.Stream)
		}
	}
	if deps.Vision != nil {
		if p, ok := deps.Vision.Performance(); ok {
			gauge(c.fps, p.FPS)
			t := p.Timings
			for _, st := range []struct {
				name string
				ms   float64
			}{{"capture", t.CaptureMS}, {"table", t.TableMS}, {"balls", t.BallsMS}, {"cue", t.CueMS}, {"tracking", t.TrackingMS}, {"publish", t.PublishMS}} {
				gauge(c.stage, st.ms/1e3, st.name)
			}
			counter(c.frames, p.Frames)
			counter(c.dropped, p.Dropped)
		}
	}
	if deps.Health != nil {
		h := c.a.report()
		gauge(c.ready, b2f(h.Phase == PhaseReady))
		gauge(c.live, b2f(h.Live))
		for _, comp := range h.Components {
			gauge(c.componentUp, b2f(comp.OK), comp.Name)
		}
		if h.MQTT != nil {
			// A mirror turned off is not connected, though it is fine.
			gauge(c.mqttConnected, b2f(h.MQTT.OK && !h.MQTT.Disabled))
		}
	}
	if deps.Alerts != nil {
		all := deps.Alerts.Alerts()
		n := 0
		for _, s := range all {
			if !s.Acked {
				n++
			}
		}
		gauge(c.alertsUnacked, float64(n))
		gauge(c.alertsKept, float64(len(all)))
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
