package update

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

// spoolReserve is left free on the data partition by an upload.
const spoolReserve = 64 << 20

// TokenSource gives the current command token (config http.token); read on
// every request so that a reload applies at once. Empty disables updates.
type TokenSource interface{ Token() string }

// TokenFunc adapts a function to TokenSource.
type TokenFunc func() string

// Token implements TokenSource.
func (f TokenFunc) Token() string { return f() }

// HandlerConfig configures the HTTP update endpoint.
type HandlerConfig struct {
	SpoolDir  string // DefaultSpoolDir when empty
	PublicKey string // DefaultPublicKey when empty
	MaxBytes  int64  // largest accepted upload; 4 GiB when 0
}

// Handler serves POST /api/v1/update (an authenticated bundle upload) and
// GET /api/v1/update (the spool's status). It runs in the unprivileged
// daemon: it verifies an upload completely, then queues it for the
// root-owned installer (ProcessSpool). A rejected upload leaves nothing
// behind.
type Handler struct {
	spool    string
	maxBytes int64
	pub      ed25519.PublicKey
	pubErr   error // why there is no key (the image lacks one)
	tokens   TokenSource
	log      *slog.Logger

	upload sync.Mutex // held during one upload; others get 409
}

// NewHandler loads the public key once; without one the endpoint answers
// 503 rather than refusing to start the daemon.
func NewHandler(cfg HandlerConfig, tokens TokenSource, log *slog.Logger) *Handler {
	if cfg.SpoolDir == "" {
		cfg.SpoolDir = DefaultSpoolDir
	}
	if cfg.PublicKey == "" {
		cfg.PublicKey = DefaultPublicKey
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 4 << 30
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{spool: cfg.SpoolDir, maxBytes: cfg.MaxBytes, tokens: tokens, log: log}
	// An upload cut short by a crash, a power cut or the watchdog's kill
	// leaves its temporary file (up to the bundle's size) in the spool;
	// nothing else would ever remove it, and a few of them would fill the
	// data partition that the journal and the next upload need. No upload
	// runs yet: this is the one writer, before its first request.
	removed, err := atomicfile.RemoveTemps(filepath.Join(cfg.SpoolDir, PendingName))
	for _, name := range removed {
		log.Info("update: removed the partial upload an interrupted daemon left behind", "file", name)
	}
	if err != nil {
		log.Warn("update: could not remove the partial uploads an interrupted daemon left behind", "dir", cfg.SpoolDir, "err", err)
	}
	h.pub, h.pubErr = LoadPublicKey(cfg.PublicKey)
	if h.pubErr != nil {
		log.Warn("update: HTTP updates disabled", "err", h.pubErr)
	}
	return h
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/update", h.post)
	mux.HandleFunc("GET /api/v1/update", h.get)
}

// Error codes in {"error":{"code":...}}, as in edge/api.
const (
	CodeUnauthorized     = "unauthorized"
	CodeCommandsDisabled = "commands_disabled"
	CodeBundleRejected   = "bundle_rejected"
	CodeTooLarge         = "too_large"
	CodeBusy             = "busy"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
)

// queued is the answer to an accepted upload.
type queued struct {
	State      string `json:"state"` // "queued"
	Version    string `json:"version"`
	RootSize   int64  `json:"root_size"`
	RootSHA256 string `json:"root_sha256"`
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	if code, msg := h.authorize(r); code != 0 {
		h.fail(w, r, code, map[int]string{401: CodeUnauthorized, 403: CodeCommandsDisabled}[code], msg)
		return
	}
	if h.pubErr != nil {
		h.fail(w, r, http.StatusServiceUnavailable, CodeUnavailable, "update: this image has no update key: "+h.pubErr.Error())
		return
	}
	if !h.upload.TryLock() {
		h.fail(w, r, http.StatusConflict, CodeBusy, "update: another upload is in progress")
		return
	}
	defer h.upload.Unlock()
	if st, err := ReadStatus(h.spool); err == nil && st.State == "installing" || exists(filepath.Join(h.spool, PendingName)) {
		h.fail(w, r, http.StatusConflict, CodeBusy, "update: an update is already queued or installing; see GET /api/v1/update")
		return
	}
	if r.ContentLength > h.maxBytes {
		h.fail(w, r, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("update: bundle is %d bytes, at most %d accepted", r.ContentLength, h.maxBytes))
		return
	}
	if err := os.MkdirAll(h.spool, 0o750); err != nil {
		h.fail(w, r, http.StatusInternalServerError, CodeInternal, "update: spool: "+err.Error())
		return
	}
	// The spool shares /var with the journal and the MQTT store: an upload
	// that cannot fit with room to spare is refused before it fills them.
	if free, err := freeBytes(h.spool); err == nil && r.ContentLength > 0 && r.ContentLength > free-spoolReserve {
		h.fail(w, r, http.StatusInsufficientStorage, CodeTooLarge, fmt.Sprintf("update: bundle is %d bytes, the data partition has %d free (keeping %d in reserve)", r.ContentLength, free, spoolReserve))
		return
	}
	// The bundle lands in a temp file next to pending.bundle and is put in
	// place (fsync, rename, directory fsync) only once verified.
	f, err := atomicfile.Create(filepath.Join(h.spool, PendingName), 0o640)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, CodeInternal, "update: spool: "+err.Error())
		return
	}
	defer f.Abort() // a no-op once committed
	if _, err := io.Copy(f, http.MaxBytesReader(w, r.Body, h.maxBytes)); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.fail(w, r, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("update: bundle over %d bytes", h.maxBytes))
			return
		}
		h.fail(w, r, http.StatusBadRequest, CodeBundleRejected, "update: upload: "+err.Error())
		return
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		h.fail(w, r, http.StatusInternalServerError, CodeInternal, "update: spool: "+err.Error())
		return
	}
	m, err := Verify(f, h.pub)
	if err != nil {
		var re *RejectedError
		if errors.As(err, &re) {
			h.fail(w, r, http.StatusBadRequest, CodeBundleRejected, err.Error())
			return
		}
		h.fail(w, r, http.StatusInternalServerError, CodeInternal, err.Error())
		return
	}
	// The data is durable before the status says queued.
	if err := f.Sync(); err != nil {
		h.fail(w, r, http.StatusInternalServerError, CodeInternal, "update: spool: "+err.Error())
		return
	}
	if err := writeStatus(h.spool, Status{State: "queued", Version: m.Version}); err != nil {
		h.fail(w, r, http.StatusInternalServerError, CodeInternal, "update: spool status: "+err.Error())
		return
	}
	// The rename is what cuecast-update.path waits for.
	if err := f.Commit(); err != nil {
		h.fail(w, r, http.StatusInternalServerError, CodeInternal, "update: spool: "+err.Error())
		return
	}
	h.log.Info("update: bundle accepted and queued", "version", m.Version, "root_size", m.Root.Size, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusAccepted, queued{State: "queued", Version: m.Version, RootSize: m.Root.Size, RootSHA256: m.Root.SHA256})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	st, err := ReadStatus(h.spool)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, CodeInternal, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// authorize mirrors edge/api: Authorization: Bearer or X-Cuecast-Token,
// compared in constant time over hashes (so the length does not leak).
func (h *Handler) authorize(r *http.Request) (int, string) {
	want := ""
	if h.tokens != nil {
		want = h.tokens.Token()
	}
	if want == "" {
		return http.StatusForbidden, "update: commands are disabled on this box; set http.token in the config file to enable them"
	}
	got := r.Header.Get("X-Cuecast-Token")
	if a := r.Header.Get("Authorization"); a != "" {
		if scheme, tok, ok := strings.Cut(a, " "); ok && strings.EqualFold(scheme, "Bearer") {
			got = strings.TrimSpace(tok)
		}
	}
	if got == "" {
		return http.StatusUnauthorized, "update: this endpoint needs the command token: send \"Authorization: Bearer TOKEN\""
	}
	g, wnt := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	if subtle.ConstantTimeCompare(g[:], wnt[:]) != 1 {
		return http.StatusUnauthorized, "update: wrong token (it is http.token in the box's config file)"
	}
	return 0, ""
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if status >= 500 {
		h.log.Warn("update: request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", msg)
	} else {
		h.log.Info("update: request refused", "method", r.Method, "path", r.URL.Path, "status", status, "code", code, "err", msg)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cuecast"`)
	}
	if status == http.StatusRequestEntityTooLarge || status == http.StatusBadRequest {
		// The body may be unread; don't keep the connection for it.
		w.Header().Set("Connection", "close")
	}
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v) // our own plain types: cannot fail
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
