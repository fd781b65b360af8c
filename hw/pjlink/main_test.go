package pjlink_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every connection goroutine of the fake and every client connection must be
// gone when the tests end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
