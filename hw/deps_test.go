package hw_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps hw a plain hub consumer: no cgo vision, no other
// transport, and no daemon wiring.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/cuecast/cuecast/hw/...").CombinedOutput()
	if err != nil {
		t.Skipf("go list unavailable: %v: %s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"gocv.io/", "github.com/eclipse/paho", "github.com/gobwas/", "github.com/cuecast/cuecast/edge/vision", "github.com/cuecast/cuecast/cmd/"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("hw depends on %s", dep)
			}
		}
	}
}
