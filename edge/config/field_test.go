package config

import (
	"errors"
	"strings"
	"testing"
)

// parseProblems parses doc and returns its problems (none: a nil slice).
func parseProblems(t *testing.T, doc string) (error, []Problem) {
	t.Helper()
	_, err := Parse("field.toml", []byte(doc))
	var ce *Error
	if err != nil && !errors.As(err, &ce) {
		t.Fatalf("Parse error %T is not *config.Error: %v", err, err)
	}
	if ce == nil {
		return nil, nil
	}
	return err, ce.Problems
}

// Regression (issue 13): listen port 99999 passed validation, so a config
// the daemon could never bind was accepted (and written) and the next start
// failed. It is now refused with file, line and key.
func TestListenPortOutOfRangeRefused(t *testing.T) {
	for _, tc := range []struct {
		listen string
		ok     bool
	}{
		{":99999", false},
		{"0.0.0.0:65536", false},
		{"127.0.0.1:-1", false},
		{"[::1]:http", false}, // a service name is not a port here
		{":65535", true},
		{"127.0.0.1:0", true}, // any free port (tests)
		{"[::]:8080", true},
	} {
		err, probs := parseProblems(t, "# box config\n[http]\nlisten = \""+tc.listen+"\"\n")
		if tc.ok {
			if err != nil {
				t.Errorf("listen %q: %v, want it accepted", tc.listen, err)
			}
			continue
		}
		if len(probs) != 1 || probs[0].Key != "http.listen" || probs[0].Line != 3 || probs[0].File != "field.toml" {
			t.Errorf("listen %q: problems %+v, want one at field.toml:3 on http.listen", tc.listen, probs)
		} else if !strings.Contains(err.Error(), "field.toml:3: http.listen") {
			t.Errorf("listen %q: error %q does not name file:line: key", tc.listen, err)
		}
	}
}

// Regression (issue 13): hub.alert_store could name any file, the config
// included; the hub set it aside as corrupt and overwrote it, and the next
// start failed. It is now a plain file name inside box.state_dir, and not
// one another part keeps there.
func TestAlertStoreConfinedToStateDir(t *testing.T) {
	for _, tc := range []struct {
		doc string
		ok  bool
	}{
		{`alert_store = "/etc/cuecast/cuecast.toml"`, false},
		{`alert_store = "../../etc/cuecast/cuecast.toml"`, false},
		{`alert_store = "sub/alerts.json"`, false},
		{`alert_store = ".alerts.json.tmp-1"`, false},
		{`alert_store = ".."`, false},
		{`alert_store = "projector.json"`, false},
		{`alert_store = "mqtt"`, false},
		{`alert_store = "calibration.json"`, false}, // vision.calibration's default
		{`alert_store = "alerts-club7.json"`, true},
		{`alert_store = ""`, true}, // memory only
	} {
		err, probs := parseProblems(t, "[hub]\n"+tc.doc+"\n")
		if tc.ok {
			if err != nil {
				t.Errorf("%s: %v, want it accepted", tc.doc, err)
			}
			continue
		}
		if len(probs) != 1 || probs[0].Key != "hub.alert_store" || probs[0].Line != 2 {
			t.Errorf("%s: problems %+v, want one at line 2 on hub.alert_store", tc.doc, probs)
		}
	}
	c := Default()
	c.Box.StateDir = "/var/lib/cuecast"
	if got := c.Hub.AlertStorePath(c.Box); got != "/var/lib/cuecast/alerts.json" {
		t.Errorf("AlertStorePath = %q", got)
	}
}
