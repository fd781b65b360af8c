package api_test

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// TestImports keeps package api free of transports and cgo: it serves HTTP
// over small interfaces, so it must build with CGO_ENABLED=0 and must not
// import the hub, the WebSocket server, MQTT or OpenCV (apihub adapts the hub).
func TestImports(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{CgoFree: true, Forbidden: []string{
		"github.com/cuecast/cuecast/edge/hub", "github.com/cuecast/cuecast/edge/ws",
		"github.com/cuecast/cuecast/edge/vision", "gocv.io", "github.com/eclipse/paho.mqtt.golang", "github.com/gobwas",
	}})
}
