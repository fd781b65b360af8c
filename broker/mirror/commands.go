package mirror

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/cuecast/cuecast/edge/hub"
)

// maxCommandBytes bounds a command payload; every valid one is far smaller
// (an alert's 1000-byte message, escaped, fits).
const maxCommandBytes = 8192

// onMessage is paho's handler for every message (the default handler:
// commands queued at the broker while the daemon was away arrive right
// after CONNACK, before any subscription is made in this process). It runs
// on paho's router goroutine and never blocks: it only queues, and the
// message is acknowledged once it has been answered (cmdqueue.go).
func (m *Mirror) onMessage(_ mqtt.Client, msg mqtt.Message) {
	in := inbound{topic: msg.Topic(), retained: msg.Retained(), dup: msg.Duplicate(), qos: msg.Qos(), gen: m.gen.Load(), ack: msg.Ack}
	p := msg.Payload()
	cmd := m.topics.command(in.topic) != ""
	if !cmd && in.topic != m.topics.haStatus || cmd && len(p) == 0 {
		// Not ours (a stale subscription), or an empty payload: how a
		// retained command is deleted, not a command. Nothing to answer.
		msg.Ack()
		return
	}
	if len(p) > maxCommandBytes {
		in.tooBig = len(p) // answered with its size; the payload is not kept
	} else {
		in.payload = p
	}
	if m.cmdq.push(in) {
		return
	}
	if in.qos > 0 {
		m.cmdDeferred.Add(1)
	}
	if now := time.Now().UnixNano(); now-m.lastQueueWarn.Load() > int64(time.Second) {
		m.lastQueueWarn.Store(now)
		m.log.Warn("mqtt: command queue full: QoS 1/2 commands are left unacknowledged (the broker sends them again at the next connection), QoS 0 ones are dropped",
			"topic", in.topic, "qos", in.qos, "queued", m.cmdq.len())
	}
}

// commandLoop answers queued commands in order while connected, answers Home
// Assistant's birth message and takes snapshots, one at a time.
func (m *Mirror) commandLoop(ctx context.Context) {
	defer m.wg.Done()
	var lastSnap time.Time
	replies := newReplyCache(replyCacheSize)
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.snapReq:
			if m.snap == nil || time.Since(lastSnap) < m.cfg.SnapshotMinInterval.D() {
				break
			}
			lastSnap = time.Now()
			if _, err := m.snapshot(ctx, false); err != nil {
				m.log.Warn("mqtt: snapshot", "err", err)
			}
		default:
		}
		if m.connected.Load() {
			if in, ok := m.cmdq.pop(); ok {
				m.answer(ctx, in, replies)
				continue
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-m.cmdq.wake:
		case <-m.cmdKick:
		case <-m.snapReq:
			m.kick(m.snapReq) // served at the top of the loop
		}
	}
}

// answer answers one inbound message and then acknowledges it.
func (m *Mirror) answer(ctx context.Context, in inbound, replies *replyCache) {
	defer in.ack() // after the reply is out: the broker holds it until then
	if in.qos > 0 && in.gen != m.gen.Load() {
		// From a lost connection (and never acknowledged there): the broker
		// sends it again on this one.
		return
	}
	if in.topic == m.topics.haStatus {
		if string(in.payload) == "online" {
			m.log.Info("mqtt: Home Assistant came online; sending discovery")
			dctx, cancel := context.WithTimeout(ctx, m.cfg.AckTimeout.D())
			if err := m.publishDiscovery(dctx, m.publish); err != nil {
				m.log.Warn("mqtt: discovery", "err", err)
			}
			cancel()
			m.publishSummary(true)
		}
		return
	}
	name := m.topics.command(in.topic)
	if name == "" {
		return
	}
	m.commands.Add(1)
	id := in.id
	if !in.busy {
		id = peekID(in.payload)
	}
	if in.dup && id != "" {
		// A redelivery of a command answered before its acknowledgement
		// was lost: the same answer again, not a second application.
		if b, ok := replies.get(name, id); ok {
			m.log.Info("mqtt: command redelivered; sending its reply again", "command", name, "id", id)
			m.sendReply(ctx, name, b)
			return
		}
	}
	rep := Reply{Command: name, ID: id}
	switch {
	case in.busy:
		m.cmdBusy.Add(1)
		rep.Error = "busy: too many commands at once; this one was not applied, send it again later"
		m.log.Info("mqtt: command answered busy", "command", name, "id", id)
	case in.tooBig > 0:
		rep.Error = fmt.Sprintf("payload is %d bytes, the limit is %d", in.tooBig, maxCommandBytes)
		m.log.Info("mqtt: command refused", "command", name, "err", rep.Error)
	default:
		result, err := m.apply(ctx, name, in)
		if err != nil {
			rep.Error = err.Error()
			m.log.Info("mqtt: command refused", "command", name, "id", id, "err", err)
		} else {
			rep.OK, rep.Result = true, result
			m.log.Info("mqtt: command applied", "command", name, "id", id)
		}
	}
	b, _ := json.Marshal(rep)
	if id != "" {
		replies.put(name, id, b)
	}
	m.sendReply(ctx, name, b)
}

// sendReply publishes a reply and waits for the broker's acknowledgement.
func (m *Mirror) sendReply(ctx context.Context, name string, b []byte) {
	tok := m.publish(m.topics.reply(name), 1, false, b)
	if tok == nil {
		m.log.Warn("mqtt: command reply not sent: disconnected", "command", name)
		return
	}
	rctx, cancel := context.WithTimeout(ctx, m.cfg.AckTimeout.D())
	defer cancel()
	if !waitToken(rctx, tok) {
		m.log.Warn("mqtt: command reply not delivered", "command", name, "err", tokenErr(tok, rctx))
	}
}

// replyCacheSize is how many recent replies are kept for redeliveries.
const replyCacheSize = 1024

// replyCache holds the last replies by command and id, oldest evicted
// first. commandLoop's only.
type replyCache struct {
	max   int
	order []string
	by    map[string][]byte
}

func newReplyCache(n int) *replyCache { return &replyCache{max: n, by: map[string][]byte{}} }

func (c *replyCache) get(name, id string) ([]byte, bool) {
	b, ok := c.by[name+"\x00"+id]
	return b, ok
}

func (c *replyCache) put(name, id string, b []byte) {
	k := name + "\x00" + id
	if _, ok := c.by[k]; !ok {
		c.order = append(c.order, k)
	}
	c.by[k] = b
	for len(c.order) > c.max {
		delete(c.by, c.order[0])
		c.order = c.order[1:]
	}
}

// Command payloads. Every field is listed: unknown ones are rejected.
type (
	ackCmd struct {
		ID      string `json:"id,omitempty"` // correlation id, echoed in the reply
		AlertID string `json:"alert_id"`
		By      string `json:"by,omitempty"`
	}
	snapshotCmd struct {
		ID string `json:"id,omitempty"`
	}
)

// Reply is published on base/cmd/<name>/reply for every command.
type Reply struct {
	ID      string `json:"id"`
	Command string `json:"command"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
	Result  any    `json:"result,omitempty"`
}

var (
	idRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
	byRE = regexp.MustCompile(`^[\pL\pN _.@:-]{1,64}$`)
)

// apply validates and runs one command. Validation comes first and is
// complete: when it returns an error, nothing was changed.
func (m *Mirror) apply(ctx context.Context, name string, in inbound) (any, error) {
	if !m.cfg.Commands {
		// A subscription left from a run with commands on.
		return nil, errors.New("commands are turned off on this box (mqtt.commands = false)")
	}
	if in.retained {
		// A retained command would be re-applied at every connect.
		return nil, errors.New("retained commands are refused: publish with retain=false")
	}
	switch name {
	case "ack":
		var c ackCmd
		if err := strictJSON(in.payload, &c); err != nil {
			return nil, err
		}
		if err := checkID(c.ID); err != nil {
			return nil, err
		}
		if c.AlertID == "" {
			return nil, errors.New("alert_id is required")
		}
		by := "mqtt"
		if c.By != "" {
			if !byRE.MatchString(c.By) {
				return nil, errors.New("by must be 1-64 letters, digits, spaces or _.@:-")
			}
			by = "mqtt:" + c.By
		}
		if err := m.hub.Ack(c.AlertID, by); err != nil {
			return nil, err
		}
		return map[string]string{"alert_id": c.AlertID, "acked_by": by}, nil
	case "snapshot":
		var c snapshotCmd
		if err := strictJSON(in.payload, &c); err != nil {
			return nil, err
		}
		if err := checkID(c.ID); err != nil {
			return nil, err
		}
		n, err := m.snapshot(ctx, true)
		if err != nil {
			return nil, err
		}
		return map[string]any{"topic": m.topics.snapshot, "bytes": n}, nil
	case "alert":
		// The hub's rules for every transport's alerts; "id" is ours.
		req, err := hub.DecodeAlert(in.payload, "id")
		if err != nil {
			return nil, err
		}
		var env struct {
			ID any `json:"id"`
		}
		json.Unmarshal(in.payload, &env) // valid JSON: DecodeAlert said so
		if id, ok := env.ID.(string); env.ID != nil && !ok {
			return nil, errors.New("id must be a string")
		} else if err := checkID(id); err != nil {
			return nil, err
		}
		p, err := m.hub.RaiseRequest(req, "mqtt", time.Time{})
		if err != nil {
			return nil, err
		}
		return map[string]any{"alert_id": p.AlertID()}, nil
	}
	return nil, fmt.Errorf("unknown command %q (known: ack, snapshot, alert)", name)
}

// strictJSON decodes exactly one JSON object into v: unknown fields,
// trailing data and oversized payloads are errors.
func strictJSON(b []byte, v any) error {
	if len(b) > maxCommandBytes {
		return fmt.Errorf("payload is %d bytes, the limit is %d", len(b), maxCommandBytes)
	}
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return errors.New("payload must be a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad payload: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("bad payload: data after the JSON object")
	}
	return nil
}

func checkID(id string) error {
	if id != "" && !idRE.MatchString(id) {
		return errors.New("id must be 1-64 of A-Z a-z 0-9 _ . : -")
	}
	return nil
}

// peekID pulls the correlation id out of a payload that may be invalid
// otherwise, so even an error reply can be matched to its request.
func peekID(b []byte) string {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	if len(b) > maxCommandBytes || json.NewDecoder(bytes.NewReader(b)).Decode(&p) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(p.ID, &s) != nil || !idRE.MatchString(s) {
		return ""
	}
	return s
}

// snapshot takes a JPEG and publishes it retained on base/snapshot. wait
// makes it wait for the broker's acknowledgement (a command's reply says it
// is there).
func (m *Mirror) snapshot(ctx context.Context, wait bool) (int, error) {
	if m.snap == nil {
		return 0, errors.New("no snapshot source is wired in this daemon")
	}
	jpg, err := m.snap()
	if err != nil {
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	if len(jpg) < 4 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		return 0, errors.New("snapshot: source returned something that is not a JPEG")
	}
	if !wait {
		m.slots.set(m.topics.snapshot, 0, true, jpg)
		return len(jpg), nil
	}
	tok := m.publish(m.topics.snapshot, 1, true, jpg)
	if tok == nil {
		return 0, errors.New("snapshot: disconnected from the broker")
	}
	wctx, cancel := context.WithTimeout(ctx, m.cfg.AckTimeout.D())
	defer cancel()
	if !waitToken(wctx, tok) {
		return 0, fmt.Errorf("snapshot: publish: %v", tokenErr(tok, wctx))
	}
	m.published.Add(1)
	return len(jpg), nil
}
