//go:build wasip1

package proxywasm

// retSlots are where a host call writes what it returns (a pointer and a size, a cas).
// Locals passed by address to a wasmimport function escape to the heap, an allocation
// per host call; the guest is single-threaded and nothing between a host call and the
// reading of its answers makes another host call with return slots (the host's
// nested proxy_on_memory_allocate only allocates), so one set of globals serves all.
var retPtr, retSize, retU32 uint32

func retSlots() (ptr, size *uint32)     { return &retPtr, &retSize }
func retSlots3() (ptr, size, u *uint32) { return &retPtr, &retSize, &retU32 }
