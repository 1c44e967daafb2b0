package abi

// queueFunctions: the shared queue calls.
func queueFunctions() []hostFunc {
	return []hostFunc{
		proxyFunc("proxy_register_shared_queue", 3, proxyRegisterSharedQueue),
		proxyFunc("proxy_resolve_shared_queue", 5, proxyResolveSharedQueue),
		proxyFunc("proxy_enqueue_shared_queue", 3, proxyEnqueueSharedQueue),
		proxyFunc("proxy_dequeue_shared_queue", 3, proxyDequeueSharedQueue),
	}
}

// proxyRegisterSharedQueue(name_ptr, name_size, ret_queue_id_ptr): the current
// context's root becomes the queue's owner (the one told of new items).
func proxyRegisterSharedQueue(h hostCtx, stack []uint64) Status {
	name, st := h.readString(arg(stack, 0), arg(stack, 1), MaxKeyBytes)
	if st != StatusOK {
		return st
	}
	c := h.current()
	if c == nil {
		return StatusBadArgument
	}
	return h.writeU32(arg(stack, 2), h.inst.mod.rt.queues.register(h.inst, c.plugin(), name))
}

// proxyResolveSharedQueue(vm_id_ptr, vm_id_size, name_ptr, name_size, ret_queue_id_ptr).
func proxyResolveSharedQueue(h hostCtx, stack []uint64) Status {
	vmID, st := h.readString(arg(stack, 0), arg(stack, 1), MaxKeyBytes)
	if st != StatusOK {
		return st
	}
	name, st := h.readString(arg(stack, 2), arg(stack, 3), MaxKeyBytes)
	if st != StatusOK {
		return st
	}
	id, ok := h.inst.mod.rt.queues.resolve(vmID, name)
	if !ok {
		return StatusNotFound
	}
	return h.writeU32(arg(stack, 4), id)
}

// proxyEnqueueSharedQueue(queue_id, value_ptr, value_size).
func proxyEnqueueSharedQueue(h hostCtx, stack []uint64) Status {
	value, st := h.read(arg(stack, 1), arg(stack, 2), MaxValueBytes)
	if st != StatusOK {
		return st
	}
	return h.inst.mod.rt.queues.enqueue(arg(stack, 0), value)
}

// proxyDequeueSharedQueue(queue_id, ret_value_ptr_ptr, ret_value_size_ptr).
func proxyDequeueSharedQueue(h hostCtx, stack []uint64) Status {
	v, st := h.inst.mod.rt.queues.dequeue(h.inst.vmID, arg(stack, 0))
	if st != StatusOK {
		return st
	}
	return h.copyOut(v, arg(stack, 1), arg(stack, 2))
}
