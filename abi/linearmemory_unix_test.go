//go:build linux || darwin || freebsd

package abi

import (
	"bytes"
	"testing"
)

// TestMappedMemoryGrowsInPlace: a linear memory keeps its address and contents as it
// grows, up to its maximum and no further, so growth never copies the guest's memory.
func TestMappedMemoryGrowsInPlace(t *testing.T) {
	const page, max = 64 << 10, 16 * (64 << 10)
	m := newMappedMemory(page, max)
	defer m.Free()
	small := m.Reallocate(page)
	if len(small) != page {
		t.Fatalf("len = %d, want %d", len(small), page)
	}
	copy(small, "guest data")
	grown := m.Reallocate(max)
	if len(grown) != max || &grown[0] != &small[0] {
		t.Fatalf("grown to %d bytes at %p, was at %p: the memory moved", len(grown), &grown[0], &small[0])
	}
	if !bytes.HasPrefix(grown, []byte("guest data")) || grown[max-1] != 0 {
		t.Fatal("growing lost the contents or gave non-zero memory")
	}
	if m.Reallocate(max+page) != nil {
		t.Fatal("grew past the maximum")
	}
}
