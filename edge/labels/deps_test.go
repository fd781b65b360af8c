package labels

import (
	"testing"

	"github.com/cuecast/cuecast/edge/deptest"
)

// The label format and scoring are pure Go: the web page's handlers and
// tools use them without OpenCV.
func TestDeps(t *testing.T) {
	deptest.Check(t, ".", deptest.Rules{Forbidden: []string{"gocv.io"}, CgoFree: true})
	// The labelling API too: its host brings the detector.
	deptest.Check(t, "./labelapi", deptest.Rules{Forbidden: []string{"gocv.io"}, CgoFree: true})
}
