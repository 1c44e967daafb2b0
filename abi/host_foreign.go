package abi

// foreignFunctions: proxy_call_foreign_function, the door to weir's own host services
// (credential lookup, setting the consumer, ...), named and documented by the gateway.
func foreignFunctions() []hostFunc {
	return []hostFunc{proxyFunc("proxy_call_foreign_function", 6, proxyCallForeignFunction)}
}

// proxyCallForeignFunction(name_ptr, name_size, args_ptr, args_size, ret_ptr_ptr,
// ret_size_ptr): runs Services.CallForeignFunction with the current stream (nil in a
// root context); a non-OK status from the gateway is returned as is.
//
// The ABI layer's own functions read their arguments in place; the gateway's get a
// copy in a buffer the instance keeps (guest memory may move under a view), and the
// name as a string kept per instance, so a function called on every request
// (weir.find_credential) costs no allocation.
func proxyCallForeignFunction(h hostCtx, stack []uint64) Status {
	rawName, st := h.view(arg(stack, 0), arg(stack, 1), MaxKeyBytes)
	if st != StatusOK {
		return st
	}
	view, st := h.view(arg(stack, 2), arg(stack, 3), MaxValueBytes)
	if st != StatusOK {
		return st
	}
	var res []byte
	switch string(rawName) { // the ABI layer's own functions first, then the gateway's
	case fnDeclareHTTPCallbacks:
		return declareHTTPCallbacks(h, view)
	case fnReturnBuffer:
		return setReturnBuffer(h, view)
	case fnCounterAdd:
		res, st = counterAdd(h, view)
	case fnHeaderValue:
		res, st = headerValue(h, view)
	case fnHeaderFields:
		res, st = headerFields(h, view)
	case fnSetHeaderValues:
		return setHeaderValues(h, view)
	case fnSetHeaderIntegers:
		return setHeaderIntegers(h, view)
	default:
		h.inst.foreignArgs = append(h.inst.foreignArgs[:0], view...)
		res, st = h.inst.svc.CallForeignFunction(h.stream(), h.inst.foreignName(rawName), h.inst.foreignArgs)
		if cap(h.inst.foreignArgs) > keptScratchBytes {
			h.inst.foreignArgs = nil
		}
	}
	if st != StatusOK {
		return st
	}
	st = h.copyOut(res, arg(stack, 4), arg(stack, 5))
	h.inst.trimScratch()
	return st
}

// maxForeignNames bounds the names an instance keeps (foreignName).
const maxForeignNames = 64

// foreignName is raw as a string, the same string each time for the names this
// instance called before (up to maxForeignNames of them).
func (i *Instance) foreignName(raw []byte) string {
	if name, ok := i.foreignNames[string(raw)]; ok {
		return name
	}
	name := string(raw)
	if i.foreignNames == nil {
		i.foreignNames = map[string]string{}
	}
	if len(i.foreignNames) < maxForeignNames {
		i.foreignNames[name] = name
	}
	return name
}
