package hub

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub/filter"
)

// Errors returned by the hub. Transports map them to protocol codes.
var (
	// ErrSlowConsumer: the client's queue overflowed on a stream that is
	// never dropped (alert, config, event). It has been removed from every
	// stream; it should reconnect and resume from its last positions.
	ErrSlowConsumer = errors.New("hub: slow consumer: queue full on a never-dropped stream, reconnect and resume")
	// ErrClosed: the client was closed by its owner.
	ErrClosed = errors.New("hub: client closed")
	// ErrDisconnected: the client was disconnected by an administrator.
	ErrDisconnected = errors.New("hub: client disconnected by an administrator")
	// ErrUnknownStream: a stream name outside the contract set.
	ErrUnknownStream = errors.New("hub: unknown stream (known: alert, config, event, trajectory, state, performance, frame)")
	// ErrUnknownAlert: Ack of an id the hub does not hold (never raised, or
	// forgotten after hub.alert_retention newer alerts).
	ErrUnknownAlert = errors.New("hub: unknown alert id")
)

// Hub is the streams hub: the one registry of subscriptions, per-stream
// offsets, history and latest values, and the fan-out into client queues.
// All methods are safe for concurrent use.
type Hub struct {
	cfg   config.Hub
	log   *slog.Logger
	epoch string

	// mu guards everything below up to the next blank line, and every
	// Client's subs and group: the registry (client -> streams) and the
	// by-stream index derived from it change together under mu, so they
	// cannot drift. Publish holds mu while it assigns the offset, records
	// history and enqueues to subscribers, so every client sees a stream in
	// offset order and a subscribe's replay joins the live flow with no gap
	// and no duplicate.
	mu           sync.Mutex
	clients      map[string]*Client
	byStream     [numStreams]map[*Client]struct{}
	offsets      [numStreams]uint64
	hist         [numStreams]history
	latest       [numStreams]*Publication            // latest publication for everyone (Group "")
	latestGroup  [numStreams]map[string]*Publication // latest group-targeted publication per group
	alerts       alertBook
	store        *alertStore // nil: alerts live in memory only; set in New
	nextClientID uint64
	shardSeq     uint64
	// cut lists the slow consumers publishLocked removed, to be logged by
	// the caller after it unlocks (see logCut): a log write may block.
	cut []cutNote
	// filters interns the clients' filters; levelWatchers counts frame
	// subscribers per quality level.
	filters       filterTable
	levelWatchers [NumLevels]int

	schemas [numStreams]*filter.Schema // set before use (New), read-only after

	stats       [numStreams]streamStats
	slowClients atomic.Uint64 // clients disconnected as slow consumers
	clientErrs  atomic.Uint64 // protocol errors reported by transports
}

// streamStats are hub-wide delivery counters for one stream. Delivery
// figures are sharded by client: after one publication every subscriber's
// writer records its delivery at about the same moment, and one mutex per
// stream would make a thousand writers queue on it.
type streamStats struct {
	published atomic.Uint64
	dropped   atomic.Uint64 // superseded by conflation before delivery
	shards    [statShards]statShard
}

const statShards = 8

type statShard struct {
	mu        sync.Mutex // guards the fields below
	delivered uint64
	bytes     uint64
	errors    uint64
	lat       window
	_         [64]byte // keep shards' mutexes on separate cache lines
}

// Option configures a hub in New.
type Option func(*Hub)

// New returns a hub with a fresh random epoch. With WithAlertStore, the
// alerts of the previous run are loaded (and the unacknowledged ones
// republished in this epoch) before New returns.
func New(cfg config.Hub, log *slog.Logger, opts ...Option) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("hub: crypto/rand.Read: " + err.Error()) // never fails on Linux
	}
	h := &Hub{cfg: cfg, log: log.With("component", "hub"), epoch: hex.EncodeToString(b[:]), clients: map[string]*Client{}, schemas: defaultSchemas()}
	for i := range h.byStream {
		h.byStream[i] = map[*Client]struct{}{}
		h.hist[i] = history{max: cfg.HistoryCount, maxAge: cfg.HistoryAge.D()}
	}
	h.alerts.max, h.alerts.maxAge = cfg.AlertRetention, cfg.AlertMaxAge.D()
	for _, o := range opts {
		o(h)
	}
	if h.store != nil {
		h.restoreAlerts()
	}
	return h
}

// Epoch identifies this process run; offsets restart at 1 in every epoch.
func (h *Hub) Epoch() string { return h.epoch }

// Publish JSON-encodes data once and publishes it on s to every subscriber.
// data may be a json.RawMessage (used as is after a validity check).
func (h *Hub) Publish(s Stream, data any) (*Publication, error) {
	return h.PublishGroup(s, "", data)
}

// PublishGroup publishes data on s to the subscribers of s whose group is
// group ("" means everyone). The offset is consumed for everyone: clients
// outside the group see a gap in offsets, which is not a loss.
func (h *Hub) PublishGroup(s Stream, group string, data any) (*Publication, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("hub: Publish %q: %w", s, ErrUnknownStream)
	}
	if s == StreamAlert {
		return nil, errors.New("hub: Publish on alert: use RaiseAlert, which assigns the id acks refer to")
	}
	if err := ValidGroup(group, true); err != nil {
		return nil, err
	}
	raw, err := encode(data)
	if err != nil {
		return nil, fmt.Errorf("hub: Publish %s: %w", s, err)
	}
	return h.publish(s, group, raw, nil, ""), nil
}

// PublishBinary publishes b (one JPEG) on the frame stream. The hub keeps b
// and shares it with every subscriber: the caller must not modify or reuse it.
func (h *Hub) PublishBinary(s Stream, b []byte) (*Publication, error) {
	if s != StreamFrame {
		return nil, fmt.Errorf("hub: PublishBinary on %q: only the frame stream carries binary payloads", s)
	}
	return h.publish(s, "", frameData(b, LevelFull), b, ""), nil
}

func encode(data any) (json.RawMessage, error) {
	switch d := data.(type) {
	case json.RawMessage:
		if !json.Valid(d) {
			return nil, errors.New("data is not valid JSON")
		}
		return d, nil
	case nil:
		return nil, errors.New("data is nil")
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("json.Marshal: %w", err)
	}
	return b, nil
}

// ValidGroup checks a group name: 1-32 of [a-z0-9_-] (empty allowed when
// emptyOK). Names need no JSON escaping and are safe in logs and topics.
func ValidGroup(g string, emptyOK bool) error {
	if g == "" {
		if emptyOK {
			return nil
		}
		return errors.New("hub: empty group name")
	}
	if len(g) > 32 {
		return fmt.Errorf("hub: group %q is longer than 32 bytes", g)
	}
	for i := 0; i < len(g); i++ {
		c := g[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("hub: group %q: only a-z, 0-9, '_' and '-' are allowed", g)
		}
	}
	return nil
}

func (h *Hub) publish(s Stream, group string, data json.RawMessage, bin []byte, alertID string) *Publication {
	return h.publishLevels(s, group, data, bin, alertID, nil)
}

// publishLevels is publish for a frame with other quality levels.
func (h *Hub) publishLevels(s Stream, group string, data json.RawMessage, bin []byte, alertID string, lv *frameLevels) *Publication {
	h.mu.Lock()
	p := h.publishLockedLevels(s, group, data, bin, alertID, lv)
	cut := h.takeCutLocked()
	h.mu.Unlock()
	h.logCut(cut)
	return p
}

// cutNote is one slow consumer removed by a publication.
type cutNote struct {
	id, remote string
	stream     Stream
	queue      int
}

// takeCutLocked returns and clears the slow consumers cut so far. h.mu held.
func (h *Hub) takeCutLocked() []cutNote {
	cut := h.cut
	h.cut = nil
	return cut
}

// logCut logs slow consumers outside h.mu: a log handler that blocks (a
// stalled journald) must not hold up every publisher and client.
func (h *Hub) logCut(cut []cutNote) {
	for _, n := range cut {
		h.log.Warn("slow consumer disconnected", "client", n.id, "remote", n.remote, "stream", string(n.stream), "queue", n.queue)
	}
}

// publishLocked is publish with h.mu held.
func (h *Hub) publishLocked(s Stream, group string, data json.RawMessage, bin []byte, alertID string) *Publication {
	return h.publishLockedLevels(s, group, data, bin, alertID, nil)
}

// publishLockedLevels is publishLocked for a frame with other levels.
func (h *Hub) publishLockedLevels(s Stream, group string, data json.RawMessage, bin []byte, alertID string, lv *frameLevels) *Publication {
	i := streamIndex(s)
	now := time.Now()
	h.offsets[i]++
	p := newPublication(s, h.epoch, h.offsets[i], now, group, data, bin)
	p.alertID = alertID
	p.levels = lv
	if s.Conflating() {
		// Only the latest value matters: no history beyond it.
	} else {
		h.hist[i].add(p)
		h.hist[i].prune(now)
	}
	if group == "" {
		h.latest[i] = p
	} else {
		lg := h.latestGroup[i]
		if lg == nil {
			lg = map[string]*Publication{}
			h.latestGroup[i] = lg
		}
		if _, ok := lg[group]; !ok && len(lg) >= maxLatestGroups {
			// Group names come from whoever publishes (an operator's
			// REST or command alert): forget the stalest group's latest
			// value rather than grow without bound.
			var oldest string
			for g, q := range lg {
				if oldest == "" || q.Offset < lg[oldest].Offset {
					oldest = g
				}
			}
			delete(lg, oldest)
		}
		lg[group] = p
	}
	if s == StreamAlert {
		h.alerts.published(p)
	}
	h.stats[i].published.Add(1)
	for c := range h.byStream[i] {
		if group != "" && c.group != group {
			continue
		}
		if !c.enqueue(i, p) {
			h.slowClients.Add(1)
			h.cut = append(h.cut, cutNote{c.id, c.remote, s, c.queueSize})
			h.unregisterLocked(c)
		}
	}
	return p
}

// maxLatestGroups bounds the groups whose latest value a stream keeps.
const maxLatestGroups = 64

// Latest returns the latest publication on s addressed to everyone, nil if
// none (or s is unknown).
func (h *Hub) Latest(s Stream) *Publication {
	i := streamIndex(s)
	if i < 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.latest[i]
}

// latestForLocked returns the newest publication on stream i visible to group.
func (h *Hub) latestForLocked(i int, group string) *Publication {
	p := h.latest[i]
	if group != "" && h.latestGroup[i] != nil {
		if g := h.latestGroup[i][group]; g != nil && (p == nil || g.Offset > p.Offset) {
			p = g
		}
	}
	return p
}

// Offset returns the current position of stream s (offset 0: nothing yet).
func (h *Hub) Offset(s Stream) Position {
	i := streamIndex(s)
	if i < 0 {
		return Position{Epoch: h.epoch}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return Position{h.epoch, h.offsets[i]}
}

// Watchers returns the number of current subscribers of s. The video encoder
// polls it to encode only while someone watches.
func (h *Hub) Watchers(s Stream) int {
	i := streamIndex(s)
	if i < 0 {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.byStream[i])
}

// ClientOptions describe a new client.
type ClientOptions struct {
	ID        string // "" lets the hub assign a unique id
	Group     string // role: "display", "projector", "technician"... ("" = none)
	Remote    string // peer address, for admin listings and logs
	Transport string // "ws", "mqtt"...: informational
	QueueSize int    // max queued publications of never-dropped streams (default 100)
	// OnEnd, if set, is called once when the client ends (slow consumer,
	// disconnect, close), with the reason. It runs with hub locks held, on
	// whichever goroutine ended the client: it must not block or call the
	// hub. A transport uses it to unblock a writer stuck in a write.
	OnEnd func(err error)
}

// Connect registers a new client with no subscriptions. A duplicate or
// invalid ID is replaced by a hub-assigned one (check Client.ID).
func (h *Hub) Connect(opts ClientOptions) *Client {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 100
	}
	if ValidGroup(opts.Group, true) != nil {
		opts.Group = ""
	}
	c := &Client{
		hub: h, remote: opts.Remote, transport: opts.Transport, group: opts.Group,
		queueSize: opts.QueueSize, limit: opts.QueueSize, onEnd: opts.OnEnd,
		wake: make(chan struct{}, 1), connected: time.Now(),
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	id := opts.ID
	if _, dup := h.clients[id]; id == "" || dup || ValidGroup(id, false) != nil {
		h.nextClientID++
		id = h.epoch[:6] + "-" + strconv.FormatUint(h.nextClientID, 10)
	}
	c.id = id
	h.shardSeq++
	c.shard = int(h.shardSeq % statShards)
	h.clients[id] = c
	return c
}

// unregisterLocked removes c from the registry and every stream. h.mu held.
func (h *Hub) unregisterLocked(c *Client) {
	for i := 0; i < numStreams; i++ {
		if c.subs.has(i) {
			delete(h.byStream[i], c)
			c.leaveLocked(i)
		}
		if !c.gone {
			h.filters.release(c.filt[i])
		}
	}
	c.subs, c.gone = 0, true
	if h.clients[c.id] == c {
		delete(h.clients, c.id)
	}
}

// Client returns the connected client with id, nil if none.
func (h *Hub) Client(id string) *Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.clients[id]
}

// Clients describes every connected client, sorted by id.
func (h *Hub) Clients() []ClientInfo {
	h.mu.Lock()
	cs := make([]*Client, 0, len(h.clients))
	for _, c := range h.clients {
		cs = append(cs, c)
	}
	h.mu.Unlock()
	out := make([]ClientInfo, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// checkInvariant verifies that the by-stream index is exactly the registry
// seen by stream. Tests call it; it returns a description of the first
// mismatch, "" when consistent.
func (h *Hub) checkInvariant() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := 0; i < numStreams; i++ {
		n := 0
		for _, c := range h.clients {
			_, in := h.byStream[i][c]
			if c.subs.has(i) != in {
				return fmt.Sprintf("client %s stream %s: registry says %v, index says %v", c.id, Streams[i], c.subs.has(i), in)
			}
			if in {
				n++
			}
		}
		if n != len(h.byStream[i]) {
			return fmt.Sprintf("stream %s: index holds %d clients, registry %d (index holds unregistered clients)", Streams[i], len(h.byStream[i]), n)
		}
	}
	return ""
}
