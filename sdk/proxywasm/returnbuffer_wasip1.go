//go:build wasip1

package proxywasm

import "encoding/binary"

// retBuf is where weir writes what host calls return, once the SDK has named it
// (weir.return_buffer): each value then costs no call back into the guest's allocator
// (proxy_on_memory_allocate, about 0.4 µs in a Go guest). Values larger than retBuf,
// and every value on hosts without that function, are allocated as before. What the
// host writes here is only good until the next host call: received copies it out.
var (
	retBuf   [4096]byte
	retBufOn bool
)

// useReturnBuffer names retBuf to the host; a host that does not know the function
// refuses, and nothing changes.
func useReturnBuffer() {
	var args [8]byte
	binary.LittleEndian.PutUint32(args[:], addressOf(retBuf[:]))
	binary.LittleEndian.PutUint32(args[4:], uint32(len(retBuf)))
	_, err := CallForeignFunction("weir.return_buffer", args[:])
	retBufOn = err == nil
}

// inReturnBuffer returns the size bytes at ptr when they lie in retBuf.
func inReturnBuffer(ptr, size uint32) ([]byte, bool) {
	base := addressOf(retBuf[:])
	if !retBufOn || ptr < base || uint64(ptr)+uint64(size) > uint64(base)+uint64(len(retBuf)) {
		return nil, false
	}
	return retBuf[ptr-base : ptr-base+size], true
}
