package referee

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// TestDeps keeps the referee pure: no cgo, no transport, no other stage.
func TestDeps(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{CgoFree: true, Forbidden: []string{
		"gocv.io", "github.com/gobwas", "github.com/eclipse/paho.mqtt.golang", "periph.io", "net/http", "net",
		"github.com/cuecast/cuecast/edge/hub", "github.com/cuecast/cuecast/edge/vision",
		"github.com/cuecast/cuecast/edge/core", "github.com/cuecast/cuecast/edge/ws", "github.com/cuecast/cuecast/edge/api",
	}})
}
