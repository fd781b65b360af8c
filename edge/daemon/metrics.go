package daemon

import (
	"github.com/prometheus/client_golang/prometheus"
)

// registerMetrics adds to /metrics the counters that live outside the API's
// own dependencies: the WebSocket transport's refusals (a display that
// cannot connect is usually one of these) and the alert store's failed
// writes (alerts that would not survive a restart). Read at scrape time.
func (d *Daemon) registerMetrics(reg *prometheus.Registry) {
	counter := func(name, help string, labels prometheus.Labels, v func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cuecast_" + name, Help: help, ConstLabels: labels},
			func() float64 { return float64(v()) })
	}
	reg.MustRegister(
		counter("ws_rejected_total", "WebSocket upgrades refused.", prometheus.Labels{"reason": "origin"},
			func() uint64 { return d.ws.Stats().RejectedOrigin }),
		counter("ws_rejected_total", "WebSocket upgrades refused.", prometheus.Labels{"reason": "rate"},
			func() uint64 { return d.ws.Stats().RejectedRate }),
		counter("ws_rejected_total", "WebSocket upgrades refused.", prometheus.Labels{"reason": "full"},
			func() uint64 { return d.ws.Stats().RejectedFull }),
		counter("ws_failed_upgrades_total", "WebSocket handshakes that failed (bad request, I/O).", nil,
			func() uint64 { return d.ws.Stats().FailedUpgrades }),
		counter("ws_ip_evictions_total", "Source addresses the per-IP connection limiter forgot because it was full.", nil,
			func() uint64 { return d.ws.Stats().EvictedIPs }),
		counter("alert_store_errors_total", "Failed reads or writes of the alert store (alerts that would not survive a restart).", nil,
			func() uint64 { return d.hub.Metrics().AlertStoreErrors }),
	)
}
