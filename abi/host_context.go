package abi

// contextFunctions: switching and finishing contexts.
func contextFunctions() []hostFunc {
	return []hostFunc{
		proxyFunc("proxy_set_effective_context", 1, proxySetEffectiveContext),
		proxyFunc("proxy_done", 0, proxyDone),
	}
}

// proxySetEffectiveContext(context_id): later host calls in this callback act for that
// context (a root resuming a paused stream, say). Unknown ids are BAD_ARGUMENT.
func proxySetEffectiveContext(h hostCtx, stack []uint64) Status {
	c, ok := h.inst.context(arg(stack, 0))
	if !ok {
		return StatusBadArgument
	}
	h.inst.call.current = c
	return StatusOK
}

// proxyDone(): a root context says it may now be finalized. Root.Close finalizes roots
// whatever proxy_on_done answered, so for a root this is acknowledged; any other
// context has nothing pending (NOT_FOUND).
func proxyDone(h hostCtx, _ []uint64) Status {
	if c := h.current(); c != nil && c.root == nil {
		return StatusOK
	}
	return StatusNotFound
}
