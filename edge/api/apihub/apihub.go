// Package apihub presents a *hub.Hub as the interfaces package api consumes:
// api.AlertCenter, api.ConnectionAdmin, api.DeliveryStatsSource and
// api.StreamStatsSource. The hub is the one registry of clients and the place
// delivery is measured (transports call Client.RecordDelivery), so it answers
// for every transport at once.
//
// It lives apart from package api so that api itself depends on no transport
// and no hub, and tests with the fakes in apitest.
package apihub

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/hub"
)

// Window is how far back the hub's recent latency figures reach: its sliding
// window holds the last 30 to 60 seconds, so the upper bound is reported.
const Window = 60 * time.Second

// Adapter implements api.AlertCenter, api.ConnectionAdmin,
// api.DeliveryStatsSource and api.StreamStatsSource over one hub. It holds no
// state; every call reads the hub.
type Adapter struct {
	h         *hub.Hub
	transport string // the only clients ConnectionAdmin sees; "" for all
}

// New returns the adapter for h; its ConnectionAdmin sees every hub client.
func New(h *hub.Hub) Adapter { return Adapter{h: h} }

// ForTransport returns the adapter for h whose ConnectionAdmin (the
// /api/v1/websocket/connections endpoints, cuecast_ws_clients, the health
// client count) sees only the clients of one transport (ws.Transport): the
// MQTT mirror and the hardware controller are hub clients too, but not
// WebSocket connections to list, count or disconnect.
func ForTransport(h *hub.Hub, transport string) Adapter { return Adapter{h: h, transport: transport} }

func (a Adapter) sees(transport string) bool { return a.transport == "" || a.transport == transport }

var (
	_ api.AlertCenter         = Adapter{}
	_ api.ConnectionAdmin     = Adapter{}
	_ api.DeliveryStatsSource = Adapter{}
	_ api.StreamStatsSource   = Adapter{}
)

// ---- alerts ----

func (a Adapter) RaiseAlertRequest(fields map[string]string, source string, at time.Time) (api.AlertState, error) {
	req, err := hub.AlertFromFields(fields)
	if err != nil {
		return api.AlertState{}, badRequest{err}
	}
	p, err := a.h.RaiseRequest(req, source, at)
	if err != nil {
		if errors.Is(err, hub.ErrBadAlert) {
			err = badRequest{err}
		}
		return api.AlertState{}, err
	}
	if st, ok := a.h.Alert(p.AlertID()); ok {
		return alertState(st), nil
	}
	// Pushed out at once by a retention of 1 and a burst: answer what was
	// raised.
	var st hub.AlertState
	if err := json.Unmarshal(p.Data, &st); err != nil {
		return api.AlertState{}, fmt.Errorf("apihub: raised alert %s: %w", p.AlertID(), err)
	}
	return alertState(st), nil
}

// badRequest is a refused client input: it matches api.ErrBadRequest and
// keeps the hub's message as its own, so every transport shows the same text.
type badRequest struct{ error }

func (e badRequest) Is(target error) bool { return target == api.ErrBadRequest }
func (e badRequest) Unwrap() error        { return e.error }

func (a Adapter) Ack(id, by string) error {
	err := a.h.Ack(id, by)
	if errors.Is(err, hub.ErrUnknownAlert) {
		return fmt.Errorf("%w: %w", api.ErrNotFound, err)
	}
	return err
}

func (a Adapter) Alerts() []api.AlertState {
	all := a.h.Alerts()
	out := make([]api.AlertState, len(all))
	for i, s := range all {
		out[i] = alertState(s)
	}
	return out
}

func alertState(s hub.AlertState) api.AlertState {
	o := api.AlertState{Alert: s.Alert, Acked: s.Acked, AckedBy: s.AckedBy, Group: s.Group, Restored: s.Restored}
	if s.AckedAt != nil {
		o.AckedAt = *s.AckedAt
	}
	return o
}

// ---- connections ----

func (a Adapter) Connections() []api.ConnectionInfo {
	cs := a.h.Clients()
	out := make([]api.ConnectionInfo, 0, len(cs))
	for _, c := range cs {
		if a.sees(c.Transport) {
			out = append(out, connInfo(c))
		}
	}
	return out
}

func (a Adapter) Connection(id string) (api.ConnectionInfo, bool) {
	c := a.h.Client(id)
	if c == nil {
		return api.ConnectionInfo{}, false
	}
	info := c.Info()
	if !a.sees(info.Transport) {
		return api.ConnectionInfo{}, false
	}
	return connInfo(info), true
}

func connInfo(c hub.ClientInfo) api.ConnectionInfo {
	o := api.ConnectionInfo{
		ID: c.ID, Remote: c.Remote, Group: c.Group, Connected: c.Connected,
		Streams: make([]string, len(c.Streams)), Messages: c.Delivered, Bytes: c.Bytes,
		Drops: c.Dropped, Queued: c.Queued, Latency: latency(c.Latency),
	}
	for i, s := range c.Streams {
		o.Streams[i] = string(s)
	}
	return o
}

func (a Adapter) client(id string) (*hub.Client, error) {
	c := a.h.Client(id)
	if c == nil || (a.transport != "" && !a.sees(c.Info().Transport)) {
		return nil, fmt.Errorf("apihub: client %q: %w (it may have just disconnected)", id, api.ErrNotFound)
	}
	return c, nil
}

// Subscribe adds streams to the client's subscriptions, as if it had sent a
// subscribe message without resume positions: state and config start with
// their latest value.
func (a Adapter) Subscribe(id string, streams []string) error {
	c, err := a.client(id)
	if err != nil {
		return err
	}
	ss := make([]hub.Stream, len(streams))
	for i, s := range streams {
		ss[i] = hub.Stream(s)
	}
	if _, err := c.Subscribe(ss, nil, nil); err != nil {
		if errors.Is(err, hub.ErrClosed) || errors.Is(err, hub.ErrDisconnected) || errors.Is(err, hub.ErrSlowConsumer) {
			// It left between the lookup and the command: as if unknown.
			return fmt.Errorf("apihub: client %q: %w (it has just disconnected)", id, api.ErrNotFound)
		}
		return fmt.Errorf("apihub: subscribe %s: %w", id, err)
	}
	return nil
}

func (a Adapter) Unsubscribe(id string, streams []string) error {
	c, err := a.client(id)
	if err != nil {
		return err
	}
	ss := make([]hub.Stream, len(streams))
	for i, s := range streams {
		ss[i] = hub.Stream(s)
	}
	c.Unsubscribe(ss...)
	return nil
}

// Disconnect ends the client; its transport sees hub.ErrDisconnected and
// closes the connection with its documented close code, passing reason on
// (a WebSocket client reads it in the close frame).
func (a Adapter) Disconnect(id, reason string) error {
	c, err := a.client(id)
	if err != nil {
		return err
	}
	c.DisconnectReason(reason)
	return nil
}

// ---- delivery and streams ----

func (a Adapter) DeliveryStats() api.DeliveryStats {
	m := a.h.Metrics()
	st := api.DeliveryStats{
		Window: Window, Recent: latency(m.Latency),
		Messages: m.Delivered, Bytes: m.Bytes, Errors: m.Errors + m.ClientErrors, Drops: m.Dropped,
		Disconnects: m.SlowConsumers, Streams: make([]api.StreamDelivery, len(m.Streams)),
	}
	for i, s := range m.Streams {
		st.Streams[i] = api.StreamDelivery{
			Stream: string(s.Stream), Messages: s.Delivered, Bytes: s.Bytes, Errors: s.Errors,
			Drops: s.Dropped, Latency: latency(s.Latency), Consumers: s.Subscribers,
		}
	}
	return st
}

func (a Adapter) StreamStats() []api.StreamStats {
	m := a.h.Metrics()
	out := make([]api.StreamStats, len(m.Streams))
	for i, s := range m.Streams {
		out[i] = api.StreamStats{Stream: string(s.Stream), Offset: s.Offset, History: s.History, Watchers: s.Subscribers, Published: s.Published}
	}
	return out
}

func latency(l hub.LatencyStats) api.LatencyStats {
	return api.LatencyStats{Samples: l.Count, MinMS: l.MinMS, MaxMS: l.MaxMS, AvgMS: l.AvgMS, P50MS: l.P50MS, P99MS: l.P99MS, JitterMS: l.JitterMS}
}
