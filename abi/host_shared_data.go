package abi

// sharedDataFunctions: proxy_get_shared_data and proxy_set_shared_data, over the
// runtime's store, partitioned by the instance's VM id.
func sharedDataFunctions() []hostFunc {
	return []hostFunc{
		proxyFunc("proxy_get_shared_data", 5, proxyGetSharedData),
		proxyFunc("proxy_set_shared_data", 5, proxySetSharedData),
	}
}

// proxyGetSharedData(key_ptr, key_size, ret_value_ptr_ptr, ret_value_size_ptr, ret_cas_ptr).
func proxyGetSharedData(h hostCtx, stack []uint64) Status {
	key, st := h.readString(arg(stack, 0), arg(stack, 1), MaxKeyBytes)
	if st != StatusOK {
		return st
	}
	value, cas, ok := h.inst.mod.rt.shared.get(h.inst.vmID, key)
	if !ok {
		return StatusNotFound
	}
	if st := h.copyOut(value, arg(stack, 2), arg(stack, 3)); st != StatusOK {
		return st
	}
	return h.writeU32(arg(stack, 4), cas)
}

// proxySetSharedData(key_ptr, key_size, value_ptr, value_size, cas).
func proxySetSharedData(h hostCtx, stack []uint64) Status {
	key, st := h.readString(arg(stack, 0), arg(stack, 1), MaxKeyBytes)
	if st != StatusOK {
		return st
	}
	value, st := h.read(arg(stack, 2), arg(stack, 3), MaxValueBytes)
	if st != StatusOK {
		return st
	}
	return h.inst.mod.rt.shared.set(h.inst.vmID, key, value, arg(stack, 4))
}
