package display

import (
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/cuecast/cuecast/edge/config"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

//go:embed web
var webFS embed.FS

// Latest returns the data of the newest publication on the state stream (nil before any).
type Latest func() []byte

// Options wire the pages to the daemon.
type Options struct {
	// StateDir holds projector.json.
	StateDir string
	// Config returns the running config (identity, reconnect settings, token).
	Config func() config.Config
	// State returns the latest state publication's data.
	State Latest
	// Changed is called after the projector calibration was saved, so the
	// daemon can republish the config and every projector page reloads it.
	Changed func()
	Log     *slog.Logger
}

// Display serves the pages and the projector calibration.
type Display struct {
	o      Options
	static http.Handler

	mu  sync.Mutex // guards cal and the file
	cal *ProjectorCalibration
}

// ProjectorCalibration is where the table's corners (BL, BR, TR, TL, the
// table frame's order) appear on the projector, as fractions of its width
// and height.
type ProjectorCalibration struct {
	Corners [4][2]float64 `json:"corners"`
}

// DefaultCalibration maps the table onto the whole projector image.
var DefaultCalibration = ProjectorCalibration{Corners: [4][2]float64{{0, 1}, {1, 1}, {1, 0}, {0, 0}}}

const calFile = "projector.json"

// New loads a saved calibration if there is one. A corrupt file is reported
// and ignored (the default is used) rather than stopping the daemon.
func New(o Options) *Display {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	sub, _ := fs.Sub(webFS, "web")
	d := &Display{o: o, static: http.StripPrefix("/static/", http.FileServerFS(sub))}
	if c, err := loadCalibration(filepath.Join(o.StateDir, calFile)); err == nil {
		d.cal = c
	} else if !errors.Is(err, fs.ErrNotExist) {
		o.Log.Error("projector calibration unreadable; using the default", "component", "display", "err", err)
	}
	return d
}

// Register mounts the pages, static assets and calibration endpoints.
func (d *Display) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", d.page("index.html"))
	mux.HandleFunc("GET /projector", d.page("projector.html"))
	mux.HandleFunc("GET /calibrate", d.page("calibrate.html"))
	mux.HandleFunc("GET /label", d.page("label.html"))
	mux.HandleFunc("GET /history", d.page("history.html"))
	mux.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {
		// Firmware updates change the assets: let the kiosk revalidate.
		w.Header().Set("Cache-Control", "no-cache")
		d.static.ServeHTTP(w, r)
	})
	mux.HandleFunc("GET /display/settings.json", d.settings)
	mux.HandleFunc("GET /api/v1/projector/calibration", d.getCalibration)
	mux.HandleFunc("PUT /api/v1/projector/calibration", d.putCalibration)
	mux.HandleFunc("GET /api/v1/state", d.state)
}

func (d *Display) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := webFS.ReadFile("web/" + name)
		if err != nil {
			http.Error(w, "display: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Write(b)
	}
}

func (d *Display) settings(w http.ResponseWriter, r *http.Request) {
	c := d.o.Config()
	writeJSON(w, http.StatusOK, map[string]any{
		"site": c.Box.Site, "table": c.Box.Table,
		"max_reconnect_attempts": c.Display.MaxReconnectAttempts,
		"reconnect_delay_ms":     c.Display.ReconnectDelay.D().Milliseconds(),
		"video_fps":              c.Video.MaxFPS,
	})
}

func (d *Display) state(w http.ResponseWriter, r *http.Request) {
	var b []byte
	if d.o.State != nil {
		b = d.o.State()
	}
	if b == nil {
		writeError(w, http.StatusServiceUnavailable, "display: no state yet (is the camera delivering frames?)")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// Calibration returns the projector calibration in use.
func (d *Display) Calibration() ProjectorCalibration {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cal == nil {
		return DefaultCalibration
	}
	return *d.cal
}

func (d *Display) getCalibration(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, d.Calibration())
}

func (d *Display) putCalibration(w http.ResponseWriter, r *http.Request) {
	if status, msg := d.authorize(r); status != 0 {
		writeError(w, status, msg)
		return
	}
	var c ProjectorCalibration
	dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		writeError(w, http.StatusBadRequest, "display: projector calibration: "+err.Error()+` (want {"corners":[[u,v],[u,v],[u,v],[u,v]]})`)
		return
	}
	if err := c.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	d.mu.Lock()
	err := saveCalibration(filepath.Join(d.o.StateDir, calFile), &c)
	if err == nil {
		d.cal = &c
	}
	d.mu.Unlock()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	d.o.Log.Info("projector calibration saved", "component", "display", "corners", fmt.Sprint(c.Corners))
	if d.o.Changed != nil {
		d.o.Changed()
	}
	writeJSON(w, http.StatusOK, c)
}

// Validate checks the corners are finite, near the screen and form a convex
// quadrilateral in the table's order (a swapped pair would fold the overlay).
func (c *ProjectorCalibration) Validate() error {
	for i, p := range c.Corners {
		for _, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < -1 || v > 2 {
				return fmt.Errorf("display: projector calibration: corner %d (%v, %v) must be a fraction of the screen in [-1, 2]", i+1, p[0], p[1])
			}
		}
	}
	sign := 0.0
	for i := 0; i < 4; i++ {
		a, b, e := c.Corners[i], c.Corners[(i+1)%4], c.Corners[(i+2)%4]
		cross := (b[0]-a[0])*(e[1]-b[1]) - (b[1]-a[1])*(e[0]-b[0])
		if math.Abs(cross) < 1e-4 || sign != 0 && (cross > 0) != (sign > 0) {
			return errors.New("display: projector calibration: the corners must form a convex quadrilateral in the order bottom-left, bottom-right, top-right, top-left")
		}
		sign = cross
	}
	return nil
}

func loadCalibration(path string) (*ProjectorCalibration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c ProjectorCalibration
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("display: %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// saveCalibration writes atomically: a crash leaves the old or new file.
func saveCalibration(path string, c *ProjectorCalibration) error {
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("display: save calibration: %w", err)
	}
	if err := atomicfile.Write(path, b, 0o640); err != nil {
		return fmt.Errorf("display: save calibration: %w (is box.state_dir writable?)", err)
	}
	return nil
}

// Authorize is authorize for the other handlers the pages use (the
// labelling API): 0 when the request carries the command token.
func (d *Display) Authorize(r *http.Request) (int, string) { return d.authorize(r) }

// authorize checks the command token (http.token) like the REST API does:
// Authorization: Bearer (the scheme in any case) or X-Cuecast-Token. Both
// sides are hashed before the constant-time compare: ConstantTimeCompare
// returns at once on a length mismatch, which would tell the token's length.
func (d *Display) authorize(r *http.Request) (int, string) {
	want := d.o.Config().HTTP.Token
	if want == "" {
		return http.StatusForbidden, "display: commands are disabled on this box; set http.token in the config file to enable them"
	}
	got := r.Header.Get("X-Cuecast-Token")
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		got = strings.TrimSpace(tok)
	}
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	if subtle.ConstantTimeCompare(g[:], w[:]) != 1 {
		return http.StatusUnauthorized, "display: this endpoint needs the command token (Authorization: Bearer TOKEN)"
	}
	return 0, ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	code := map[int]string{400: "bad_request", 401: "unauthorized", 403: "commands_disabled", 500: "internal", 503: "unavailable"}[status]
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}
