package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
)

const testToken = "field-token"

// startWithFile runs the daemon in-process on the config file doc at path
// (the flags' overrides as cuecastd --listen 127.0.0.1:0 --mqtt off).
func startWithFile(t *testing.T, path, doc string) *Daemon {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the daemon")
	}
	if doc != "" {
		if err := os.WriteFile(path, []byte(doc), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	ov := Overrides{Listen: "127.0.0.1:0", MQTT: "off"}
	if doc == "" {
		ov.StateDir = filepath.Join(t.TempDir(), "state") // not the defaults' /var/lib/cuecast
	}
	cfg := config.Default()
	if doc != "" {
		var err error
		if cfg, _, err = LoadConfig(path, true, ov); err != nil {
			t.Fatal(err)
		}
	}
	ov.Apply(&cfg)
	return runDaemon(t, Options{Config: cfg, Path: path, Overrides: ov})
}

func put(t *testing.T, addr, path, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, "http://"+addr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Regression (issue 13, defect 2): a PUT /api/v1/config refused because its
// listen address could not be bound answered 500 and kept the old config
// running, but had already rewritten the file (the next start failed).
// Now the file is written only after the new config was accepted.
func TestRefusedConfigPutLeavesFileUnchanged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cuecast.toml")
	doc := fmt.Sprintf("# the technician's file\n[box]\nstate_dir = %q\n\n[http]\ntoken = %q\n\n[hub]\nhistory_count = 500\n", filepath.Join(dir, "state"), testToken)
	d := startWithFile(t, path, doc)

	taken, err := net.Listen("tcp", "127.0.0.1:0") // an address that cannot be bound
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	// The override (--listen) would win over the document's listen; this
	// daemon takes its listen address from the file.
	d.ov.Listen = ""
	before, _ := os.ReadFile(path)
	cases := []struct {
		name, doc string
		status    int
		want      string
	}{
		{"unbindable listen", fmt.Sprintf("[http]\nlisten = %q\ntoken = %q\n[hub]\nhistory_count = 700\n", taken.Addr().String(), testToken), 500, "address already in use"},
		{"port 99999", fmt.Sprintf("[http]\nlisten = \":99999\"\ntoken = %q\n[hub]\nhistory_count = 700\n", testToken), 400, `"line":2,"key":"http.listen"`},
		{"alert store on the config", fmt.Sprintf("[box]\nstate_dir = %q\n[http]\ntoken = %q\n[hub]\nalert_store = \"cuecast.toml\"\n", dir, testToken), 400, `"key":"hub.alert_store"`},
	}
	for _, tc := range cases {
		status, body := put(t, d.Addr(), "/api/v1/config", "application/toml", tc.doc)
		if status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: HTTP %d %s, want %d with %s", tc.name, status, body, tc.status, tc.want)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
			t.Fatalf("%s: the refused config changed the file:\n%s", tc.name, after)
		}
		if got := d.Current().Hub.HistoryCount; got != 500 {
			t.Fatalf("%s: running hub.history_count = %d, want the old 500", tc.name, got)
		}
	}
	// Accepted: written, and applied.
	ok := fmt.Sprintf("[box]\nstate_dir = %q\n[http]\nlisten = %q\ntoken = %q\n[hub]\nhistory_count = 700\n", filepath.Join(dir, "state"), d.Current().HTTP.Listen, testToken)
	if status, body := put(t, d.Addr(), "/api/v1/config", "application/toml", ok); status != 200 {
		t.Fatalf("good config: HTTP %d %s", status, body)
	}
	if after, _ := os.ReadFile(path); string(after) != ok || d.Current().Hub.HistoryCount != 700 {
		t.Errorf("good config: file %q, history_count %d", after, d.Current().Hub.HistoryCount)
	}
}

// A config the daemon cannot write is not applied either.
func TestUnwritableConfigIsNotApplied(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "etc")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil { // a file where the config directory should be
		t.Fatal(err)
	}
	path := filepath.Join(blocker, "cuecast.toml")
	d := startWithFile(t, path, "") // runs on the defaults
	doc := fmt.Sprintf("[box]\nstate_dir = %q\n[hub]\nhistory_count = 700\n", filepath.Join(dir, "state"))
	// No token in the running (default) config: commands are disabled.
	status, _ := put(t, d.Addr(), "/api/v1/config", "application/toml", doc)
	if status != http.StatusForbidden {
		t.Fatalf("PUT on a box without a token: HTTP %d, want 403", status)
	}
	err := d.Apply(context.Background(), []byte(doc), false)
	if err == nil || d.Current().Hub.HistoryCount == 700 {
		t.Fatalf("Apply with an unwritable file = %v, history_count %d: want an error and the old config", err, d.Current().Hub.HistoryCount)
	}
}

// Regression (issue 13, defect 6): with box.state_dir the config's
// directory, hub.alert_store = "cuecast.toml" made the hub set the config
// aside as corrupt and overwrite it. The daemon refuses to start on it.
func TestAlertStoreCannotClobberConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cuecast.toml")
	doc := fmt.Sprintf("[box]\nstate_dir = %q\n[hub]\nalert_store = \"cuecast.toml\"\n", dir)
	if err := os.WriteFile(path, []byte(doc), 0o640); err != nil {
		t.Fatal(err)
	}
	// cuecastd's start (exit 2 with the message) ...
	_, _, err := LoadConfig(path, true, Overrides{Listen: "127.0.0.1:0", MQTT: "off"})
	var ce *config.Error
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Key != "hub.alert_store" {
		t.Fatalf("LoadConfig with the alert store on the config = %v, want a config error on hub.alert_store", err)
	}
	// ... and the assembly itself, whoever loaded the config.
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(Options{Config: cfg, Path: path, Log: slog.New(slog.DiscardHandler)})
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Key != "hub.alert_store" {
		t.Fatalf("New with the alert store on the config = %v, want a config error on hub.alert_store", err)
	}
	if after, _ := os.ReadFile(path); string(after) != doc {
		t.Errorf("the config file changed: %q", after)
	}
}

// Every command route, the API's own and those mounted from other packages
// (calibrations, firmware upload), refuses an unauthenticated request
// before reading its body: a client that declares a large body and sends
// one byte gets its 401 at once.
func TestEveryCommandRouteAuthenticatesBeforeTheBody(t *testing.T) {
	dir := t.TempDir()
	d := startWithFile(t, filepath.Join(dir, "cuecast.toml"),
		fmt.Sprintf("[box]\nstate_dir = %q\n[http]\ntoken = %q\n", filepath.Join(dir, "state"), testToken))
	for _, route := range []string{
		"PUT /api/v1/config",
		"POST /api/v1/config/reset",
		"PUT /api/v1/vision/calibration",
		"PUT /api/v1/projector/calibration",
		"POST /api/v1/update",
		"POST /api/v1/websocket/broadcast/alert",
		"POST /api/v1/alerts/a1/ack",
		"POST /api/v1/label/capture",
		"PUT /api/v1/label/frame",
		"POST /api/v1/game/new",
		"POST /api/v1/game/reset",
		"POST /api/v1/drills",
	} {
		method, p, _ := strings.Cut(route, " ")
		c, err := net.Dial("tcp", d.Addr())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: box\r\nAuthorization: Bearer wrong\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", method, p)
		c.SetReadDeadline(time.Now().Add(15 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Errorf("%s: no answer while the body is pending: %v", route, err)
			c.Close()
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		c.Close()
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if resp.StatusCode != 401 || json.Unmarshal(b, &e) != nil || e.Error.Code != "unauthorized" {
			t.Errorf("%s: HTTP %d %s, want 401 unauthorized in the envelope", route, resp.StatusCode, b)
		}
	}
}
