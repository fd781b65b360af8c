//go:build !linux

package update

const oNoFollow = 0
