package update

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckerWaitsForActiveAndReady(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/health/ready" {
			http.NotFound(w, r)
			return
		}
		if hits.Add(1) < 3 {
			http.Error(w, "vision: no frames yet", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	var states atomic.Int32
	var reasons []string
	c := &Checker{
		Unit: "cuecastd.service",
		IsActive: func(ctx context.Context, unit string) (string, error) {
			if states.Add(1) < 3 {
				return "activating", nil
			}
			return "active", nil
		},
		URL:      srv.URL + "/api/v1/health/ready",
		Interval: time.Millisecond,
		Progress: func(r string) { reasons = append(reasons, r) },
	}
	if err := c.Wait(context.Background(), time.Minute); err != nil {
		t.Fatalf("Wait = %v", err)
	}
	joined := strings.Join(reasons, "|")
	if !strings.Contains(joined, "cuecastd.service is activating") || !strings.Contains(joined, "503") {
		t.Errorf("progress reasons = %q, want both 'activating' and the 503", joined)
	}
}

func TestCheckerTimesOut(t *testing.T) {
	c := &Checker{
		Unit:     "cuecastd.service",
		IsActive: func(context.Context, string) (string, error) { return "failed", nil },
		URL:      "http://127.0.0.1:1/",
		Interval: 5 * time.Millisecond,
	}
	err := c.Wait(context.Background(), 50*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "cuecastd.service is failed") {
		t.Fatalf("Wait = %v, want a timeout naming the last state", err)
	}
}

func TestReadyURL(t *testing.T) {
	for in, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/api/v1/health/ready",
		"0.0.0.0:80":     "http://127.0.0.1:80/api/v1/health/ready",
		"[::]:8080":      "http://127.0.0.1:8080/api/v1/health/ready",
		"127.0.0.2:9000": "http://127.0.0.2:9000/api/v1/health/ready",
	} {
		if got, err := ReadyURL(in); err != nil || got != want {
			t.Errorf("ReadyURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ReadyURL("8080"); err == nil {
		t.Error("ReadyURL(\"8080\") = nil error")
	}
}
