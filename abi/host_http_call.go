package abi

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// httpCallFunctions: proxy_http_call and proxy_get_status.
func httpCallFunctions() []hostFunc {
	return []hostFunc{
		proxyFunc("proxy_http_call", 10, proxyHTTPCall),
		proxyFunc("proxy_get_status", 3, proxyGetStatus),
	}
}

// requiredPseudo are the headers a call must carry, as Envoy requires them.
var requiredPseudo = []string{":method", ":path", ":authority"}

// proxyHTTPCall(upstream_ptr, upstream_size, headers_ptr, headers_size, body_ptr,
// body_size, trailers_ptr, trailers_size, timeout_ms, ret_call_id_ptr). The call runs
// in the background; its answer comes through proxy_on_http_call_response on the
// calling context's root, as in Envoy, with the call id written here.
func proxyHTTPCall(h hostCtx, stack []uint64) Status {
	caller, ok := h.inst.svc.(HTTPCaller)
	if !ok {
		return StatusUnimplemented
	}
	c := h.current()
	if c == nil {
		return StatusBadArgument
	}
	req, st := h.httpCallRequest(stack)
	if st != StatusOK {
		return st
	}
	if len(h.inst.calls) >= MaxHTTPCallsInFlight {
		return StatusInternalFailure
	}
	id := h.inst.nextCallID()
	if st := h.writeU32(arg(stack, 9), id); st != StatusOK {
		return st
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &pendingCall{id: id, owner: c, cancel: cancel}
	h.inst.calls[id] = p
	inst := h.inst
	if !caller.HTTPCall(ctx, c.stream, req, func(r HTTPCallResponse) { inst.deliverHTTPCall(p, r) }) {
		delete(h.inst.calls, id)
		cancel()
		return StatusBadArgument
	}
	return StatusOK
}

// httpCallRequest reads and checks a call's arguments.
func (h hostCtx) httpCallRequest(stack []uint64) (HTTPCallRequest, Status) {
	var req HTTPCallRequest
	upstream, st := h.readString(arg(stack, 0), arg(stack, 1), MaxKeyBytes)
	if st != StatusOK {
		return req, st
	}
	headers, st := h.pairs(arg(stack, 2), arg(stack, 3))
	if st != StatusOK {
		return req, st
	}
	body, st := h.read(arg(stack, 4), arg(stack, 5), MaxValueBytes)
	if st != StatusOK {
		return req, st
	}
	trailers, st := h.pairs(arg(stack, 6), arg(stack, 7))
	if st != StatusOK {
		return req, st
	}
	for _, name := range requiredPseudo {
		if !hasKey(headers, name) {
			return req, StatusBadArgument
		}
	}
	if upstream == "" {
		return req, StatusBadArgument
	}
	return HTTPCallRequest{Upstream: upstream, Headers: headers, Body: body, Trailers: trailers,
		Timeout: time.Duration(arg(stack, 8)) * time.Millisecond}, StatusOK
}

// pairs reads a serialized header map from the guest and lower-cases its keys.
func (h hostCtx) pairs(ptr, size uint32) ([][2]string, Status) {
	raw, st := h.read(ptr, size, MaxPairsBytes)
	if st != StatusOK {
		return nil, st
	}
	pairs, err := DecodePairs(raw)
	if err != nil {
		return nil, StatusBadArgument
	}
	lowerKeys(pairs)
	return pairs, StatusOK
}

func lowerKeys(pairs [][2]string) {
	for k := range pairs {
		pairs[k][0] = strings.ToLower(pairs[k][0])
	}
}

func hasKey(pairs [][2]string, key string) bool {
	for _, p := range pairs {
		if p[0] == key && p[1] != "" {
			return true
		}
	}
	return false
}

// proxyGetStatus(ret_code_ptr, ret_msg_ptr_ptr, ret_msg_size_ptr): the outcome of the
// last callout answered to the current context, as Envoy keeps it on the context: 0
// and no message for an answered HTTP call, 11 and the reason for a failed one; 0 and
// no message before any. It does not depend on which callback runs, so a context that
// switched to another with proxy_set_effective_context reads that one's status.
func proxyGetStatus(h hostCtx, stack []uint64) Status {
	var s callStatus
	if c := h.current(); c != nil {
		s = c.status
	}
	if st := h.writeU32(arg(stack, 0), s.code); st != StatusOK {
		return st
	}
	return h.copyOut([]byte(s.msg), arg(stack, 1), arg(stack, 2))
}

// nextCallID returns a fresh call id, never 0 (Envoy's tokens are never 0 and SDKs
// treat 0 as "none"). mu is held.
func (i *Instance) nextCallID() uint32 {
	for {
		i.callSeq++
		if _, taken := i.calls[i.callSeq]; i.callSeq != 0 && !taken {
			return i.callSeq
		}
	}
}

// deliverHTTPCall runs proxy_on_http_call_response for a finished call on the root of
// the context that made it, with that context still alive; a call whose context is
// gone, or an instance that failed, drops the answer.
func (i *Instance) deliverHTTPCall(p *pendingCall, r HTTPCallResponse) {
	if err := i.enter(); err != nil {
		return
	}
	defer i.leaveAndRun()
	if i.calls[p.id] != p {
		return
	}
	delete(i.calls, p.id)
	p.cancel()
	root := p.owner.plugin()
	status := callStatus{code: callStatusOK}
	if r.Err != nil {
		status = callStatus{code: callStatusFailed, msg: r.Err.Error()}
	}
	// the answer is the root's callback, acting for the caller: both read its status
	p.owner.status, root.status = status, status
	if !i.exports(fnHTTPCallResponse) {
		return
	}
	nh, nt := len(r.Headers), len(r.Trailers)
	if r.Err != nil {
		nh, nt = 0, 0
		r.Body = nil
	}
	i.call.httpResp = &r
	// The context that made the call stays current until the guest switches (the SDKs
	// call proxy_set_effective_context themselves), so stream calls act on its stream.
	if _, err := i.invoke(context.Background(), p.owner, phaseOther, callbackIndex(fnHTTPCallResponse),
		uint64(root.id), uint64(p.id), uint64(nh), uint64(len(r.Body)), uint64(nt)); err != nil {
		i.svc.Log(root.pluginName, LogError, fmt.Sprintf("proxy_on_http_call_response: %v", err))
	}
}

// cancelCalls cancels every call c made; mu is held.
func (i *Instance) cancelCalls(c *contextState) {
	for id, p := range i.calls {
		if p.owner == c {
			p.cancel()
			delete(i.calls, id)
		}
	}
}
