package apitest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// Health is a settable api.HealthSource.
type Health struct {
	mu sync.Mutex // guards r
	r  api.HealthReport
}

func (h *Health) Set(r api.HealthReport) { h.mu.Lock(); h.r = r; h.mu.Unlock() }

func (h *Health) Health() api.HealthReport {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.r
	r.Components = slices.Clone(r.Components)
	return r
}

// Delivery is a settable api.DeliveryStatsSource.
type Delivery struct {
	mu sync.Mutex // guards s
	s  api.DeliveryStats
}

func (d *Delivery) Set(s api.DeliveryStats) { d.mu.Lock(); d.s = s; d.mu.Unlock() }

func (d *Delivery) DeliveryStats() api.DeliveryStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.s
}

// Connections is an api.ConnectionAdmin over a map of clients. Calls records
// every command ("subscribe c1 [state]") in order.
type Connections struct {
	mu    sync.Mutex // guards conns and calls
	conns map[string]api.ConnectionInfo
	calls []string
}

// Add adds or replaces a client.
func (c *Connections) Add(ci api.ConnectionInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conns == nil {
		c.conns = map[string]api.ConnectionInfo{}
	}
	c.conns[ci.ID] = ci
}

// Calls returns the commands received so far.
func (c *Connections) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

func (c *Connections) Connections() []api.ConnectionInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]api.ConnectionInfo, 0, len(c.conns))
	for _, ci := range c.conns {
		ci.Streams = slices.Clone(ci.Streams)
		out = append(out, ci)
	}
	return out
}

func (c *Connections) Connection(id string) (api.ConnectionInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ci, ok := c.conns[id]
	ci.Streams = slices.Clone(ci.Streams)
	return ci, ok
}

func (c *Connections) Subscribe(id string, streams []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fmt.Sprintf("subscribe %s %v", id, streams))
	ci, ok := c.conns[id]
	if !ok {
		return fmt.Errorf("apitest: client %s: %w", id, api.ErrNotFound)
	}
	for _, s := range streams {
		if !slices.Contains(ci.Streams, s) {
			ci.Streams = append(ci.Streams, s)
		}
	}
	slices.Sort(ci.Streams)
	c.conns[id] = ci
	return nil
}

func (c *Connections) Unsubscribe(id string, streams []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fmt.Sprintf("unsubscribe %s %v", id, streams))
	ci, ok := c.conns[id]
	if !ok {
		return fmt.Errorf("apitest: client %s: %w", id, api.ErrNotFound)
	}
	ci.Streams = slices.DeleteFunc(ci.Streams, func(s string) bool { return slices.Contains(streams, s) })
	c.conns[id] = ci
	return nil
}

func (c *Connections) Disconnect(id, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, fmt.Sprintf("disconnect %s %q", id, reason))
	if _, ok := c.conns[id]; !ok {
		return fmt.Errorf("apitest: client %s: %w", id, api.ErrNotFound)
	}
	delete(c.conns, id)
	return nil
}

// Alerts is an api.AlertCenter keeping alerts in memory; ids are "a1", "a2"...
type Alerts struct {
	mu     sync.Mutex // guards alerts and n
	alerts []api.AlertState
	n      int
	Now    func() time.Time // nil: time.Now
}

// RaiseAlert raises al for everyone.
func (a *Alerts) RaiseAlert(al model.Alert) (model.Alert, error) { return a.RaiseAlertGroup(al, "") }

// RaiseAlertRequest checks fields with the hub's rules (hub.AlertFromFields,
// the real ones) and raises the alert.
func (a *Alerts) RaiseAlertRequest(fields map[string]string, source string, at time.Time) (api.AlertState, error) {
	req, err := hub.AlertFromFields(fields)
	if err != nil {
		return api.AlertState{}, fmt.Errorf("%w: %w", api.ErrBadRequest, err)
	}
	al, err := a.RaiseAlertGroup(model.Alert{Level: req.Level, Code: req.Code, Message: req.Message, Source: source, Time: at}, req.Group)
	return api.AlertState{Alert: al, Group: req.Group}, err
}

func (a *Alerts) RaiseAlertGroup(al model.Alert, group string) (model.Alert, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	if al.ID == "" {
		al.ID = "a" + strconv.Itoa(a.n)
	}
	if al.Time.IsZero() {
		al.Time = a.now()
	}
	a.alerts = append(a.alerts, api.AlertState{Alert: al, Group: group})
	return al, nil
}

func (a *Alerts) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Alerts) Ack(id, by string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range a.alerts {
		if a.alerts[i].ID == id {
			if !a.alerts[i].Acked { // first ack wins, as in the hub
				a.alerts[i].Acked, a.alerts[i].AckedBy, a.alerts[i].AckedAt = true, by, a.now()
			}
			return nil
		}
	}
	return fmt.Errorf("apitest: alert %s: %w", id, api.ErrNotFound)
}

func (a *Alerts) Alerts() []api.AlertState {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.alerts)
}

// Config is an api.ConfigManager that keeps the config in memory and follows
// the contract: Apply parses with config.Parse and changes nothing on error.
// Written holds every document applied (not validate-only), in order.
type Config struct {
	mu      sync.Mutex // guards cur, written and Err
	cur     config.Config
	written [][]byte
	// Err, when set, is returned by the next Apply or Reset after parsing
	// succeeded (a failing disk write, say); nothing is applied.
	Err error
}

// NewConfig returns a manager running c.
func NewConfig(c config.Config) *Config { return &Config{cur: c} }

func (m *Config) Current() config.Config {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cur
}

// Written returns the documents applied so far.
func (m *Config) Written() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.written)
}

func (m *Config) Apply(_ context.Context, doc []byte, validateOnly bool) error {
	c, err := config.Parse("cuecast.toml", doc)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		err, m.Err = m.Err, nil
		return err
	}
	if !validateOnly {
		m.cur = c
		m.written = append(m.written, slices.Clone(doc))
	}
	return nil
}

func (m *Config) Reset(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Err != nil {
		err := m.Err
		m.Err = nil
		return err
	}
	m.cur = config.Default()
	m.written = append(m.written, nil)
	return nil
}

// Streams is a settable api.StreamStatsSource.
type Streams struct {
	mu sync.Mutex // guards s
	s  []api.StreamStats
}

func (s *Streams) Set(st []api.StreamStats) { s.mu.Lock(); s.s = st; s.mu.Unlock() }

func (s *Streams) StreamStats() []api.StreamStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.s)
}

// Vision is a settable api.PerformanceSource; before Set it reports no frame.
type Vision struct {
	mu sync.Mutex // guards p and ok
	p  api.Performance
	ok bool
}

func (v *Vision) Set(p api.Performance) { v.mu.Lock(); v.p, v.ok = p, true; v.mu.Unlock() }

func (v *Vision) Performance() (api.Performance, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.p, v.ok
}
