package hub

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/hub/filter"
)

// Client is one subscriber: a WebSocket connection, the MQTT mirror, a test.
// Its owner calls Next from one goroutine to drain its queue; Subscribe,
// Unsubscribe, SetGroup, Disconnect, Info and the Record methods may be called
// from any goroutine.
type Client struct {
	hub       *Hub
	id        string
	remote    string
	transport string
	queueSize int
	connected time.Time
	wake      chan struct{} // cap 1: something was queued or the client ended
	onEnd     func(error)
	shard     int // which statShard this client's deliveries are counted in

	// Guarded by hub.mu (they are the registry).
	subs  streamSet
	group string
	gone  bool // unregistered: its filters were released

	// Written with hub.mu and mu both held, so either lock reads them: the
	// publisher tests filt under hub.mu, the drainer projects under mu.
	filt      [numStreams]*sharedFilter // nil: no filter on that stream
	level     int                       // frame quality level (hub.LevelFull...)
	autoLevel bool                      // the transport moves level (quality "auto")

	// mu guards the queue and per-stream delivery state below.
	mu    sync.Mutex
	err   error // set once: ErrSlowConsumer, ErrClosed or ErrDisconnected
	limit int   // max len(rq[0])+len(rq[1]) before slow-consumer; > queueSize while a resume replay drains
	// rq are FIFO queues of never-dropped publications: rq[0] alert and
	// config, rq[1] event. rqHead[k] indexes the first live element.
	rq       [2][]*Publication
	rqHead   [2]int
	slot     [numStreams]*Publication // conflating streams: latest undelivered
	interval [numStreams]time.Duration
	rateHz   [numStreams]float64 // as requested (interval is derived from it)
	lastSent [numStreams]time.Time
	dropped  [numStreams]uint64
	skipped  [numStreams]uint64 // offset of the last publication its filter left out
	// since[i] is when c subscribed to stream i: what was published before
	// (latest value, unacknowledged alerts, resume history) was queued then.
	since [numStreams]time.Time

	// timer waits for a throttled slot; used only by the Next goroutine.
	timer *time.Timer
	// due[i] is the earliest time the last publication taken from stream i
	// could have been written: when c subscribed (a replay of something
	// published earlier) or when its max rate let it go, if later than its
	// publication. Written by takeLocked, read by RecordDelivery: both on
	// the draining goroutine only, so latency excludes the delay the client
	// asked for and the age of what it asked to be replayed.
	due [numStreams]time.Time

	// smu guards delivery statistics written by the transport.
	smu       sync.Mutex
	delivered uint64
	bytes     uint64
	errors    uint64
	lat       moments
	lastPos   [numStreams]uint64
}

// ID is the client's unique id (hub-assigned unless given in ClientOptions).
func (c *Client) ID() string { return c.id }

// Remote is the peer address given at Connect.
func (c *Client) Remote() string { return c.remote }

// Group returns the client's current group.
func (c *Client) Group() string {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	return c.group
}

// SetGroup changes the client's group: from now on it receives publications
// targeted at g (and those for everyone). g must pass ValidGroup ("" leaves
// every group).
func (c *Client) SetGroup(g string) error {
	if err := ValidGroup(g, true); err != nil {
		return err
	}
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	c.group = g
	return nil
}

// Streams returns the streams c is subscribed to, in priority order.
func (c *Client) Streams() []Stream {
	c.hub.mu.Lock()
	defer c.hub.mu.Unlock()
	return c.subs.list()
}

// SubscribeResult tells a client where it stands in one stream after
// Subscribe.
type SubscribeResult struct {
	Stream Stream `json:"stream"`
	Epoch  string `json:"epoch"`
	// Offset is the stream's current offset: the client has (or is being
	// sent) everything up to it that it is entitled to.
	Offset uint64 `json:"offset"`
	// Resumed: a resume position was given for this stream.
	Resumed bool `json:"resumed"`
	// Recovered: resumed, and every publication missed since the position
	// is being delivered (for conflating streams: the latest is). False with
	// Resumed means a gap: the epoch changed or history no longer reaches
	// back; the client was sent the latest value instead.
	Recovered bool `json:"recovered"`
	// Replayed is how many publications were queued by this subscribe
	// (latest value, missed history, unacknowledged alerts).
	Replayed int `json:"replayed"`
	// MaxRateHz is the rate limit now in force (0: none).
	MaxRateHz float64 `json:"max_rate_hz,omitempty"`
	// Filtered: a filter is in force on this stream.
	Filtered bool `json:"filtered,omitempty"`
	// Quality is the frame quality in force (frame only).
	Quality string `json:"quality,omitempty"`
}

// MaxRateHzLimit and MinRateHz bound a client's requested per-stream rate
// (0 means no limit). Below MinRateHz (one message every 1000 s) the
// interval 1/rate no longer fits a time.Duration sensibly: 1e-10 Hz
// overflowed into a negative interval, that is no throttle at all.
const (
	MaxRateHzLimit = 1000
	MinRateHz      = 0.001
)

// Subscribe adds streams to c's subscriptions. For each newly subscribed
// stream it queues, atomically with registration (so nothing is missed or
// doubled between them):
//   - without a resume position: the latest value (state, config,
//     trajectory, performance, frame) or every unacknowledged alert (alert);
//     nothing for event;
//   - with a position in this epoch still covered by history: every
//     publication after it, in order (conflating streams: the latest if
//     newer), plus unacknowledged alerts older than the position;
//   - with a position from another epoch, ahead of the stream, or older than
//     history: Recovered false, and the latest value (unacknowledged alerts).
//
// maxRateHz limits delivery of conflating streams (latest wins between
// deliveries); 0 removes a limit. Re-subscribing an already subscribed
// stream only updates its rate. On any invalid argument nothing changes.
func (c *Client) Subscribe(streams []Stream, resume map[Stream]Position, maxRateHz map[Stream]float64) ([]SubscribeResult, error) {
	return c.SubscribeGroup(nil, streams, resume, maxRateHz)
}

// SubscribeGroup is Subscribe that first moves c to *group (nil: keeps its
// group), in one step: a refused request changes neither, and no
// publication for the new group can reach c's existing subscriptions
// unless the request succeeds.
func (c *Client) SubscribeGroup(group *string, streams []Stream, resume map[Stream]Position, maxRateHz map[Stream]float64) ([]SubscribeResult, error) {
	return c.SubscribeWith(SubscribeRequest{Streams: streams, Resume: resume, MaxRateHz: maxRateHz, Group: group})
}

// SubscribeRequest is everything one subscribe may ask, applied in one
// step or not at all.
type SubscribeRequest struct {
	Streams   []Stream
	Resume    map[Stream]Position
	MaxRateHz map[Stream]float64
	Group     *string // nil keeps the client's group
	// Filters, per stream, from Hub.CompileFilter. A stream listed with a
	// nil filter has its filter removed; one not listed keeps its filter.
	// Replays (latest value, history, unacknowledged alerts) are filtered
	// like live publications.
	Filters map[Stream]*filter.Filter
	// FrameQuality is the frame level by name (LevelNames or "auto"); nil
	// keeps the client's (full for a new client).
	FrameQuality *string
}

// SubscribeWith is Subscribe with everything a subscribe may carry. On any
// invalid argument nothing changes. Re-subscribing a stream only updates
// its max rate, filter and quality (no replay).
func (c *Client) SubscribeWith(r SubscribeRequest) ([]SubscribeResult, error) {
	group, streams, resume, maxRateHz := r.Group, r.Streams, r.Resume, r.MaxRateHz
	if group != nil {
		if err := ValidGroup(*group, true); err != nil {
			return nil, fmt.Errorf("hub: Subscribe: %w", err)
		}
	}
	if len(streams) == 0 {
		return nil, errors.New("hub: Subscribe: no streams given")
	}
	var want streamSet
	for _, s := range streams {
		i := streamIndex(s)
		if i < 0 {
			return nil, fmt.Errorf("hub: Subscribe %q: %w", s, ErrUnknownStream)
		}
		want |= 1 << i
	}
	for s := range resume {
		if i := streamIndex(s); i < 0 || !want.has(i) {
			return nil, fmt.Errorf("hub: Subscribe: resume position for %q, which is not in the streams being subscribed", s)
		}
	}
	for s, r := range maxRateHz {
		i := streamIndex(s)
		switch {
		case i < 0 || !want.has(i):
			return nil, fmt.Errorf("hub: Subscribe: max rate for %q, which is not in the streams being subscribed", s)
		case !(r == 0 || r >= MinRateHz && r <= MaxRateHzLimit):
			return nil, fmt.Errorf("hub: Subscribe: max rate %v Hz for %s: want 0 (no limit) or %v to %d", r, s, MinRateHz, MaxRateHzLimit)
		case r > 0 && !s.Conflating():
			return nil, fmt.Errorf("hub: Subscribe: max rate for %s: only conflating streams (trajectory, state, performance, frame) can be throttled; %s is never dropped", s, s)
		}
	}
	for s := range r.Filters {
		if streamIndex(s) < 0 {
			return nil, fmt.Errorf("hub: Subscribe: filter for %q: %w", s, ErrUnknownStream)
		}
	}
	level, auto := -1, false
	if r.FrameQuality != nil {
		var err error
		if level, auto, err = ParseQuality(*r.FrameQuality); err != nil {
			return nil, fmt.Errorf("hub: Subscribe: %w", err)
		}
	}

	h := c.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return nil, c.err
	}
	now := time.Now()
	if group != nil {
		c.group = *group
	}
	if level >= 0 {
		c.autoLevel = auto
		c.setLevelLocked(level)
	}
	// A filter belongs to the client's settings for its stream, whether
	// the stream is subscribed in this request, earlier or later.
	for s, f := range r.Filters {
		i := streamIndex(s)
		old := c.filt[i]
		c.filt[i] = h.filters.acquire(f)
		h.filters.release(old)
	}
	out := make([]SubscribeResult, 0, len(streams))
	for i := 0; i < numStreams; i++ {
		if !want.has(i) {
			continue
		}
		s := Streams[i]
		if r, ok := maxRateHz[s]; ok {
			c.interval[i], c.rateHz[i] = 0, r
			if r > 0 {
				c.interval[i] = time.Duration(float64(time.Second) / r)
			}
		}
		res := SubscribeResult{Stream: s, Epoch: h.epoch, Offset: h.offsets[i], MaxRateHz: c.rateHz[i], Filtered: c.filt[i] != nil}
		if i == idxFrame {
			res.Quality = c.qualityLocked()
		}
		if c.subs.has(i) {
			out = append(out, res)
			continue
		}
		c.since[i] = now
		pos, resumed := resume[s]
		res.Resumed = resumed
		var replay []*Publication
		replay, res.Recovered = h.catchUpLocked(i, c.group, pos, resumed)
		for _, p := range replay {
			if p.passes(c.filt[i]) {
				c.enqueueReplay(i, p)
				res.Replayed++
			}
		}
		c.subs |= 1 << i
		h.byStream[i][c] = struct{}{}
		if i == idxFrame {
			h.levelWatchers[c.level]++
		}
		out = append(out, res)
	}
	return out, nil
}

// qualityLocked names c's frame quality. c.mu or hub.mu held.
func (c *Client) qualityLocked() string {
	if c.autoLevel {
		return QualityAuto
	}
	return LevelNames[c.level]
}

// leaveLocked releases what c's subscription to stream i holds in the hub
// (its frame level's watcher count). h.mu held; it writes nothing of c's,
// so it is safe while c's owner polls.
func (c *Client) leaveLocked(i int) {
	if i == idxFrame {
		c.hub.levelWatchers[c.level]--
	}
}

// catchUpLocked returns what a new subscriber of stream i in group must be
// sent first, and whether a resume from pos recovered everything. h.mu held.
func (h *Hub) catchUpLocked(i int, group string, pos Position, resumed bool) ([]*Publication, bool) {
	s := Streams[i]
	last := h.offsets[i]
	ok := resumed && pos.Epoch == h.epoch && pos.Offset <= last
	var missed []*Publication
	if ok && !s.Conflating() {
		h.hist[i].prune(time.Now())
		var all []*Publication
		all, ok = h.hist[i].after(pos.Offset, last)
		for _, p := range all {
			if visible(p, group) {
				missed = append(missed, p)
			}
		}
	}
	switch {
	case s == StreamAlert:
		// Unacknowledged alerts are always (re)delivered; a recovered resume
		// adds what was missed after pos, acknowledged or not.
		return mergeByOffset(h.alerts.unacked(group), missed), ok
	case ok && s.Conflating():
		if p := h.latestForLocked(i, group); p != nil && p.Offset > pos.Offset {
			return []*Publication{p}, true
		}
		return nil, true
	case ok:
		return missed, true
	case s.keepsLatest() || resumed:
		// A fresh subscriber gets the latest value; a failed resume gets it
		// even on event, so the client sees where the stream now stands.
		if p := h.latestForLocked(i, group); p != nil {
			return []*Publication{p}, false
		}
	}
	return nil, false
}

func visible(p *Publication, group string) bool { return p.Group == "" || p.Group == group }

// mergeByOffset merges two offset-ordered lists, dropping duplicates.
func mergeByOffset(a, b []*Publication) []*Publication {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]*Publication, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		switch {
		case a[0].Offset < b[0].Offset:
			out, a = append(out, a[0]), a[1:]
		case a[0].Offset > b[0].Offset:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	out = append(out, a...)
	return append(out, b...)
}

// Unsubscribe removes streams from c's subscriptions and drops anything of
// theirs still queued. Unknown or unsubscribed streams are ignored.
func (c *Client) Unsubscribe(streams ...Stream) {
	h := c.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range streams {
		i := streamIndex(s)
		if i < 0 || !c.subs.has(i) {
			continue
		}
		c.subs &^= 1 << i
		delete(h.byStream[i], c)
		c.leaveLocked(i)
		c.slot[i] = nil
		c.interval[i], c.rateHz[i] = 0, 0
		if !s.Conflating() {
			c.removeQueued(Streams[i])
		}
	}
}

func (c *Client) removeQueued(s Stream) {
	k := queueOf(streamIndex(s))
	q := c.rq[k][:c.rqHead[k]]
	for _, p := range c.rq[k][c.rqHead[k]:] {
		if p.Stream != s {
			q = append(q, p)
		}
	}
	clear(c.rq[k][len(q):])
	c.rq[k] = q
}

func queueOf(i int) int {
	if i == idxEvent {
		return 1
	}
	return 0
}

// enqueue adds a live publication of stream i. It reports false when c
// overflowed on a never-dropped stream: c is then failed with
// ErrSlowConsumer and the caller (holding hub.mu) unregisters it.
func (c *Client) enqueue(i int, p *Publication) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return true
	}
	if !p.passes(c.filt[i]) {
		c.skipped[i] = p.Offset
		return true
	}
	if Streams[i].Conflating() {
		if c.slot[i] != nil {
			c.dropped[i]++
			c.hub.stats[i].dropped.Add(1)
		}
		c.slot[i] = p
	} else {
		if c.queuedLocked() >= c.limit {
			c.failLocked(ErrSlowConsumer)
			return false
		}
		k := queueOf(i)
		c.rq[k] = append(c.rq[k], p)
	}
	c.signal()
	return true
}

// enqueueReplay queues a catch-up publication. The replay may exceed the
// queue bound (it is at most a history's worth of shared pointers); the bound
// is raised until the replay has drained so live traffic keeps its headroom.
func (c *Client) enqueueReplay(i int, p *Publication) {
	if Streams[i].Conflating() {
		c.slot[i] = p
	} else {
		k := queueOf(i)
		c.rq[k] = append(c.rq[k], p)
		if n := c.queuedLocked() + c.queueSize; n > c.limit {
			c.limit = n
		}
	}
	c.signal()
}

func (c *Client) queuedLocked() int {
	return len(c.rq[0]) - c.rqHead[0] + len(c.rq[1]) - c.rqHead[1]
}

func (c *Client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *Client) failLocked(err error) {
	if c.err != nil {
		return
	}
	c.err = err
	for k := range c.rq {
		clear(c.rq[k])
		c.rq[k], c.rqHead[k] = nil, 0
	}
	clear(c.slot[:])
	c.signal()
	if c.onEnd != nil {
		c.onEnd(err)
	}
}

// Next blocks until publications are due and appends them to buf[:0] in
// priority order: alert and config, event, trajectory, state, performance,
// frame; within a stream in offset order. Conflating streams yield their
// latest value at most once per max-rate interval. It returns
// ErrSlowConsumer, ErrDisconnected or ErrClosed when c has ended (queued
// publications are then discarded), or ctx.Err(). Only one goroutine may
// drain c (Next or Poll). The returned publications are shared: read only.
func (c *Client) Next(ctx context.Context, buf []*Publication) ([]*Publication, error) {
	for {
		var due time.Time
		var err error
		buf, due, err = c.Poll(buf)
		if err != nil || len(buf) > 0 {
			return buf, err
		}
		var tick <-chan time.Time
		if !due.IsZero() {
			if c.timer == nil {
				c.timer = time.NewTimer(time.Until(due))
			} else {
				c.timer.Reset(time.Until(due))
			}
			tick = c.timer.C
		}
		select {
		case <-c.wake:
		case <-tick:
		case <-ctx.Done():
			if c.timer != nil {
				c.timer.Stop()
			}
			return buf[:0], ctx.Err()
		}
		if c.timer != nil {
			c.timer.Stop() // Go >= 1.23: no stale tick after Stop
		}
	}
}

// Poll is Next without blocking, for owners that wait on other things too
// (a WebSocket writer also waits for control replies and ping ticks). It
// returns the due publications, the time the next throttled publication
// becomes due (zero if none waits), or the reason c ended. Wait on Ready
// (and on the due time) before polling again.
func (c *Client) Poll(buf []*Publication) ([]*Publication, time.Time, error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return buf[:0], time.Time{}, c.err
	}
	buf, due := c.takeLocked(buf[:0], time.Now())
	filt, level := c.filt, c.level
	c.mu.Unlock()
	// Projections are built outside c.mu: a publisher enqueueing for c
	// never waits for them.
	for k, p := range buf {
		if f := filt[streamIndex(p.Stream)]; f != nil || level > 0 && p.levels != nil {
			buf[k] = p.viewFor(f, level)
		}
	}
	return buf, due, nil
}

// Ready receives a value after something was queued for c or c ended. It
// has a buffer of one: a value may be stale (Poll then returns nothing).
func (c *Client) Ready() <-chan struct{} { return c.wake }

// takeLocked moves due publications into buf and returns the earliest time
// a throttled slot becomes due (zero if none waits).
func (c *Client) takeLocked(buf []*Publication, now time.Time) ([]*Publication, time.Time) {
	for k := range c.rq {
		q := c.rq[k][c.rqHead[k]:]
		buf = append(buf, q...)
		clear(q)
		c.rq[k], c.rqHead[k] = c.rq[k][:0], 0
	}
	for _, i := range [...]int{idxAlert, idxConfig, idxEvent} {
		c.due[i] = c.since[i]
	}
	c.limit = c.queueSize
	var due time.Time
	for i := idxTrajectory; i < numStreams; i++ {
		p := c.slot[i]
		if p == nil {
			continue
		}
		c.due[i] = c.since[i]
		if iv := c.interval[i]; iv > 0 {
			next := c.lastSent[i].Add(iv)
			if now.Before(next) {
				if due.IsZero() || next.Before(due) {
					due = next
				}
				continue
			}
			if next.After(c.due[i]) {
				c.due[i] = next
			}
		}
		buf = append(buf, p)
		c.slot[i] = nil
		c.lastSent[i] = now
	}
	return buf, due
}

// Queued returns the number of publications waiting in c's queue.
func (c *Client) Queued() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.queuedLocked()
	for _, p := range c.slot {
		if p != nil {
			n++
		}
	}
	return n
}

// Close ends c: it leaves every stream and Next returns ErrClosed (unless it
// already ended otherwise). Safe to call more than once.
func (c *Client) Close() { c.end(ErrClosed) }

// Disconnect ends c on an administrator's request: Next returns
// ErrDisconnected and the transport closes the connection.
func (c *Client) Disconnect() { c.end(ErrDisconnected) }

// DisconnectReason is Disconnect with a reason for the client (a WebSocket
// transport sends it in the close frame). Next's error matches
// ErrDisconnected with errors.Is; DisconnectedReason(err) returns reason.
func (c *Client) DisconnectReason(reason string) {
	if reason == "" {
		c.Disconnect()
		return
	}
	c.end(&disconnectError{reason: reason})
}

// disconnectError is ErrDisconnected carrying the administrator's reason.
type disconnectError struct{ reason string }

func (e *disconnectError) Error() string        { return ErrDisconnected.Error() + ": " + e.reason }
func (e *disconnectError) Is(target error) bool { return target == ErrDisconnected }

// DisconnectedReason returns the reason given to DisconnectReason when err
// is the error a client ended with, "" otherwise.
func DisconnectedReason(err error) string {
	var de *disconnectError
	if errors.As(err, &de) {
		return de.reason
	}
	return ""
}

func (c *Client) end(err error) {
	h := c.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	h.unregisterLocked(c)
	c.mu.Lock()
	c.failLocked(err)
	c.mu.Unlock()
}

// Err returns why c ended, nil while it is live.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
