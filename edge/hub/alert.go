package hub

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/cuecast/cuecast/edge/model"
)

// AlertState is an alert and its acknowledgement, as published on the alert
// stream (raise: acked false; ack: the same id again with acked true) and as
// listed by Alerts.
type AlertState struct {
	model.Alert
	Group   string     `json:"group,omitempty"`
	Acked   bool       `json:"acked"`
	AckedBy string     `json:"acked_by,omitempty"`
	AckedAt *time.Time `json:"acked_at,omitempty"`
	// Offset is the alert stream offset of the publication that raised it
	// (known once published: absent from the raise's own payload, present
	// in ack notices and listings).
	Offset uint64 `json:"raised_offset,omitempty"`
	// Restored marks an alert raised before the daemon restarted and read
	// back from the alert store: ID and Time are the original ones, the
	// publication (epoch, offset) is of this process.
	Restored bool `json:"restored,omitempty"`
}

// alertBook is the ack state of recent alerts. Guarded by Hub.mu.
type alertBook struct {
	max    int
	maxAge time.Duration // 0: no age bound
	seq    uint64
	gen    uint64      // +1 per change saved to the alert store
	order  []*alertRec // oldest first
	byID   map[string]*alertRec
}

type alertRec struct {
	state AlertState
	raise *Publication // the publication that raised it (redelivered while unacked)
}

// published records an alert publication (raise or ack notice).
func (b *alertBook) published(p *Publication) {
	r := b.byID[p.alertID]
	if r == nil || r.state.Acked {
		return // an ack notice; the record was updated by Ack
	}
	r.raise = p
	r.state.Offset = p.Offset
}

func (b *alertBook) unacked(group string) []*Publication {
	var out []*Publication
	for _, r := range b.order {
		if !r.state.Acked && r.raise != nil && visible(r.raise, group) {
			out = append(out, r.raise)
		}
	}
	return out
}

func (b *alertBook) add(r *alertRec) {
	b.insert(r)
	b.pruneExcept(time.Now(), r)
}

// insert is add without the age bound (restoreAlerts applies it once for
// the whole file, not once per record).
func (b *alertBook) insert(r *alertRec) {
	if b.byID == nil {
		b.byID = map[string]*alertRec{}
	}
	if old := b.byID[r.state.ID]; old != nil {
		b.remove(old)
	}
	b.byID[r.state.ID] = r
	b.order = append(b.order, r)
	for len(b.order) > max(b.max, 1) {
		// Forget the oldest acknowledged alert; if none is, the oldest.
		victim := b.order[0]
		for _, o := range b.order {
			if o.state.Acked {
				victim = o
				break
			}
		}
		b.remove(victim)
	}
}

// pruneExcept forgets alerts raised more than maxAge before now, sparing
// keep: an alert raised just now with an old Time (a caller's clock) is
// still published and held once.
func (b *alertBook) pruneExcept(now time.Time, keep *alertRec) {
	if b.maxAge <= 0 {
		return
	}
	kept := b.order[:0]
	for _, r := range b.order {
		if r != keep && now.Sub(r.state.Time) > b.maxAge {
			delete(b.byID, r.state.ID)
			continue
		}
		kept = append(kept, r)
	}
	clear(b.order[len(kept):])
	b.order = kept
}

func (b *alertBook) remove(r *alertRec) {
	delete(b.byID, r.state.ID)
	for i, o := range b.order {
		if o == r {
			b.order = append(b.order[:i], b.order[i+1:]...)
			return
		}
	}
}

// RaiseAlert publishes a on the alert stream for everyone. An empty ID is
// assigned ("<epoch>-a<n>"), an empty Time set to now, an empty Level is
// "info". Raising an id that is already held re-arms it (unacknowledged).
func (h *Hub) RaiseAlert(a model.Alert) (*Publication, error) {
	return h.RaiseAlertGroup(a, "")
}

// RaiseAlertGroup is RaiseAlert for the clients of one group.
func (h *Hub) RaiseAlertGroup(a model.Alert, group string) (*Publication, error) {
	switch a.Level {
	case "":
		a.Level = model.AlertInfo
	case model.AlertInfo, model.AlertWarning, model.AlertError, model.AlertCritical:
	default:
		return nil, fmt.Errorf("hub: RaiseAlert: level %q: want info, warning, error or critical", a.Level)
	}
	if err := ValidGroup(group, true); err != nil {
		return nil, err
	}
	if a.Time.IsZero() {
		a.Time = time.Now()
	}
	h.mu.Lock()
	if a.ID == "" {
		h.alerts.seq++
		a.ID = h.epoch + "-a" + strconv.FormatUint(h.alerts.seq, 10)
	}
	st := AlertState{Alert: a, Group: group}
	data, err := json.Marshal(st)
	if err != nil {
		h.mu.Unlock()
		return nil, fmt.Errorf("hub: RaiseAlert: json.Marshal: %w", err)
	}
	h.alerts.add(&alertRec{state: st})
	p := h.publishLocked(StreamAlert, group, data, nil, a.ID)
	snap := h.snapshotLocked()
	cut := h.takeCutLocked()
	h.mu.Unlock()
	h.logCut(cut)
	h.store.save(snap) // after publishing: a slow or failing disk delays no client
	return p, nil
}

// Ack acknowledges alert id on behalf of by (a client id, "api", a user). It
// publishes the new state on the alert stream (acked true) so every display
// can clear it. Acking twice is not an error: the first ack is kept.
func (h *Hub) Ack(alertID, by string) error { return h.ack(alertID, by, nil) }

// Ack acknowledges alertID on behalf of c. An alert raised for another
// group never reached c: to c it is unknown (ErrUnknownAlert), so a
// display cannot clear a technician's alert it was never shown.
func (c *Client) Ack(alertID string) error { return c.hub.ack(alertID, c.id, c) }

// ack acknowledges alertID for by; as, when set, must be able to see it.
func (h *Hub) ack(alertID, by string, as *Client) error {
	h.mu.Lock()
	changed, err := h.ackLocked(alertID, by, as)
	var snap *alertSnapshot
	if changed {
		snap = h.snapshotLocked()
	}
	cut := h.takeCutLocked()
	h.mu.Unlock()
	h.logCut(cut)
	h.store.save(snap)
	return err
}

// ackLocked is ack with h.mu held; changed reports a new acknowledgement.
func (h *Hub) ackLocked(alertID, by string, as *Client) (changed bool, err error) {
	r := h.alerts.byID[alertID]
	if r == nil || as != nil && r.state.Group != "" && r.state.Group != as.group {
		return false, fmt.Errorf("hub: Ack %q: %w (it was never raised for this client's group, or is older than the last hub.alert_retention alerts or hub.alert_max_age)", alertID, ErrUnknownAlert)
	}
	if r.state.Acked {
		return false, nil
	}
	now := time.Now()
	st := r.state
	st.Acked, st.AckedBy, st.AckedAt = true, by, &now
	data, err := json.Marshal(st)
	if err != nil {
		return false, fmt.Errorf("hub: Ack: json.Marshal: %w", err)
	}
	r.state = st
	h.publishLocked(StreamAlert, st.Group, data, nil, alertID)
	return true, nil
}

// Alerts returns the ack state of the alerts the hub holds, oldest first.
func (h *Hub) Alerts() []AlertState {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]AlertState, 0, len(h.alerts.order))
	for _, r := range h.alerts.order {
		out = append(out, r.state)
	}
	return out
}

// Alert returns the state of one alert.
func (h *Hub) Alert(id string) (AlertState, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.alerts.byID[id]
	if r == nil {
		return AlertState{}, false
	}
	return r.state, true
}
