package hub

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// TestDeps keeps the hub transport-free and cgo-free (DESIGN.md: hub,
// physics and core build with CGO_ENABLED=0 and import no transport).
func TestDeps(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{CgoFree: true, Forbidden: []string{
		"gocv.io", "github.com/eclipse/paho.mqtt.golang", "github.com/gobwas", "net/http", "github.com/gorilla", "github.com/prometheus",
	}})
}
