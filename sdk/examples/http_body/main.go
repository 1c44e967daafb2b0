// Command http_body rewrites a request or response body: the tetratelabs SDK's
// http_body example, written for weir.
//
// The request header "buffer-replace-at" (request or response) picks the body and
// "buffer-operation" (append, prepend or replace; anything else replaces) what is done
// to it, with the texts "[this is appended body]", "[this is prepended body]" and
// "[this is replaced body]". The original body is logged: "original request body: ..."
// or "original response body: ...".
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

func init() {
	proxywasm.SetHttpContext(func(uint32) types.HttpContext { return &setBodyContext{} })
}

func main() {}

type setBodyContext struct {
	types.DefaultHttpContext
	modifyResponse bool
	operation      string
}

func (ctx *setBodyContext) OnHttpRequestHeaders(int, bool) types.Action {
	at, _ := proxywasm.GetHttpRequestHeader("buffer-replace-at")
	ctx.modifyResponse = at == "response"
	ctx.operation, _ = proxywasm.GetHttpRequestHeader("buffer-operation")
	if !ctx.modifyResponse {
		// The body's length changes; the host sends the new one.
		_ = proxywasm.RemoveHttpRequestHeader("content-length")
	}
	return types.ActionContinue
}

func (ctx *setBodyContext) OnHttpRequestBody(bodySize int, endOfStream bool) types.Action {
	if ctx.modifyResponse {
		return types.ActionContinue
	}
	if !endOfStream {
		return types.ActionPause // wait for the whole body
	}
	body, err := proxywasm.GetHttpRequestBody(0, bodySize)
	if err != nil {
		proxywasm.LogErrorf("failed to get request body: %v", err)
		return types.ActionContinue
	}
	proxywasm.LogInfof("original request body: %s", body)
	if err := ctx.apply(proxywasm.AppendHttpRequestBody, proxywasm.PrependHttpRequestBody, proxywasm.ReplaceHttpRequestBody); err != nil {
		proxywasm.LogErrorf("failed to %s request body: %v", ctx.operation, err)
	}
	return types.ActionContinue
}

func (ctx *setBodyContext) OnHttpResponseHeaders(int, bool) types.Action {
	if ctx.modifyResponse {
		_ = proxywasm.RemoveHttpResponseHeader("content-length")
	}
	return types.ActionContinue
}

func (ctx *setBodyContext) OnHttpResponseBody(bodySize int, endOfStream bool) types.Action {
	if !ctx.modifyResponse {
		return types.ActionContinue
	}
	if !endOfStream {
		return types.ActionPause
	}
	body, err := proxywasm.GetHttpResponseBody(0, bodySize)
	if err != nil {
		proxywasm.LogErrorf("failed to get response body: %v", err)
		return types.ActionContinue
	}
	proxywasm.LogInfof("original response body: %s", body)
	if err := ctx.apply(proxywasm.AppendHttpResponseBody, proxywasm.PrependHttpResponseBody, proxywasm.ReplaceHttpResponseBody); err != nil {
		proxywasm.LogErrorf("failed to %s response body: %v", ctx.operation, err)
	}
	return types.ActionContinue
}

// apply runs the requested operation with one body's append, prepend and replace.
func (ctx *setBodyContext) apply(appendBody, prependBody, replaceBody func([]byte) error) error {
	switch ctx.operation {
	case "append":
		return appendBody([]byte("[this is appended body]"))
	case "prepend":
		return prependBody([]byte("[this is prepended body]"))
	default:
		return replaceBody([]byte("[this is replaced body]"))
	}
}
