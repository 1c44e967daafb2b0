// Command http_headers logs every request and response header and adds headers to
// the response: the tetratelabs SDK's http_headers example, written for weir.
//
// Configuration: {"header": "x-wasm-header", "value": "demo-wasm"}, both required. The
// response gets that header and "x-proxy-wasm-go-sdk-example: http_headers"; the
// request sent upstream gets "test: best".
package main

import (
	"encoding/json"
	"errors"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct {
	types.DefaultPluginContext
	headerName, headerValue string
}

// OnPluginStart reads the header to add; a configuration without both fields is refused.
func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogCriticalf("error reading plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	var cfg struct {
		Header string `json:"header"`
		Value  string `json:"value"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil || cfg.Header == "" || cfg.Value == "" {
		proxywasm.LogCritical(`configuration must be {"header": "...", "value": "..."}`)
		return types.OnPluginStartStatusFailed
	}
	p.headerName, p.headerValue = cfg.Header, cfg.Value
	proxywasm.LogInfof("header from config: %s = %s", p.headerName, p.headerValue)
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(contextID uint32) types.HttpContext {
	return &httpHeaders{contextID: contextID, headerName: p.headerName, headerValue: p.headerValue}
}

type httpHeaders struct {
	types.DefaultHttpContext
	contextID               uint32
	headerName, headerValue string
}

func (ctx *httpHeaders) OnHttpRequestHeaders(int, bool) types.Action {
	if err := proxywasm.ReplaceHttpRequestHeader("test", "best"); err != nil {
		proxywasm.LogCriticalf("failed to set request header test: %v", err)
	}
	hs, err := proxywasm.GetHttpRequestHeaders()
	if err != nil {
		proxywasm.LogCriticalf("failed to get request headers: %v", err)
	}
	for _, h := range hs {
		proxywasm.LogInfof("request header --> %s: %s", h[0], h[1])
	}
	return types.ActionContinue
}

func (ctx *httpHeaders) OnHttpResponseHeaders(int, bool) types.Action {
	proxywasm.LogInfof("adding header: %s=%s", ctx.headerName, ctx.headerValue)
	if err := proxywasm.AddHttpResponseHeader(ctx.headerName, ctx.headerValue); err != nil {
		proxywasm.LogCriticalf("failed to set response header %s: %v", ctx.headerName, err)
	}
	if err := proxywasm.AddHttpResponseHeader("x-proxy-wasm-go-sdk-example", "http_headers"); err != nil {
		proxywasm.LogCriticalf("failed to set response header: %v", err)
	}
	hs, err := proxywasm.GetHttpResponseHeaders()
	if err != nil {
		proxywasm.LogCriticalf("failed to get response headers: %v", err)
	}
	for _, h := range hs {
		proxywasm.LogInfof("response header <-- %s: %s", h[0], h[1])
	}
	return types.ActionContinue
}

func (ctx *httpHeaders) OnHttpStreamDone() { proxywasm.LogInfof("%d finished", ctx.contextID) }
