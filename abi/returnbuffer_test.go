package abi

import (
	"encoding/binary"
	"testing"
)

// TestSetReturnBuffer: weir.return_buffer takes a buffer inside the guest's memory
// (size 0 turns it off), refuses anything else, and copyOut then writes there.
func TestSetReturnBuffer(t *testing.T) {
	rt := newRuntime(t, 0)
	ev := &events{}
	inst, _ := setup(t, rt, fixture(t, "headers"), &fakeServices{ev: ev}, "", newStream(ev))
	h := hostCtx{inst: inst, mem: inst.guest.Memory()}
	size := h.mem.Size()
	args := func(ptr, n uint32) []byte {
		b := binary.LittleEndian.AppendUint32(nil, ptr)
		return binary.LittleEndian.AppendUint32(b, n)
	}
	tests := []struct {
		name string
		args []byte
		want Status
		buf  returnBuffer
	}{
		{"inside memory", args(1024, 4096), StatusOK, returnBuffer{1024, 4096}},
		{"to the last byte", args(size-16, 16), StatusOK, returnBuffer{size - 16, 16}},
		{"past the end", args(size-16, 17), StatusInvalidMemoryAccess, returnBuffer{}},
		{"wrapping past 2^32", args(0xffffff00, 0x200), StatusInvalidMemoryAccess, returnBuffer{}},
		{"at address 0", args(0, 16), StatusInvalidMemoryAccess, returnBuffer{}},
		{"turned off", args(0, 0), StatusOK, returnBuffer{}},
		{"malformed", []byte{1, 2, 3}, StatusBadArgument, returnBuffer{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inst.retBuf = returnBuffer{}
			if st := setReturnBuffer(h, tt.args); st != tt.want {
				t.Fatalf("status %v, want %v", st, tt.want)
			}
			if inst.retBuf != tt.buf {
				t.Fatalf("buffer %+v, want %+v", inst.retBuf, tt.buf)
			}
		})
	}

	// copyOut writes into the buffer and returns its address.
	inst.retBuf = returnBuffer{1024, 8}
	const ptrAt, sizeAt = 2048, 2052
	if st := h.copyOut([]byte("hello"), ptrAt, sizeAt); st != StatusOK {
		t.Fatalf("copyOut: %v", st)
	}
	ptr, _ := h.mem.ReadUint32Le(ptrAt)
	n, _ := h.mem.ReadUint32Le(sizeAt)
	got, _ := h.mem.Read(ptr, n)
	if ptr != 1024 || string(got) != "hello" {
		t.Fatalf("copyOut wrote %q at %d, want hello in the buffer at 1024", got, ptr)
	}
}
