package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

func alertOf(msg string) model.Alert {
	return model.Alert{Level: model.AlertWarning, Code: "test", Message: msg, Source: "test"}
}

func ctxTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func TestAlertsAckAndRedelivery(t *testing.T) {
	h := testHub(t)
	p1, err := h.RaiseAlert(alertOf("one"))
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := h.RaiseAlert(alertOf("two"))
	if p1.AlertID() == "" || p1.AlertID() == p2.AlertID() {
		t.Fatalf("alert ids %q, %q", p1.AlertID(), p2.AlertID())
	}
	var st AlertState
	json.Unmarshal(p1.Data, &st)
	if st.ID != p1.AlertID() || st.Acked || st.Message != "one" {
		t.Errorf("alert payload %s", p1.Data)
	}

	// A fresh subscriber gets both unacked alerts.
	c := h.Connect(ClientOptions{})
	c.Subscribe([]Stream{StreamAlert}, nil, nil)
	if got := offsets(drain(t, c)); fmt.Sprint(got) != "[1 2]" {
		t.Fatalf("fresh alert subscriber got %v, want [1 2]", got)
	}
	if err := h.Ack(p1.AlertID(), "tech"); err != nil {
		t.Fatal(err)
	}
	if err := h.Ack(p1.AlertID(), "other"); err != nil {
		t.Errorf("second ack: %v", err)
	}
	notice := drain(t, c)
	if len(notice) != 1 {
		t.Fatalf("ack notices %v, want one", offsets(notice))
	}
	json.Unmarshal(notice[0].Data, &st)
	if !st.Acked || st.AckedBy != "tech" || st.ID != p1.AlertID() {
		t.Errorf("ack notice %s", notice[0].Data)
	}
	pos := notice[0].Position()
	c.Close()

	// Resuming after the ack: nothing new, but the still unacked alert 2
	// is redelivered.
	c2 := h.Connect(ClientOptions{})
	defer c2.Close()
	res, _ := c2.Subscribe([]Stream{StreamAlert}, map[Stream]Position{StreamAlert: pos}, nil)
	if !res[0].Recovered {
		t.Errorf("resume not recovered: %+v", res[0])
	}
	if got := offsets(drain(t, c2)); fmt.Sprint(got) != "[2]" {
		t.Errorf("resume redelivered %v, want the unacked [2]", got)
	}

	states := h.Alerts()
	if len(states) != 2 || !states[0].Acked || states[1].Acked || states[0].AckedAt == nil {
		t.Errorf("Alerts() = %+v", states)
	}
	if err := h.Ack("nope", "x"); !errors.Is(err, ErrUnknownAlert) {
		t.Errorf("Ack(unknown) = %v, want ErrUnknownAlert", err)
	}
	if _, err := h.RaiseAlert(model.Alert{Level: "loud"}); err == nil {
		t.Error("bad level accepted")
	}
	if _, err := h.Publish(StreamAlert, 1); err == nil {
		t.Error("Publish on alert bypassed RaiseAlert")
	}
}

func TestAlertRetention(t *testing.T) {
	h := testHub(t, func(c *config.Hub) { c.AlertRetention = 3 })
	var ids []string
	for i := 0; i < 5; i++ {
		p, _ := h.RaiseAlert(alertOf(fmt.Sprint(i)))
		ids = append(ids, p.AlertID())
	}
	h.Ack(ids[3], "x")
	h.RaiseAlert(alertOf("5"))
	got := h.Alerts()
	if len(got) != 3 {
		t.Fatalf("kept %d alerts, want 3", len(got))
	}
	// 0 and 1 went as the oldest while none was acked; then the acked 3
	// went before the older but unacked 2.
	if got[0].ID != ids[2] || got[1].ID != ids[4] || got[2].Message != "5" {
		t.Errorf("kept %v, want alerts 2, 4, 5", got)
	}
}

// TestClientAckOnlyVisibleAlerts: a client acks alerts for everyone and for
// its own group; another group's alert is unknown to it and stays unacked.
func TestClientAckOnlyVisibleAlerts(t *testing.T) {
	h := testHub(t)
	disp := h.Connect(ClientOptions{Group: "display"})
	tech := h.Connect(ClientOptions{Group: "technician"})
	defer disp.Close()
	defer tech.Close()
	pt, _ := h.RaiseAlertGroup(alertOf("lamp hours"), "technician")
	pa, _ := h.RaiseAlert(alertOf("for all"))
	if err := disp.Ack(pt.AlertID()); !errors.Is(err, ErrUnknownAlert) {
		t.Errorf("display acking a technician alert: %v, want ErrUnknownAlert", err)
	}
	if st, _ := h.Alert(pt.AlertID()); st.Acked {
		t.Fatal("a client of another group acknowledged the alert")
	}
	if err := disp.Ack(pa.AlertID()); err != nil {
		t.Errorf("display acking an alert for everyone: %v", err)
	}
	if err := tech.Ack(pt.AlertID()); err != nil {
		t.Errorf("technician acking its alert: %v", err)
	}
	if st, _ := h.Alert(pt.AlertID()); !st.Acked || st.AckedBy != tech.ID() {
		t.Errorf("technician alert state %+v, want acked by %s", st, tech.ID())
	}
}
