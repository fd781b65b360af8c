package hw_test

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// TestImports keeps hw a plain hub consumer: no cgo vision, no other
// transport, and no daemon wiring.
func TestImports(t *testing.T) {
	deptest.Check(t, "github.com/cuecast/cuecast/hw/...", deptest.Rules{Forbidden: []string{
		"gocv.io", "github.com/eclipse/paho.mqtt.golang", "github.com/gobwas",
		"github.com/cuecast/cuecast/edge/vision", "github.com/cuecast/cuecast/cmd",
	}})
}
