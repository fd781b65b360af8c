package boottest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// readyServer answers GET /api/v1/health/ready with 503 for the first
// notReady requests, then 200, and notes each request's client address.
func readyServer(t *testing.T, notReady int) (*vm, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var remotes []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remotes = append(remotes, r.RemoteAddr)
		n := len(remotes)
		mu.Unlock()
		if r.URL.Path != "/api/v1/health/ready" || n <= notReady {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	return &vm{t: t, port: port}, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), remotes...)
	}
}

// getReady keeps asking until 200, each try on a connection of its own (a
// try that timed out on a silent forwarded port must not be reused).
func TestGetReadyRetriesOnFreshConnections(t *testing.T) {
	v, remotes := readyServer(t, 1)
	if last := v.getReady(time.Minute); last != "" {
		t.Fatalf("getReady = %q, want \"\" (200 on the second try)", last)
	}
	r := remotes()
	if len(r) != 2 || r[0] == r[1] {
		t.Errorf("requests from %v, want 2 from different connections", r)
	}
}

// Past its deadline getReady returns what the endpoint last said.
func TestGetReadyReportsLastAnswer(t *testing.T) {
	v, _ := readyServer(t, 1000)
	if last := v.getReady(0); !strings.Contains(last, "503") || !strings.Contains(last, "not ready") {
		t.Errorf("getReady = %q, want the 503 and its body", last)
	}
}
