package abi

// foreignFunctions: proxy_call_foreign_function, the door to weir's own host services
// (credential lookup, setting the consumer, ...), named and documented by the gateway.
func foreignFunctions() []hostFunc {
	return []hostFunc{proxyFunc("proxy_call_foreign_function", 6, proxyCallForeignFunction)}
}

// proxyCallForeignFunction(name_ptr, name_size, args_ptr, args_size, ret_ptr_ptr,
// ret_size_ptr): runs Services.CallForeignFunction with the current stream (nil in a
// root context); a non-OK status from the gateway is returned as is.
func proxyCallForeignFunction(h hostCtx, stack []uint64) Status {
	name, st := h.readString(arg(stack, 0), arg(stack, 1), MaxKeyBytes)
	if st != StatusOK {
		return st
	}
	args, st := h.read(arg(stack, 2), arg(stack, 3), MaxValueBytes)
	if st != StatusOK {
		return st
	}
	var res []byte
	switch name { // the ABI layer's own functions first, then the gateway's
	case fnDeclareHTTPCallbacks:
		return declareHTTPCallbacks(h, args)
	case fnReturnBuffer:
		return setReturnBuffer(h, args)
	case fnCounterAdd:
		res, st = counterAdd(h, args)
	default:
		res, st = h.inst.svc.CallForeignFunction(h.stream(), name, args)
	}
	if st != StatusOK {
		return st
	}
	return h.copyOut(res, arg(stack, 4), arg(stack, 5))
}
