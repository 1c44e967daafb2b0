package abi

import "strings"

// streamFunctions: local responses and stream flow control, 0.1.0 and 0.2.x names.
func streamFunctions() []hostFunc {
	return []hostFunc{
		proxyFunc("proxy_send_local_response", 8, proxySendLocalResponse),
		proxyFunc("proxy_continue_stream", 1, proxyContinueStream),
		proxyFunc("proxy_close_stream", 1, proxyCloseStream),
		proxyFunc("proxy_continue_request", 0, func(h hostCtx, _ []uint64) Status {
			return h.control(StreamHTTPRequest, false)
		}),
		proxyFunc("proxy_continue_response", 0, func(h hostCtx, _ []uint64) Status {
			return h.control(StreamHTTPResponse, false)
		}),
		proxyFunc("proxy_clear_route_cache", 0, proxyClearRouteCache),
	}
}

// proxySendLocalResponse(status, details_ptr, details_size, body_ptr, body_size,
// headers_ptr, headers_size, grpc_status). The response is recorded and handed to the
// stream after the callback returns (Envoy's order); a later call in the same callback
// replaces an earlier one.
func proxySendLocalResponse(h hostCtx, stack []uint64) Status {
	s := h.stream()
	if s == nil {
		return StatusNotFound
	}
	details, st := h.readString(arg(stack, 1), arg(stack, 2), MaxKeyBytes)
	if st != StatusOK {
		return st
	}
	body, st := h.read(arg(stack, 3), arg(stack, 4), MaxValueBytes)
	if st != StatusOK {
		return st
	}
	raw, st := h.read(arg(stack, 5), arg(stack, 6), MaxPairsBytes)
	if st != StatusOK {
		return st
	}
	headers, err := DecodePairs(raw)
	if err != nil {
		return StatusBadArgument
	}
	for k := range headers {
		headers[k][0] = strings.ToLower(headers[k][0])
	}
	r := LocalResponse{Status: int(arg(stack, 0)), Details: details, Body: body,
		Headers: headers, GRPCStatus: int32(arg(stack, 7))}
	h.inst.call.local = &localReply{stream: s, resp: r}
	return StatusOK
}

// proxyContinueStream(stream_type), 0.2.x.
func proxyContinueStream(h hostCtx, stack []uint64) Status {
	return h.control(StreamType(arg(stack, 0)), false)
}

// proxyCloseStream(stream_type), 0.2.x.
func proxyCloseStream(h hostCtx, stack []uint64) Status {
	return h.control(StreamType(arg(stack, 0)), true)
}

// control resumes or closes a direction of the current stream after the callback
// returns, through the stream's optional StreamController.
func (h hostCtx) control(t StreamType, close bool) Status {
	if t > StreamUpstream {
		return StatusBadArgument
	}
	s := h.stream()
	if s == nil {
		return StatusNotFound
	}
	sc, ok := s.(StreamController)
	if !ok {
		return StatusUnimplemented
	}
	if close {
		h.later(func() { sc.CloseStream(t) })
	} else {
		h.later(func() { sc.ContinueStream(t) })
	}
	return StatusOK
}

// proxyClearRouteCache(), 0.1.0.
func proxyClearRouteCache(h hostCtx, _ []uint64) Status {
	s := h.stream()
	if s == nil {
		return StatusNotFound
	}
	rc, ok := s.(RouteCacheClearer)
	if !ok {
		return StatusUnimplemented
	}
	rc.ClearRouteCache()
	return StatusOK
}
