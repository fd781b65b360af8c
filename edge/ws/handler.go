package ws

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"time"

	"github.com/gobwas/ws"

	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/hub/filter"
)

// handle processes one complete client message on the reader goroutine.
// msg is only valid during the call.
func (c *conn) handle(op ws.OpCode, msg []byte, set *settings) {
	c.msgsIn.Add(1)
	c.s.st.messagesIn.Add(1)
	ok, wait := c.bucket.take(time.Now(), set.ws.MessagesPerMinute)
	if !ok {
		c.rateLimited.Add(1)
		c.rejectedRun++
		if c.rejectedRun > set.ws.MessagesPerMinute {
			c.end(CloseTooMany, "too many messages")
			return
		}
		c.sendError(nil, "", &ProtocolError{Code: CodeRateLimited, Message: "ws: over the limit of messages per minute; this message was ignored"}, wait)
		return
	}
	c.rejectedRun = 0
	if op == ws.OpBinary {
		c.sendError(nil, "", perr(CodeBinaryNotAccepted, "ws: clients send JSON text messages only"), 0)
		return
	}
	req, pe := ParseRequest(msg)
	if pe != nil {
		var id json.RawMessage
		typ := ""
		if req != nil {
			id, typ = req.ID, req.Type
		}
		c.sendError(id, typ, pe, 0)
		return
	}
	switch req.Type {
	case TypeSubscribe:
		c.subscribe(req)
	case TypeUnsubscribe:
		c.unsubscribe(req)
	case TypePing:
		c.queueReply(TypePong, req.ID, struct {
			ServerTime time.Time       `json:"server_time"`
			Echo       json.RawMessage `json:"echo"`
		}{time.Now().UTC(), req.Ping})
	case TypeGetStatus:
		c.queueReply(TypeStatus, req.ID, c.status())
	case TypeAck:
		c.ack(req)
	case TypeCommand:
		c.command(req, set)
	}
}

func (c *conn) sendError(id json.RawMessage, typ string, e *ProtocolError, retry time.Duration) {
	c.hc.RecordError()
	c.s.st.errorsSent.Add(1)
	d := errorData{Code: e.Code, Message: e.Message, Path: e.Path, RequestType: typ}
	if retry > 0 {
		d.RetryAfterMS = retry.Milliseconds() + 1
	}
	c.queueReply(TypeError, id, d)
}

func (c *conn) subscribe(req *Request) {
	r := req.Subscribe
	c.orderMu.Lock()
	defer c.orderMu.Unlock()
	hr := hub.SubscribeRequest{Streams: r.Streams, Resume: r.Resume, MaxRateHz: r.MaxRateHz, Group: r.Group}
	for st, sf := range r.Filters {
		f, err := c.s.hub.CompileFilter(st, sf.Spec)
		if err != nil {
			pe := perr(CodeBadArgument, "ws: subscribe: filters.%s: %v", st, err)
			var fe *filter.Error
			if errors.As(err, &fe) {
				pe.Path = fe.Path
			}
			c.sendError(req.ID, req.Type, pe, 0)
			return
		}
		if hr.Filters == nil {
			hr.Filters = map[hub.Stream]*filter.Filter{}
		}
		hr.Filters[st] = f
		if sf.Quality != nil {
			hr.FrameQuality = sf.Quality
		}
	}
	res, err := c.hc.SubscribeWith(hr)
	if err != nil {
		code := CodeBadArgument
		switch {
		case errors.Is(err, hub.ErrUnknownStream):
			code = CodeUnknownStream
		case errors.Is(err, hub.ErrSlowConsumer), errors.Is(err, hub.ErrClosed), errors.Is(err, hub.ErrDisconnected):
			return // the connection is closing
		}
		c.sendError(req.ID, req.Type, perr(code, "ws: subscribe: %v", err), 0)
		return
	}
	c.queueReply(TypeSubscribed, req.ID, struct {
		Group   string                `json:"group"`
		Streams []hub.SubscribeResult `json:"streams"`
	}{c.hc.Group(), res})
}

func (c *conn) unsubscribe(req *Request) {
	c.orderMu.Lock()
	defer c.orderMu.Unlock()
	c.hc.Unsubscribe(req.Unsubscribe.Streams...)
	c.queueReply(TypeUnsubscribed, req.ID, struct {
		Streams    []hub.Stream `json:"streams"`
		Subscribed []hub.Stream `json:"subscribed"`
	}{req.Unsubscribe.Streams, nonNil(c.hc.Streams())})
}

func nonNil(s []hub.Stream) []hub.Stream {
	if s == nil {
		return []hub.Stream{}
	}
	return s
}

type status struct {
	ClientID    string                 `json:"client_id"`
	Epoch       string                 `json:"epoch"`
	Group       string                 `json:"group"`
	ServerTime  time.Time              `json:"server_time"`
	UptimeS     float64                `json:"uptime_s"`
	ConnectedS  float64                `json:"connected_s"`
	Streams     []hub.Stream           `json:"streams"`
	Positions   map[hub.Stream]uint64  `json:"positions"`
	Offsets     map[hub.Stream]uint64  `json:"offsets"`
	MaxRateHz   map[hub.Stream]float64 `json:"max_rate_hz"`
	Queued      int                    `json:"queued"`
	Delivered   uint64                 `json:"delivered"`
	Dropped     uint64                 `json:"dropped"`
	Errors      uint64                 `json:"errors"`
	Latency     hub.LatencyStats       `json:"latency"`
	Clients     int                    `json:"clients"`
	Compression bool                   `json:"compression"`
	Authorized  bool                   `json:"authorized"`
}

func (c *conn) status() status {
	info := c.hc.Info()
	st := status{
		ClientID: info.ID, Epoch: c.s.hub.Epoch(), Group: info.Group, ServerTime: time.Now().UTC(),
		UptimeS: time.Since(c.s.started).Seconds(), ConnectedS: time.Since(c.started).Seconds(),
		Streams: info.Streams, Positions: info.Positions, Offsets: map[hub.Stream]uint64{},
		MaxRateHz: info.MaxRateHz, Queued: info.Queued, Delivered: info.Delivered, Dropped: info.Dropped,
		Errors: info.Errors, Latency: info.Latency, Clients: c.s.Stats().Connections,
		Compression: c.compressed, Authorized: c.authorized(c.s.cfg.Load()),
	}
	if st.Positions == nil {
		st.Positions = map[hub.Stream]uint64{}
	}
	if st.MaxRateHz == nil {
		st.MaxRateHz = map[hub.Stream]float64{}
	}
	for _, s := range hub.Streams {
		st.Offsets[s] = c.s.hub.Offset(s).Offset
	}
	return st
}

func (c *conn) ack(req *Request) {
	id := req.Ack.AlertID
	if err := c.hc.Ack(id); err != nil {
		code := CodeInternal
		if errors.Is(err, hub.ErrUnknownAlert) {
			code = CodeUnknownAlert
		}
		c.sendError(req.ID, req.Type, perr(code, "ws: ack: %v", err), 0)
		return
	}
	a, _ := c.s.hub.Alert(id)
	c.queueReply(TypeAcked, req.ID, struct {
		AlertID string     `json:"alert_id"`
		AckedBy string     `json:"acked_by"`
		AckedAt *time.Time `json:"acked_at"`
	}{id, a.AckedBy, a.AckedAt})
}

// tokenOK compares in constant time; an unset token authorises nothing.
// Both sides are hashed first: ConstantTimeCompare returns at once on a
// length mismatch, which would leak the token's length (as in edge/api).
func tokenOK(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return want != "" && subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

func (c *conn) command(req *Request, set *settings) {
	cmd := req.Command
	switch {
	case set.http.Token == "":
		c.sendError(req.ID, req.Type, perr(CodeUnauthorized, "ws: command: %v", errNoToken), 0)
		return
	case !c.authorized(set) && !tokenOK(cmd.Token, set.http.Token):
		c.sendError(req.ID, req.Type, perr(CodeUnauthorized, "ws: command: missing or wrong token (data.token, or Authorization: Bearer on the upgrade)"), 0)
		return
	}
	f := c.s.command(cmd.Name)
	if f == nil {
		c.sendError(req.ID, req.Type, perr(CodeUnknownCommand, "ws: command %q is not registered (known: %v)", truncate(cmd.Name, 64), c.s.Commands()), 0)
		return
	}
	ctx, cancel := commandContext()
	defer cancel()
	res, err := f(ctx, CommandClient{ID: c.hc.ID(), Remote: c.remote, Group: c.hc.Group()}, cmd.Args)
	if err != nil {
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			pe = perr(CodeCommandFailed, "ws: command %s: %v", cmd.Name, err)
		}
		c.sendError(req.ID, req.Type, pe, 0)
		return
	}
	c.queueReply(TypeCommandResult, req.ID, struct {
		Name   string `json:"name"`
		Result any    `json:"result"`
	}{cmd.Name, res})
}

// broadcastAlert is the built-in broadcast_alert command. The alert is
// checked by the hub's rules for every transport (hub.DecodeAlert).
func (s *Server) broadcastAlert(_ context.Context, cl CommandClient, args json.RawMessage) (any, error) {
	req, err := hub.DecodeAlert(args)
	if err != nil {
		return nil, perr(CodeBadArgument, "broadcast_alert: %v", err)
	}
	p, err := s.hub.RaiseRequest(req, "ws:"+cl.ID, time.Time{})
	if err != nil {
		return nil, perr(CodeBadArgument, "broadcast_alert: %v", err)
	}
	return struct {
		AlertID string `json:"alert_id"`
		Offset  uint64 `json:"offset"`
	}{p.AlertID(), p.Offset}, nil
}
