package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cuecast/cuecast/broker/outbox"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// hubQueue is the mirror's hub queue of never-dropped publications. Large
// because appending to the outbox is quick but an fsync on an SD card is not;
// if it still overflows the hub ends the client and we resume from history.
const hubQueue = 1000

// overflowAlertEvery rate-limits the outbox overflow alert: each alert is
// itself queued, so raising one per drop would feed the overflow.
const overflowAlertEvery = time.Minute

// consume is the hub loop: hub publications -> outbox (queued streams) and
// slots (latest-wins). It never touches the network, so a dead broker never
// slows the hub. After a slow-consumer end it resumes from the last
// positions; what the hub's history no longer holds is alerted as a gap.
func (m *Mirror) consume(ctx context.Context) {
	defer m.wg.Done()
	var streams []hub.Stream
	rates := map[hub.Stream]float64{}
	for _, s := range []hub.Stream{hub.StreamAlert, hub.StreamConfig, hub.StreamEvent, hub.StreamTrajectory, hub.StreamState, hub.StreamPerformance, hub.StreamGame} {
		pol, _ := m.cfg.Streams.ByName(string(s))
		need := pol.Publish || ((s == hub.StreamState || s == hub.StreamGame) && m.cfg.HADiscovery) || (s == hub.StreamEvent && (m.cfg.HADiscovery || len(m.cfg.SnapshotOn) > 0))
		if !need {
			continue
		}
		streams = append(streams, s)
		rate := pol.MaxRate
		if !pol.Publish && s == hub.StreamState {
			rate = 1 // only the summary needs it
		}
		if rate > 0 {
			rates[s] = rate
		}
	}
	// Last never-dropped publication handled, per stream. It starts at the
	// beginning of this epoch, so what was published before the mirror
	// subscribed (the pipeline may start first) comes from the history.
	pos := map[hub.Stream]hub.Position{}
	for _, s := range streams {
		if !s.Conflating() {
			pos[s] = hub.Position{Epoch: m.hub.Epoch()}
		}
	}
	var buf []*hub.Publication
	for ctx.Err() == nil {
		c := m.hub.Connect(hub.ClientOptions{Transport: "mqtt", Remote: m.cfg.URL, QueueSize: m.hubQueue})
		resume := map[hub.Stream]hub.Position{}
		for s, p := range pos {
			resume[s] = p
		}
		res, err := c.Subscribe(streams, resume, rates)
		if err != nil {
			c.Close()
			m.setErr(fmt.Errorf("mqtt: hub subscribe: %w", err))
			if !sleepCtx(ctx, time.Second) {
				return
			}
			continue
		}
		for _, r := range res {
			if r.Resumed && !r.Recovered {
				m.gap(r.Stream, pos[r.Stream], r)
			}
		}
		for {
			buf, err = c.Next(ctx, buf[:0])
			if err != nil {
				break
			}
			for _, p := range buf {
				if !p.Stream.Conflating() {
					if last, ok := pos[p.Stream]; ok && last.Epoch == p.Epoch && p.Offset <= last.Offset {
						continue // replayed on resume (unacknowledged alerts): sent already
					}
					pos[p.Stream] = p.Position()
				}
				m.handle(p)
			}
			clear(buf)
		}
		c.Close()
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, hub.ErrSlowConsumer) {
			m.resumes.Add(1)
			m.log.Warn("mqtt: fell behind the hub; resuming from history", "err", err)
			continue
		}
		m.log.Warn("mqtt: hub client ended; reconnecting", "err", err)
		if !sleepCtx(ctx, time.Second) {
			return
		}
	}
}

func (m *Mirror) gap(s hub.Stream, from hub.Position, r hub.SubscribeResult) {
	msg := fmt.Sprintf("MQTT mirror missed %s publications after offset %d (hub history no longer reaches back; now at %d)", s, from.Offset, r.Offset)
	m.log.Error("mqtt: gap in "+string(s), "from", from.Offset, "now", r.Offset)
	m.hub.RaiseAlert(model.Alert{Level: model.AlertWarning, Code: "mqtt_gap", Message: msg, Source: "mqtt", Time: time.Now()})
}

// handle routes one publication. p is shared: read only.
func (m *Mirror) handle(p *hub.Publication) {
	pol, _ := m.cfg.Streams.ByName(string(p.Stream))
	if m.trace != nil {
		m.trace("hub->mirror", p.JSON())
	}
	switch p.Stream {
	case hub.StreamEvent, hub.StreamAlert:
		if pol.Publish {
			m.enqueue(outbox.Record{Topic: m.topics.stream[p.Stream], QoS: byte(pol.QoS), Retain: pol.Retain, Payload: p.JSON()})
		}
		if p.Stream == hub.StreamEvent {
			m.onEvent(p)
		}
	default:
		if pol.Publish {
			m.slots.set(m.topics.stream[p.Stream], byte(pol.QoS), pol.Retain, p.JSON())
		}
		if p.Stream == hub.StreamState {
			m.onState(p)
		}
	}
}

func (m *Mirror) enqueue(r outbox.Record) {
	dropped, err := m.ob.Append(r)
	if err != nil {
		// Disk full or the record does not fit: this one is lost. Say so
		// loudly; there is nowhere else to keep it.
		m.setErr(fmt.Errorf("mqtt: queue %s: %w", r.Topic, err))
		m.log.Error("mqtt: message lost: outbox append failed", "topic", r.Topic, "err", err)
		return
	}
	if dropped == 0 {
		return
	}
	n := m.overflowN.Add(dropped)
	now := time.Now()
	if now.UnixNano()-m.lastAlert.Load() < int64(overflowAlertEvery) {
		return
	}
	m.lastAlert.Store(now.UnixNano())
	m.overflowN.Add(-n)
	msg := fmt.Sprintf("MQTT outbox full (mqtt.store_max_bytes = %d): dropped the %d oldest queued events/alerts while the broker is unreachable", m.cfg.StoreMaxBytes, n)
	m.log.Error("mqtt: outbox overflow", "dropped", n, "max_bytes", m.cfg.StoreMaxBytes)
	m.setErr(errors.New(msg))
	m.hub.RaiseAlert(model.Alert{Level: model.AlertError, Code: "mqtt_outbox_overflow", Message: msg, Source: "mqtt", Time: now})
}

// History's events (edge/recorder) get topics of their own: the session
// summary is retained (a dashboard that connects later still finds it),
// each finished game is queued like events (QoS 1, never dropped silently).
const (
	eventSessionSummary = "session_summary"
	eventGameFinished   = "game_finished"
)

// onEvent updates the summary, triggers a snapshot after configured events
// and mirrors history's summaries.
func (m *Mirror) onEvent(p *hub.Publication) {
	var ev struct {
		Type    string          `json:"type"`
		Time    time.Time       `json:"time"`
		Session json.RawMessage `json:"session"`
		Game    json.RawMessage `json:"game"`
	}
	if json.Unmarshal(p.Data, &ev) != nil {
		return
	}
	switch {
	case ev.Type == eventSessionSummary && len(ev.Session) > 0:
		m.slots.set(m.topics.session, 1, true, ev.Session)
		return
	case ev.Type == eventGameFinished && len(ev.Game) > 0:
		m.enqueue(outbox.Record{Topic: m.topics.game, QoS: 1, Payload: ev.Game})
		return
	}
	m.mu.Lock()
	m.sum.LastEvent, m.sum.LastEventTime = ev.Type, ev.Time
	m.mu.Unlock()
	m.publishSummary(false)
	for _, t := range m.cfg.SnapshotOn {
		if t == ev.Type {
			m.kick(m.snapReq)
			break
		}
	}
}

// onState derives the summary (balls on table, frame rate) from states. It
// decodes at most two states a second: the summary is published at 1 Hz and
// the frame rate comes from sequence numbers, so skipping states loses
// nothing, and a full state decode per frame was a third of the mirror's CPU
// for the state stream.
func (m *Mirror) onState(p *hub.Publication) {
	if !m.cfg.HADiscovery || p.Time.Sub(m.lastStateDecode) < summaryEvery/2 {
		return
	}
	m.lastStateDecode = p.Time
	var st struct {
		Seq      uint64     `json:"seq"`
		Captured time.Time  `json:"captured"`
		Balls    []struct{} `json:"balls"`
		Phase    string     `json:"phase"`
	}
	if json.Unmarshal(p.Data, &st) != nil {
		return
	}
	m.mu.Lock()
	m.sum.Balls = len(st.Balls)
	m.sum.Phase = st.Phase
	m.sum.rate.add(st.Seq, st.Captured)
	m.sum.FPS = m.sum.rate.fps()
	m.mu.Unlock()
	m.publishSummary(false)
}
