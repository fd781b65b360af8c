package api_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/api"
)

// serve runs e's mux on a real loopback listener behind api.Listen.
func (e *env) serve(t *testing.T, o api.ServerOptions) *api.Server {
	t.Helper()
	s, err := api.Listen("127.0.0.1:0", e.mux, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx, nil)
	})
	return s
}

// waitUntil polls cond for at most 20 s (a bound, not a speed goal).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// readStatus reads one HTTP response's status line from c, bounded by a
// deadline far beyond any honest answer: a server that waits for the body
// never answers and the test fails here.
func readStatus(t *testing.T, c net.Conn, br *bufio.Reader) int {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(15 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no response while the body is still being sent: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Regression (issue 13, defect 5): a token-gated PUT with a large
// Content-Length trickled byte by byte got its 401 only after the whole
// body, and 3000 such connections held 3000 goroutines and descriptors. Now
// the edge refuses before reading and the server drops the connection.
func TestUnauthenticatedSlowBodyGets401AtOnce(t *testing.T) {
	e := newEnv(t)
	srv := e.serve(t, api.ServerOptions{})
	runtime.GC()
	baseG, baseFD := runtime.NumGoroutine(), openFDs()

	const n = 60 // a bounded number of loopback connections
	cases := []struct {
		header string
		length int
		want   int
	}{
		{"", 200 << 10, 401}, // no token; under net/http's 256 KiB drain limit
		{"Authorization: Bearer wrong\r\n", 100 << 10, 401}, // wrong token
		{"Authorization: bearer nope\r\n", 8 << 20, 401},    // lower-case scheme, over the drain limit
		{"X-Cuecast-Token: nope\r\n", 4096, 401},
	}
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		tc := cases[i%len(cases)]
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "PUT /api/v1/config HTTP/1.1\r\nHost: box\r\nContent-Type: application/toml\r\n%sContent-Length: %d\r\n\r\n[", tc.header, tc.length)
		br := bufio.NewReader(c)
		if got := readStatus(t, c, br); got != tc.want {
			t.Fatalf("conn %d (%q, %d bytes declared): HTTP %d, want %d", i, tc.header, tc.length, got, tc.want)
		}
		// Keep trickling: the server must have closed its end (EOF or a
		// reset), not be waiting for the rest of the body.
		c.Write([]byte("a"))
		c.SetReadDeadline(time.Now().Add(15 * time.Second))
		if _, err := br.ReadByte(); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("conn %d: after the 401 the server kept the connection (read: %v)", i, err)
		}
	}
	// Nothing is held server-side while the clients still have theirs open.
	waitUntil(t, "the server to release every refused connection", func() bool { open, _ := srv.Conns(); return open == 0 })
	for _, c := range conns {
		c.Close()
	}
	conns = conns[:0]
	waitUntil(t, "goroutines and descriptors back to where they were", func() bool {
		return runtime.NumGoroutine() <= baseG+2 && openFDs() <= baseFD+2
	})
	if w := e.cfg.Written(); len(w) != 0 {
		t.Errorf("%d config writes from refused requests", len(w))
	}
}

// An authorised slow body is cut at the body timeout instead of holding the
// connection for ever; a declared oversize body is refused unread.
func TestBodyLimitsAtTheEdge(t *testing.T) {
	e := newEnv(t)
	srv := e.serve(t, api.ServerOptions{ReadTimeout: 300 * time.Millisecond})
	e.api.Handle("PUT /api/v1/test/slow", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "read: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}), api.Route{Command: true, MaxBody: 1 << 20, BodyTimeout: 300 * time.Millisecond})

	c, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "PUT /api/v1/test/slow HTTP/1.1\r\nHost: box\r\nAuthorization: Bearer %s\r\nContent-Length: 1000\r\n\r\nab", testToken)
	if got := readStatus(t, c, bufio.NewReader(c)); got != http.StatusBadRequest {
		t.Fatalf("authorised trickled body: HTTP %d, want 400 after the body timeout", got)
	}

	c2, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	fmt.Fprintf(c2, "PUT /api/v1/test/slow HTTP/1.1\r\nHost: box\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", testToken, 2<<20)
	if got := readStatus(t, c2, bufio.NewReader(c2)); got != http.StatusRequestEntityTooLarge {
		t.Fatalf("declared 2 MiB body over a 1 MiB route: HTTP %d, want 413", got)
	}
}

// The connection cap holds: with two connections open a third waits in the
// accept queue, and is served as soon as one closes.
func TestConnectionCap(t *testing.T) {
	e := newEnv(t)
	e.health.Set(api.HealthReport{Phase: api.PhaseReady, Live: true})
	srv := e.serve(t, api.ServerOptions{MaxConns: 2})
	var held []net.Conn
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	waitUntil(t, "two connections accepted", func() bool { open, _ := srv.Conns(); return open == 2 })
	third, err := net.Dial("tcp", srv.Addr()) // completes in the kernel's backlog
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	fmt.Fprintf(third, "GET /api/v1/health/live HTTP/1.1\r\nHost: box\r\n\r\n")
	br := bufio.NewReader(third)
	third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := br.ReadByte(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("third connection served past a cap of 2 (read: %v)", err)
	}
	if open, max := srv.Conns(); open != 2 || max != 2 {
		t.Fatalf("Conns() = %d/%d, want 2/2", open, max)
	}
	held[0].Close()
	if got := readStatus(t, third, br); got != 200 {
		t.Fatalf("third connection after a slot freed: HTTP %d, want 200", got)
	}
}

// Long-lived responses wrapped in Stream outlive ReadTimeout and
// WriteTimeout; the same handler unwrapped is cut. (/stream.mjpg also sets
// a deadline per write, /ws its own after the upgrade; Stream makes sure no
// request-wide deadline is left on the connection either way.)
func TestStreamOutlivesServerTimeouts(t *testing.T) {
	const timeout = 200 * time.Millisecond
	ticks := func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < 10; i++ {
			if _, err := fmt.Fprintf(w, "tick %d\n", i); err != nil {
				return
			}
			rc.Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(timeout / 2):
			}
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /stream", api.Stream(http.HandlerFunc(ticks)))
	mux.HandleFunc("GET /plain", ticks)
	s, err := api.Listen("127.0.0.1:0", mux, api.ServerOptions{ReadTimeout: timeout, WriteTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background(), nil)
	lines := func(path string) int {
		resp, err := http.Get("http://" + s.Addr() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Count(string(b), "\n")
	}
	if n := lines("/stream"); n != 10 {
		t.Errorf("stream wrapped in Stream delivered %d of 10 ticks (5x the server timeouts)", n)
	}
	if n := lines("/plain"); n >= 10 {
		t.Errorf("an unwrapped stream delivered all %d ticks: the server timeouts are not applied", n)
	}
}

// Mounted handlers' errors leave in the one envelope, whatever they wrote;
// HandleFunc maps ErrInvalid and ErrNotFound.
func TestMountedHandlersShareTheEnvelope(t *testing.T) {
	e := newEnv(t)
	e.api.Handle("GET /api/v1/test/plain", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "plain text failure", http.StatusConflict)
	}), api.Route{})
	e.api.Handle("GET /api/v1/test/flat", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, `{"error":"vision: calibration: corners out of range"}`)
	}), api.Route{})
	e.api.HandleFunc("GET /api/v1/test/invalid", func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("test: %w: corner 3", api.ErrInvalid)
	}, api.Route{})
	e.api.HandleFunc("GET /api/v1/test/missing", func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("test: %w", api.ErrNotFound)
	}, api.Route{})
	e.api.HandleFunc("PUT /api/v1/test/cmd", func(w http.ResponseWriter, r *http.Request) error {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}, api.Route{Command: true})

	eb := e.do(req{path: "/api/v1/test/plain"}).wantErr(t, 409, api.CodeBadRequest)
	if eb.Error.Message != "plain text failure" {
		t.Errorf("message = %q", eb.Error.Message)
	}
	eb = e.do(req{path: "/api/v1/test/flat"}).wantErr(t, 422, api.CodeBadRequest)
	if !strings.Contains(eb.Error.Message, "corners out of range") {
		t.Errorf("message = %q", eb.Error.Message)
	}
	e.do(req{path: "/api/v1/test/invalid"}).wantErr(t, 400, api.CodeBadRequest)
	e.do(req{path: "/api/v1/test/missing"}).wantErr(t, 404, api.CodeNotFound)
	e.do(req{method: "PUT", path: "/api/v1/test/cmd"}).wantErr(t, 401, api.CodeUnauthorized)
	if r := e.do(req{method: "PUT", path: "/api/v1/test/cmd", auth: true}); r.status != http.StatusNoContent {
		t.Errorf("authorised mounted command: HTTP %d", r.status)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Handle outside /api/v1 did not panic")
			}
		}()
		e.api.Handle("GET /metrics2", http.NotFoundHandler(), api.Route{})
	}()
}

// An upload longer than the server's WriteTimeout (a firmware bundle over a
// slow link) still gets its answer: the route's Timeout covers the whole
// exchange. (The image's boot test caught the upload cut at 60 s.)
func TestLongUploadOutlivesWriteTimeout(t *testing.T) {
	e := newEnv(t)
	srv := e.serve(t, api.ServerOptions{ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
	e.api.Handle("POST /api/v1/test/upload", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d", n)
	}), api.Route{Command: true, MaxBody: 1 << 20, BodyTimeout: 10 * time.Second, Timeout: 20 * time.Second})

	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < 8; i++ { // 8 x 100 ms: four times both server timeouts
			pw.Write(make([]byte, 1024))
			time.Sleep(100 * time.Millisecond)
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", "http://"+srv.Addr()+"/api/v1/test/upload", pr)
	req.ContentLength = 8 * 1024
	req.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("slow upload: %v (the answer was cut)", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "8192" {
		t.Fatalf("slow upload: HTTP %d %s, want 200 8192", resp.StatusCode, b)
	}
}
