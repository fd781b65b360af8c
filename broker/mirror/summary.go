package mirror

import (
	"encoding/json"
	"math"
	"time"
)

// summary is the small retained document on base/summary that Home
// Assistant (and any simple dashboard) reads instead of the full state.
type summary struct {
	Balls         int       `json:"balls_on_table"`
	FPS           float64   `json:"fps"`
	Phase         string    `json:"phase,omitempty"`
	LastEvent     string    `json:"last_event,omitempty"`
	LastEventTime time.Time `json:"last_event_time,omitzero"`

	rate   frameRate
	sentAt time.Time // when the summary slot was last set
	sent   []byte    // what was set then
}

// summaryEvery bounds summary updates: HA does not need more.
const summaryEvery = time.Second

// frameRate estimates the source frame rate from state sequence numbers and
// capture times over a window of about two seconds (robust to the hub
// throttling states: skipped frames still count through Seq).
type frameRate struct {
	seq0 uint64
	t0   time.Time
	last float64
}

func (r *frameRate) add(seq uint64, t time.Time) {
	switch {
	case r.t0.IsZero() || seq < r.seq0 || t.Before(r.t0):
		r.seq0, r.t0 = seq, t
	case t.Sub(r.t0) >= 2*time.Second:
		r.last = float64(seq-r.seq0) / t.Sub(r.t0).Seconds()
		r.seq0, r.t0 = seq, t
	}
}

func (r *frameRate) fps() float64 { return math.Round(r.last*10) / 10 }

// publishSummary sets the summary slot if it changed, at most once per
// summaryEvery unless force (Home Assistant just came online).
func (m *Mirror) publishSummary(force bool) {
	if !m.cfg.HADiscovery {
		return
	}
	m.mu.Lock()
	now := time.Now()
	if !force && now.Sub(m.sum.sentAt) < summaryEvery {
		m.mu.Unlock()
		return
	}
	b, err := json.Marshal(&m.sum)
	if err != nil || (!force && string(b) == string(m.sum.sent)) {
		m.mu.Unlock()
		return
	}
	m.sum.sentAt, m.sum.sent = now, b
	m.mu.Unlock()
	m.slots.set(m.topics.summary, 0, true, b)
}
