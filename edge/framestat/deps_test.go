package framestat

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// TestDeps keeps the measures pure Go and apart from the detector they
// help judge (its side-by-side test reads videos through edge/vision, but
// the package itself does not).
func TestDeps(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{CgoFree: true, Forbidden: []string{
		"gocv.io", "github.com/cuecast/cuecast/edge/vision", "github.com/cuecast/cuecast/edge/sim",
	}})
}
