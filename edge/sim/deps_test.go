package sim

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeps keeps the simulator pure Go: it must build with CGO_ENABLED=0 and
// import neither gocv nor any transport, so vision tests and the daemon can
// use it anywhere.
func TestDeps(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps with CGO_ENABLED=0: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{"gocv.io", "github.com/gobwas", "github.com/eclipse/paho", "periph.io", "net/http", "github.com/cuecast/cuecast/edge/hub", "github.com/cuecast/cuecast/edge/vision"} {
			if strings.HasPrefix(dep, bad) {
				t.Errorf("edge/sim depends on %s", dep)
			}
		}
	}
}
