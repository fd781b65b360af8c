package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server timeouts. Every request, on every path, is bounded: the headers
// within ReadHeaderTimeout, the whole request within ReadTimeout (an /api/v1
// route with a body sets its own, Route.BodyTimeout), the response within
// WriteTimeout, and an idle keep-alive connection is closed after
// IdleTimeout. Long-lived responses (/ws, /stream.mjpg) are wrapped in
// Stream, which lifts the request-wide deadlines: they set their own per
// write and per read.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 2 * time.Minute
)

// Server is the daemon's one HTTP listener: timeouts as above and a cap on
// concurrent connections (SetMaxConns). It is replaced whole when
// http.listen changes.
type Server struct {
	ln   *limitListener
	srv  *http.Server
	log  *slog.Logger
	done chan struct{} // closed when Serve returned

	shutOnce sync.Once
}

// ServerOptions configure Listen. Zero timeouts take the defaults above
// (tests shorten them).
type ServerOptions struct {
	// MaxConns caps concurrent connections (WebSockets and MJPEG viewers
	// included); further connections wait in the kernel's accept queue
	// until one closes. 0 means no cap.
	MaxConns int
	Log      *slog.Logger

	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Listen binds addr and serves h on it until Shutdown.
func Listen(addr string, h http.Handler, o ServerOptions) (*Server, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http: listen %s: %w (is another cuecastd running? change http.listen or --listen)", addr, err)
	}
	s := &Server{ln: newLimitListener(ln, o.MaxConns), log: log, done: make(chan struct{}), srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: orDefault(o.ReadHeaderTimeout, ReadHeaderTimeout),
		ReadTimeout:       orDefault(o.ReadTimeout, ReadTimeout),
		WriteTimeout:      orDefault(o.WriteTimeout, WriteTimeout),
		IdleTimeout:       orDefault(o.IdleTimeout, IdleTimeout),
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.With("component", "http").Handler(), slog.LevelWarn),
	}}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "component", "http", "err", err)
		}
	}()
	log.Info("http listening", "component", "http", "addr", ln.Addr().String(), "max_connections", o.MaxConns)
	return s, nil
}

// Addr is the bound address (the real port when addr had port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// SetMaxConns changes the connection cap (a reload); connections above a
// lowered cap are not cut, new ones wait until the count is below it.
func (s *Server) SetMaxConns(n int) { s.ln.setMax(n) }

// Conns returns the open connections and the cap.
func (s *Server) Conns() (open, max int) { return s.ln.counts() }

// Shutdown closes long-lived connections first (closeHijacked: WebSockets,
// which http.Server.Shutdown does not track; may be nil), then waits for
// requests in flight until ctx ends, then closes what is left. Safe twice.
func (s *Server) Shutdown(ctx context.Context, closeHijacked func(ctx context.Context)) {
	s.shutOnce.Do(func() {
		if closeHijacked != nil {
			closeHijacked(ctx)
		}
		if err := s.srv.Shutdown(ctx); err != nil {
			s.log.Warn("http shutdown", "component", "http", "err", err)
			s.srv.Close()
		}
		<-s.done
	})
}

// Stream wraps a handler whose response or connection lives long (MJPEG,
// WebSocket upgrade): it lifts the server's request-wide read and write
// deadlines, which would otherwise cut the stream (or, for the read
// deadline, cancel the request's context) after ReadTimeout/WriteTimeout.
// The wrapped handler sets its own deadlines per write.
func Stream(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Time{})
		rc.SetWriteDeadline(time.Time{})
		h.ServeHTTP(w, r)
	})
}
