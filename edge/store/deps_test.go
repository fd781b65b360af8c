package store

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// TestDeps keeps the store cgo-free (that is why it uses modernc.org/sqlite)
// and free of transports: it is a library under the recorder and the API.
func TestDeps(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{CgoFree: true, Forbidden: []string{
		"gocv.io", "github.com/mattn/go-sqlite3", "github.com/eclipse/paho.mqtt.golang", "github.com/gobwas", "net/http",
		"github.com/cuecast/cuecast/edge/hub",
	}})
}
