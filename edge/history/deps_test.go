package history

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// TestDeps keeps history pure: no database, no transport, no cgo (edge/api
// imports it for its types).
func TestDeps(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{CgoFree: true, Forbidden: []string{
		"gocv.io", "modernc.org", "database/sql", "github.com/eclipse/paho.mqtt.golang", "github.com/gobwas", "net/http",
		"github.com/cuecast/cuecast/edge/hub",
	}})
}
