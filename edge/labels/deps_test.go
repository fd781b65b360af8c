package labels

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// The label format and scoring are pure Go: the web page's handlers and
// tools use them without OpenCV.
func TestDeps(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{Forbidden: []string{"gocv.io"}, CgoFree: true})
}
