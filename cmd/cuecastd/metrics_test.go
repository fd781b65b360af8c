package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// /metrics carries the transport's refusals and the alert store's errors:
// a WebSocket upgrade from a foreign Origin is refused and counted.
func TestMetricsTransportAndAlertStore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the daemon")
	}
	notify := newNotifyRecorder(t)
	d := startDaemon(t, notify, "")
	notify.wait(t, 0, "READY", "1", 60*time.Second)

	req, _ := http.NewRequest("GET", "http://"+d.addr+"/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	req.Header.Set("Origin", "http://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("upgrade from a foreign origin: HTTP %d, want 403", resp.StatusCode)
	}

	resp, err = http.Get("http://" + d.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body := string(b)
	for _, want := range []string{
		`cuecast_ws_rejected_total{reason="origin"} 1`,
		`cuecast_ws_rejected_total{reason="rate"} 0`,
		`cuecast_ws_rejected_total{reason="full"} 0`,
		`cuecast_ws_failed_upgrades_total 0`,
		`cuecast_ws_ip_evictions_total 0`,
		`cuecast_alert_store_errors_total 0`,
		`cuecast_http_connections_max 4096`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
