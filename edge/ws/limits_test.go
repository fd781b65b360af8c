package ws

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/cuecast/cuecast/edge/config"
)

func TestMessageRateLimit(t *testing.T) {
	env := newEnv(t, 0, func(w *config.WebSocket, _ *config.HTTP, _ *config.Hub) { w.MessagesPerMinute = 5 })
	c, _ := env.connect(t, dialOpts{})
	for i := 0; i < 5; i++ {
		c.send(`{"type":"ping"}`)
		if m := c.next(); m.Type != TypePong {
			t.Fatalf("message %d within the limit answered %s", i+1, m.Raw)
		}
	}
	c.send(`{"type":"ping"}`)
	m := c.next()
	var d errorData
	jsonUnmarshal(m.Data, &d)
	if m.Type != TypeError || d.Code != CodeRateLimited || d.RetryAfterMS <= 0 || d.RetryAfterMS > 13000 {
		t.Fatalf("6th message answered %s, want rate_limited with retry_after_ms ~12000", m.Raw)
	}
	// Protocol pings do not count and are answered.
	wsutil.WriteClientMessage(c.nc, ws.OpPing, []byte("hb"))
	// Keep hammering: after more than the limit of rejected messages in a
	// row the server closes with 4029.
	for i := 0; i < 5; i++ {
		c.send(`{"type":"ping"}`)
	}
	if ce := c.expectClose(20 * time.Second); ce.Code != CloseTooMany {
		t.Errorf("close %v, want 4029", ce)
	}
}

func TestOriginCheck(t *testing.T) {
	env := newEnv(t, 0, func(_ *config.WebSocket, h *config.HTTP, _ *config.Hub) {
		h.AllowedOrigins = []string{"https://dashboard.example"}
	})
	host := strings.TrimPrefix(env.ts.URL, "http://")
	cases := []struct {
		origin string
		status int
	}{
		{"", 101}, // not a browser
		{"http://" + host, 101},
		{"HTTP://" + strings.ToUpper(host), 101},
		{"https://dashboard.example", 101},
		{"https://evil.example", http.StatusForbidden},
		{"http://" + host + ".evil.example", http.StatusForbidden},
		{"null", http.StatusForbidden},
	}
	for _, tc := range cases {
		h := http.Header{}
		if tc.origin != "" {
			h.Set("Origin", tc.origin)
		}
		_, status, err := env.dial(t, dialOpts{header: h})
		if status != tc.status {
			t.Errorf("Origin %q: status %d (%v), want %d", tc.origin, status, err, tc.status)
		}
	}
	if env.s.Stats().RejectedOrigin != 3 {
		t.Errorf("RejectedOrigin = %d, want 3", env.s.Stats().RejectedOrigin)
	}
}

func TestConnectionRateLimit(t *testing.T) {
	env := newEnv(t, 0, func(w *config.WebSocket, _ *config.HTTP, _ *config.Hub) { w.ConnectionsPerMinute = 3 })
	for i := 0; i < 3; i++ {
		if _, status, err := env.dial(t, dialOpts{}); err != nil {
			t.Fatalf("connection %d: %d %v", i+1, status, err)
		}
	}
	// The refusal happens before the upgrade: a plain HTTP 429 with
	// Retry-After.
	req, _ := http.NewRequest("GET", env.ts.URL+"/ws", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("4th connection: %s, Retry-After %q", resp.Status, resp.Header.Get("Retry-After"))
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestOversizeMessage(t *testing.T) {
	env := newEnv(t, 0, func(w *config.WebSocket, _ *config.HTTP, _ *config.Hub) { w.MaxMessageBytes = 1024 })
	c, _ := env.connect(t, dialOpts{})
	c.send(`{"type":"ping","data":{"pad":"` + strings.Repeat("x", 900) + `"}}`) // under: fine
	c.until(TypePong)
	c.send(`{"type":"ping","data":{"pad":"` + strings.Repeat("x", 2000) + `"}}`)
	if ce := c.expectClose(20 * time.Second); ce.Code != ws.StatusMessageTooBig {
		t.Errorf("close %v, want 1009", ce)
	}
	// Fragments count together.
	c2, _ := env.connect(t, dialOpts{})
	for i := 0; i < 3; i++ {
		f := ws.NewFrame(ws.OpContinuation, false, []byte(strings.Repeat("y", 500)))
		if i == 0 {
			f.Header.OpCode = ws.OpText
		}
		ws.WriteFrame(c2.nc, ws.MaskFrameInPlace(f))
	}
	if ce := c2.expectClose(20 * time.Second); ce.Code != ws.StatusMessageTooBig {
		t.Errorf("fragmented: close %v, want 1009", ce)
	}
}

func TestIdleTimeout(t *testing.T) {
	env := newEnv(t, 0, func(w *config.WebSocket, _ *config.HTTP, _ *config.Hub) {
		// Wide margins: a pong delayed a few hundred ms on a loaded
		// machine must not look idle.
		w.PingInterval = config.Duration(100 * time.Millisecond)
		w.IdleTimeout = config.Duration(1500 * time.Millisecond)
	})
	// A client that answers pings (tclient.read does) stays connected
	// past the idle timeout.
	live, _ := env.connect(t, dialOpts{})
	if _, err := live.read(2500 * time.Millisecond); !isTimeout(err) {
		t.Fatalf("live client: %v, want only our read timeout", err)
	}
	live.send(`{"type":"ping"}`)
	live.until(TypePong)
	// A client that never sends anything is closed with 4001: read
	// nothing (so pings go unanswered) for longer than the timeout.
	dead, _ := env.connect(t, dialOpts{})
	time.Sleep(2 * time.Second)
	if ce := dead.expectClose(20 * time.Second); ce.Code != CloseIdle {
		t.Errorf("close %v, want 4001", ce)
	}
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	return errors.As(err, &ne) && ne.Timeout()
}

func TestShutdownGoingAway(t *testing.T) {
	env := newEnv(t, 0)
	var cs []*tclient
	for i := 0; i < 5; i++ {
		c, _ := env.connect(t, dialOpts{})
		c.send(`{"type":"subscribe","data":{"streams":["state"]}}`)
		c.until(TypeSubscribed)
		cs = append(cs, c)
	}
	done := make(chan error)
	go func() { done <- env.s.Shutdown(t.Context()) }()
	for _, c := range cs {
		if ce := c.expectClose(20 * time.Second); ce.Code != ws.StatusGoingAway {
			t.Errorf("close %v, want 1001", ce)
		}
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if n := len(env.h.Clients()); n != 0 {
		t.Errorf("%d hub clients left after Shutdown", n)
	}
	if _, status, _ := env.dial(t, dialOpts{}); status != http.StatusServiceUnavailable {
		t.Errorf("upgrade after Shutdown: %d, want 503", status)
	}
}

func TestAdminDisconnect(t *testing.T) {
	env := newEnv(t, 0)
	c, g := env.connect(t, dialOpts{})
	other, _ := env.connect(t, dialOpts{})
	if info, ok := env.s.Connection(g.ClientID); !ok || info.ID != g.ClientID {
		t.Fatalf("Connection(%s) = %+v, %v", g.ClientID, info, ok)
	}
	if !env.s.Disconnect(g.ClientID) || env.s.Disconnect("nobody") {
		t.Fatal("Disconnect result wrong")
	}
	if ce := c.expectClose(20 * time.Second); ce.Code != CloseAdmin {
		t.Errorf("close %v, want 4000", ce)
	}
	other.send(`{"type":"ping"}`)
	other.until(TypePong)
	waitFor(t, func() bool { return len(env.s.Connections()) == 1 })
	if env.s.Stats().Closes[CloseAdmin] != 1 {
		t.Errorf("Stats().Closes = %v", env.s.Stats().Closes)
	}
}

// TestClientsComeAndGo opens and drops connections in every way a client
// leaves; TestMain's goleak check then proves no goroutine outlives them.
func TestClientsComeAndGo(t *testing.T) {
	env := newEnv(t, 0)
	for i := 0; i < 30; i++ {
		c, g := env.connect(t, dialOpts{})
		c.send(`{"type":"subscribe","data":{"streams":["state","event"]}}`)
		c.until(TypeSubscribed)
		switch i % 3 {
		case 0:
			c.nc.Close() // vanish
		case 1:
			wsutil.WriteClientMessage(c.nc, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "bye"))
			if ce := c.expectClose(20 * time.Second); ce.Code != ws.StatusNormalClosure {
				t.Errorf("close echo %v", ce)
			}
		case 2:
			env.s.Disconnect(g.ClientID)
			if ce := c.expectClose(20 * time.Second); ce.Code != CloseAdmin {
				t.Errorf("admin close %v", ce)
			}
		}
	}
	waitFor(t, func() bool { return len(env.s.Connections()) == 0 && len(env.h.Clients()) == 0 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 20s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestMaxConnections(t *testing.T) {
	env := newEnv(t, 0, func(w *config.WebSocket, _ *config.HTTP, _ *config.Hub) { w.MaxConnections = 2 })
	a, _ := env.connect(t, dialOpts{})
	env.connect(t, dialOpts{})
	if _, status, _ := env.dial(t, dialOpts{}); status != http.StatusServiceUnavailable {
		t.Errorf("3rd connection: status %d, want 503", status)
	}
	a.nc.Close()
	waitFor(t, func() bool { return len(env.s.Connections()) == 1 })
	env.connect(t, dialOpts{}) // room again
	if env.s.Stats().RejectedFull != 1 {
		t.Errorf("RejectedFull = %d", env.s.Stats().RejectedFull)
	}
}

// TestAdminDisconnectReason: the administrator's reason reaches the client
// in the close frame, cut to what a close frame holds on a rune boundary.
func TestAdminDisconnectReason(t *testing.T) {
	env := newEnv(t, 0)
	long := strings.Repeat("é", 100) // 200 bytes: must be cut to <= 123, valid UTF-8
	for _, tc := range []struct{ reason, want string }{
		{"", "disconnected by an administrator"},
		{"maintenance", "maintenance"},
		{long, strings.Repeat("é", 61)},
	} {
		c, g := env.connect(t, dialOpts{})
		if !env.s.DisconnectReason(g.ClientID, tc.reason) {
			t.Fatalf("DisconnectReason(%s) found no connection", g.ClientID)
		}
		ce := c.expectClose(20 * time.Second)
		if ce.Code != CloseAdmin || ce.Reason != tc.want {
			t.Errorf("reason %.20q: close %v, want %d %q", tc.reason, ce, CloseAdmin, tc.want)
		}
	}
}

// TestOriginDNSRebinding: a page whose name was re-pointed at the box sends
// the same attacker name as Host and Origin; the same-host rule must not
// let it in. Trusted hosts (IP literals, localhost, the box's own name,
// names listed in http.allowed_origins) keep the rule.
func TestOriginDNSRebinding(t *testing.T) {
	own, _ := os.Hostname()
	allowed := []string{"http://cuecast.venue:8080"}
	for _, tc := range []struct {
		origin, host string
		want         bool
	}{
		{"http://evil.example:8080", "evil.example:8080", false},
		{"http://evil.example", "evil.example", false},
		{"http://127.0.0.1:8080", "127.0.0.1:8080", true},
		{"http://192.168.1.20", "192.168.1.20", true},
		{"http://[::1]:8080", "[::1]:8080", true},
		{"http://localhost:8080", "localhost:8080", true},
		{"http://LOCALHOST:8080", "localhost:8080", true},
		{"https://cuecast.venue", "cuecast.venue", true}, // named in allowed_origins: the same-host rule applies
		{"http://" + own + ":8080", own + ":8080", own != ""},
		{"http://" + own + ".local:8080", own + ".local:8080", own != ""},
		{"http://127.0.0.1:8080", "evil.example:8080", false}, // not the same host anyway
	} {
		if got := originAllowed(tc.origin, tc.host, allowed); got != tc.want {
			t.Errorf("originAllowed(%q, Host %q) = %v, want %v", tc.origin, tc.host, got, tc.want)
		}
	}
}

// TestUnreadRepliesBoundedInBytes: a client that sends large pings and reads
// nothing is cut as a slow consumer once its pending pongs pass the byte
// bound, long before the write timeout and long before 256 of them.
func TestUnreadRepliesBoundedInBytes(t *testing.T) {
	env := newEnv(t, 8<<10, func(w *config.WebSocket, _ *config.HTTP, _ *config.Hub) {
		w.WriteTimeout = config.Duration(10 * time.Minute) // only the reply bound can end it
	})
	c, _, err := env.dial(t, dialOpts{rcvbuf: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ping := `{"type":"ping","data":{"pad":"` + strings.Repeat("p", 60<<10) + `"}}`
	sent := 0
	for ; sent < 40; sent++ { // 2.4 MB of echoes; the bound is 256 KiB here
		c.nc.SetWriteDeadline(time.Now().Add(20 * time.Second))
		if err := wsutil.WriteClientText(c.nc, []byte(ping)); err != nil {
			break // the server cut us: expected once over the bound
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for env.s.Stats().Closes[CloseSlowConsumer] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("after %d unread 60 KiB pings the connection is still open (closes %v)", sent, env.s.Stats().Closes)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMaxConnectionsConcurrent: upgrades racing for the last slots never
// take more than max_connections between them.
func TestMaxConnectionsConcurrent(t *testing.T) {
	const max, dialers = 2, 64
	env := newEnv(t, 0, func(w *config.WebSocket, _ *config.HTTP, _ *config.Hub) { w.MaxConnections = max })
	for round := 0; round < 5; round++ {
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			clients []*tclient
		)
		start := make(chan struct{})
		for i := 0; i < dialers; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if c, status, _ := env.dial(t, dialOpts{}); status == 101 {
					mu.Lock()
					clients = append(clients, c)
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(clients) > max {
			t.Fatalf("round %d: %d upgrades succeeded, max_connections is %d", round, len(clients), max)
		}
		for _, c := range clients {
			c.nc.Close()
		}
		waitFor(t, func() bool { return len(env.s.Connections()) == 0 })
	}
}
