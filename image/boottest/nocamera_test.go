package boottest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// noCamera runs the real unit under systemd with a camera that is not
// there (the guest has no /dev/video0), as a box booted with its camera
// unplugged (issue 13: it used to time out at TimeoutStartSec and restart
// until the unit failed for good). The unit must come up active and stay
// so, unrestarted, through several watchdog intervals, say "waiting for
// camera" in STATUS, and show the camera alert over HTTP. The time from the
// process start to READY=1 is a figure.
func (v *vm) noCamera(figures map[string]string) {
	v.t.Helper()
	const dropIn = "/run/systemd/system/cuecastd.service.d/nocamera.conf"
	// The restart stops the running daemon (a frame in flight can take
	// seconds under emulation on a loaded machine) and waits for READY:
	// bounded by TimeoutStopSec + TimeoutStartSec, with room for a slow
	// daemon-reload.
	const restart = 10 * time.Minute
	v.con.must(`mkdir -p /run/systemd/system/cuecastd.service.d && printf '[Service]\nExecStart=\nExecStart=/usr/bin/cuecastd --config /etc/cuecast/cuecast.toml --source camera:/dev/video0\n' > `+dropIn+
		` && systemctl daemon-reload && systemctl reset-failed cuecastd; systemctl restart cuecastd; true`, restart)
	defer func() {
		v.con.must("rm -f "+dropIn+" && systemctl daemon-reload && systemctl restart cuecastd; true", restart)
	}()
	show := func() map[string]string {
		out := v.con.must("systemctl show -p ActiveState,SubState,NRestarts,StatusText,ExecMainStartTimestampMonotonic,ActiveEnterTimestampMonotonic,ExecMainPID cuecastd", shortCommand)
		m := map[string]string{}
		for _, line := range strings.Split(out, "\n") {
			if k, val, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
				m[k] = val
			}
		}
		return m
	}
	first := show()
	v.t.Logf("no camera: after the restart: %s/%s, STATUS %s", first["ActiveState"], first["SubState"], first["StatusText"])
	if first["ActiveState"] != "active" {
		diag, _ := v.con.run("systemctl status --no-pager -n 20 cuecastd", shortCommand)
		v.t.Fatalf("no camera: cuecastd is %s/%s after restart, want active (READY=1 without a camera):\n%s", first["ActiveState"], first["SubState"], diag)
	}
	start, _ := strconv.ParseInt(first["ExecMainStartTimestampMonotonic"], 10, 64)
	ready, _ := strconv.ParseInt(first["ActiveEnterTimestampMonotonic"], 10, 64)
	if start > 0 && ready >= start {
		d := (time.Duration(ready-start) * time.Microsecond).Round(10 * time.Millisecond).String()
		figures["no camera: cuecastd process start to READY=1 (QEMU)"] = d
		v.t.Logf("no camera: process start to READY=1: %s", d)
	}

	// Three watchdog intervals (WatchdogSec=10s): a daemon that stopped
	// pinging would have been killed and restarted by now.
	v.con.must("sleep 35", time.Minute)
	after := show()
	if after["ActiveState"] != "active" || after["ExecMainPID"] != first["ExecMainPID"] || after["NRestarts"] != first["NRestarts"] {
		journal, _ := v.con.run("journalctl -u cuecastd -o cat --no-pager | tail -n 20", shortCommand)
		v.t.Errorf("no camera: after 35 s cuecastd is %s, pid %s -> %s, restarts %s -> %s: want active, not restarted:\n%s",
			after["ActiveState"], first["ExecMainPID"], after["ExecMainPID"], first["NRestarts"], after["NRestarts"], journal)
	}
	if !strings.HasPrefix(after["StatusText"], "waiting for camera") {
		v.t.Errorf("no camera: STATUS = %q, want it to start with \"waiting for camera\"", after["StatusText"])
	}
	v.t.Logf("no camera: cuecastd %s, STATUS %s", after["ActiveState"], after["StatusText"])

	// The alert, as a technician's browser or dashboard gets it.
	resp, err := (&http.Client{Timeout: 20 * time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/alerts?unacked=true", v.port))
	if err != nil {
		v.t.Errorf("no camera: GET /api/v1/alerts: %v", err)
		return
	}
	defer resp.Body.Close()
	var list struct {
		Alerts []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"alerts"`
	}
	json.NewDecoder(resp.Body).Decode(&list)
	found := false
	for _, a := range list.Alerts {
		found = found || a.Code == "camera_lost" && strings.Contains(a.Message, "/dev/video0")
	}
	if !found {
		v.t.Errorf("no camera: no unacknowledged camera_lost alert over HTTP: %+v", list.Alerts)
	}
}
