package proxywasm

import "unsafe"

// The host hands results to the guest by asking it to allocate (proxy_on_memory_allocate)
// in the middle of a host call, then writing a pointer to that block. The block must
// stay alive until the SDK turns the pointer back into a slice, so each allocation is
// kept in pending until received claims it. A host call makes at most one allocation;
// whatever is left over is dropped at the next claim.
var pending [][]byte

// allocate serves proxy_on_memory_allocate. make is cheap enough: one allocation per
// `**` result, and the block becomes the slice the plugin reads, without a copy.
func allocate(size uint32) *byte {
	if size == 0 {
		size = 1
	}
	b := make([]byte, size)
	pending = append(pending, b)
	return &b[0]
}

// received returns the block the host wrote at ptr, size bytes long, and releases every
// pending block. A nil, zero-sized or unknown pointer yields nil. A value the host
// wrote in the return buffer is copied out of it (one allocation, as allocate's), so
// every block received is the caller's to keep.
func received(ptr, size uint32) []byte {
	if size > 0 {
		if b, ok := inReturnBuffer(ptr, size); ok {
			release()
			return append(make([]byte, 0, size), b...)
		}
	}
	out := pendingBlock(ptr, size)
	release()
	if size == 0 {
		return nil
	}
	return out
}

// appendReceived appends the block the host wrote at ptr to dst, and releases every
// pending block: a caller with room in dst allocates nothing for a value the host
// wrote in the return buffer. With a nil dst, a block allocated for the value is
// handed over as it is, as received does.
func appendReceived(dst []byte, ptr, size uint32) []byte {
	b, ok := inReturnBuffer(ptr, size)
	if !ok {
		b = pendingBlock(ptr, size)
		if dst == nil {
			release()
			return b
		}
	}
	dst = append(dst, b...)
	release()
	return dst
}

// pendingBlock is the pending block the host wrote at ptr, size bytes of it; nil when
// none is.
func pendingBlock(ptr, size uint32) []byte {
	var out []byte
	for _, b := range pending {
		if ptr != 0 && addressOf(b) == ptr && int(size) <= len(b) {
			out = b[:size:size]
		}
	}
	return out
}

// release drops every pending block.
func release() {
	clear(pending)
	pending = pending[:0]
}

// addressOf is the guest address of a block: wasm32 linear memory addresses fit u32.
func addressOf(b []byte) uint32 {
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
}

// bytesPtr and stringPtr pass Go memory to the host; the wasmimport call keeps the
// referenced memory alive for its duration.
func bytesPtr(b []byte) unsafe.Pointer  { return unsafe.Pointer(unsafe.SliceData(b)) }
func stringPtr(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

// unsafeString is a string sharing a received block's memory: received blocks are
// never written again, so the string stays immutable, and the copy (an allocation)
// is saved.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
