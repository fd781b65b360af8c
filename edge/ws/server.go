package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/httphead"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
)

// CommandFunc runs one command. It is called on the requesting connection's
// reader goroutine: keep it short (or hand work to the component's own
// goroutine). args is the command's "args" object (nil when absent); the
// result is sent back as command_result.data.result. Return a
// *ProtocolError to choose the error code (CodeBadArgument for bad args);
// any other error is reported as command_failed.
type CommandFunc func(ctx context.Context, cl CommandClient, args json.RawMessage) (any, error)

// CommandClient identifies who sent a command.
type CommandClient struct {
	ID     string
	Remote string
	Group  string
}

// Server serves the WebSocket protocol of docs/protocol.md on /ws.
type Server struct {
	hub     *hub.Hub
	log     *slog.Logger
	started time.Time

	cfg     atomic.Pointer[settings]
	ips     ipLimiter
	deflate atomic.Pointer[deflateBuilder]

	// mu guards conns, pending, closing and commands.
	mu       sync.Mutex
	conns    map[*conn]struct{}
	pending  int // upgrades admitted under max_connections, not yet in conns
	closing  bool
	commands map[string]CommandFunc

	wg        sync.WaitGroup // every connection goroutine and the sweeper
	stop      chan struct{}  // closed by Shutdown
	closeOnce sync.Once

	st serverStats
}

// settings is one immutable snapshot of the configuration; Reload swaps it.
type settings struct {
	ws   config.WebSocket
	http config.HTTP
}

type serverStats struct {
	accepted       atomic.Uint64
	rejectedOrigin atomic.Uint64
	rejectedRate   atomic.Uint64
	rejectedFull   atomic.Uint64
	failedUpgrade  atomic.Uint64
	messagesIn     atomic.Uint64
	errorsSent     atomic.Uint64
	mu             sync.Mutex
	closes         map[int]uint64 // close code -> count; guarded by mu
}

// Transport is how the server's clients are marked in the hub
// (hub.ClientOptions.Transport): the admin API lists and counts only these as
// WebSocket connections.
const Transport = "ws"

// NewServer returns a server publishing h's streams. It starts one
// housekeeping goroutine; Shutdown stops it and every connection.
func NewServer(cfg config.WebSocket, httpCfg config.HTTP, h *hub.Hub, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		hub: h, log: log.With("component", "ws"), started: time.Now(),
		conns: map[*conn]struct{}{}, commands: map[string]CommandFunc{}, stop: make(chan struct{}),
	}
	s.st.closes = map[int]uint64{}
	s.Reload(cfg, httpCfg)
	s.RegisterCommand("broadcast_alert", s.broadcastAlert)
	s.wg.Add(1)
	go s.housekeeping()
	return s
}

// Reload applies a new configuration. Origins, the token, the connection
// rate and cap, message limits, timeouts and the compression threshold
// apply at once (existing connections included); the queue size, the ping
// interval and whether compression is negotiated apply to new connections.
func (s *Server) Reload(cfg config.WebSocket, httpCfg config.HTTP) {
	s.cfg.Store(&settings{ws: cfg, http: httpCfg})
	if d := s.deflate.Load(); d == nil || d.level != cfg.CompressionLevel {
		s.deflate.Store(newDeflateBuilder(cfg.CompressionLevel))
	}
}

// RegisterCommand adds (or replaces) a command clients can run with a
// command message and the token.
func (s *Server) RegisterCommand(name string, f CommandFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.commands[name] = f
}

func (s *Server) command(name string) CommandFunc {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands[name]
}

// Commands lists the registered command names, sorted.
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.commands))
	for n := range s.commands {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *Server) housekeeping() {
	defer s.wg.Done()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.ips.sweep(now, s.cfg.Load().ws.ConnectionsPerMinute)
		}
	}
}

// Handler returns s as an http.Handler, for mux.Handle("/ws", s.Handler()).
func (s *Server) Handler() http.Handler { return s }

// Register mounts the server on mux at /ws.
func (s *Server) Register(mux *http.ServeMux) { mux.Handle("GET /ws", s) }

// ServeHTTP upgrades the request to a WebSocket connection, after the
// Origin and per-IP rate checks of docs/protocol.md ("Connecting").
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	set := s.cfg.Load()
	// Admission reserves a slot, so concurrent upgrades cannot all pass the
	// max_connections check before any of them is counted.
	s.mu.Lock()
	closing, n := s.closing, len(s.conns)+s.pending
	admitted := !closing && n < set.ws.MaxConnections
	if admitted {
		s.pending++
	}
	s.mu.Unlock()
	if closing {
		http.Error(w, "ws: server is shutting down", http.StatusServiceUnavailable)
		return
	}
	if !admitted {
		s.st.rejectedFull.Add(1)
		w.Header().Set("Retry-After", "10")
		http.Error(w, fmt.Sprintf("ws: %d clients connected, the maximum (websocket.max_connections)", n), http.StatusServiceUnavailable)
		return
	}
	reserved := true
	defer func() {
		if reserved {
			s.mu.Lock()
			s.pending--
			s.mu.Unlock()
		}
	}()
	if origin := r.Header.Get("Origin"); origin != "" && !originAllowed(origin, r.Host, set.http.AllowedOrigins) {
		s.st.rejectedOrigin.Add(1)
		s.log.Warn("origin refused", "origin", origin, "remote", r.RemoteAddr)
		http.Error(w, fmt.Sprintf("ws: origin %q not allowed (add it to http.allowed_origins)", origin), http.StatusForbidden)
		return
	}
	ip := remoteIP(r.RemoteAddr)
	if ok, wait := s.ips.allow(ip, time.Now(), set.ws.ConnectionsPerMinute); !ok {
		s.st.rejectedRate.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
		http.Error(w, fmt.Sprintf("ws: more than %d connections per minute from %s", set.ws.ConnectionsPerMinute, ip), http.StatusTooManyRequests)
		return
	}
	group := r.URL.Query().Get("group")
	if err := hub.ValidGroup(group, true); err != nil {
		http.Error(w, "ws: ?group=: "+err.Error(), http.StatusBadRequest)
		return
	}
	bearer := ""
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if !tokenOK(tok, set.http.Token) {
			http.Error(w, "ws: Authorization: bad token", http.StatusUnauthorized)
			return
		}
		bearer = tok
	}

	var ext wsflate.Extension
	up := ws.HTTPUpgrader{Timeout: 5 * time.Second}
	if set.ws.Compression {
		ext.Parameters = wsflate.Parameters{ServerNoContextTakeover: true, ClientNoContextTakeover: true}
		up.Negotiate = func(o httphead.Option) (httphead.Option, error) { return ext.Negotiate(o) }
	}
	nc, rw, _, err := up.Upgrade(r, w)
	if err != nil {
		s.st.failedUpgrade.Add(1)
		s.log.Debug("upgrade failed", "remote", r.RemoteAddr, "err", err)
		if nc != nil {
			nc.Close()
		}
		return
	}
	_, compressed := ext.Accepted()
	// The hijacked bufio.Reader may hold bytes a client sent right behind
	// its handshake; keep those, drop the 4 KiB reader itself so an idle
	// connection holds no buffer.
	var early []byte
	if n := rw.Reader.Buffered(); n > 0 {
		early, _ = rw.Reader.Peek(n)
		early = append([]byte(nil), early...)
	}
	c := newConn(s, nc, early, r.RemoteAddr, group, compressed, bearer, set)
	s.mu.Lock()
	s.pending--
	reserved = false
	if s.closing {
		s.mu.Unlock()
		c.hc.Close()
		ws.WriteFrame(nc, ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusGoingAway, "server shutting down")))
		nc.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.wg.Add(2)
	s.mu.Unlock()
	s.st.accepted.Add(1)
	s.log.Debug("connected", "client", c.hc.ID(), "remote", r.RemoteAddr, "group", group, "compression", compressed)
	go c.readLoop()
	go c.writeLoop()
}

func (s *Server) removeConn(c *conn, code int) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.st.mu.Lock()
	s.st.closes[code]++
	s.st.mu.Unlock()
}

// Shutdown closes every connection with 1001 going away and waits for their
// goroutines until ctx ends; then it closes the sockets outright. New
// upgrades are refused with 503 from the start.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	s.closeOnce.Do(func() { close(s.stop) })
	for _, c := range conns {
		c.end(int(ws.StatusGoingAway), "server shutting down")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		<-done // closing the sockets unblocks every goroutine promptly
		return fmt.Errorf("ws: Shutdown: %w (sockets closed without a close handshake)", ctx.Err())
	}
}

// Disconnect closes the WebSocket connection of client id with close code
// 4000. It reports whether such a connection existed (clients of other
// transports are not touched).
func (s *Server) Disconnect(id string) bool { return s.DisconnectReason(id, "") }

// DisconnectReason is Disconnect with a reason sent in the close frame (cut
// to the 123 bytes a close frame holds; "" sends the default reason).
func (s *Server) DisconnectReason(id, reason string) bool {
	c := s.find(id)
	if c == nil {
		return false
	}
	c.hc.DisconnectReason(reason)
	return true
}

// Stats are transport-level counters (delivery figures are in
// hub.Metrics).
type Stats struct {
	Connections    int            `json:"connections"`
	Accepted       uint64         `json:"accepted"`
	RejectedOrigin uint64         `json:"rejected_origin"`
	RejectedRate   uint64         `json:"rejected_rate"`
	RejectedFull   uint64         `json:"rejected_full"` // over max_connections
	FailedUpgrades uint64         `json:"failed_upgrades"`
	MessagesIn     uint64         `json:"messages_in"`
	ErrorsSent     uint64         `json:"errors_sent"`
	Closes         map[int]uint64 `json:"closes"` // by close code
	Compression    bool           `json:"compression"`
	UptimeSeconds  float64        `json:"uptime_s"`
	RegisteredCmds []string       `json:"commands"`
	// TrackedIPs is how many source addresses the per-IP connection
	// limiter remembers; EvictedIPs how many it forgot because it was full
	// (a flood of distinct addresses).
	TrackedIPs int    `json:"tracked_ips"`
	EvictedIPs uint64 `json:"evicted_ips"`
}

// Stats returns a snapshot of the transport counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	n := len(s.conns)
	s.mu.Unlock()
	st := Stats{
		Connections: n, Accepted: s.st.accepted.Load(), RejectedOrigin: s.st.rejectedOrigin.Load(),
		RejectedRate: s.st.rejectedRate.Load(), RejectedFull: s.st.rejectedFull.Load(), FailedUpgrades: s.st.failedUpgrade.Load(),
		MessagesIn: s.st.messagesIn.Load(), ErrorsSent: s.st.errorsSent.Load(),
		Compression: s.cfg.Load().ws.Compression, UptimeSeconds: time.Since(s.started).Seconds(),
		RegisteredCmds: s.Commands(), Closes: map[int]uint64{},
	}
	st.TrackedIPs, st.EvictedIPs = s.ips.counts()
	s.st.mu.Lock()
	for k, v := range s.st.closes {
		st.Closes[k] = v
	}
	s.st.mu.Unlock()
	return st
}

// ConnInfo describes one WebSocket connection: the hub's view of the client
// plus transport details.
type ConnInfo struct {
	hub.ClientInfo
	Compression bool   `json:"compression"`
	Authorized  bool   `json:"authorized"`
	MessagesIn  uint64 `json:"messages_in"`
	RateLimited uint64 `json:"rate_limited"`
}

// Connections describes every WebSocket connection, sorted by id.
func (s *Server) Connections() []ConnInfo {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	out := make([]ConnInfo, 0, len(conns))
	for _, c := range conns {
		out = append(out, c.info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Connection describes one connection by client id.
func (s *Server) Connection(id string) (ConnInfo, bool) {
	if c := s.find(id); c != nil {
		// info takes hub locks: not under s.mu, which upgrades and every
		// closing connection need.
		return c.info(), true
	}
	return ConnInfo{}, false
}

// find returns the connection of client id, nil if none.
func (s *Server) find(id string) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.hc.ID() == id {
			return c
		}
	}
	return nil
}

// originAllowed implements the Origin policy: listed in allowed ("*" allows
// any), or same host as the request when that host can be trusted (see
// hostTrusted). Comparison ignores case.
func originAllowed(origin, host string, allowed []string) bool {
	for _, a := range allowed {
		if a == "*" || strings.EqualFold(strings.TrimSuffix(a, "/"), origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || !hostTrusted(host, allowed) {
		return false
	}
	return strings.EqualFold(u.Host, host) || strings.EqualFold(hostPort(u), hostDefaultPort(host, u.Scheme))
}

// ownHostname is this machine's name, "" if unknown.
var ownHostname = func() string {
	h, _ := os.Hostname()
	return strings.ToLower(h)
}()

// hostTrusted reports whether the request's Host names this box in a way a
// web page cannot fake. "Same host as the Origin" alone is not enough: with
// DNS rebinding a page from evil.example re-points that name at the box, and
// the browser then sends Host and Origin both evil.example. So the same-host
// rule holds only for an IP literal, localhost, the machine's own hostname
// (plain or .local), or a host named by an entry of http.allowed_origins.
func hostTrusted(host string, allowed []string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.ToLower(strings.Trim(h, "[]")), ".")
	switch {
	case h == "":
		return false
	case net.ParseIP(h) != nil, h == "localhost", strings.HasSuffix(h, ".localhost"):
		return true
	case ownHostname != "" && (h == ownHostname || h == ownHostname+".local"):
		return true
	}
	for _, a := range allowed {
		if u, err := url.Parse(a); err == nil && strings.EqualFold(u.Hostname(), h) {
			return true
		}
	}
	return false
}

// hostPort returns u's host with its scheme's default port made explicit.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	switch u.Scheme {
	case "https", "wss":
		return u.Host + ":443"
	default:
		return u.Host + ":80"
	}
}

func hostDefaultPort(host, scheme string) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	if scheme == "https" || scheme == "wss" {
		return host + ":443"
	}
	return host + ":80"
}

func remoteIP(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

var errNoToken = errors.New("commands are disabled: http.token is not set")
