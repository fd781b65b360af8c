package daemon

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/vision"
)

// Teaching a venue on the running daemon: a capture saved on the labelling
// page teaches the venue (token), which lands in the state directory and
// in the running detector; export, a refused import that changes nothing,
// an import, and forgetting it.
func TestDaemonVenueTeachExportImport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon on the simulator")
	}
	cfg, path := testConfig(t)
	cfg.HTTP.Token = "s3cret"
	// Balls laid out and still, as a technician teaches: the demo's
	// captures could land on a break with the balls smeared.
	cfg.Source.Scenario = "still"
	d := startDaemon(t, cfg, path)
	waitPhase(t, d.Addr(), "ready", 60*time.Second)
	do := apiDo(t, d.Addr())
	if code, body := do("GET", "/api/v1/vision/venue", "", ""); code != http.StatusNotFound || !strings.Contains(string(body), "none taught") {
		t.Fatalf("GET venue before teaching = %d %s, want 404 in the envelope", code, body)
	}
	if code, body := do("POST", "/api/v1/vision/venue/teach", `{}`, "s3cret"); code != http.StatusNotFound {
		t.Fatalf("teach with nothing labelled = %d %s, want 404", code, body)
	}
	// Capture and save the detector's proposals as the labels (the
	// simulator's balls are named right: what a technician confirms).
	code, body := do("POST", "/api/v1/label/capture", "", "s3cret")
	var reply struct{ Frame labels.Frame }
	if code != 200 || json.Unmarshal(body, &reply) != nil {
		t.Fatalf("capture = %d %.300s", code, body)
	}
	b, _ := json.Marshal(reply.Frame)
	if code, body := do("PUT", "/api/v1/label/frame", string(b), "s3cret"); code != 200 {
		t.Fatalf("save = %d %s", code, body)
	}
	teach := `{"image":` + strconvQuote(reply.Frame.Image) + `}`
	if code, _ := do("POST", "/api/v1/vision/venue/teach", teach, "guess"); code != http.StatusUnauthorized {
		t.Errorf("teach with a wrong token = %d, want 401", code)
	}
	if code, body := do("POST", "/api/v1/vision/venue/teach", `{"image":"nope.png"}`, "s3cret"); code != http.StatusNotFound {
		t.Errorf("teach from an unknown capture = %d %s, want 404", code, body)
	}
	code, body = do("POST", "/api/v1/vision/venue/teach", teach, "s3cret")
	if code != 200 {
		t.Fatalf("teach = %d %s", code, body)
	}
	taught, err := vision.ParseVenue(body)
	if err != nil || len(taught.Balls) < 5 || taught.Source != reply.Frame.Image {
		t.Fatalf("taught %s: %v", body, err)
	}
	file := filepath.Join(cfg.Box.StateDir, "venue.json")
	onDisk, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := vision.ParseVenue(onDisk); err != nil || len(v.Balls) != len(taught.Balls) {
		t.Fatalf("venue file: %v", err)
	}
	if _, det := d.pipe.running(); det == nil || det.Venue() == nil || len(det.Venue().Balls) != len(taught.Balls) {
		t.Fatal("the running detector was not given the taught venue")
	}
	// Teaching from two captures pools them: one venue, both named as its
	// source; a request naming a frame twice, or image and images both,
	// is refused and changes nothing.
	code, body = do("POST", "/api/v1/label/capture", "", "s3cret")
	var second struct{ Frame labels.Frame }
	if code != 200 || json.Unmarshal(body, &second) != nil {
		t.Fatalf("second capture = %d %.300s", code, body)
	}
	if second.Frame.Image == reply.Frame.Image {
		t.Fatalf("second capture has the first one's name %s", second.Frame.Image)
	}
	b, _ = json.Marshal(second.Frame)
	if code, body := do("PUT", "/api/v1/label/frame", string(b), "s3cret"); code != 200 {
		t.Fatalf("save second = %d %s", code, body)
	}
	for _, bad := range []string{
		`{"images":[` + strconvQuote(reply.Frame.Image) + `,` + strconvQuote(reply.Frame.Image) + `]}`,
		`{"image":` + strconvQuote(reply.Frame.Image) + `,"images":[` + strconvQuote(second.Frame.Image) + `]}`,
		`{"images":[` + strconvQuote(reply.Frame.Image) + `,"nope.png"]}`,
	} {
		if code, body := do("POST", "/api/v1/vision/venue/teach", bad, "s3cret"); code != http.StatusBadRequest && code != http.StatusNotFound {
			t.Errorf("teach %s = %d %s, want 400 or 404", bad, code, body)
		}
		if now, _ := os.ReadFile(file); string(now) != string(onDisk) {
			t.Fatalf("a refused teach (%s) changed the venue file", bad)
		}
	}
	both := `{"images":[` + strconvQuote(reply.Frame.Image) + `,` + strconvQuote(second.Frame.Image) + `]}`
	code, body = do("POST", "/api/v1/vision/venue/teach", both, "s3cret")
	if code != 200 {
		t.Fatalf("teach from two frames = %d %s", code, body)
	}
	pooled, err := vision.ParseVenue(body)
	if err != nil || len(pooled.Balls) < len(taught.Balls) || pooled.Source != reply.Frame.Image+" + "+second.Frame.Image {
		t.Fatalf("pooled venue %s: %v", body, err)
	}
	if _, det := d.pipe.running(); det == nil || det.Venue() == nil || det.Venue().Source != pooled.Source {
		t.Fatal("the running detector was not given the pooled venue")
	}
	if onDisk, err = os.ReadFile(file); err != nil {
		t.Fatal(err)
	}
	code, exported := do("GET", "/api/v1/vision/venue", "", "")
	if code != 200 {
		t.Fatalf("export = %d %s", code, exported)
	}
	// A bad import is refused whole and changes nothing.
	bad := strings.Replace(string(exported), `"version":1`, `"version":9`, 1)
	if bad == string(exported) {
		t.Fatalf("export has no version field: %s", exported)
	}
	if code, body := do("PUT", "/api/v1/vision/venue", bad, "s3cret"); code != http.StatusBadRequest || !strings.Contains(string(body), "version") {
		t.Errorf("bad import = %d %s, want 400 naming the version", code, body)
	}
	if code, _ := do("PUT", "/api/v1/vision/venue", string(exported), ""); code != http.StatusUnauthorized {
		t.Errorf("import without a token = %d, want 401", code)
	}
	if now, _ := os.ReadFile(file); string(now) != string(onDisk) {
		t.Error("a refused import changed the venue file")
	}
	// An import of a smaller venue replaces it.
	one := `{"version":1,"taught":"2026-12-07T00:00:00Z","balls":[{"number":3,"colours":[{"oa":0.7,"ob":-0.1,"val":0.97,"sc":0.12,"sv":0.25}]}]}`
	if code, body := do("PUT", "/api/v1/vision/venue", one, "s3cret"); code != 200 {
		t.Fatalf("import = %d %s", code, body)
	}
	if _, det := d.pipe.running(); det == nil || det.Venue() == nil || len(det.Venue().Balls) != 1 {
		t.Error("the running detector was not given the imported venue")
	}
	if code, _ := do("DELETE", "/api/v1/vision/venue", "", "s3cret"); code != http.StatusNoContent {
		t.Errorf("forget = %d", code)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("venue file after forgetting: %v", err)
	}
	if _, det := d.pipe.running(); det == nil || det.Venue() != nil {
		t.Error("the running detector still names by a forgotten venue")
	}
}

// apiDo is a client of the daemon at addr: a request with an optional
// bearer token, answered with the status and body.
func apiDo(t *testing.T, addr string) func(method, p, body, tok string) (int, []byte) {
	return func(method, p, body, tok string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+addr+p, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// A corrupt venue file does not keep the box dark: it is set aside and the
// balls are named by the built-in colours.
func TestDaemonVenueCorruptFile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon on the simulator")
	}
	cfg, path := testConfig(t)
	if err := os.MkdirAll(cfg.Box.StateDir, 0o750); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(cfg.Box.StateDir, "venue.json")
	if err := os.WriteFile(file, []byte(`{"version":1,"balls":[{"number":99}]}`), 0o640); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, cfg, path)
	waitPhase(t, d.Addr(), "ready", 60*time.Second)
	if _, err := os.Stat(file + ".bad"); err != nil {
		t.Errorf("corrupt venue file not set aside: %v", err)
	}
	res, err := http.Get("http://" + d.Addr() + "/api/v1/vision/venue")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("GET venue = %d, want 404 (none taught)", res.StatusCode)
	}
	// The technician is told, with where the file went.
	res, err = http.Get("http://" + d.Addr() + "/api/v1/alerts?unacked=true")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), `"venue_unreadable"`) || !strings.Contains(string(b), "venue.json.bad") {
		t.Errorf("alerts %s: want venue_unreadable naming venue.json.bad", b)
	}
}
