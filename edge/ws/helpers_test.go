package ws

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/httphead"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
	"github.com/gobwas/ws/wsutil"
	"go.uber.org/goleak"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testToken = "s3cret"

type testEnv struct {
	h   *hub.Hub
	s   *Server
	url string // ws://127.0.0.1:port/ws
	ts  *httptest.Server
	mux *http.ServeMux // serving /ws; tests may add handlers
}

type envOpt func(*config.WebSocket, *config.HTTP, *config.Hub)

// newEnv starts a hub, a server and an HTTP listener on loopback; all are
// stopped by t.Cleanup. sndbuf > 0 shrinks the server sockets' send buffer.
func newEnv(t testing.TB, sndbuf int, opts ...envOpt) *testEnv {
	t.Helper()
	cfg := config.Default()
	wsc, httpc, hubc := cfg.WebSocket, cfg.HTTP, cfg.Hub
	wsc.ConnectionsPerMinute = 100000
	httpc.Token = testToken
	for _, o := range opts {
		o(&wsc, &httpc, &hubc)
	}
	h := hub.New(hubc, nil)
	s := NewServer(wsc, httpc, h, nil)
	mux := http.NewServeMux()
	s.Register(mux)
	ts := httptest.NewUnstartedServer(mux)
	if sndbuf > 0 {
		ts.Listener = sndbufListener{ts.Listener, sndbuf}
	}
	ts.Start()
	env := &testEnv{h: h, s: s, ts: ts, mux: mux, url: "ws://" + ts.Listener.Addr().String() + "/ws"}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		ts.Close()
	})
	return env
}

type sndbufListener struct {
	net.Listener
	size int
}

func (l sndbufListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(l.size)
	}
	return c, err
}

// tclient is a minimal test client on gobwas/ws's client side.
type tclient struct {
	t        testing.TB
	nc       net.Conn
	r        io.Reader
	inflated bool // permessage-deflate negotiated
}

type dialOpts struct {
	header  http.Header
	query   string
	deflate bool
	rcvbuf  int
}

var errStatus = errors.New("handshake refused")

// dial connects; on an HTTP refusal it returns an error wrapping
// errStatus and the status code.
func (e *testEnv) dial(t testing.TB, o dialOpts) (*tclient, int, error) {
	t.Helper()
	status := 0
	d := ws.Dialer{Timeout: 20 * time.Second, OnStatusError: func(s int, _ []byte, _ io.Reader) { status = s }}
	if o.header != nil {
		d.Header = ws.HandshakeHeaderHTTP(o.header)
	}
	if o.deflate {
		d.Extensions = []httphead.Option{wsflate.DefaultParameters.Option()}
	}
	if o.rcvbuf > 0 {
		d.NetDial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			nd := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
				var serr error
				rc.Control(func(fd uintptr) {
					serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, o.rcvbuf)
				})
				return serr
			}}
			return nd.DialContext(ctx, network, addr)
		}
	}
	nc, br, hs, err := d.Dial(context.Background(), e.url+o.query)
	if err != nil {
		return nil, status, fmt.Errorf("%w (%d): %v", errStatus, status, err)
	}
	c := &tclient{t: t, nc: nc, r: nc}
	if br != nil {
		c.r = io.MultiReader(br, nc)
	}
	for _, x := range hs.Extensions {
		if string(x.Name) == wsflate.ExtensionName {
			c.inflated = true
		}
	}
	t.Cleanup(func() { nc.Close() })
	return c, 101, nil
}

// connect dials and consumes the greeting.
func (e *testEnv) connect(t testing.TB, o dialOpts) (*tclient, greeting) {
	t.Helper()
	c, _, err := e.dial(t, o)
	if err != nil {
		t.Fatal(err)
	}
	m := c.next()
	if m.Type != TypeConnection {
		t.Fatalf("first message %q, want connection", m.Type)
	}
	var g greeting
	if err := json.Unmarshal(m.Data, &g); err != nil {
		t.Fatal(err)
	}
	return c, g
}

func (c *tclient) send(s string) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(20 * time.Second))
	if err := wsutil.WriteClientText(c.nc, []byte(s)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// msg is any server message, decoded loosely.
type msg struct {
	Type   string          `json:"type"`
	ID     json.RawMessage `json:"id"`
	Stream string          `json:"stream"`
	Epoch  string          `json:"epoch"`
	Offset uint64          `json:"offset"`
	Time   time.Time       `json:"time"`
	Group  string          `json:"group"`
	Data   json.RawMessage `json:"data"`

	Bin        *BinaryHeader // binary messages
	Compressed bool
	Raw        []byte
}

func (m msg) errCode() string {
	var d errorData
	json.Unmarshal(m.Data, &d)
	return d.Code
}

// closeError is what read returns when the server closed the connection.
type closeError struct {
	Code   ws.StatusCode
	Reason string
}

func (e closeError) Error() string { return fmt.Sprintf("closed %d %q", e.Code, e.Reason) }

// read returns the next data message; it answers pings, and returns a
// closeError on a close frame or the read error.
func (c *tclient) read(timeout time.Duration) (msg, error) {
	c.nc.SetReadDeadline(time.Now().Add(timeout))
	for {
		h, err := ws.ReadHeader(c.r)
		if err != nil {
			return msg{}, err
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(c.r, p); err != nil {
			return msg{}, err
		}
		switch h.OpCode {
		case ws.OpPing:
			wsutil.WriteClientMessage(c.nc, ws.OpPong, p)
			continue
		case ws.OpPong:
			continue
		case ws.OpClose:
			code, reason := ws.ParseCloseFrameData(p)
			return msg{}, closeError{code, reason}
		}
		if !h.Fin {
			return msg{}, errors.New("test client: fragmented server message")
		}
		var m msg
		if h.Rsv1() {
			m.Compressed = true
			p, err = inflate(p, 1<<24)
			if err != nil {
				return msg{}, err
			}
		}
		m.Raw = p
		if h.OpCode == ws.OpBinary {
			bh, err := ParseBinary(p)
			if err != nil {
				return msg{}, err
			}
			m.Bin, m.Type, m.Stream, m.Offset, m.Epoch = &bh, "binary", string(bh.Stream), bh.Offset, bh.Epoch
			return m, nil
		}
		if err := json.Unmarshal(p, &m); err != nil {
			return msg{}, fmt.Errorf("test client: server sent invalid JSON %q: %v", p, err)
		}
		return m, nil
	}
}

func (c *tclient) next() msg {
	c.t.Helper()
	m, err := c.read(20 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

// until reads until a message of type typ (publications in between are
// returned too).
func (c *tclient) until(typ string) (msg, []msg) {
	c.t.Helper()
	var skipped []msg
	for {
		m := c.next()
		if m.Type == typ {
			return m, skipped
		}
		skipped = append(skipped, m)
	}
}

// expectClose reads until the server closes and returns the close code.
func (c *tclient) expectClose(timeout time.Duration) closeError {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		_, err := c.read(time.Until(deadline))
		var ce closeError
		if errors.As(err, &ce) {
			return ce
		}
		if err != nil {
			c.t.Fatalf("expected a close frame, got %v", err)
		}
	}
	c.t.Fatal("no close frame before the deadline")
	return closeError{}
}

// writeCompressed sends p (already deflated) as one text frame with RSV1.
func writeCompressed(t testing.TB, c *tclient, p []byte) {
	t.Helper()
	f := ws.NewTextFrame(p)
	f.Header.Rsv = ws.Rsv(true, false, false)
	f = ws.MaskFrameInPlace(f)
	if err := ws.WriteFrame(c.nc, f); err != nil {
		t.Fatal(err)
	}
}

func jsonUnmarshal(b []byte, v any) { json.Unmarshal(b, v) }

func testHubConfig() config.Hub { return config.Default().Hub }
