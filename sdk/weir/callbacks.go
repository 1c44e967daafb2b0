package weir

import "strings"

// fnDeclareHTTPCallbacks tells weir which HTTP callbacks a plugin does nothing in.
const fnDeclareHTTPCallbacks = "weir.declare_http_callbacks"

// declareCallbacks tells weir, from the handlers p leaves nil, which HTTP callbacks
// its requests need not enter: each one skipped saves a round trip into the guest per
// request, and without a body callback weir need not hold a streamed body for the
// plugin. proxy_on_done does nothing for an HTTP context in this SDK, so it is always
// skipped. A host without the function (another proxy-wasm host) simply calls them
// all; the answer is not needed.
func declareCallbacks[C any](p *Plugin[C]) {
	skip := []string{"done"}
	if p.OnRequest == nil && p.OnRequestBody == nil {
		skip = append(skip, "request_headers") // else a nil OnRequest reads the body
	}
	if p.OnRequestBody == nil {
		skip = append(skip, "request_body")
	}
	if p.OnResponse == nil && p.OnResponseBody == nil {
		skip = append(skip, "response_headers")
	}
	if p.OnResponseBody == nil {
		skip = append(skip, "response_body")
	}
	if p.OnLog == nil {
		skip = append(skip, "log")
	}
	_, _ = callForeign(fnDeclareHTTPCallbacks, []byte(`{"skip":["`+strings.Join(skip, `","`)+`"]}`))
}
