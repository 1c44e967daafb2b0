// Command multiple_dispatches holds each response until ten HTTP calls are answered:
// the tetratelabs SDK's multiple_dispatches example, written for weir.
//
// On response headers it calls the upstream "httpbin" (in weir, a service of that
// name) ten times and pauses; each answer logs "pending dispatched requests: N", and
// the last one resumes the response: "response resumed after processed 10 dispatched
// request".
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

const totalDispatchNum = 10

func init() {
	proxywasm.SetHttpContext(func(uint32) types.HttpContext { return &httpContext{} })
}

func main() {}

type httpContext struct {
	types.DefaultHttpContext
	pendingDispatchedRequest int
}

func (ctx *httpContext) OnHttpResponseHeaders(int, bool) types.Action {
	headers := [][2]string{{":method", "GET"}, {":authority", "some_authority"}, {":path", "/"}, {"accept", "*/*"}}
	for i := 0; i < totalDispatchNum; i++ {
		if _, err := proxywasm.DispatchHttpCall("httpbin", headers, nil, nil, 50000, ctx.dispatchCallback); err != nil {
			proxywasm.LogCriticalf("dispatch httpcall failed: %v", err)
			continue
		}
		ctx.pendingDispatchedRequest++
	}
	if ctx.pendingDispatchedRequest == 0 {
		return types.ActionContinue
	}
	return types.ActionPause
}

func (ctx *httpContext) dispatchCallback(numHeaders, bodySize, numTrailers int) {
	ctx.pendingDispatchedRequest--
	if ctx.pendingDispatchedRequest > 0 {
		proxywasm.LogInfof("pending dispatched requests: %d", ctx.pendingDispatchedRequest)
		return
	}
	proxywasm.LogInfof("response resumed after processed %d dispatched request", totalDispatchNum)
	if err := proxywasm.ResumeHttpResponse(); err != nil {
		proxywasm.LogCriticalf("failed to resume: %v", err)
	}
}
