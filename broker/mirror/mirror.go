package mirror

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/cuecast/cuecast/broker/outbox"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
)

// Reporter is what the mirror tells the supervisor (supervise.Reporter).
type Reporter interface {
	Progress()
	OK(detail string)
	Fail(err error)
}

// Snapshotter returns one JPEG of the table (the lead wires the video
// encoder). It may take a frame time; the mirror calls it from its own
// goroutine, never from the hub loop.
type Snapshotter func() ([]byte, error)

// Availability payloads on base/available.
const (
	Online  = "online"
	Offline = "offline" // last will: the broker saw the box vanish
	Stopped = "stopped" // clean shutdown
)

// Status is the mirror's state for health and admin views.
type Status struct {
	URL       string `json:"url"`
	ClientID  string `json:"client_id"`
	Connected bool   `json:"connected"`
	Circuit   string `json:"circuit"` // "closed" (normal) or "open" (waiting circuit_breaker_timeout)
	LastError string `json:"last_error,omitempty"`
	Queued    uint64 `json:"queued"`  // outbox records not yet handed to paho
	Dropped   uint64 `json:"dropped"` // outbox records dropped past store_max_bytes since start
	Published uint64 `json:"published"`
	Commands  uint64 `json:"commands"` // answered (applied, refused or busy)
	// CommandsBusy were answered "busy" (queue full) without being applied;
	// CommandsDeferred were left unacknowledged (queue full past the busy
	// allowance: the broker sends them again at the next connection);
	// CommandsDropped were QoS 0 commands that could not be kept.
	CommandsBusy     uint64 `json:"commands_busy"`
	CommandsDeferred uint64 `json:"commands_deferred"`
	CommandsDropped  uint64 `json:"commands_dropped"`
}

// Mirror is the MQTT mirror. Create with New, then Run; stop with Shutdown
// or by cancelling Run's context.
type Mirror struct {
	cfg    config.MQTT
	box    config.Box
	hub    *hub.Hub
	rep    Reporter
	log    *slog.Logger
	topics topics
	snap   Snapshotter

	client mqtt.Client
	ob     *outbox.Outbox
	slots  *slots

	stop     chan struct{} // closed by Shutdown: loops end
	stopOnce sync.Once
	ran      chan struct{} // closed when Run has returned
	runOnce  sync.Once
	wg       sync.WaitGroup

	cmdq      *cmdQueue     // paho handler -> commands goroutine
	cmdKick   chan struct{} // the session is up: commands may be answered
	snapReq   chan struct{} // event-triggered snapshot, buffer of one
	drainKick chan struct{} // connection state changed: the drainer re-checks
	lost      chan error    // paho lost the connection (connect loop waits on it)

	hubQueue int // hub queue size (hubQueue; tests shrink it)
	// trace, when set (benchmarks), is called with a stage name and the
	// payload about to pass it, from the goroutine of that stage.
	trace           func(stage string, payload []byte)
	lastStateDecode time.Time // consume goroutine only
	resumes         atomic.Uint64

	// sessionMu orders publishing against (re)connecting: connect holds it
	// from Connect until the session is set up, publishers hold it for
	// reading around the connected check and the Publish call. Without it a
	// publisher that checked "connected" before a loss could call Publish
	// while the next Connect is still re-claiming paho's stored message ids,
	// get one of those ids, and overwrite a stored in-flight message.
	sessionMu sync.RWMutex
	connected atomic.Bool
	circuit   atomic.Bool // open
	published atomic.Uint64
	commands  atomic.Uint64
	// gen numbers connections (+1 per attempt): a command remembers the one
	// it came on, since only that one can acknowledge it.
	gen           atomic.Uint64
	cmdBusy       atomic.Uint64 // commands answered busy
	cmdDeferred   atomic.Uint64 // QoS 1/2 commands left unacknowledged, queue full
	lastQueueWarn atomic.Int64  // unix nanos of the last queue-full warning
	overflowN     atomic.Uint64 // dropped records not yet alerted
	lastAlert     atomic.Int64  // unix nanos of the last overflow alert

	mu      sync.Mutex // guards lastErr and sum
	lastErr string
	sum     summary
}

// New builds a mirror for cfg (validated by config.Load) on box, reading h.
// It opens the on-disk store in cfg.StoreDirFor(box) and fails only when that
// is impossible: a broker that is down is not an error, Run keeps trying.
func New(cfg config.MQTT, box config.Box, h *hub.Hub, rep Reporter, log *slog.Logger) (*Mirror, error) {
	if cfg.Off() {
		return nil, errors.New("mqtt: mirror: url is \"off\"; do not start the mirror")
	}
	if log == nil {
		log = slog.Default()
	}
	m := &Mirror{
		cfg: cfg, box: box, hub: h, rep: rep, log: log.With("component", "mqtt"),
		topics:    newTopics(cfg, box),
		slots:     newSlots(),
		stop:      make(chan struct{}),
		ran:       make(chan struct{}),
		cmdq:      newCmdQueue(),
		cmdKick:   make(chan struct{}, 1),
		snapReq:   make(chan struct{}, 1),
		drainKick: make(chan struct{}, 1),
		lost:      make(chan error, 1),
	}
	dir := cfg.StoreDirFor(box)
	ob, err := outbox.Open(outbox.Options{Dir: filepath.Join(dir, "outbox"), MaxBytes: cfg.StoreMaxBytes, SyncEvery: cfg.StoreSync.D()})
	if err != nil {
		return nil, fmt.Errorf("mqtt: mirror: %w", err)
	}
	m.ob = ob
	opts, err := m.clientOptions()
	if err != nil {
		ob.Close()
		return nil, err
	}
	m.client = mqtt.NewClient(opts)
	return m, nil
}

// SetSnapshotter sets the JPEG source for base/snapshot. Call before Run.
func (m *Mirror) SetSnapshotter(s Snapshotter) { m.snap = s }

// Topic returns the full topic of a suffix under base ("available", "event").
func (m *Mirror) Topic(suffix string) string { return m.topics.base + "/" + suffix }

// Run mirrors until ctx ends or Shutdown is called, then shuts down cleanly
// (publishes "stopped", disconnects) within 5s if Shutdown did not already.
// It returns nil after a clean stop.
func (m *Mirror) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-m.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	// Connecting is not a failure yet; a failed attempt reports its reason.
	m.rep.OK(fmt.Sprintf("connecting to %s", m.cfg.URL))
	m.wg.Add(6)
	go m.housekeep(ctx)
	go m.consume(ctx)
	go m.connectLoop(ctx)
	go m.sendLoop(ctx)
	go m.drainLoop(ctx)
	go m.commandLoop(ctx)
	<-ctx.Done()
	m.wg.Wait()
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	m.finish(sctx)
	m.runOnce.Do(func() { close(m.ran) })
	return nil
}

// Shutdown stops the mirror: the loops end, "stopped" is published retained
// and acknowledged (when connected) before the MQTT DISCONNECT, which also
// tells the broker not to send the last will. It waits for Run to return or
// ctx to end. Safe to call twice, and before Run (then it only closes the
// store).
func (m *Mirror) Shutdown(ctx context.Context) error {
	m.stopOnce.Do(func() { close(m.stop) })
	select {
	case <-m.ran:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("mqtt: shutdown: %w", ctx.Err())
	}
}

// finish publishes "stopped", disconnects and closes the store. Run calls it
// once, after every loop has ended.
func (m *Mirror) finish(ctx context.Context) {
	// The loops have ended, so nothing races this publish. The session may
	// be half set up (a stop during connect, after "online" went out): say
	// "stopped" whenever the connection is open.
	if m.client.IsConnectionOpen() {
		tok := m.client.Publish(m.topics.available, 1, true, Stopped)
		if !waitToken(ctx, tok) {
			m.log.Warn("mqtt: publish stopped: no acknowledgement", "err", tokenErr(tok, ctx))
		}
	}
	// 250ms lets paho flush PUBACKs in flight; what is not acknowledged
	// stays in the in-flight store for the next start.
	m.client.Disconnect(250)
	if err := m.ob.Close(); err != nil {
		m.log.Error("mqtt: close outbox", "err", err)
	}
	m.connected.Store(false)
	m.log.Info("mqtt: stopped", "published", m.published.Load())
}

// Status returns the mirror's current state.
func (m *Mirror) Status() Status {
	st := m.ob.Stats()
	m.mu.Lock()
	defer m.mu.Unlock()
	c := "closed"
	if m.circuit.Load() {
		c = "open"
	}
	return Status{
		URL: m.cfg.URL, ClientID: m.cfg.ClientIDFor(m.box), Connected: m.connected.Load(), Circuit: c,
		LastError: m.lastErr, Queued: st.Pending, Dropped: st.Dropped,
		Published: m.published.Load(), Commands: m.commands.Load(),
		CommandsBusy: m.cmdBusy.Load(), CommandsDeferred: m.cmdDeferred.Load(), CommandsDropped: m.cmdq.droppedQoS0(),
	}
}

func (m *Mirror) setErr(err error) {
	m.mu.Lock()
	m.lastErr = err.Error()
	m.mu.Unlock()
	m.rep.Fail(err)
}

func (m *Mirror) kick(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// publish hands a message to paho if the session is up; nil if it is not.
func (m *Mirror) publish(topic string, qos byte, retain bool, payload any) mqtt.Token {
	m.sessionMu.RLock()
	defer m.sessionMu.RUnlock()
	if !m.connected.Load() {
		return nil
	}
	return m.client.Publish(topic, qos, retain, payload)
}

// waitToken waits for tok or ctx; it reports whether tok completed without
// error.
func waitToken(ctx context.Context, tok mqtt.Token) bool {
	select {
	case <-tok.Done():
		return tok.Error() == nil
	case <-ctx.Done():
		return false
	}
}

func tokenErr(tok mqtt.Token, ctx context.Context) error {
	select {
	case <-tok.Done():
		return tok.Error()
	default:
		return ctx.Err()
	}
}

// statusEvery is how often the supervisor's detail line is refreshed.
const statusEvery = 5 * time.Second

// housekeep fsyncs the outbox every store_sync and refreshes the detail the
// supervisor shows (queue depth, drops), one select over tickers.
func (m *Mirror) housekeep(ctx context.Context) {
	defer m.wg.Done()
	var syncC <-chan time.Time
	if d := m.cfg.StoreSync.D(); d > 0 {
		t := time.NewTicker(d)
		defer t.Stop()
		syncC = t.C
	}
	status := time.NewTicker(statusEvery)
	defer status.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-syncC:
			if err := m.ob.Sync(); err != nil {
				m.setErr(err)
			}
		case <-status.C:
			if !m.connected.Load() {
				continue // the connect loop reports why
			}
			st := m.ob.Stats()
			detail := fmt.Sprintf("connected to %s as %s; %d queued", m.cfg.URL, m.cfg.ClientIDFor(m.box), st.Pending)
			if st.Dropped > 0 {
				detail += fmt.Sprintf(", %d dropped (outbox full)", st.Dropped)
			}
			if b, d, q := m.cmdBusy.Load(), m.cmdDeferred.Load(), m.cmdq.droppedQoS0(); b+d+q > 0 {
				detail += fmt.Sprintf("; commands: %d answered busy, %d left to the broker, %d QoS 0 dropped (queue full)", b, d, q)
			}
			m.rep.OK(detail)
		}
	}
}
