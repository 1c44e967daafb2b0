package abi

import "encoding/binary"

// fnReturnBuffer is the foreign function by which a guest names a buffer of its own
// where weir writes what host calls return (header maps, property values, buffers,
// foreign function results), instead of calling the guest's allocator
// (proxy_on_memory_allocate) for each one: that call back into a Go guest cost about
// 0.4 µs per returned value, a tenth of a simple plugin's request. What weir writes
// there is the guest's to read until its next host call (weir's SDK copies what it
// keeps); a value larger than the buffer is allocated as usual. Modules that never
// call it are served as Envoy serves them.
// Arguments: 8 bytes, the buffer's address and size, u32 little-endian each; size 0
// goes back to allocating every value.
const fnReturnBuffer = "weir.return_buffer"

// returnBuffer is a guest's buffer for returned values (fnReturnBuffer); size 0 is none.
type returnBuffer struct {
	ptr, size uint32
}

// setReturnBuffer records the calling instance's return buffer. A buffer outside the
// guest's memory is INVALID_MEMORY_ACCESS, malformed arguments BAD_ARGUMENT.
func setReturnBuffer(h hostCtx, args []byte) Status {
	if len(args) != 8 {
		return StatusBadArgument
	}
	b := returnBuffer{ptr: binary.LittleEndian.Uint32(args), size: binary.LittleEndian.Uint32(args[4:])}
	if b.size != 0 && (b.ptr == 0 || h.mem == nil || uint64(b.ptr)+uint64(b.size) > uint64(h.mem.Size())) {
		return StatusInvalidMemoryAccess
	}
	h.inst.retBuf = b
	return StatusOK
}
