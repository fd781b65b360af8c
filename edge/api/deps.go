package api

import (
	"context"
	"errors"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/prometheus/client_golang/prometheus"
)

// Deps are the components the API reads and commands. Any field may be nil:
// the endpoints that need it then answer 503 with code "unavailable".
type Deps struct {
	Health      HealthSource
	Delivery    DeliveryStatsSource
	Connections ConnectionAdmin
	Alerts      AlertCenter
	Config      ConfigManager
	Streams     StreamStatsSource
	Vision      PerformanceSource
	Game        GameService   // nil: the game routes answer unavailable
	GameReset   GameResetter  // the game service's reset, if it runs (POST /api/v1/game/reset resets it too)
	History     HistorySource // shot history: /api/v1/game/..., /api/v1/shots/...
	Drills      DrillSource   // /api/v1/drills/...

	// Registry receives the API's own collectors and is served at /metrics.
	// Nil makes New create one; other components add theirs through
	// (*API).Registry. It should not be prometheus.DefaultRegisterer: the
	// API registers the process and Go collectors itself.
	Registry *prometheus.Registry

	// StreamNames are the stream names clients may subscribe to; nil means
	// the seven of the design (frame, state, trajectory, event, alert,
	// config, performance).
	StreamNames []string

	// Now is the clock (tests inject one); nil means time.Now.
	Now func() time.Time
}

// ---- health ----

// HealthSource is the supervisor: what every component last reported.
type HealthSource interface {
	Health() HealthReport
}

// Phase is where the daemon is in its life.
type Phase string

const (
	PhaseStarting Phase = "starting" // before READY=1
	PhaseReady    Phase = "ready"    // after READY=1, until shutdown begins
	PhaseStopping Phase = "stopping" // after STOPPING=1
)

// HealthReport is the supervisor's snapshot.
type HealthReport struct {
	Phase   Phase
	Started time.Time // process start
	// Live is true while the loops that matter make progress (the same
	// condition that gates WATCHDOG=1); LiveDetail says which loop stalled.
	Live       bool
	LiveDetail string
	Components []ComponentHealth
	// MQTT and Source are the MQTT mirror's and the frame source's reports
	// (also in Components), handed over by the supervisor's handles rather
	// than found by name: /api/v1/health lifts them to top-level fields and
	// /metrics exports cuecast_mqtt_connected from MQTT. Nil when the daemon
	// has no such part.
	MQTT, Source *ComponentHealth
	// Waiting says what the daemon is waiting for while it serves without
	// it ("waiting for camera camera:/dev/video0: ..."); "" when nothing.
	Waiting string
}

// ComponentHealth is one component's last report.
type ComponentHealth struct {
	Name         string    `json:"name"`
	OK           bool      `json:"ok"`
	Disabled     bool      `json:"disabled,omitempty"` // turned off by config or absent hardware (OK is true)
	Detail       string    `json:"detail,omitempty"`   // from Reporter.OK
	Error        string    `json:"error,omitempty"`    // from Reporter.Fail
	Since        time.Time `json:"since"`              // when it entered this state
	LastProgress time.Time `json:"last_progress,omitzero"`
}

// ---- WebSocket delivery ----

// DeliveryStatsSource is the WebSocket server's delivery measurement.
type DeliveryStatsSource interface {
	DeliveryStats() DeliveryStats
}

// DeliveryStats are totals since start plus latency over a recent window.
// Delivery latency is publish time to the moment the frame was written to the
// client's socket.
type DeliveryStats struct {
	Window      time.Duration // span the Recent latency covers
	Recent      LatencyStats  // recent window, all streams
	Lifetime    LatencyHistogram
	Messages    uint64 // messages written to clients
	Bytes       uint64 // bytes written to clients (after compression)
	Errors      uint64 // write/protocol errors
	Drops       uint64 // publications conflated or dropped for slow clients
	Disconnects uint64 // clients disconnected for falling behind
	Streams     []StreamDelivery
}

// LatencyStats summarises delivery latency over a window, in milliseconds.
// Jitter is the spread as the source measures it (the hub: the standard
// deviation of the window's samples).
type LatencyStats struct {
	Samples  uint64  `json:"samples"`
	MinMS    float64 `json:"min_ms"`
	MaxMS    float64 `json:"max_ms"`
	AvgMS    float64 `json:"avg_ms"`
	P50MS    float64 `json:"p50_ms"`
	P99MS    float64 `json:"p99_ms"`
	JitterMS float64 `json:"jitter_ms"`
}

// LatencyHistogram is a cumulative histogram since start, exported to
// Prometheus as cuecast_ws_delivery_latency_seconds.
type LatencyHistogram struct {
	Count   uint64
	SumMS   float64
	Buckets []LatencyBucket // ascending UpperMS; Count is cumulative
}

// LatencyBucket is one histogram bucket: samples <= UpperMS.
type LatencyBucket struct {
	UpperMS float64
	Count   uint64
}

// StreamDelivery is one stream's delivery totals.
type StreamDelivery struct {
	Stream    string       `json:"stream"`
	Messages  uint64       `json:"messages"`
	Bytes     uint64       `json:"bytes"`
	Errors    uint64       `json:"errors"`
	Drops     uint64       `json:"drops"`
	Latency   LatencyStats `json:"latency"`
	Consumers int          `json:"subscribers"`
}

// ---- connections ----

// ConnectionAdmin is the WebSocket server's per-connection control. Errors
// for an unknown id must satisfy errors.Is(err, ErrNotFound).
type ConnectionAdmin interface {
	Connections() []ConnectionInfo
	Connection(id string) (ConnectionInfo, bool)
	Subscribe(id string, streams []string) error
	Unsubscribe(id string, streams []string) error
	Disconnect(id, reason string) error
}

// ErrNotFound is what ConnectionAdmin and AlertCenter wrap for an unknown id.
var ErrNotFound = errors.New("not found")

// ErrBadRequest is what a dependency wraps when the client's input is
// refused (the endpoint answers 400 with the dependency's message).
var ErrBadRequest = errors.New("bad request")

// ConnectionInfo describes one WebSocket client.
type ConnectionInfo struct {
	ID        string       `json:"id"`
	Remote    string       `json:"remote"`
	Group     string       `json:"group,omitempty"`
	UserAgent string       `json:"user_agent,omitempty"`
	Connected time.Time    `json:"connected"`
	Streams   []string     `json:"streams"`
	Messages  uint64       `json:"messages"`
	Bytes     uint64       `json:"bytes"`
	Drops     uint64       `json:"drops"`
	Queued    int          `json:"queued"`
	Latency   LatencyStats `json:"latency"`
}

// ---- alerts ----

// AlertCenter raises and acknowledges alerts (the hub). Ack of an unknown id
// must satisfy errors.Is(err, ErrNotFound).
type AlertCenter interface {
	// RaiseAlertRequest checks an alert a client asked for, given as named
	// values (level, code, message, group), by the hub's one set of rules
	// for REST, WebSocket and MQTT, and raises it from source at time at.
	// It returns the alert with its ID set. A refused request changes
	// nothing and satisfies errors.Is(err, ErrBadRequest); its text is the
	// hub's.
	RaiseAlertRequest(fields map[string]string, source string, at time.Time) (AlertState, error)
	Ack(id, by string) error
	Alerts() []AlertState
}

// AlertState is an alert with its acknowledgement.
type AlertState struct {
	model.Alert
	Acked   bool      `json:"acked"`
	AckedBy string    `json:"acked_by,omitempty"`
	AckedAt time.Time `json:"acked_at,omitzero"`
	Group   string    `json:"group,omitempty"` // raised for this group only
	// Restored marks an alert raised before the daemon restarted (kept in
	// the alert store): its id and time are the original ones.
	Restored bool `json:"restored,omitempty"`
}

// ---- configuration ----

// ConfigManager owns the running configuration. Apply and Reset behave exactly
// like a SIGHUP reload: validate, write the file atomically, swap, publish on
// the config stream. A config.Parse failure is returned as *config.Error and
// leaves everything as it was.
type ConfigManager interface {
	Current() config.Config
	Apply(ctx context.Context, toml []byte, validateOnly bool) error
	Reset(ctx context.Context) error
}

// ---- hub history ----

// StreamStatsSource is the hub's per-stream bookkeeping.
type StreamStatsSource interface {
	StreamStats() []StreamStats
}

// StreamStats is one stream in the hub.
type StreamStats struct {
	Stream    string
	Offset    uint64 // last offset published (= publications since start)
	History   int    // publications kept for resume
	Watchers  int    // current subscribers
	Published uint64
}

// ---- vision ----

// PerformanceSource is the vision pipeline's latest measurement; ok is false
// before the first frame.
type PerformanceSource interface {
	Performance() (p Performance, ok bool)
}

// Performance is the pipeline's throughput and per-stage timings.
type Performance struct {
	FPS      float64            `json:"fps"`
	Frames   uint64             `json:"frames"`
	Dropped  uint64             `json:"dropped"` // frames skipped to keep up
	Timings  model.StageTimings `json:"timings"` // latest frame
	Avg      model.StageTimings `json:"avg"`     // recent average
	Updated  time.Time          `json:"updated"`
	CPUPct   float64            `json:"cpu_percent"`
	MemBytes uint64             `json:"mem_bytes"`
}
