package daemon

import (
	"github.com/prometheus/client_golang/prometheus"
)

// registerMetrics adds to /metrics the counters that live outside the API's
// own dependencies: the WebSocket transport's refusals (a display that
// cannot connect is usually one of these), the alert store's failed writes
// (alerts that would not survive a restart) and the HTTP listener's open
// connections against its cap (a full listener makes clients wait). Read at
// scrape time.
func (d *Daemon) registerMetrics(reg *prometheus.Registry) {
	counter := func(name, help string, labels prometheus.Labels, v func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "cuecast_" + name, Help: help, ConstLabels: labels},
			func() float64 { return float64(v()) })
	}
	conns := func(max bool) func() float64 {
		return func() float64 {
			open, limit := d.web.conns()
			if max {
				return float64(limit)
			}
			return float64(open)
		}
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cuecast_http_connections", Help: "Open HTTP connections (WebSockets and MJPEG viewers included)."}, conns(false)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "cuecast_http_connections_max", Help: "The cap on open HTTP connections (http.max_connections); more wait to be accepted."}, conns(true)),
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
