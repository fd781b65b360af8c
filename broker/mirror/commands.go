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

// maxCommandBytes bounds a command payload; every valid one is far smaller.
const maxCommandBytes = 4096

// inbound is a message handed from paho's router to commandLoop.
type inbound struct {
	topic    string
	payload  []byte
	retained bool
}

// onMessage is paho's handler for every subscription. It runs on paho's
// router goroutine and must not block: it only queues.
func (m *Mirror) onMessage(_ mqtt.Client, msg mqtt.Message) {
	in := inbound{topic: msg.Topic(), payload: msg.Payload(), retained: msg.Retained()}
	select {
	case m.cmds <- in:
	default:
		m.log.Warn("mqtt: command queue full, message ignored", "topic", in.topic)
	}
}

// commandLoop applies commands, answers Home Assistant's birth message and
// takes snapshots, one at a time.
func (m *Mirror) commandLoop(ctx context.Context) {
	defer m.wg.Done()
	var lastSnap time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case in := <-m.cmds:
			if in.topic == m.topics.haStatus {
				if string(in.payload) == "online" && m.connected.Load() {
					m.log.Info("mqtt: Home Assistant came online; sending discovery")
					dctx, cancel := context.WithTimeout(ctx, m.cfg.AckTimeout.D())
					if err := m.publishDiscovery(dctx, m.publish); err != nil {
						m.log.Warn("mqtt: discovery", "err", err)
					}
					cancel()
					m.publishSummary(true)
				}
				continue
			}
			m.command(ctx, in)
		case <-m.snapReq:
			if m.snap == nil || time.Since(lastSnap) < m.cfg.SnapshotMinInterval.D() {
				continue
			}
			lastSnap = time.Now()
			if _, err := m.snapshot(ctx, false); err != nil {
				m.log.Warn("mqtt: snapshot", "err", err)
			}
		}
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

func (m *Mirror) command(ctx context.Context, in inbound) {
	name := m.topics.command(in.topic)
	if name == "" || len(in.payload) == 0 {
		// An empty payload is how a retained message is deleted, not a
		// command: someone clearing a mistaken retained command gets no
		// error reply.
		return
	}
	m.commands.Add(1)
	rep := Reply{Command: name}
	rep.ID = peekID(in.payload)
	result, err := m.apply(ctx, name, in)
	if err != nil {
		rep.Error = err.Error()
		m.log.Info("mqtt: command refused", "command", name, "id", rep.ID, "err", err)
	} else {
		rep.OK, rep.Result = true, result
		m.log.Info("mqtt: command applied", "command", name, "id", rep.ID)
	}
	b, _ := json.Marshal(rep)
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

// apply validates and runs one command. Validation comes first and is
// complete: when it returns an error, nothing was changed.
func (m *Mirror) apply(ctx context.Context, name string, in inbound) (any, error) {
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
