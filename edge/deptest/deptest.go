// Package deptest puts the design's import rules into tests (in the spirit
// of tailscale's tstest/deptest): a package lists what it must never depend
// on, directly or through another package, and whether it must build
// without cgo.
package deptest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Rules are one package's import rules.
type Rules struct {
	// Forbidden import paths: a dependency equal to one, or below it
	// (gocv.io forbids gocv.io/x/gocv and everything below it).
	Forbidden []string
	// CgoFree: the package builds with CGO_ENABLED=0 and no dependency has
	// cgo files.
	CgoFree bool
}

// Check runs `go list -deps` on pattern (e.g. "." or "github.com/.../hw/...")
// and reports every dependency that breaks r. It skips under -short.
func Check(t *testing.T, pattern string, r Rules) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go list")
	}
	env := os.Environ()
	if r.CgoFree {
		env = append(env, "CGO_ENABLED=0")
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{if .CgoFiles}}cgo{{end}}", pattern)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("deptest: go list -deps %s (cgo free %v): %v\n%s", pattern, r.CgoFree, err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dep, cgo, _ := strings.Cut(line, " ")
		for _, f := range r.Forbidden {
			f = strings.TrimSuffix(f, "/")
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("%s depends on %s (forbidden: %s)", pattern, dep, f)
			}
		}
		if r.CgoFree && cgo == "cgo" && dep != "runtime/cgo" {
			t.Errorf("%s depends on cgo package %s", pattern, dep)
		}
	}
	if r.CgoFree {
		build := exec.Command("go", "build", pattern)
		build.Env = env
		if out, err := build.CombinedOutput(); err != nil {
			t.Errorf("deptest: CGO_ENABLED=0 go build %s: %v\n%s", pattern, err, out)
		}
	}
}
