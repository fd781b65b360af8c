package core

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps core a pure-Go stage: it builds with CGO_ENABLED=0 and
// imports no transport, no gocv and no other pipeline stage (the simulator
// is only a test dependency).
func TestDeps(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps with CGO_ENABLED=0: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{
			"gocv.io", "github.com/gobwas", "github.com/eclipse/paho", "periph.io", "net/http", "net",
			"github.com/cuecast/cuecast/edge/hub", "github.com/cuecast/cuecast/edge/vision",
			"github.com/cuecast/cuecast/edge/sim", "github.com/cuecast/cuecast/edge/ws",
		} {
			if dep == bad || strings.HasPrefix(dep, bad+"/") {
				t.Errorf("edge/core depends on %s", dep)
			}
		}
	}
}
