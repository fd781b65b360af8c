package vision

import (
	"syscall"
	"time"
)

// threadCPU is the calling OS thread's user+system CPU time. Benchmarks
// lock their goroutine to a thread and report CPU per op next to wall time:
// on a shared, loaded machine wall time mostly measures the queue for a core.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
