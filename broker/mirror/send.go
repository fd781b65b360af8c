package mirror

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/cuecast/cuecast/broker/outbox"
)

// slot is the latest value of one latest-wins topic.
type slot struct {
	topic   string
	qos     byte
	retain  bool
	payload []byte // newest value; shared (hub-owned or ours), never modified
	pending bool   // not yet published
}

// slots hold the latest value per latest-wins topic: the hub goroutine sets,
// the sender takes. A newer value replaces an unsent one (latest wins).
type slots struct {
	kick chan struct{}

	mu    sync.Mutex // guards order and by
	order []*slot    // first-set order, stable: state before summary
	by    map[string]*slot
}

func newSlots() *slots {
	return &slots{kick: make(chan struct{}, 1), by: map[string]*slot{}}
}

func (s *slots) set(topic string, qos byte, retain bool, payload []byte) {
	s.mu.Lock()
	sl := s.by[topic]
	if sl == nil {
		sl = &slot{topic: topic}
		s.by[topic] = sl
		s.order = append(s.order, sl)
	}
	sl.qos, sl.retain, sl.payload, sl.pending = qos, retain, payload, true
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// restore puts back a value that could not be sent, unless a newer one
// replaced it meanwhile.
func (s *slots) restore(v slot) {
	s.mu.Lock()
	if sl := s.by[v.topic]; sl != nil && !sl.pending {
		sl.pending = true
	}
	s.mu.Unlock()
}

// republish marks every retained value pending again: on a new connection
// the broker may have lost them (a restart without persistence), and values
// that changed while offline were not sent.
func (s *slots) republish() {
	s.mu.Lock()
	for _, sl := range s.order {
		if sl.retain && sl.payload != nil {
			sl.pending = true
		}
	}
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// take appends the pending values to buf and clears their pending flag.
func (s *slots) take(buf []slot) []slot {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sl := range s.order {
		if sl.pending {
			buf = append(buf, *sl)
			sl.pending = false
		}
	}
	return buf
}

// sendLoop publishes latest-wins values while connected. It never waits for
// acknowledgements: a lost value is replaced by the next one, and retained
// ones are re-sent on the next connect.
func (m *Mirror) sendLoop(ctx context.Context) {
	defer m.wg.Done()
	var buf []slot
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.slots.kick:
		}
		if !m.connected.Load() {
			continue
		}
		buf = m.slots.take(buf[:0])
		for i := range buf {
			sl := &buf[i]
			if m.trace != nil {
				m.trace("hub->paho(latest)", sl.payload)
			}
			tok := m.publish(sl.topic, sl.qos, sl.retain, sl.payload)
			if tok == nil || (done(tok) && tok.Error() != nil) {
				// Not connected any more: keep the retained values of this
				// round for the next connect (unless newer ones arrived).
				for _, r := range buf[i:] {
					if r.retain {
						m.slots.restore(r)
					}
				}
				break
			}
			m.published.Add(1)
		}
		clear(buf) // drop payload references until the next round
	}
}

// inflight is a queued record handed to paho and not yet acknowledged.
type inflight struct {
	seq uint64
	tok mqtt.Token
}

// drainLoop hands outbox records to paho in order while connected, with at
// most cfg.InFlight unacknowledged, and commits each in the outbox when the
// broker acknowledges it: the outbox stays the one durable copy until then.
//
// After a connection loss the window is forgotten: paho re-sends what it
// had in flight (its in-memory store, CleanSession false) ahead of anything
// new, and the broker acknowledges QoS 1 publications in the order received
// (MQTT 3.1.1 4.6), so the first new acknowledgement commits those too.
func (m *Mirror) drainLoop(ctx context.Context) {
	defer m.wg.Done()
	var (
		window   []inflight // oldest first
		held     *outbox.Entry
		timeouts int
	)
	defer func() { m.settle(window) }()
	for ctx.Err() == nil {
		if !m.connected.Load() {
			clear(window)
			window = window[:0]
			select {
			case <-ctx.Done():
				return
			case <-m.drainKick:
			}
			continue
		}
		for len(window) > 0 && done(window[0].tok) {
			if err := window[0].tok.Error(); err == nil {
				if err := m.ob.Commit(window[0].seq); err != nil {
					m.setErr(err)
				}
			}
			window[0] = inflight{}
			window = window[1:]
			timeouts = 0
		}
		var oldest <-chan struct{}
		if len(window) > 0 {
			oldest = window[0].tok.Done()
		}
		if len(window) >= m.cfg.InFlight {
			t := time.NewTimer(m.cfg.AckTimeout.D())
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-oldest:
			case <-m.drainKick:
			case <-t.C:
				timeouts++
				if timeouts > m.cfg.PublishRetries {
					m.forceReconnect(fmt.Errorf("no PUBACK for %s, %d times", m.cfg.AckTimeout.D(), timeouts))
					timeouts = 0
				}
			}
			t.Stop()
			continue
		}
		if held == nil {
			e, ok, err := m.ob.Next()
			if err != nil {
				m.setErr(err)
				if !sleepCtx(ctx, time.Second) {
					return
				}
				continue
			}
			if !ok {
				select {
				case <-ctx.Done():
					return
				case <-m.ob.Ready():
				case <-m.drainKick:
				case <-oldest:
				}
				continue
			}
			held = &e
		}
		if m.trace != nil {
			m.trace("hub->paho(queued)", held.Payload)
		}
		tok := m.publish(held.Topic, held.QoS, held.Retain, held.Payload)
		if tok == nil || (done(tok) && notStored(tok.Error())) {
			// The connection went between the check and the publish: keep
			// the record and offer it again once reconnected.
			select {
			case <-ctx.Done():
				return
			case <-m.drainKick:
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		window = append(window, inflight{held.Seq, tok})
		held = nil
		m.published.Add(1)
	}
}

// settle gives acknowledgements in flight at shutdown a moment to arrive,
// so a clean restart re-sends as little as possible.
func (m *Mirror) settle(window []inflight) {
	if len(window) == 0 || !m.connected.Load() {
		return
	}
	last := window[len(window)-1]
	select {
	case <-last.tok.Done():
	case <-time.After(time.Second):
	}
	for _, f := range window {
		if done(f.tok) && f.tok.Error() == nil {
			m.ob.Commit(f.seq)
		}
	}
}

// forceReconnect drops a connection that stopped acknowledging; paho keeps
// its in-flight messages in memory and re-sends them on the next connect.
func (m *Mirror) forceReconnect(why error) {
	m.log.Warn("mqtt: forcing reconnect", "why", why)
	m.sessionMu.Lock()
	m.connected.Store(false)
	m.sessionMu.Unlock()
	m.client.Disconnect(0)
	select {
	case m.lost <- why:
	default:
	}
}

func done(tok mqtt.Token) bool {
	select {
	case <-tok.Done():
		return true
	default:
		return false
	}
}

// notStored reports whether paho refused a publish before writing it to its
// store (so it must be offered again).
func notStored(err error) bool {
	return err != nil && (errors.Is(err, mqtt.ErrNotConnected) || strings.Contains(err.Error(), "no message IDs"))
}
