package abi

import "context"

// OnRequestHeaders runs proxy_on_request_headers. The number of headers passed is the
// request map's size; end_of_stream is passed when the export takes it (0.2.x).
func (h *HTTPContext) OnRequestHeaders(ctx context.Context, endOfStream bool) (Action, error) {
	if h.skips(skipRequestHeaders) {
		return ActionContinue, nil
	}
	return h.headers(ctx, cbRequestHeaders, MapRequestHeaders, endOfStream)
}

// OnResponseHeaders runs proxy_on_response_headers, like OnRequestHeaders.
func (h *HTTPContext) OnResponseHeaders(ctx context.Context, endOfStream bool) (Action, error) {
	if h.skips(skipResponseHeaders) {
		return ActionContinue, nil
	}
	return h.headers(ctx, cbResponseHeaders, MapResponseHeaders, endOfStream)
}

// OnRequestBody runs proxy_on_request_body with the size of the buffered body so far.
func (h *HTTPContext) OnRequestBody(ctx context.Context, size int, endOfStream bool) (Action, error) {
	if h.skips(skipRequestBody) {
		return ActionContinue, nil
	}
	return h.body(ctx, cbRequestBody, 0, size, endOfStream)
}

// OnResponseBody runs proxy_on_response_body with the size of the buffered body so far.
func (h *HTTPContext) OnResponseBody(ctx context.Context, size int, endOfStream bool) (Action, error) {
	if h.skips(skipResponseBody) {
		return ActionContinue, nil
	}
	return h.body(ctx, cbResponseBody, 1, size, endOfStream)
}

// The stream callbacks' callbackIndex, found once: a name's lookup cost more than a
// small guest's callback.
var (
	cbRequestHeaders  = callbackIndex(fnRequestHeaders)
	cbResponseHeaders = callbackIndex(fnResponseHeaders)
	cbRequestBody     = callbackIndex(fnRequestBody)
	cbResponseBody    = callbackIndex(fnResponseBody)
)

// headers calls headers callback n, or answers Continue when the guest exports none.
func (h *HTTPContext) headers(ctx context.Context, n int, t MapType, eos bool) (Action, error) {
	i := h.inst
	fn, ok := i.export(n)
	if !ok {
		return ActionContinue, nil
	}
	if err := i.enter(); err != nil {
		return ActionContinue, err
	}
	defer i.leaveAndRun()
	fields := 0
	if s := h.state.stream; s != nil {
		if m := s.Map(t); m != nil {
			fields = len(m.Pairs())
		}
	}
	args := []uint64{h.guestID(), uint64(fields), boolArg(eos)}
	return i.callAction(ctx, h.state, n, args[:fn.params]...)
}

// body calls body callback n, or answers Continue when the guest exports none.
func (h *HTTPContext) body(ctx context.Context, n, dir, size int, eos bool) (Action, error) {
	i := h.inst
	if _, ok := i.export(n); !ok {
		return ActionContinue, nil
	}
	if err := i.enter(); err != nil {
		return ActionContinue, err
	}
	defer i.leaveAndRun()
	h.state.bodyEnded[dir] = eos
	return i.callAction(ctx, h.state, n, h.guestID(), uint64(uint32(size)), boolArg(eos))
}

// Finish ends the stream's context: proxy_on_done, proxy_on_log, proxy_on_delete (each
// unless the plugin declared it does not need it; see skipStreamContext for the last).
// Failures are logged by invoke and retire the instance; the context is forgotten
// either way.
func (h *HTTPContext) Finish(ctx context.Context) {
	i := h.inst
	if err := i.enter(); err != nil {
		i.forget(h.state)
		return
	}
	defer i.leaveAndRun()
	defer i.drop(h.state)
	id := h.guestID()
	if !h.skips(skipDone) {
		if _, err := i.callBool(ctx, h.state, phaseOther, fnDone, id); err != nil {
			return
		}
	}
	if !h.skips(skipLog) {
		if err := i.callVoid(ctx, h.state, phaseOther, fnLog, id); err != nil {
			return
		}
	}
	if !h.skips(skipStreamContext) {
		_ = i.callVoid(ctx, h.state, phaseOther, fnDelete, id)
	}
}

func boolArg(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
