package core

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// TestDeps keeps core a pure-Go stage: it builds with CGO_ENABLED=0 and
// imports no transport, no gocv and no other pipeline stage (the simulator
// is only a test dependency).
func TestDeps(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{CgoFree: true, Forbidden: []string{
		"gocv.io", "github.com/gobwas", "github.com/eclipse/paho.mqtt.golang", "periph.io", "net/http", "net",
		"github.com/cuecast/cuecast/edge/hub", "github.com/cuecast/cuecast/edge/vision",
		"github.com/cuecast/cuecast/edge/sim", "github.com/cuecast/cuecast/edge/ws",
	}})
}
