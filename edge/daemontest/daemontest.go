// Package daemontest helps tests that run the daemon, as the binary or
// in-process: it builds cuecastd once per test process, gives a
// goroutine-safe log sink, the systemd end of a real NOTIFY_SOCKET (Notify)
// and a JSON GET. Tests in cmd/cuecastd, edge/daemon, broker/mirror and
// edge/display share it.
package daemontest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	once sync.Once
	dir  string
	bin  string
	err  error
)

// Binary returns the path of a freshly built cuecastd ($CUECASTD_BIN when
// set: a prebuilt daemon). It is built once per test process; a build
// failure fails the calling test. With -short it skips the test.
func Binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs cuecastd")
	}
	if b := os.Getenv("CUECASTD_BIN"); b != "" {
		return b
	}
	once.Do(func() {
		if dir, err = os.MkdirTemp("", "cuecastd-test"); err != nil {
			return
		}
		bin = filepath.Join(dir, "cuecastd")
		out, e := exec.Command("go", "build", "-o", bin, "github.com/cuecast/cuecast/cmd/cuecastd").CombinedOutput()
		if e != nil {
			err = fmt.Errorf("go build cuecastd: %v\n%s", e, out)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Remove deletes the built binary; call it from TestMain after m.Run.
func Remove() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}

// Buffer collects a process's output; safe for concurrent Write and String.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// GetJSON GETs url and decodes the JSON answer into v (nil: not decoded),
// returning the status; a transport or decoding error fails the test.
func GetJSON(t testing.TB, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: %v: %s", url, err, b)
		}
	}
	return resp.StatusCode
}
