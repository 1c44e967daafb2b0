// Command http_auth_random asks another service before letting each request through:
// the tetratelabs SDK's http_auth_random example, written for weir.
//
// For every request it pauses, calls GET /uuid on the upstream "httpbin" (in weir, a
// service of that name) and hashes the answer's body: an even FNV-1a hash lets the
// request through ("access granted"), an odd one answers 403 "access forbidden".
package main

import (
	"hash/fnv"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

const clusterName = "httpbin"

func init() {
	proxywasm.SetHttpContext(func(contextID uint32) types.HttpContext {
		return &httpAuthRandom{contextID: contextID}
	})
}

func main() {}

type httpAuthRandom struct {
	types.DefaultHttpContext
	contextID uint32
}

func (ctx *httpAuthRandom) OnHttpRequestHeaders(int, bool) types.Action {
	hs, err := proxywasm.GetHttpRequestHeaders()
	if err != nil {
		proxywasm.LogCriticalf("failed to get request headers: %v", err)
		return types.ActionContinue
	}
	for _, h := range hs {
		proxywasm.LogInfof("request header: %s: %s", h[0], h[1])
	}
	headers := [][2]string{{":method", "GET"}, {":path", "/uuid"}, {":authority", clusterName}, {"accept", "*/*"}}
	if _, err := proxywasm.DispatchHttpCall(clusterName, headers, nil, nil, 5000, httpCallResponseCallback); err != nil {
		proxywasm.LogCriticalf("dispatch httpcall failed: %v", err)
		return types.ActionContinue
	}
	proxywasm.LogInfof("http call dispatched to %s", clusterName)
	return types.ActionPause
}

// httpCallResponseCallback decides from the answer's body, on the paused request.
func httpCallResponseCallback(numHeaders, bodySize, numTrailers int) {
	hs, err := proxywasm.GetHttpCallResponseHeaders()
	if err != nil {
		proxywasm.LogCriticalf("failed to get response headers: %v", err)
		forbid()
		return
	}
	for _, h := range hs {
		proxywasm.LogInfof("response header from %s: %s: %s", clusterName, h[0], h[1])
	}
	b, err := proxywasm.GetHttpCallResponseBody(0, bodySize)
	if err != nil {
		proxywasm.LogCriticalf("failed to get response body: %v", err)
		forbid()
		return
	}
	h := fnv.New32a()
	_, _ = h.Write(b)
	if h.Sum32()%2 == 0 {
		proxywasm.LogInfo("access granted")
		if err := proxywasm.ResumeHttpRequest(); err != nil {
			proxywasm.LogCriticalf("failed to resume: %v", err)
		}
		return
	}
	proxywasm.LogInfo("access forbidden")
	forbid()
}

func forbid() {
	if err := proxywasm.SendHttpResponse(403, [][2]string{{"powered-by", "proxy-wasm-go-sdk!!"}}, []byte("access forbidden"), -1); err != nil {
		proxywasm.LogErrorf("failed to send local response: %v", err)
		_ = proxywasm.ResumeHttpRequest()
	}
}
