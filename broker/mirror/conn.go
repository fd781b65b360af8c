package mirror

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// clientOptions builds paho's options. Paho's own retry (ConnectRetry,
// AutoReconnect) is off: connectLoop owns reconnection so that backoff, the
// circuit breaker and each failure's reason are reported, and so that a
// connection is only declared up after the session is set up (online,
// subscriptions, discovery).
func (m *Mirror) clientOptions() (*mqtt.ClientOptions, error) {
	tlsCfg, err := m.cfg.TLSConfig()
	if err != nil {
		return nil, err
	}
	pw, err := m.cfg.ReadPassword()
	if err != nil {
		return nil, err
	}
	o := mqtt.NewClientOptions().
		AddBroker(m.cfg.URL).
		SetClientID(m.cfg.ClientIDFor(m.box)).
		SetCleanSession(false).
		SetResumeSubs(true).
		// In-memory and ordered: paho's copy of what is in flight, re-sent
		// in order after a reconnect. The durable copy is the outbox (see
		// drainLoop), which is why paho's FileStore is not used: it costs a
		// file create, write, rename and unlink per message (~90% of the
		// mirror's CPU in BenchmarkMirrorCPU/event) and panics on I/O errors.
		SetStore(mqtt.NewOrderedMemoryStore()).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(m.cfg.ConnectTimeout.D()).
		SetKeepAlive(m.cfg.KeepAlive.D()).
		SetPingTimeout(min(m.cfg.KeepAlive.D(), 10*time.Second)).
		SetWriteTimeout(m.cfg.AckTimeout.D()).
		SetWill(m.topics.available, Offline, 1, true).
		// Handlers only hand messages to our goroutines: ordering inside
		// paho's router is then harmless and keeps command order.
		SetOrderMatters(true).
		// Every inbound message goes to onMessage, also those the broker
		// delivers right after CONNACK, before this process subscribed
		// (commands queued in our persistent session while we were away);
		// without a default handler paho leaves them unacknowledged and
		// unseen.
		SetDefaultPublishHandler(m.onMessage).
		// A command is acknowledged only once answered (cmdqueue.go).
		SetAutoAckDisabled(true).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			select {
			case m.lost <- err:
			default:
			}
		})
	if m.cfg.Username != "" {
		// Read the password file at every attempt: a rotated secret works
		// without a restart.
		o.SetCredentialsProvider(func() (string, string) {
			p, err := m.cfg.ReadPassword()
			if err != nil {
				m.log.Warn("mqtt: password_file unreadable, using the one read at start", "err", err)
				p = pw
			}
			return m.cfg.Username, p
		})
	}
	if tlsCfg != nil {
		o.SetTLSConfig(tlsCfg)
		// Re-read the CA and client certificate before each attempt, so a
		// renewed certificate is used on the next reconnect.
		o.SetConnectionAttemptHandler(func(_ *url.URL, old *tls.Config) *tls.Config {
			c, err := m.cfg.TLSConfig()
			if err != nil {
				m.log.Warn("mqtt: TLS files unreadable, using the ones read before", "err", err)
				return old
			}
			return c
		})
	}
	return o, nil
}

// connectLoop owns the MQTT connection: connect, set up the session, wait
// for the loss, back off, repeat. After circuit_breaker_threshold failures
// in a row it waits circuit_breaker_timeout (the circuit is open).
func (m *Mirror) connectLoop(ctx context.Context) {
	defer m.wg.Done()
	backoff := m.cfg.ReconnectMin.D()
	failures := 0
	for ctx.Err() == nil {
		err := m.connect(ctx)
		if err == nil {
			failures, backoff = 0, m.cfg.ReconnectMin.D()
			m.circuit.Store(false)
			select {
			case err = <-m.lost:
			case <-ctx.Done():
				return
			}
			m.sessionMu.Lock()
			m.connected.Store(false)
			m.sessionMu.Unlock()
			m.kick(m.drainKick)
			m.setErr(fmt.Errorf("mqtt: connection to %s lost: %v (reconnecting)", m.cfg.URL, err))
			m.log.Warn("mqtt: connection lost", "url", m.cfg.URL, "err", err)
			// First retry after reconnect_min, not the grown backoff: a
			// broker restart is short.
			if !sleepCtx(ctx, jitter(m.cfg.ReconnectMin.D())) {
				return
			}
			continue
		}
		if ctx.Err() != nil {
			return
		}
		failures++
		wait := jitter(backoff)
		backoff = min(backoff*2, m.cfg.ReconnectMax.D())
		if failures >= m.cfg.CircuitThreshold {
			wait, failures = m.cfg.CircuitTimeout.D(), 0
			m.circuit.Store(true)
			m.setErr(fmt.Errorf("mqtt: connect %s: %v; circuit open after %d failures, next try in %s (events are kept on disk)", m.cfg.URL, err, m.cfg.CircuitThreshold, wait))
		} else {
			m.setErr(fmt.Errorf("mqtt: connect %s: %v; retry in %s (events are kept on disk)", m.cfg.URL, err, wait.Round(time.Millisecond)))
		}
		m.log.Warn("mqtt: connect failed", "url", m.cfg.URL, "err", err, "retry_in", wait, "circuit_open", m.circuit.Load())
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

// connect makes one attempt and sets the session up: "online" retained,
// command and Home Assistant subscriptions, discovery. Only then is the
// connection declared up and the senders woken.
func (m *Mirror) connect(ctx context.Context) error {
	// Drop a stale loss notice from a previous connection.
	select {
	case <-m.lost:
	default:
	}
	m.sessionMu.Lock()
	defer m.sessionMu.Unlock()
	// Commands still queued from the previous connection were never
	// acknowledged: the broker sends them again on this one.
	if n := m.cmdq.forget(m.gen.Add(1)); n > 0 {
		m.log.Info("mqtt: unanswered commands of the lost connection left to the broker to send again", "commands", n)
	}
	tok := m.client.Connect()
	if !waitToken(ctx, tok) {
		m.client.Disconnect(0)
		if err := tokenErr(tok, ctx); err != nil {
			return connectErr(err)
		}
		return ctx.Err()
	}
	setup, cancel := context.WithTimeout(ctx, m.cfg.AckTimeout.D())
	defer cancel()
	if err := m.setupSession(setup); err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // stopping: finish says "stopped" and disconnects
		}
		m.client.Disconnect(0)
		return fmt.Errorf("session setup: %w", err)
	}
	m.connected.Store(true)
	m.kick(m.drainKick)
	m.kick(m.cmdKick)
	m.slots.republish()
	m.mu.Lock()
	m.lastErr = ""
	m.mu.Unlock()
	m.rep.OK(fmt.Sprintf("connected to %s as %s; %d queued", m.cfg.URL, m.cfg.ClientIDFor(m.box), m.ob.Len()))
	m.log.Info("mqtt: connected", "url", m.cfg.URL, "client_id", m.cfg.ClientIDFor(m.box), "queued", m.ob.Len())
	return nil
}

func (m *Mirror) setupSession(ctx context.Context) error {
	tok := m.client.Publish(m.topics.available, 1, true, Online)
	if !waitToken(ctx, tok) {
		return fmt.Errorf("publish online: %v", tokenErr(tok, ctx))
	}
	filters := map[string]byte{}
	if m.cfg.Commands {
		filters[m.topics.cmdFilter] = 1
	}
	if m.cfg.HADiscovery {
		filters[m.topics.haStatus] = 0
	}
	if !m.cfg.Commands {
		// The persistent session may hold the subscription of a run with
		// commands on.
		tok := m.client.Unsubscribe(m.topics.cmdFilter)
		if !waitToken(ctx, tok) {
			return fmt.Errorf("unsubscribe commands: %v", tokenErr(tok, ctx))
		}
	}
	if len(filters) > 0 {
		// No per-subscription handler: every message goes to the default
		// one, onMessage, whether it arrives before or after this.
		tok := m.client.SubscribeMultiple(filters, nil)
		if !waitToken(ctx, tok) {
			return fmt.Errorf("subscribe: %v", tokenErr(tok, ctx))
		}
		if st, ok := tok.(*mqtt.SubscribeToken); ok {
			for f, code := range st.Result() {
				if code == 0x80 {
					// Publishing matters more than listening: carry on
					// without commands (or HA birth) and say why.
					m.log.Warn("mqtt: subscription refused by the broker; check its ACL", "filter", f)
				}
			}
		}
	}
	if m.cfg.HADiscovery {
		if err := m.publishDiscovery(ctx, m.client.Publish); err != nil {
			return err
		}
	}
	return nil
}

// connectErr turns paho's CONNACK codes into messages a technician can act on.
func connectErr(err error) error {
	switch {
	case errors.Is(err, packets.ErrorRefusedBadUsernameOrPassword):
		return fmt.Errorf("%w (check username and password_file)", err)
	case errors.Is(err, packets.ErrorRefusedNotAuthorised):
		return fmt.Errorf("%w (the broker refuses this client: check its password file / ACL / client certificate)", err)
	case errors.Is(err, packets.ErrorRefusedIDRejected):
		return fmt.Errorf("%w (client_id rejected by the broker)", err)
	}
	return err
}

func jitter(d time.Duration) time.Duration {
	// +-20%: boxes that lost the same broker do not return in lockstep.
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
