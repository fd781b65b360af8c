package api_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps package api free of transports and cgo: it serves HTTP
// over small interfaces, so it must build with CGO_ENABLED=0 and must not
// import the hub, the WebSocket server, MQTT or OpenCV (apihub adapts the hub).
func TestImports(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list with CGO_ENABLED=0: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{
			"github.com/cuecast/cuecast/edge/hub", "github.com/cuecast/cuecast/edge/ws",
			"github.com/cuecast/cuecast/edge/vision", "gocv.io/", "github.com/eclipse/paho", "github.com/gobwas/",
		} {
			if dep == banned || strings.HasPrefix(dep, banned+"/") || strings.HasPrefix(banned, "gocv.io/") && strings.HasPrefix(dep, banned) {
				t.Errorf("package api depends on %s", dep)
			}
		}
	}
}
