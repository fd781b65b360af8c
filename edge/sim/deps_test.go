package sim

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// TestDeps keeps the simulator pure Go: it must build with CGO_ENABLED=0 and
// import neither gocv nor any transport, so vision tests and the daemon can
// use it anywhere.
func TestDeps(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{CgoFree: true, Forbidden: []string{
		"gocv.io", "github.com/gobwas", "github.com/eclipse/paho.mqtt.golang", "periph.io", "net/http",
		"github.com/cuecast/cuecast/edge/hub", "github.com/cuecast/cuecast/edge/vision",
	}})
}
