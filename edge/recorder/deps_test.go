package recorder

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// TestDeps keeps the recorder cgo-free and transport-free: a hub consumer
// like the others, it never touches HTTP, MQTT or OpenCV.
func TestDeps(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{CgoFree: true, Forbidden: []string{
		"gocv.io", "github.com/eclipse/paho.mqtt.golang", "github.com/gobwas", "net/http", "github.com/cuecast/cuecast/edge/vision",
	}})
}
