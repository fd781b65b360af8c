package ws

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"github.com/cuecast/cuecast/edge/hub"
)

// Close codes of our own (docs/protocol.md, "Close codes").
const (
	CloseAdmin        = 4000
	CloseIdle         = 4001
	CloseSlowConsumer = 4008
	CloseTooMany      = 4029
	closeAbnormal     = 1006 // never sent: recorded when the peer vanished
)

// maxCtrlQueued bounds replies waiting for the writer: a client that sends
// requests but never reads their replies is a slow consumer too.
const maxCtrlQueued = 256

// minCtrlBytes is the least reply bytes that may wait for the writer. The
// bound is at least twice websocket.max_message_bytes, so one pong echoing
// a maximal ping always fits; without a byte bound, 256 such pongs could pin
// 256 x max_message_bytes (16 MiB by default) on a client that never reads.
const minCtrlBytes = 256 << 10

func maxCtrlBytes(set *settings) int { return max(minCtrlBytes, 2*set.ws.MaxMessageBytes) }

// conn is one WebSocket connection. It runs exactly two goroutines:
// readLoop (the only reader of nc) and writeLoop (the only writer of nc:
// gobwas/ws does no locking, and one writer lets queued frames be batched).
// The last of the two to exit closes nc and the hub client.
type conn struct {
	s          *Server
	nc         net.Conn
	hc         *hub.Client
	auto       *autoQuality // frame quality "auto"; writer goroutine only
	remote     string
	compressed bool
	// bearer is the token of the upgrade's Authorization header ("" none).
	// It is checked against the current http.token at each use, so a token
	// changed by a reload de-authorises connections that presented the old.
	bearer  string
	started time.Time
	r       io.Reader // nc, preceded by bytes buffered during the handshake

	// mu guards ctrl, ctrlBytes, ended, closeCode and closeReason.
	mu          sync.Mutex
	ctrl        [][]byte // compiled reply frames, in order
	ctrlBytes   int      // total length of ctrl
	ended       bool
	closeCode   int
	closeReason string
	ctrlReady   chan struct{} // cap 1
	done        chan struct{} // closed by end

	// orderMu makes a request's reply and the publications it queued (a
	// subscribe's replay) reach the writer together, reply first: the
	// reader holds it across hub.Subscribe and queueing the reply, the
	// writer across taking replies and polling the hub.
	orderMu sync.Mutex

	alive       atomic.Int32 // goroutines still running; the last closes
	writeFailed atomic.Bool  // a frame may be half written: no close frame

	// Reader state: readLoop only.
	hdr         [ws.MaxHeaderSize]byte
	ctl         [125]byte
	bucket      bucket
	rejectedRun int

	// Writer state: writeLoop only.
	ctrlBuf  [][]byte
	pubBuf   []*hub.Publication
	vec      [][]byte
	sizes    []int
	bufs     net.Buffers
	deadline time.Time // write deadline in force

	msgsIn      atomic.Uint64
	rateLimited atomic.Uint64
}

func newConn(s *Server, nc net.Conn, early []byte, remote, group string, compressed bool, bearer string, set *settings) *conn {
	c := &conn{
		s: s, nc: nc, remote: remote, compressed: compressed, bearer: bearer, started: time.Now(),
		ctrlReady: make(chan struct{}, 1), done: make(chan struct{}), r: nc,
	}
	if len(early) > 0 {
		c.r = io.MultiReader(&onceReader{b: early}, nc)
	}
	c.alive.Store(2)
	c.hc = s.hub.Connect(hub.ClientOptions{
		Group: group, Remote: remote, Transport: Transport, QueueSize: set.ws.QueueSize,
		OnEnd: c.hubEnded,
	})
	c.queueReply(TypeConnection, nil, c.greeting(set, group))
	return c
}

type onceReader struct{ b []byte }

func (o *onceReader) Read(p []byte) (int, error) {
	if len(o.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, o.b)
	o.b = o.b[n:]
	return n, nil
}

type greeting struct {
	ClientID    string       `json:"client_id"`
	Epoch       string       `json:"epoch"`
	Protocol    int          `json:"protocol"`
	ServerTime  time.Time    `json:"server_time"`
	Group       string       `json:"group"`
	Streams     []hub.Stream `json:"streams"`
	Commands    []string     `json:"commands"`
	Authorized  bool         `json:"authorized"`
	Compression bool         `json:"compression"`
	Limits      limits       `json:"limits"`
}

type limits struct {
	MaxMessageBytes   int   `json:"max_message_bytes"`
	MessagesPerMinute int   `json:"messages_per_minute"`
	PingIntervalMS    int64 `json:"ping_interval_ms"`
	IdleTimeoutMS     int64 `json:"idle_timeout_ms"`
	QueueSize         int   `json:"queue_size"`
}

func (c *conn) greeting(set *settings, group string) greeting {
	return greeting{
		ClientID: c.hc.ID(), Epoch: c.s.hub.Epoch(), Protocol: 1, ServerTime: time.Now().UTC(),
		Group: group, Streams: hub.Streams, Commands: c.s.Commands(),
		Authorized: c.authorized(set), Compression: c.compressed,
		Limits: limits{
			MaxMessageBytes: set.ws.MaxMessageBytes, MessagesPerMinute: set.ws.MessagesPerMinute,
			PingIntervalMS: set.ws.PingInterval.D().Milliseconds(), IdleTimeoutMS: set.ws.IdleTimeout.D().Milliseconds(),
			QueueSize: set.ws.QueueSize,
		},
	}
}

// hubEnded is the hub client's OnEnd: called with hub locks held, so it
// only records the reason and unblocks the writer.
func (c *conn) hubEnded(err error) {
	switch {
	case errors.Is(err, hub.ErrSlowConsumer):
		// The peer is not reading: a write may be blocked on its full
		// socket buffer. Fail it now instead of after write_timeout.
		c.endUnblock(CloseSlowConsumer, "slow consumer, resume")
	case errors.Is(err, hub.ErrDisconnected):
		reason := hub.DisconnectedReason(err)
		if reason == "" {
			reason = "disconnected by an administrator"
		}
		c.end(CloseAdmin, closeReason(reason))
	}
}

// maxCloseReason is the most reason text a close frame carries (125 bytes
// of payload less the 2-byte code).
const maxCloseReason = 123

// closeReason cuts r to fit a close frame, on a rune boundary so the frame
// stays valid UTF-8 (RFC 6455 5.5.1: a peer fails the connection otherwise).
func closeReason(r string) string {
	if len(r) <= maxCloseReason {
		return r
	}
	n := maxCloseReason
	for n > 0 && !utf8.RuneStart(r[n]) {
		n--
	}
	return r[:n]
}

// end starts closing the connection with code (sent in the close frame
// unless the connection is already broken). Only the first call counts.
func (c *conn) end(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return
	}
	c.ended = true
	c.closeCode, c.closeReason = code, reason
	close(c.done)
}

// endUnblock is end for a peer that stopped reading: a pending write is
// aborted (the stream may then hold half a frame, so no close frame
// follows it).
func (c *conn) endUnblock(code int, reason string) {
	c.end(code, reason)
	c.nc.SetWriteDeadline(time.Now())
}

func (c *conn) closeInfo() (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeCode, c.closeReason
}

// exit is called by each goroutine as it returns; the last one releases
// the connection.
func (c *conn) exit() {
	defer c.s.wg.Done()
	if c.alive.Add(-1) != 0 {
		return
	}
	c.nc.Close()
	c.hc.Close()
	code, reason := c.closeInfo()
	c.s.removeConn(c, code)
	c.s.log.Debug("disconnected", "client", c.hc.ID(), "remote", c.remote, "code", code, "reason", reason)
}

// queueReply queues a reply message for the writer.
func (c *conn) queueReply(typ string, id json.RawMessage, data any) {
	c.queueFrame(compileText(encodeReply(typ, id, data)))
}

func (c *conn) queueFrame(f []byte) {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return
	}
	if len(c.ctrl) >= maxCtrlQueued || c.ctrlBytes+len(f) > maxCtrlBytes(c.s.cfg.Load()) {
		c.mu.Unlock()
		c.endUnblock(CloseSlowConsumer, "slow consumer: replies not read")
		return
	}
	c.ctrl = append(c.ctrl, f)
	c.ctrlBytes += len(f)
	c.mu.Unlock()
	select {
	case c.ctrlReady <- struct{}{}:
	default:
	}
}

// pingFrame is a WebSocket ping with no payload, shared by every connection.
var pingFrame = func() []byte {
	b, _ := ws.CompileFrame(ws.NewPingFrame(nil))
	return b
}()

// writeLoop is the connection's only writer.
func (c *conn) writeLoop() {
	defer c.exit()
	ping := time.NewTicker(c.s.cfg.Load().ws.PingInterval.D())
	defer ping.Stop()
	var wait *time.Timer
	defer func() {
		if wait != nil {
			wait.Stop()
		}
	}()
	for {
		select {
		case <-c.done:
			c.closeHandshake()
			return
		default:
		}
		c.orderMu.Lock()
		c.mu.Lock()
		ctrl := append(c.ctrlBuf[:0], c.ctrl...)
		clear(c.ctrl)
		c.ctrl, c.ctrlBytes = c.ctrl[:0], 0
		c.mu.Unlock()
		pubs, due, err := c.hc.Poll(c.pubBuf[:0])
		c.orderMu.Unlock()
		c.ctrlBuf, c.pubBuf = ctrl, pubs
		if len(ctrl)+len(pubs) > 0 {
			werr := c.write(ctrl, pubs)
			clear(ctrl)
			clear(pubs) // drop references: the hub may free history
			if werr != nil {
				c.writeFailed.Store(true)
				c.endUnblock(writeErrorCode(werr), "write failed")
			}
			continue
		}
		if err != nil {
			// The hub ended the client; hubEnded has set the close code
			// (ErrClosed only comes from our own exit, after done).
			c.end(CloseSlowConsumer, err.Error())
			continue
		}
		var tick <-chan time.Time
		if !due.IsZero() {
			if wait == nil {
				wait = time.NewTimer(time.Until(due))
			} else {
				wait.Reset(time.Until(due))
			}
			tick = wait.C
		}
		select {
		case <-c.done:
		case <-c.ctrlReady:
		case <-c.hc.Ready():
		case <-tick:
		case <-ping.C:
			c.armWriteDeadline(c.s.cfg.Load().ws.WriteTimeout.D())
			if _, err := c.nc.Write(pingFrame); err != nil {
				c.writeFailed.Store(true)
				c.endUnblock(writeErrorCode(err), "ping write failed")
			}
		}
		if wait != nil {
			wait.Stop()
		}
	}
}

// writeErrorCode is the close code recorded for a failed write: a timeout
// means the peer stopped reading (slow consumer), anything else that it
// went away.
func writeErrorCode(err error) int {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return CloseSlowConsumer
	}
	return closeAbnormal
}

// armWriteDeadline makes sure the next write fails if the peer accepts no
// bytes for between wt/2 and wt. Moving the deadline costs a runtime timer
// update; doing it on every write to every client is measurable at 1000
// clients x 60 Hz, so it is moved only once half of it has elapsed.
func (c *conn) armWriteDeadline(wt time.Duration) {
	now := time.Now()
	if c.deadline.Sub(now) > wt/2 {
		return
	}
	c.deadline = now.Add(wt)
	c.nc.SetWriteDeadline(c.deadline)
}

// write sends replies then publications in one vectored write. Frames of
// publications are built once per publication and shared (Cached).
func (c *conn) write(ctrl [][]byte, pubs []*hub.Publication) error {
	set := c.s.cfg.Load()
	vec, sizes := c.vec[:0], c.sizes[:0]
	vec = append(vec, ctrl...)
	var deflate *deflateBuilder
	if c.compressed && set.ws.Compression {
		deflate = c.s.deflate.Load()
	}
	for _, p := range pubs {
		switch {
		case p.Binary != nil:
			head := p.Cached(hub.CacheWSBinary, buildBinaryHead)
			vec = append(vec, head, p.Binary)
			sizes = append(sizes, len(head)+len(p.Binary))
		case deflate != nil && len(p.JSON()) >= set.ws.CompressionMin:
			f := p.Cached(hub.CacheWSDeflate, deflate.buildFn)
			vec = append(vec, f)
			sizes = append(sizes, len(f))
		default:
			f := p.Cached(hub.CacheWSText, buildText)
			vec = append(vec, f)
			sizes = append(sizes, len(f))
		}
	}
	c.vec, c.sizes = vec, sizes
	c.armWriteDeadline(set.ws.WriteTimeout.D())
	c.bufs = vec
	t0 := time.Now()
	_, err := c.bufs.WriteTo(c.nc)
	at := time.Now()
	clear(vec) // WriteTo consumed c.bufs; drop the references it left
	if err != nil {
		for _, p := range pubs {
			c.hc.RecordWriteError(p)
		}
		return err
	}
	for i, p := range pubs {
		c.hc.RecordDelivery(p, sizes[i], at)
		if p.Binary != nil {
			c.frameWritten(p, at, at.Sub(t0))
		}
	}
	return nil
}

// frameWritten runs the auto quality for a client that asked for it.
// Writer goroutine only.
func (c *conn) frameWritten(p *hub.Publication, at time.Time, write time.Duration) {
	level, auto := c.hc.FrameLevel()
	if !auto {
		c.auto = nil
		return
	}
	if c.auto == nil || c.auto.level != level {
		// New, or a re-subscribe set the level: start over from it.
		c.auto = newAutoQuality()
		c.auto.level = level
	}
	if level, changed := c.auto.observe(at, p.Time, write, c.hc.Dropped(hub.StreamFrame)); changed {
		c.hc.SetFrameLevel(level)
	}
}

// closeHandshake sends the close frame (unless the stream may hold half a
// frame), shuts down our side and gives the reader a second to see the
// peer's close before the socket is closed.
func (c *conn) closeHandshake() {
	code, reason := c.closeInfo()
	if !c.writeFailed.Load() && code != closeAbnormal {
		c.nc.SetWriteDeadline(time.Now().Add(time.Second))
		body := ws.NewCloseFrameBody(ws.StatusCode(code), reason)
		ws.WriteFrame(c.nc, ws.NewCloseFrame(body))
		if tc, ok := c.nc.(interface{ CloseWrite() error }); ok {
			tc.CloseWrite()
		}
		c.nc.SetReadDeadline(time.Now().Add(time.Second))
		return
	}
	c.nc.SetReadDeadline(time.Now())
}

// msgPool holds buffers for incoming messages, so an idle connection holds
// none. Buffers grown beyond pooledMsgCap are left to the GC.
var msgPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const pooledMsgCap = 64 << 10

// readChunk is how much of a frame's payload is read (and buffer grown)
// at a time.
const readChunk = 16 << 10

// readLoop is the connection's only reader.
func (c *conn) readLoop() {
	defer c.exit()
	var (
		msgp       *[]byte
		op         ws.OpCode
		compressed bool
	)
	release := func() {
		if msgp != nil {
			if cap(*msgp) <= pooledMsgCap {
				*msgp = (*msgp)[:0]
				msgPool.Put(msgp)
			}
			msgp = nil
		}
	}
	defer release()
	state := ws.StateServerSide
	if c.compressed {
		state |= ws.StateExtended
	}
	for {
		set := c.s.cfg.Load()
		select {
		case <-c.done:
			// Closing: keep the deadline the writer set, read until the
			// peer's close frame or EOF.
		default:
			c.nc.SetReadDeadline(time.Now().Add(set.ws.IdleTimeout.D()))
		}
		h, err := ws.ReadHeaderBuffer(c.r, c.hdr[:])
		if err != nil {
			c.readFailed(err)
			return
		}
		st := state
		if msgp != nil {
			st |= ws.StateFragmented
		}
		if err := ws.CheckHeader(h, st); err != nil {
			c.end(int(ws.StatusProtocolError), err.Error())
			return
		}
		// permessage-deflate defines RSV1 on a message's first frame only.
		if h.Rsv2() || h.Rsv3() || h.Rsv1() && (h.OpCode.IsControl() || h.OpCode == ws.OpContinuation) {
			c.end(int(ws.StatusProtocolError), "unexpected RSV bits")
			return
		}
		if h.OpCode.IsControl() {
			p := c.ctl[:h.Length]
			if _, err := io.ReadFull(c.r, p); err != nil {
				c.readFailed(err)
				return
			}
			ws.Cipher(p, h.Mask, 0)
			switch h.OpCode {
			case ws.OpPing:
				c.queueFrame(compileControl(ws.OpPong, p))
			case ws.OpClose:
				code, reason := ws.ParseCloseFrameData(p)
				if err := ws.CheckCloseFrameData(code, reason); err != nil {
					c.end(int(ws.StatusProtocolError), err.Error())
					return
				}
				if code.Empty() {
					code = ws.StatusNormalClosure
				}
				c.end(int(code), "")
				return
			}
			continue
		}
		// Data frame: a new message, or a continuation of one.
		switch {
		case h.OpCode != ws.OpContinuation && msgp != nil:
			c.end(int(ws.StatusProtocolError), "new message before the previous one's final fragment")
			return
		case h.OpCode == ws.OpContinuation && msgp == nil:
			c.end(int(ws.StatusProtocolError), "continuation frame outside a message")
			return
		case h.OpCode != ws.OpContinuation:
			op, compressed = h.OpCode, h.Rsv1()
			msgp = msgPool.Get().(*[]byte)
		}
		msg := *msgp
		if int64(len(msg))+h.Length > int64(set.ws.MaxMessageBytes) {
			c.end(int(ws.StatusMessageTooBig), "message exceeds max_message_bytes")
			return
		}
		// Grow as bytes arrive, not by the declared length: a peer that
		// declares 64 KiB and sends 10 bytes costs 10 bytes (plus one chunk).
		for done := 0; done < int(h.Length); {
			chunk := min(int(h.Length)-done, readChunk)
			n := len(msg)
			msg = slices.Grow(msg, chunk)[:n+chunk]
			if _, err := io.ReadFull(c.r, msg[n:]); err != nil {
				*msgp = msg
				c.readFailed(err)
				return
			}
			ws.Cipher(msg[n:], h.Mask, done)
			done += chunk
		}
		*msgp = msg
		if !h.Fin {
			continue
		}
		if compressed {
			msg, err = inflate(msg, set.ws.MaxMessageBytes)
			if errors.Is(err, errTooBig) {
				c.end(int(ws.StatusMessageTooBig), "message exceeds max_message_bytes after decompression")
				return
			}
			if err != nil {
				c.end(int(ws.StatusInvalidFramePayloadData), err.Error())
				return
			}
		}
		// set was loaded before the read blocked, perhaps minutes ago: a
		// reload since (a rotated token, a new rate) must apply to this
		// message.
		c.handle(op, msg, c.s.cfg.Load())
		release()
	}
}

// readFailed ends the connection after a read error.
func (c *conn) readFailed(err error) {
	select {
	case <-c.done:
		return // we were closing: the peer's EOF or our deadline
	default:
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.end(CloseIdle, "idle timeout")
		return
	}
	if errors.Is(err, ws.ErrHeaderLengthMSB) || errors.Is(err, ws.ErrHeaderLengthUnexpected) {
		c.end(int(ws.StatusProtocolError), err.Error())
		return
	}
	c.writeFailed.Store(true) // the peer is gone: don't try a close frame
	c.end(closeAbnormal, "")
}

func compileControl(op ws.OpCode, p []byte) []byte {
	b, _ := ws.CompileFrame(ws.NewFrame(op, true, p)) // p is at most 125 bytes
	return b
}

// authorized reports whether the upgrade's bearer token is the current one.
func (c *conn) authorized(set *settings) bool { return tokenOK(c.bearer, set.http.Token) }

func (c *conn) info() ConnInfo {
	return ConnInfo{
		ClientInfo: c.hc.Info(), Compression: c.compressed, Authorized: c.authorized(c.s.cfg.Load()),
		MessagesIn: c.msgsIn.Load(), RateLimited: c.rateLimited.Load(),
	}
}

// commandTimeout bounds a command handler's context.
const commandTimeout = 5 * time.Second

func commandContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), commandTimeout)
}
