package abi

// bufferFunctions: proxy_get_buffer_bytes, proxy_set_buffer_bytes,
// proxy_get_buffer_status and 0.1.0's proxy_get_configuration.
func bufferFunctions() []hostFunc {
	return []hostFunc{
		proxyFunc("proxy_get_buffer_bytes", 5, proxyGetBufferBytes),
		proxyFunc("proxy_set_buffer_bytes", 5, proxySetBufferBytes),
		proxyFunc("proxy_get_buffer_status", 3, proxyGetBufferStatus),
		proxyFunc("proxy_get_configuration", 2, proxyGetConfiguration),
	}
}

// buffer resolves a buffer type for the current context: stream buffers come from the
// stream (writable), configurations from the host's own state (read-only, w is nil).
func (h hostCtx) buffer(t BufferType) (data []byte, w Buffer, st Status) {
	switch t {
	case BufferVMConfiguration:
		return h.inst.vmConfig, nil, StatusOK
	case BufferPluginConfiguration:
		c := h.current()
		if c == nil {
			return nil, nil, StatusNotFound
		}
		return c.plugin().config, nil, StatusOK
	case BufferHTTPCallResponseBody:
		r := h.inst.call.httpResp
		if r == nil {
			return nil, nil, StatusNotFound
		}
		return r.Body, nil, StatusOK
	case BufferForeignFunctionArgs:
		// Only readable inside proxy_on_foreign_function, which this host does not call.
		return nil, nil, StatusNotFound
	}
	if t > BufferForeignFunctionArgs {
		return nil, nil, StatusBadArgument
	}
	s := h.stream()
	if s == nil {
		return nil, nil, StatusNotFound
	}
	b := s.Buffer(t)
	if b == nil {
		return nil, nil, StatusNotFound
	}
	return b.Bytes(), b, StatusOK
}

// proxyGetBufferBytes(type, start, max_size, ret_ptr_ptr, ret_size_ptr).
func proxyGetBufferBytes(h hostCtx, stack []uint64) Status {
	data, _, st := h.buffer(BufferType(arg(stack, 0)))
	if st != StatusOK {
		return st
	}
	start, max := uint64(arg(stack, 1)), uint64(arg(stack, 2))
	if start > uint64(len(data)) {
		return StatusBadArgument
	}
	end := min(start+max, uint64(len(data)))
	return h.copyOut(data[start:end], arg(stack, 3), arg(stack, 4))
}

// proxySetBufferBytes(type, start, size, value_ptr, value_size) replaces bytes
// [start, start+size) with the value, clamped to the buffer. That one rule gives the
// spec's three cases: (0, 0) prepends, start >= len appends, (0, >= len) replaces. A
// result over MaxBodyBytes is BAD_ARGUMENT.
func proxySetBufferBytes(h hostCtx, stack []uint64) Status {
	_, w, st := h.buffer(BufferType(arg(stack, 0)))
	if st != StatusOK {
		return st
	}
	if w == nil {
		return StatusBadArgument
	}
	value, st := h.read(arg(stack, 3), arg(stack, 4), MaxValueBytes)
	if st != StatusOK {
		return st
	}
	cur, start, size := w.Bytes(), uint64(arg(stack, 1)), uint64(arg(stack, 2))
	if spliceLen(len(cur), start, size, len(value)) > MaxBodyBytes {
		return StatusBadArgument
	}
	w.Set(splice(cur, start, size, value))
	return StatusOK
}

// spliceLen is the length splice's result will have.
func spliceLen(n int, start, size uint64, value int) uint64 {
	start = min(start, uint64(n))
	end := min(start+size, uint64(n))
	return start + uint64(value) + uint64(n) - end
}

// splice returns cur with [start, start+size) replaced by value, both ends clamped.
func splice(cur []byte, start, size uint64, value []byte) []byte {
	n := uint64(len(cur))
	start = min(start, n)
	end := min(start+size, n)
	out := make([]byte, 0, start+uint64(len(value))+n-end)
	out = append(out, cur[:start]...)
	out = append(out, value...)
	return append(out, cur[end:]...)
}

// proxyGetBufferStatus(type, ret_size_ptr, ret_flags_ptr): flags bit 0 is
// end-of-stream (the C++ SDK's reading) for the body the last body callback saw.
func proxyGetBufferStatus(h hostCtx, stack []uint64) Status {
	t := BufferType(arg(stack, 0))
	data, _, st := h.buffer(t)
	if st != StatusOK {
		return st
	}
	var flags uint32
	if c := h.current(); c != nil && t <= BufferUpstreamData && c.bodyEnded[t] {
		flags = 1
	}
	if st := h.writeU32(arg(stack, 1), uint32(len(data))); st != StatusOK {
		return st
	}
	return h.writeU32(arg(stack, 2), flags)
}

// proxyGetConfiguration(ret_ptr_ptr, ret_size_ptr), 0.1.0: the VM configuration during
// proxy_on_vm_start, else the current plugin's configuration.
func proxyGetConfiguration(h hostCtx, stack []uint64) Status {
	t := BufferPluginConfiguration
	if h.inst.call.phase == phaseVMStart {
		t = BufferVMConfiguration
	}
	data, _, st := h.buffer(t)
	if st != StatusOK {
		return st
	}
	return h.copyOut(data, arg(stack, 0), arg(stack, 1))
}
