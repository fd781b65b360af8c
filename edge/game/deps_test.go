package game

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// TestDeps keeps the game service free of transports and cgo: the daemon
// maps its commands to WebSocket and REST.
func TestDeps(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{CgoFree: true, Forbidden: []string{
		"gocv.io", "github.com/gobwas", "github.com/eclipse/paho.mqtt.golang", "periph.io", "net/http",
		"github.com/cuecast/cuecast/edge/vision", "github.com/cuecast/cuecast/edge/ws", "github.com/cuecast/cuecast/edge/api",
	}})
}
