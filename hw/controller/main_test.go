package controller

import (
	"testing"

	"go.uber.org/goleak"
)

// Every loop the controller starts, and every fake's connection, must be gone
// when the tests end.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
