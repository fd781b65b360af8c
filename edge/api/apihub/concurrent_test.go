package apihub_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/api/apihub"
	"github.com/cuecast/cuecast/edge/api/apitest"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
)

// TestConcurrentAdmin runs REST admin commands, listings and scrapes against
// a hub that is publishing to clients that connect, read and leave, all at
// once. Run with -race. Every answer must be 200, or 404 for a client that
// left in between; nothing else.
func TestConcurrentAdmin(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	h := hub.New(config.Default().Hub, nil)
	ad := apihub.New(h)
	cfg := config.Default()
	cfg.HTTP.Token = token
	a := api.New(api.Deps{Alerts: ad, Connections: ad, Delivery: ad, Streams: ad, Config: apitest.NewConfig(cfg)}, nil)
	mux := http.NewServeMux()
	a.Register(mux)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg, pub sync.WaitGroup // wg: clients and admins; pub: the publisher
	stop := make(chan struct{})

	// Publisher.
	pub.Add(1)
	go func() {
		defer pub.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			h.Publish(hub.StreamState, map[string]int{"seq": i})
			if i%10 == 0 {
				h.Publish(hub.StreamEvent, map[string]int{"n": i})
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	// Clients that come, read a little and go.
	const clients = 8
	for k := 0; k < clients; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for round := 0; round < 20; round++ {
				c := h.Connect(hub.ClientOptions{ID: fmt.Sprintf("c%d", k), Transport: "test"})
				c.Subscribe([]hub.Stream{hub.StreamState}, nil, nil)
				for i := 0; i < 5; i++ {
					ps, err := c.Next(ctx, nil)
					if err != nil {
						break
					}
					for _, p := range ps {
						c.RecordDelivery(p, len(p.JSON()), time.Now())
					}
				}
				c.Close()
			}
		}(k)
	}
	// Admins.
	errs := make(chan string, 1000)
	for k := 0; k < 4; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for i := 0; i < 60; i++ {
				id := fmt.Sprintf("c%d", (i+k)%clients)
				var r *http.Request
				switch i % 6 {
				case 0:
					r = httptest.NewRequest("POST", "/api/v1/websocket/connections/"+id+"/subscribe", strings.NewReader(`{"streams":["event","alert"]}`))
				case 1:
					r = httptest.NewRequest("POST", "/api/v1/websocket/connections/"+id+"/unsubscribe", strings.NewReader(`{"streams":["event"]}`))
				case 2:
					r = httptest.NewRequest("POST", "/api/v1/websocket/connections/"+id+"/disconnect", nil)
				case 3:
					r = httptest.NewRequest("GET", "/api/v1/websocket/connections", nil)
				case 4:
					r = httptest.NewRequest("GET", "/metrics", nil)
				case 5:
					r = httptest.NewRequest("POST", "/api/v1/websocket/broadcast/alert?message=m", nil)
				}
				r.Header.Set("Authorization", "Bearer "+token)
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, r)
				if w.Code != 200 && w.Code != 404 {
					errs <- fmt.Sprintf("%s %s: %d %s", r.Method, r.URL, w.Code, w.Body)
				}
			}
		}(k)
	}
	// Wait for the clients and admins, then stop the publisher. A client
	// blocked in Next returns when ctx ends, so this is bounded.
	wg.Wait()
	close(stop)
	pub.Wait()
	if ctx.Err() != nil {
		t.Error("clients and admins did not finish before the deadline")
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
