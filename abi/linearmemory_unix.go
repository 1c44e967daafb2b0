//go:build linux || darwin || freebsd

package abi

import (
	"math"
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// mappedMemory backs each instance's linear memory with one anonymous mapping of its
// maximum size, reserved but not committed: growing the memory only lengthens the
// slice, and the process pays (RSS) for the pages the guest touches. wazero's default
// grows a Go slice by copying, so each growth of a Go guest's heap allocated the new
// size again on the host heap and left the old one for the collector: a shared
// instance filling towards its cap briefly cost several times the cap in RSS.
var mappedMemory experimental.MemoryAllocator = experimental.MemoryAllocatorFunc(newMappedMemory)

// mapping is one instance's linear memory.
type mapping struct {
	buf []byte // the whole mapping, max bytes; nil when it could not be made
}

func newMappedMemory(capacity, max uint64) experimental.LinearMemory {
	if max > math.MaxInt {
		return &copyingMemory{buf: make([]byte, 0, capacity)}
	}
	buf, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANON|mapNoReserve)
	if err != nil {
		return &copyingMemory{buf: make([]byte, 0, capacity)}
	}
	return &mapping{buf: buf}
}

// Reallocate implements experimental.LinearMemory: the memory grows in place.
func (m *mapping) Reallocate(size uint64) []byte {
	if size > uint64(len(m.buf)) {
		return nil
	}
	return m.buf[:size:size]
}

// Free implements experimental.LinearMemory.
func (m *mapping) Free() {
	if m.buf != nil {
		_ = syscall.Munmap(m.buf)
		m.buf = nil
	}
}

// copyingMemory is wazero's own way, for when a mapping cannot be made.
type copyingMemory struct{ buf []byte }

func (c *copyingMemory) Reallocate(size uint64) []byte {
	if size <= uint64(cap(c.buf)) {
		c.buf = c.buf[:size]
		return c.buf
	}
	grown := make([]byte, size, size+size/2)
	copy(grown, c.buf)
	c.buf = grown
	return c.buf
}

func (c *copyingMemory) Free() { c.buf = nil }
