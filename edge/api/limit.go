package api

import (
	"net"
	"sync"
)

// limitListener caps concurrent connections (in the spirit of
// golang.org/x/net/netutil.LimitListener, with a cap a reload can change).
// Accept waits while the cap is reached, so further clients queue in the
// kernel's backlog instead of costing a goroutine and a descriptor each. A
// connection counts until it is closed, including after a WebSocket upgrade
// hijacked it from the HTTP server.
type limitListener struct {
	net.Listener

	mu     sync.Mutex // guards the fields below
	cond   *sync.Cond // signalled when a slot frees, the cap grows or the listener closes
	open   int
	max    int // <= 0: no cap
	closed bool
}

func newLimitListener(l net.Listener, max int) *limitListener {
	ll := &limitListener{Listener: l, max: max}
	ll.cond = sync.NewCond(&ll.mu)
	return ll
}

// Accept waits for a free slot, then accepts. http.Server calls it from one
// goroutine, so the slot seen free is still free when the connection comes.
func (l *limitListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	for !l.closed && l.max > 0 && l.open >= l.max {
		l.cond.Wait()
	}
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.open++
	l.mu.Unlock()
	return &limitConn{Conn: c, l: l}, nil
}

func (l *limitListener) release() {
	l.mu.Lock()
	l.open--
	l.cond.Signal()
	l.mu.Unlock()
}

func (l *limitListener) setMax(n int) {
	l.mu.Lock()
	l.max = n
	l.cond.Broadcast()
	l.mu.Unlock()
}

func (l *limitListener) counts() (open, max int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open, l.max
}

func (l *limitListener) Close() error {
	l.mu.Lock()
	l.closed = true
	l.cond.Broadcast()
	l.mu.Unlock()
	return l.Listener.Close()
}

// limitConn gives its slot back once, on the first Close.
type limitConn struct {
	net.Conn
	l    *limitListener
	once sync.Once
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.l.release)
	return err
}

// CloseWrite half-closes like the TCP connection underneath, so net/http's
// reset avoidance (half-close, linger, close) still works through the cap.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
