package abi

import "encoding/json"

// fnDeclareHTTPCallbacks is the foreign function by which a root context tells weir
// which HTTP callbacks its plugin does nothing in, so weir skips those calls for every
// stream under it: each skipped call saves a round trip into the guest (about a
// microsecond with a Go guest), and a plugin without a body callback lets a streamed
// body pass without being held for it. weir's SDK declares it from the handlers a
// Plugin leaves nil; modules that never call it get every callback, as in Envoy.
// Arguments: {"skip":["request_headers","request_body","response_headers","response_body","done","log","stream_context"]}
// (any subset). "stream_context" says the plugin keeps nothing per stream: weir then
// calls neither proxy_on_context_create nor proxy_on_delete for its streams (two guest
// entries a request), and its stream callbacks receive the root context's id instead of
// the stream's. Served here, not by the gateway, because it changes what the ABI layer
// calls.
const fnDeclareHTTPCallbacks = "weir.declare_http_callbacks"

// callbackSet is a set of skippable HTTP callbacks.
type callbackSet uint8

const (
	skipRequestHeaders callbackSet = 1 << iota
	skipRequestBody
	skipResponseHeaders
	skipResponseBody
	skipDone
	skipLog
	skipStreamContext
)

var skippableCallbacks = map[string]callbackSet{
	"request_headers":  skipRequestHeaders,
	"request_body":     skipRequestBody,
	"response_headers": skipResponseHeaders,
	"response_body":    skipResponseBody,
	"done":             skipDone,
	"log":              skipLog,
	"stream_context":   skipStreamContext,
}

// declareHTTPCallbacks records a root context's skipped callbacks. Called outside a
// root context it is BAD_ARGUMENT; an unknown callback name too, so a typo is not
// silently a callback that still runs.
func declareHTTPCallbacks(h hostCtx, args []byte) Status {
	c := h.current()
	if c == nil || c.root != nil {
		return StatusBadArgument
	}
	var a struct {
		Skip []string `json:"skip"`
	}
	if err := json.Unmarshal(args, &a); err != nil {
		return StatusParseFailure
	}
	var set callbackSet
	for _, name := range a.Skip {
		s, ok := skippableCallbacks[name]
		if !ok {
			return StatusBadArgument
		}
		set |= s
	}
	c.skip = set
	return StatusOK
}

// skips reports whether the stream's plugin declared it does not need callback s.
func (h *HTTPContext) skips(s callbackSet) bool {
	return h.state.root != nil && h.state.root.skip&s != 0
}

// guestID is the context id the guest knows the stream by: its own, or its root
// context's when the plugin keeps no stream contexts (skipStreamContext).
func (h *HTTPContext) guestID() uint64 {
	if h.skips(skipStreamContext) {
		return uint64(h.state.root.id)
	}
	return uint64(h.state.id)
}

// HandlesRequestBody says whether this stream's plugin takes the request body: its
// module exports the callback and its root context did not declare it skipped.
func (h *HTTPContext) HandlesRequestBody() bool {
	return h.inst.mod.HandlesRequestBody() && !h.skips(skipRequestBody)
}

// HandlesResponseBody is HandlesRequestBody for the response body.
func (h *HTTPContext) HandlesResponseBody() bool {
	return h.inst.mod.HandlesResponseBody() && !h.skips(skipResponseBody)
}
