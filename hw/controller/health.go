package controller

import (
	"errors"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"github.com/jonboulle/clockwork"

	"github.com/cuecast/cuecast/edge/model"
)

// alertSource is the Source of every alert the controller raises.
const alertSource = "hw"

// health is the parts' state, reported to the supervisor and raised as
// alerts on every change (never on every poll).
type health struct {
	log    *slog.Logger
	rep    Reporter
	alerts Alerter
	clock  clockwork.Clock

	mu     sync.Mutex        // guards the maps
	errs   map[string]error  // part -> current failure
	detail map[string]string // part -> what it is doing, when fine
}

func newHealth(log *slog.Logger, rep Reporter, alerts Alerter, clock clockwork.Clock) *health {
	return &health{log: log, rep: rep, alerts: alerts, clock: clock, errs: map[string]error{}, detail: map[string]string{}}
}

// ok marks part working with a detail for STATUS.
func (h *health) ok(part, detail string) {
	h.mu.Lock()
	prev := h.errs[part]
	delete(h.errs, part)
	changed := h.detail[part] != detail || prev != nil
	h.detail[part] = detail
	h.mu.Unlock()
	if prev != nil {
		h.log.Info("hw: part recovered", "part", part, "detail", detail)
		h.raise(model.AlertInfo, "hw_"+part+"_ok", part+" works again: "+detail)
	}
	if changed {
		h.report()
	}
}

// fail marks part failed. The same failure again is not news.
func (h *health) fail(part string, err error) {
	h.mu.Lock()
	prev := h.errs[part]
	h.errs[part] = err
	delete(h.detail, part)
	h.mu.Unlock()
	if prev != nil && prev.Error() == err.Error() {
		return
	}
	h.log.Error("hw: part disabled or failing", "part", part, "err", err)
	h.raise(model.AlertError, "hw_"+part, err.Error())
	h.report()
}

// faulty reports whether any part is failing.
func (h *health) faulty() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.errs) > 0
}

func (h *health) report() {
	if h.rep == nil {
		return
	}
	h.mu.Lock()
	var errs []error
	var details []string
	for _, p := range sortedKeys(h.errs) {
		errs = append(errs, h.errs[p])
	}
	for _, p := range sortedKeys(h.detail) {
		details = append(details, p+" "+h.detail[p])
	}
	h.mu.Unlock()
	if len(errs) > 0 {
		h.rep.Fail(errors.Join(errs...))
		return
	}
	if len(details) == 0 {
		h.rep.OK("no hardware configured")
		return
	}
	h.rep.OK(strings.Join(details, "; "))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// raise publishes an alert; a failure to publish is logged, never fatal.
func (h *health) raise(level, code, msg string) {
	if h.alerts == nil {
		return
	}
	a := model.Alert{Level: level, Code: code, Message: msg, Source: alertSource, Time: h.clock.Now()}
	if _, err := h.alerts.RaiseAlert(a); err != nil {
		h.log.Warn("hw: raise alert", "code", code, "err", err)
	}
}
