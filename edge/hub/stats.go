package hub

import "time"

// ClientInfo describes one client for admin listings (/api/v1/websocket/
// connections). Latency is over the client's lifetime (no percentiles: a
// histogram per connection would cost more than the connection itself).
type ClientInfo struct {
	ID        string             `json:"id"`
	Group     string             `json:"group,omitempty"`
	Remote    string             `json:"remote,omitempty"`
	Transport string             `json:"transport,omitempty"`
	Connected time.Time          `json:"connected"`
	Streams   []Stream           `json:"streams"`
	MaxRateHz map[Stream]float64 `json:"max_rate_hz,omitempty"`
	// Positions is the last offset delivered per stream (this epoch).
	Positions map[Stream]uint64 `json:"positions,omitempty"`
	// Filtered lists the streams with a filter in force; Quality is the
	// frame quality (when subscribed to frame).
	Filtered  []Stream     `json:"filtered,omitempty"`
	Quality   string       `json:"quality,omitempty"`
	Queued    int          `json:"queued"`
	Delivered uint64       `json:"delivered"` // publications written
	Bytes     uint64       `json:"bytes"`     // wire bytes written for them
	Dropped   uint64       `json:"dropped"`   // superseded by conflation before delivery
	Errors    uint64       `json:"errors"`    // protocol errors and failed writes
	Latency   LatencyStats `json:"latency"`
}

// Info returns a snapshot of c.
func (c *Client) Info() ClientInfo {
	h := c.hub
	h.mu.Lock()
	info := ClientInfo{ID: c.id, Group: c.group, Remote: c.remote, Transport: c.transport, Connected: c.connected, Streams: c.subs.list()}
	for i := 0; i < numStreams; i++ {
		if c.filt[i] != nil {
			info.Filtered = append(info.Filtered, Streams[i])
		}
	}
	if c.subs.has(idxFrame) {
		info.Quality = c.qualityLocked()
	}
	h.mu.Unlock()
	if info.Streams == nil {
		info.Streams = []Stream{}
	}
	c.mu.Lock()
	skipped := c.skipped
	info.Queued = c.queuedLocked()
	for i := 0; i < numStreams; i++ {
		if c.slot[i] != nil {
			info.Queued++
		}
		info.Dropped += c.dropped[i]
		if c.rateHz[i] > 0 {
			if info.MaxRateHz == nil {
				info.MaxRateHz = map[Stream]float64{}
			}
			info.MaxRateHz[Streams[i]] = c.rateHz[i]
		}
	}
	c.mu.Unlock()
	c.smu.Lock()
	info.Delivered, info.Bytes, info.Errors = c.delivered, c.bytes, c.errors
	info.Latency = c.lat.stats()
	for i, off := range c.lastPos {
		// A publication the client's filter left out advances its
		// position as much as one it received.
		off = max(off, skipped[i])
		if off > 0 {
			if info.Positions == nil {
				info.Positions = map[Stream]uint64{}
			}
			info.Positions[Streams[i]] = off
		}
	}
	c.smu.Unlock()
	return info
}

// RecordDelivery tells the hub that the transport wrote p to the client at
// time at, using n wire bytes. Latency is at - p.Time (monotonic clock), or
// from when p became due to this client if that was later: a publication
// replayed at subscribe (latest value, unacknowledged alert, resume history)
// counts from the subscribe, not from when it was first published, and one
// the client's max rate held back counts from when the rate let it go.
// Neither the age of a replay nor throttling the client asked for is delivery
// latency. Call it from the goroutine that drains the client (Next/Poll),
// after each write.
func (c *Client) RecordDelivery(p *Publication, n int, at time.Time) {
	i := streamIndex(p.Stream)
	start := p.Time
	if d := c.due[i]; d.After(start) {
		start = d
	}
	d := at.Sub(start)
	c.smu.Lock()
	c.delivered++
	c.bytes += uint64(n)
	c.lat.add(d)
	c.lastPos[i] = p.Offset
	c.smu.Unlock()
	st := &c.hub.stats[i].shards[c.shard]
	st.mu.Lock()
	st.delivered++
	st.bytes += uint64(n)
	st.lat.add(at, d)
	st.mu.Unlock()
}

// RecordWriteError tells the hub that writing p to the client failed.
func (c *Client) RecordWriteError(p *Publication) {
	c.smu.Lock()
	c.errors++
	c.smu.Unlock()
	st := &c.hub.stats[streamIndex(p.Stream)].shards[c.shard]
	st.mu.Lock()
	st.errors++
	st.mu.Unlock()
}

// RecordError counts a protocol error by the client (bad message, refused
// command).
func (c *Client) RecordError() {
	c.smu.Lock()
	c.errors++
	c.smu.Unlock()
	c.hub.clientErrs.Add(1)
}

// StreamMetrics are hub-wide delivery figures for one stream. Counters are
// since the process started; Latency covers the last 30 to 60 seconds.
type StreamMetrics struct {
	Stream      Stream       `json:"stream"`
	Offset      uint64       `json:"offset"`
	Subscribers int          `json:"subscribers"`
	Published   uint64       `json:"published"`
	History     int          `json:"history"`   // publications held for resume
	Delivered   uint64       `json:"delivered"` // publication x client writes
	Bytes       uint64       `json:"bytes"`
	Dropped     uint64       `json:"dropped"` // conflated away before delivery
	Errors      uint64       `json:"errors"`  // failed writes
	Latency     LatencyStats `json:"latency"`
}

// Metrics are the hub's delivery figures.
type Metrics struct {
	Epoch   string `json:"epoch"`
	Clients int    `json:"clients"`
	// SlowConsumers counts clients disconnected for overflowing a
	// never-dropped stream; ClientErrors counts protocol errors.
	SlowConsumers uint64 `json:"slow_consumers"`
	ClientErrors  uint64 `json:"client_errors"`
	// AlertStoreErrors counts failed writes (and a failed load) of the
	// alert store: alerts and acks since then will not survive a restart.
	AlertStoreErrors uint64          `json:"alert_store_errors"`
	Delivered        uint64          `json:"delivered"`
	Bytes            uint64          `json:"bytes"`
	Dropped          uint64          `json:"dropped"`
	Errors           uint64          `json:"errors"`
	Latency          LatencyStats    `json:"latency"` // all streams
	Streams          []StreamMetrics `json:"streams"` // in priority order
}

// Metrics returns a snapshot of delivery figures.
func (h *Hub) Metrics() Metrics {
	now := time.Now()
	h.mu.Lock()
	m := Metrics{Epoch: h.epoch, Clients: len(h.clients), Streams: make([]StreamMetrics, numStreams)}
	for i := range m.Streams {
		sm := &m.Streams[i]
		sm.Stream, sm.Offset, sm.Subscribers = Streams[i], h.offsets[i], len(h.byStream[i])
		sm.History = len(h.hist[i].live())
	}
	h.mu.Unlock()
	m.SlowConsumers, m.ClientErrors = h.slowClients.Load(), h.clientErrs.Load()
	if h.store != nil {
		m.AlertStoreErrors = h.store.errors.Load()
	}
	var all window
	all.started = now
	for i := range m.Streams {
		sm, st := &m.Streams[i], &h.stats[i]
		sm.Published, sm.Dropped = st.published.Load(), st.dropped.Load()
		var w window
		w.started = now
		for k := range st.shards {
			sh := &st.shards[k]
			sh.mu.Lock()
			sh.lat.rotate(now)
			sm.Delivered += sh.delivered
			sm.Bytes += sh.bytes
			sm.Errors += sh.errors
			w.cur.merge(&sh.lat.cur)
			w.cur.merge(&sh.lat.prev)
			sh.mu.Unlock()
		}
		sm.Latency = w.stats(now)
		all.cur.merge(&w.cur)
		m.Delivered += sm.Delivered
		m.Bytes += sm.Bytes
		m.Dropped += sm.Dropped
		m.Errors += sm.Errors
	}
	m.Latency = all.stats(now)
	return m
}
