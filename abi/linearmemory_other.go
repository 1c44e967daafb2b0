//go:build !(linux || darwin || freebsd)

package abi

import "github.com/tetratelabs/wazero/experimental"

// mappedMemory is nil where anonymous mappings are not available: wazero's own
// allocator serves.
var mappedMemory experimental.MemoryAllocator
