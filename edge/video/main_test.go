package video

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test stops what it started: the encoder, MJPEG handlers (the
// stalled viewer included) and the readers.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
