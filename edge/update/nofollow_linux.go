package update

import "syscall"

const (
	oNoFollow = syscall.O_NOFOLLOW
	// oNonBlock keeps open(2) of a FIFO planted in the spool from blocking
	// forever; it changes nothing for regular files and block devices.
	oNonBlock = syscall.O_NONBLOCK
)
