package daemon

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/supervise"
)

// handles are the parts' health handles, registered once with the
// supervisor and kept across restarts and reloads. Everything that reports
// or reads a part's health goes through these values, never a name: the
// watchdog follows loop, and the frame source (which runs inside the loop's
// Read) is a Child of it, so retrying a lost camera keeps the watchdog fed
// while a read wedged in a driver starves it.
type handles struct {
	http    *supervise.Component
	loop    *supervise.Component // the frame loop: gates WATCHDOG=1
	source  sourceReporter       // Child of loop
	mqtt    *supervise.Component
	hw      *supervise.Component
	history *supervise.Component
}

func newHandles(sup *supervise.Supervisor, sourceWaiting, sourceOK func()) handles {
	loop := sup.Loop("vision")
	return handles{
		http:    sup.Component("http"),
		loop:    loop,
		source:  sourceReporter{Component: loop.Child("source"), waiting: sourceWaiting, ok: sourceOK},
		mqtt:    sup.Component("mqtt"),
		hw:      sup.Component("hw"),
		history: sup.Component("history"),
	}
}

// sourceReporter is the source's handle: a failure also tells the daemon it
// is waiting for its source (READY does not wait for a camera), and frames
// flowing clear the outage's standing alert (whichever source a reload
// brought).
type sourceReporter struct {
	*supervise.Component
	waiting, ok func()
}

func (s sourceReporter) Fail(err error) {
	s.Component.Fail(err)
	s.waiting()
}

func (s sourceReporter) OK(detail string) {
	s.Component.OK(detail)
	s.ok()
}

// waiting says what the daemon serves without: "" while the source
// delivers, else "waiting for camera camera:/dev/video0: <why>".
func (d *Daemon) waiting() string {
	h := d.health.source.Health()
	if h.State != supervise.StateFailed {
		return ""
	}
	kind := d.Current().Source.Kind
	if dev, ok := strings.CutPrefix(kind, "camera:"); ok {
		return fmt.Sprintf("waiting for camera %s: %s", dev, h.Detail)
	}
	return fmt.Sprintf("waiting for source %s: %s", kind, h.Detail)
}

// statusLine is what `systemctl status cuecastd` shows, refreshed each second.
func (d *Daemon) statusLine() string {
	var b strings.Builder
	w := d.waiting()
	if w != "" {
		// First: it is why the table display shows nothing.
		b.WriteString(w)
		b.WriteString("; ")
	}
	if pl, _ := d.pipe.running(); pl != nil {
		st := pl.Stats()
		fmt.Fprintf(&b, "%.1f fps, %d balls", st.FPS, st.Balls)
		if st.Phase != "" {
			fmt.Fprintf(&b, ", %s", st.Phase)
		}
		if st.SourceError != "" {
			fmt.Fprintf(&b, ", SOURCE: %s", st.SourceError)
		}
	} else {
		b.WriteString("no pipeline")
	}
	fmt.Fprintf(&b, "; %d clients", d.clientCount())
	for _, c := range []*supervise.Component{d.health.mqtt, d.health.hw} {
		h := c.Health()
		switch h.State {
		case supervise.StateOK:
			fmt.Fprintf(&b, "; %s ok", h.Name)
		case supervise.StateDisabled:
			fmt.Fprintf(&b, "; %s off", h.Name)
		default:
			fmt.Fprintf(&b, "; %s %s: %s", h.Name, strings.ToUpper(h.State), h.Detail)
		}
	}
	// The last error, unless it is the source failure already leading.
	if e, at := d.sup.LastError(); e != "" && time.Since(at) < 10*time.Minute && (w == "" || !strings.HasSuffix(e, d.health.source.Health().Detail)) {
		fmt.Fprintf(&b, "; last error %s ago: %s", time.Since(at).Round(time.Second), e)
	}
	return b.String()
}

// healthAdapter presents the supervisor to the API.
type healthAdapter struct{ d *Daemon }

func componentHealth(c supervise.ComponentHealth) api.ComponentHealth {
	ch := api.ComponentHealth{Name: c.Name, OK: c.State == supervise.StateOK || c.State == supervise.StateDisabled,
		Disabled: c.State == supervise.StateDisabled, Since: c.Since, LastProgress: c.LastProgress}
	if c.State == supervise.StateFailed {
		ch.Error = c.Detail
	} else {
		ch.Detail = c.Detail
		if c.State == supervise.StateDisabled {
			ch.Detail = "disabled: " + c.Detail
		}
	}
	return ch
}

func (h healthAdapter) Health() api.HealthReport {
	d := h.d
	s := d.sup.Health()
	r := api.HealthReport{Started: d.sup.Started(), Phase: api.PhaseStarting, Waiting: d.waiting()}
	switch {
	case s.Status == "stopping":
		r.Phase = api.PhaseStopping
	case s.Ready:
		r.Phase = api.PhaseReady
	}
	max := 5 * time.Second
	if wd := d.sup.WatchdogInterval(); wd > 0 {
		max = wd
	}
	r.Live = d.sup.Live(max)
	if !r.Live {
		r.LiveDetail = fmt.Sprintf("the frame loop made no progress in %s", max)
	}
	for _, c := range s.Components {
		r.Components = append(r.Components, componentHealth(c))
	}
	mqtt, source := componentHealth(d.health.mqtt.Health()), componentHealth(d.health.source.Health())
	r.MQTT, r.Source = &mqtt, &source
	return r
}

// sourceAlerts raises the frame source's alerts (camera lost, source
// ended, and their recoveries) so that the outage stands on every surface
// until it is over: the first warning or error of an outage is raised (REST
// /api/v1/alerts, the WebSocket and MQTT alert streams, the display's
// banner), further ones while it lasts are not repeated, and the recovery
// notice (level info) acknowledges the standing alert as "cuecastd", so
// lists of unacknowledged alerts and the display's banner clear when
// frames flow again.
type sourceAlerts struct {
	hub *hub.Hub
	log *slog.Logger

	mu       sync.Mutex // guards standing
	standing string     // id of the outage's alert, "" when none
}

// ackedBy is who clears a standing alert when its condition ends.
const ackedBy = "cuecastd"

func (s *sourceAlerts) raise(a model.Alert) {
	if a.Time.IsZero() {
		a.Time = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	outage := a.Level != model.AlertInfo
	if outage && s.standing != "" {
		return // already standing
	}
	p, err := s.hub.RaiseAlert(a)
	if err != nil {
		s.log.Error("raise alert", "component", "hub", "code", a.Code, "err", err)
		return
	}
	if outage {
		s.standing = p.AlertID()
		return
	}
	s.clearLocked()
}

// clear acknowledges the standing alert, if any: the source delivers again.
func (s *sourceAlerts) clear() {
	s.mu.Lock()
	s.clearLocked()
	s.mu.Unlock()
}

func (s *sourceAlerts) clearLocked() {
	if s.standing == "" {
		return
	}
	if err := s.hub.Ack(s.standing, ackedBy); err != nil {
		s.log.Warn("clear the source's alert", "component", "hub", "id", s.standing, "err", err)
	}
	s.standing = ""
}
