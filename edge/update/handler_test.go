package update

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

func newHandlerFixture(t *testing.T, token string) (*fixture, *Handler, *httptest.Server, string) {
	t.Helper()
	f := newFixture(t)
	pb, err := x509.MarshalPKIXPublicKey(f.pub)
	must(t, err)
	keyPath := filepath.Join(f.dir, "update.pub")
	must(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pb}), 0o644))
	spool := filepath.Join(f.dir, "spool")
	h := NewHandler(HandlerConfig{SpoolDir: spool, PublicKey: keyPath, MaxBytes: 4 << 20}, TokenFunc(func() string { return token }), nil)
	mux := http.NewServeMux()
	h.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return f, h, srv, spool
}

func post(t *testing.T, url, token string, body []byte) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/update", bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var v map[string]any
	json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode, v
}

func spoolFiles(t *testing.T, spool string) []string {
	t.Helper()
	des, _ := os.ReadDir(spool)
	var names []string
	for _, d := range des {
		names = append(names, d.Name())
	}
	return names
}

func TestHandlerAuth(t *testing.T) {
	_, _, srv, spool := newHandlerFixture(t, "s3cret")
	for _, c := range []struct {
		token string
		want  int
	}{{"", 401}, {"wrong", 401}, {"s3cre", 401}} {
		if code, _ := post(t, srv.URL, c.token, []byte("x")); code != c.want {
			t.Errorf("POST with token %q = %d, want %d", c.token, code, c.want)
		}
	}
	if names := spoolFiles(t, spool); len(names) != 0 {
		t.Errorf("refused requests left %v in the spool", names)
	}
	_, _, srv2, _ := newHandlerFixture(t, "")
	if code, v := post(t, srv2.URL, "anything", []byte("x")); code != 403 {
		t.Errorf("POST with no http.token configured = %d %v, want 403", code, v)
	}
}

func TestHandlerRejectsBadBundlesAndKeepsNothing(t *testing.T) {
	f, _, srv, spool := newHandlerFixture(t, "tok")
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	foreign, _ := f.bundle(t, otherKey, 20_000)
	fb, _ := os.ReadFile(foreign)
	good, _ := f.bundle(t, f.priv, 20_000)
	gb, _ := os.ReadFile(good)
	tampered := bytes.Clone(gb)
	tampered[len(tampered)-2048] ^= 1
	for _, c := range []struct {
		name string
		body []byte
		want int
		msg  string
	}{
		{"bad signature", fb, 400, "signature does not verify"},
		{"wrong hash", tampered, 400, "sha256"},
		{"garbage", []byte("hello"), 400, "archive"},
		{"too large", make([]byte, 5<<20), 413, "at most"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, v := post(t, srv.URL, "tok", c.body)
			e, _ := v["error"].(map[string]any)
			if code != c.want || !strings.Contains(e["message"].(string), c.msg) {
				t.Errorf("POST %s = %d %v, want %d mentioning %q", c.name, code, v, c.want, c.msg)
			}
			if names := spoolFiles(t, spool); len(names) != 0 {
				t.Errorf("rejected upload left %v in the spool", names)
			}
		})
	}
}

// An accepted upload is queued for the root-side installer, which installs
// it; the status endpoint follows along.
func TestHandlerQueuesAndSpoolInstalls(t *testing.T) {
	f, _, srv, spool := newHandlerFixture(t, "tok")
	good, _ := f.bundle(t, f.priv, 50_000)
	gb, _ := os.ReadFile(good)
	code, v := post(t, srv.URL, "tok", gb)
	if code != http.StatusAccepted || v["state"] != "queued" || v["version"] != "2.0" {
		t.Fatalf("POST good bundle = %d %v, want 202 queued 2.0", code, v)
	}
	if _, err := os.Stat(filepath.Join(spool, PendingName)); err != nil {
		t.Fatalf("no pending bundle after 202: %v", err)
	}
	if code, v := post(t, srv.URL, "tok", gb); code != http.StatusConflict {
		t.Errorf("second POST while one is queued = %d %v, want 409", code, v)
	}

	r, err := ProcessSpool(context.Background(), spool, f.installer(SlotA))
	if err != nil || r == nil || r.Slot != SlotB {
		t.Fatalf("ProcessSpool = %+v, %v; want an install into slot b", r, err)
	}
	resp, err := http.Get(srv.URL + "/api/v1/update")
	must(t, err)
	var st Status
	json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if st.State != "installed" || st.Slot != SlotB || st.Entry != "cuecast-2-b+3.conf" {
		t.Errorf("GET /api/v1/update = %+v, want installed into b", st)
	}
	if names := spoolFiles(t, spool); strings.Join(names, ",") != statusName {
		t.Errorf("spool after install = %v, want only %s", names, statusName)
	}
	if r, err := ProcessSpool(context.Background(), spool, f.installer(SlotA)); r != nil || err != nil {
		t.Errorf("ProcessSpool with nothing pending = %v, %v", r, err)
	}
}

func TestProcessSpoolRefusesSymlink(t *testing.T) {
	f := newFixture(t)
	spool := filepath.Join(f.dir, "spool")
	must(t, os.MkdirAll(spool, 0o755))
	must(t, os.Symlink("/etc/passwd", filepath.Join(spool, PendingName)))
	before := f.snapshot(t)
	if _, err := ProcessSpool(context.Background(), spool, f.installer(SlotA)); err == nil {
		t.Fatal("ProcessSpool(symlink) = nil error")
	}
	st, _ := ReadStatus(spool)
	if st.State != "failed" {
		t.Errorf("status after refusing a symlink = %+v, want failed", st)
	}
	sameSnapshot(t, before, f.snapshot(t))
}

func TestProcessSpoolRefusesFIFO(t *testing.T) {
	f := newFixture(t)
	spool := filepath.Join(f.dir, "spool")
	must(t, os.MkdirAll(spool, 0o755))
	must(t, syscall.Mkfifo(filepath.Join(spool, PendingName), 0o644))
	done := make(chan error, 1)
	go func() {
		_, err := ProcessSpool(context.Background(), spool, f.installer(SlotA))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("ProcessSpool(FIFO) = %v, want 'not a regular file'", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ProcessSpool blocked on a FIFO in the spool")
	}
}

// A daemon killed mid-upload (the watchdog, a power cut) leaves the
// upload's temporary file; the next daemon removes it and nothing else: a
// queued bundle and the status stay for the installer.
func TestHandlerRemovesInterruptedUploads(t *testing.T) {
	spool := t.TempDir()
	partial := filepath.Join(spool, atomicfile.TempPrefix(PendingName)+"123456")
	keep := []string{PendingName, statusName, "unrelated.tmp-1"}
	must(t, os.WriteFile(partial, bytes.Repeat([]byte{1}, 4096), 0o640))
	for _, name := range keep {
		must(t, os.WriteFile(filepath.Join(spool, name), []byte("x"), 0o640))
	}
	var logged bytes.Buffer
	NewHandler(HandlerConfig{SpoolDir: spool, PublicKey: filepath.Join(spool, "no-key.pub")}, TokenFunc(func() string { return "t" }),
		slog.New(slog.NewTextHandler(&logged, nil)))
	if _, err := os.Stat(partial); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("partial upload %s still there (stat: %v)", partial, err)
	}
	got := spoolFiles(t, spool)
	if strings.Join(got, " ") != strings.Join([]string{PendingName, statusName, "unrelated.tmp-1"}, " ") {
		t.Errorf("spool after start = %v, want %v", got, keep)
	}
	if !strings.Contains(logged.String(), "removed the partial upload") || !strings.Contains(logged.String(), partial) {
		t.Errorf("no log line naming the removed partial upload:\n%s", logged.String())
	}
}
