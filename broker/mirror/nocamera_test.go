package mirror_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/cuecast/cuecast/broker/internal/mqtttest"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/daemon"
	"github.com/cuecast/cuecast/edge/daemontest"
)

// The MQTT surface of the no-camera alert (issue 13, defect 1): the daemon
// assembled in-process (edge/daemon) with camera:/dev/video99, which does
// not exist, comes up and mirrors the camera alert to a real Mosquitto,
// where a remote dashboard sees it.
func TestNoCameraAlertReachesMQTT(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon and Mosquitto")
	}
	b := mqtttest.New(t, "broker", mqtttest.Plain)
	b.Start()
	const topic = "cuecast/field/t9/alert"
	sub := mqtttest.Subscribe(t, b.URL(), "field-dashboard", true, topic)

	dir := t.TempDir()
	cfg := config.Default()
	ov := daemon.Overrides{Listen: "127.0.0.1:0", MQTT: b.URL(), StateDir: filepath.Join(dir, "state"), Source: "camera:/dev/video99"}
	ov.Apply(&cfg)
	cfg.Box.Site, cfg.Box.Table = "field", "t9"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs := &daemontest.Buffer{}
	d, err := daemon.New(daemon.Options{Config: cfg, Path: filepath.Join(dir, "cuecast.toml"), Overrides: ov,
		Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer scancel()
		d.Shutdown(sctx)
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs.String())
		}
	}()
	if err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	if !mqtttest.WaitFor(wctx, func() bool {
		for _, m := range sub.Messages(topic) {
			var e struct {
				Data struct {
					Code  string `json:"code"`
					Acked bool   `json:"acked"`
				} `json:"data"`
			}
			if json.Unmarshal(m.Payload, &e) == nil && e.Data.Code == "camera_lost" && !e.Data.Acked {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no camera_lost alert on %s within 60 s; got %d messages", topic, len(sub.Messages(topic)))
	}
}
