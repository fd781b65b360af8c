package apihub_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/api/apihub"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
)

// benchServer is the API over a hub with n subscribed clients that have
// each had one delivery recorded, as a busy box would look to a scraper.
func benchServer(b *testing.B, n int) http.Handler {
	h := hub.New(config.Default().Hub, nil)
	for i := 0; i < n; i++ {
		c := h.Connect(hub.ClientOptions{ID: fmt.Sprintf("c%d", i)})
		c.Subscribe([]hub.Stream{hub.StreamState, hub.StreamEvent}, nil, nil)
		b.Cleanup(c.Close)
	}
	p, _ := h.Publish(hub.StreamState, map[string]int{"seq": 1})
	for _, ci := range h.Clients() {
		h.Client(ci.ID).RecordDelivery(p, 100, time.Now())
	}
	ad := apihub.New(h)
	a := api.New(api.Deps{Alerts: ad, Connections: ad, Delivery: ad, Streams: ad}, nil)
	mux := http.NewServeMux()
	a.Register(mux)
	return mux
}

// BenchmarkScrape is one Prometheus scrape of /metrics (text format),
// including the process and Go collectors.
//
//	go test ./edge/api/apihub -run '^$' -bench . -benchtime 2s
func BenchmarkScrape(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			mux := benchServer(b, n)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}

// BenchmarkConnections is GET /api/v1/websocket/connections.
func BenchmarkConnections(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) {
			mux := benchServer(b, n)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/websocket/connections", nil))
				if w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
