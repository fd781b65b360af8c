package update

import "syscall"

const oNoFollow = syscall.O_NOFOLLOW
