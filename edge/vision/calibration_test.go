package vision

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

func TestCalibrationStoreHTTP(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calibration.json")
	var notified []*Calibration
	s, err := OpenCalibrationStore(path, func(c *Calibration) { notified = append(notified, c) })
	if err != nil {
		t.Fatalf("missing file: %v", err)
	}
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	do := func(method, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+"/api/v1/vision/calibration", strings.NewReader(body))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		return res.StatusCode, b.String()
	}
	good := `{"corners":[{"x":100,"y":600},{"x":1180,"y":600},{"x":1180,"y":90},{"x":100,"y":90}],"width":1280,"height":720}`
	for _, tc := range []struct {
		name, method, body string
		code               int
	}{
		{"get empty", "GET", "", 200},
		{"bad json", "PUT", `{"corners":`, 400},
		{"unknown field", "PUT", `{"cornerz":[]}`, 400},
		{"collinear corners", "PUT", `{"corners":[{"x":0,"y":0},{"x":1,"y":0},{"x":2,"y":0},{"x":3,"y":0}]}`, 422},
		{"good", "PUT", good, 200},
	} {
		code, body := do(tc.method, tc.body)
		if code != tc.code {
			t.Errorf("%s: %s = %d %s, want %d", tc.name, tc.method, code, body, tc.code)
		}
		if tc.code != 200 {
			if _, err := os.Stat(path); err == nil {
				t.Errorf("%s: a refused PUT wrote the file", tc.name)
			}
			if len(notified) != 0 {
				t.Errorf("%s: a refused PUT notified", tc.name)
			}
		}
	}
	if len(notified) != 1 || notified[0].Corners == nil || notified[0].Corners[1].X != 1180 {
		t.Fatalf("notified %+v, want the good calibration once", notified)
	}
	// Persisted: a new store reads it back.
	s2, err := OpenCalibrationStore(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := s2.Get(); c.Corners == nil || *c.Corners != *notified[0].Corners || c.Width != 1280 {
		t.Errorf("reloaded %+v", c)
	}
	code, body := do("GET", "")
	var got Calibration
	if err := json.Unmarshal([]byte(body), &got); code != 200 || err != nil || got.Corners == nil {
		t.Errorf("GET = %d %s", code, body)
	}
	// A corrupt file is an error at open, not a silent reset.
	os.WriteFile(path, []byte("{corrupt"), 0o644)
	if _, err := OpenCalibrationStore(path, nil); err == nil {
		t.Error("corrupt calibration file accepted")
	}
}

// TestFixedCalibrationCorners: with corners set, the detector uses them
// instead of finding the table.
func TestFixedCalibrationCorners(t *testing.T) {
	f := simFrame(t, 1280, 720)
	c := f.Truth.Corners
	c[0].X += 3 // a deliberate offset the finder would not produce
	d, err := NewDetector(defaultVision(), DetectorOptions{Table: f.Truth.Table, Calibration: &Calibration{Corners: &c}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var det model.Detection
	if err := d.Detect(f, &det); err != nil {
		t.Fatal(err)
	}
	if det.Table == nil || det.Table.Corners != c {
		t.Fatalf("corners = %v, want the calibration's %v", det.Table, c)
	}
	if len(det.Balls) < 10 {
		t.Errorf("%d balls with fixed corners, want the still layout's", len(det.Balls))
	}
	// Back to automatic.
	d.SetCalibration(nil)
	if err := d.Detect(f, &det); err != nil {
		t.Fatal(err)
	}
	if det.Table.Corners == c {
		t.Error("corners still the calibration's after SetCalibration(nil)")
	}
}

func defaultVision() config.Vision { return config.Default().Vision }

// TestDetectorConcurrentControl: HTTP goroutines set the calibration and
// read Performance while the loop detects (run with -race).
func TestDetectorConcurrentControl(t *testing.T) {
	f := simFrame(t, 640, 360)
	d, err := NewDetector(defaultVision(), DetectorOptions{Table: f.Truth.Table})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c := f.Truth.Corners
		for i := 0; i < 20; i++ {
			if i%2 == 0 {
				d.SetCalibration(&Calibration{Corners: &c})
			} else {
				d.SetCalibration(nil)
			}
			_ = d.Performance()
		}
	}()
	var det model.Detection
	for i := 0; i < 20; i++ {
		if err := d.Detect(f, &det); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	if p := d.Performance(); p.Frames != 20 || p.Stages["balls"].Median <= 0 {
		t.Errorf("Performance = %+v, want 20 frames with ball timings", p)
	}
}
