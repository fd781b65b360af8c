package daemon

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/labels"
)

// The labelling API on the running daemon: a capture grabs the camera's
// frame (the simulator's, full resolution) into the state directory with the
// detector's proposals; saving writes labels/labels.json there; both need
// the command token.
func TestDaemonLabelCaptureAndSave(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon on the simulator")
	}
	cfg, path := testConfig(t)
	cfg.HTTP.Token = "s3cret"
	// A still table: the demo's shots can catch the balls mid-roll or
	// under the cue when the machine is loaded, and the capture then
	// proposes fewer of them (seen once in eight runs).
	cfg.Source.Scenario = "still"
	d := startDaemon(t, cfg, path)
	waitPhase(t, d.Addr(), "ready", 60*time.Second)
	do := apiDo(t, d.Addr())
	if code, _ := do("POST", "/api/v1/label/capture", "", "guess"); code != http.StatusUnauthorized {
		t.Errorf("capture with a wrong token = %d, want 401", code)
	}
	code, body := do("POST", "/api/v1/label/capture", "", "s3cret")
	var reply struct {
		Frame    labels.Frame
		Proposed bool
	}
	if code != 200 || json.Unmarshal(body, &reply) != nil {
		t.Fatalf("capture = %d %.300s", code, body)
	}
	f := reply.Frame
	if !reply.Proposed || f.Width != cfg.Source.Width || f.Height != cfg.Source.Height || len(f.Balls) < 5 {
		t.Fatalf("captured %s %dx%d with %d balls, want a %dx%d frame with the detector's balls", f.Image, f.Width, f.Height, len(f.Balls), cfg.Source.Width, cfg.Source.Height)
	}
	root := filepath.Join(cfg.Box.StateDir, "labels")
	if _, err := os.Stat(filepath.Join(root, f.Image)); err != nil {
		t.Fatalf("captured image not kept: %v", err)
	}
	if code, _ := do("GET", "/label", "", ""); code != 200 {
		t.Errorf("GET /label = %d", code)
	}
	if code, _ := do("GET", "/api/v1/label/image", "", ""); code != 200 {
		t.Errorf("GET image = %d", code)
	}
	b, _ := json.Marshal(f)
	if code, body := do("PUT", "/api/v1/label/frame", string(b), "s3cret"); code != 200 {
		t.Fatalf("save = %d %s", code, body)
	}
	set, err := labels.Load(filepath.Join(root, "labels.json"))
	if err != nil || len(set.Frames) != 1 || len(set.Frames[0].Balls) != len(f.Balls) {
		t.Fatalf("label file %+v, %v", set, err)
	}
	if err := set.Verify(root); err != nil {
		t.Error(err)
	}
}
