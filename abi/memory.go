package abi

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// hostCtx is what every host function works with: the calling instance, its memory and
// the call's context (which carries the callback deadline). It is passed by value so a
// host call does not allocate for it.
type hostCtx struct {
	ctx  context.Context
	inst *Instance
	mem  api.Memory
}

// read copies size bytes at ptr out of guest memory. Guest memory may move when the
// guest grows it (a nested allocation does), so nothing keeps a view of it. A range
// outside memory, including one that wraps past 2^32, is INVALID_MEMORY_ACCESS; one
// over limit is BAD_ARGUMENT.
func (h hostCtx) read(ptr, size uint32, limit int) ([]byte, Status) {
	view, st := h.view(ptr, size, limit)
	if st != StatusOK || view == nil {
		return nil, st
	}
	return append([]byte(nil), view...), StatusOK
}

// view is guest memory in place: valid until the guest runs again, so it must not be
// kept.
func (h hostCtx) view(ptr, size uint32, limit int) ([]byte, Status) {
	if int64(size) > int64(limit) {
		return nil, StatusBadArgument
	}
	if size == 0 {
		return nil, StatusOK
	}
	if h.mem == nil {
		return nil, StatusInvalidMemoryAccess
	}
	view, ok := h.mem.Read(ptr, size)
	if !ok {
		return nil, StatusInvalidMemoryAccess
	}
	return view, StatusOK
}

// readString is read for text arguments (keys, names, paths, messages).
func (h hostCtx) readString(ptr, size uint32, limit int) (string, Status) {
	b, st := h.view(ptr, size, limit)
	return string(b), st // one copy, straight from guest memory
}

func (h hostCtx) writeU32(ptr, v uint32) Status {
	if h.mem == nil || !h.mem.WriteUint32Le(ptr, v) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

func (h hostCtx) writeU64(ptr uint32, v uint64) Status {
	if h.mem == nil || !h.mem.WriteUint64Le(ptr, v) {
		return StatusInvalidMemoryAccess
	}
	return StatusOK
}

// copyOut hands data to the guest the way every `**` return does: allocate len(data)
// bytes in the guest (which then owns them), copy, and write the pointer and size. A
// guest that named a return buffer (weir.return_buffer) large enough gets the data
// there instead, without the allocation call. Empty data is returned as pointer 0,
// size 0 without allocating, as cpp-host does.
func (h hostCtx) copyOut(data []byte, ptrPtr, sizePtr uint32) Status {
	var ptr uint32
	if len(data) > 0 {
		p, st := h.inst.retBuf.ptr, StatusOK
		if uint64(len(data)) > uint64(h.inst.retBuf.size) {
			p, st = h.allocate(uint32(len(data)))
		}
		if st != StatusOK {
			return st
		}
		if !h.mem.Write(p, data) {
			return StatusInvalidMemoryAccess
		}
		ptr = p
	}
	if st := h.writeU32(ptrPtr, ptr); st != StatusOK {
		return st
	}
	return h.writeU32(sizePtr, uint32(len(data)))
}

// allocate calls the guest's allocator. A guest without one, or whose allocator
// returns 0 or a range outside memory, gets INVALID_MEMORY_ACCESS; one whose allocator
// traps is retired.
func (h hostCtx) allocate(size uint32) (uint32, Status) {
	if h.inst.alloc == nil || h.mem == nil {
		return 0, StatusInvalidMemoryAccess
	}
	stack := h.inst.allocStack[:]
	stack[0] = uint64(size)
	err := h.inst.alloc.CallWithStack(h.ctx, stack)
	if err != nil {
		h.inst.failed.Store(true)
		h.inst.svc.Log(h.inst.pluginOf(h.inst.call.current), LogError,
			fmt.Sprintf("guest allocator failed, retiring the instance: %v", err))
		return 0, StatusInternalFailure
	}
	p := uint32(stack[0])
	if p == 0 || uint64(p)+uint64(size) > uint64(h.mem.Size()) {
		return 0, StatusInvalidMemoryAccess
	}
	return p, StatusOK
}
