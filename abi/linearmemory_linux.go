package abi

import "syscall"

// mapNoReserve keeps the kernel from reserving swap for a mapping's untouched pages.
const mapNoReserve = syscall.MAP_NORESERVE
