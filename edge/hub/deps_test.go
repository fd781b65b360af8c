package hub

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the hub transport-free and cgo-free (DESIGN.md: hub,
// physics and core build with CGO_ENABLED=0 and import no transport), in
// the spirit of tailscale's tstest/deptest.
func TestDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{if .CgoFiles}}cgo{{end}}", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list with CGO_ENABLED=0: %v\n%s", err, out)
	}
	forbidden := []string{"gocv.io/", "github.com/eclipse/paho", "github.com/gobwas/", "net/http", "github.com/gorilla/", "github.com/prometheus/"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, cgo, _ := strings.Cut(line, " ")
		for _, f := range forbidden {
			if strings.HasPrefix(pkg, f) {
				t.Errorf("edge/hub depends on %s (forbidden: %s)", pkg, f)
			}
		}
		if cgo == "cgo" && pkg != "runtime/cgo" {
			t.Errorf("edge/hub depends on cgo package %s", pkg)
		}
	}
	build := exec.Command("go", "build", ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Errorf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
}
