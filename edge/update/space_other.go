//go:build !linux

package update

import "math"

func freeBytes(string) (int64, error) { return math.MaxInt64, nil }
