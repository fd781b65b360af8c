//go:build !linux

package update

const (
	oNoFollow = 0
	oNonBlock = 0
)
