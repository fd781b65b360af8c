package ws

import (
	"net/url"
	"syscall"
	"time"
	"unsafe"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func parseURL(s string) (*url.URL, error) { return url.Parse(s) }

// unsafeString views b as a string without copying, for time.Parse in the
// benchmark reader (b is not modified while the string is used).
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
