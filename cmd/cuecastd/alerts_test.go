package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAlertsSurviveRestart: an alert raised and one acknowledged over REST
// are still there, with their ids, after the daemon is killed and started
// again on the same state directory; the unacknowledged one can be acked
// then.
func TestAlertsSurviveRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the daemon twice")
	}
	const cfg = "[http]\ntoken = \"s3cret-token-for-tests\"\n"
	dir := t.TempDir()
	post := func(d *runningDaemon, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+d.addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer s3cret-token-for-tests")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	type alertList struct {
		Alerts []struct {
			ID       string    `json:"id"`
			Code     string    `json:"code"`
			Time     time.Time `json:"time"`
			Acked    bool      `json:"acked"`
			AckedBy  string    `json:"acked_by"`
			Restored bool      `json:"restored"`
		} `json:"alerts"`
	}
	byCode := func(l alertList) map[string]int {
		m := map[string]int{}
		for i, a := range l.Alerts {
			m[a.Code] = i
		}
		return m
	}

	notify := newNotifyRecorder(t)
	d := startDaemonIn(t, dir, notify, cfg)
	notify.wait(t, 0, "READY", "1", 60*time.Second)
	for _, code := range []string{"venue.closing", "venue.cleaning"} {
		if c := post(d, "/api/v1/websocket/broadcast/alert?level=warning&message=test&code="+code, ""); c != 200 {
			t.Fatalf("broadcast %s: HTTP %d", code, c)
		}
	}
	var before alertList
	d.getJSON(t, "/api/v1/alerts", &before)
	idx := byCode(before)
	closing, cleaning := before.Alerts[idx["venue.closing"]], before.Alerts[idx["venue.cleaning"]]
	if c := post(d, "/api/v1/alerts/"+cleaning.ID+"/ack", `{"by":"manager"}`); c != 200 {
		t.Fatalf("ack: HTTP %d", c)
	}
	d.cmd.Process.Kill() // no orderly stop: a crash or power cut
	err := <-d.done
	d.done <- err // for the cleanup, which waits too

	notify2 := newNotifyRecorder(t)
	d2 := startDaemonIn(t, dir, notify2, cfg)
	notify2.wait(t, 0, "READY", "1", 60*time.Second)
	var after alertList
	d2.getJSON(t, "/api/v1/alerts", &after)
	idx = byCode(after)
	i, ok1 := idx["venue.closing"]
	j, ok2 := idx["venue.cleaning"]
	if !ok1 || !ok2 {
		t.Fatalf("after restart: alerts %+v, want both", after.Alerts)
	}
	if a := after.Alerts[i]; a.ID != closing.ID || !a.Time.Equal(closing.Time) || a.Acked || !a.Restored {
		t.Errorf("unacked alert after restart = %+v, want id %s, time %v, not acked, restored", a, closing.ID, closing.Time)
	}
	if a := after.Alerts[j]; a.ID != cleaning.ID || !a.Acked || a.AckedBy != "manager" {
		t.Errorf("acked alert after restart = %+v, want id %s acked by manager", a, cleaning.ID)
	}
	if c := post(d2, "/api/v1/alerts/"+closing.ID+"/ack", `{"by":"manager"}`); c != 200 {
		t.Fatalf("ack of a restored alert: HTTP %d", c)
	}
	var acked alertList
	d2.getJSON(t, "/api/v1/alerts?unacked=true", &acked)
	if len(acked.Alerts) != 0 {
		t.Errorf("unacked after acking the restored alert: %+v", acked.Alerts)
	}
}
