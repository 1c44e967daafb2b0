// Command dispatch_call_on_tick makes an HTTP call on every tick: the tetratelabs
// SDK's dispatch_call_on_tick example, written for weir.
//
// Each plugin context ticks every 100 ms and calls the upstream "web_service" (in weir,
// a service of that name), alternating the paths /ok and /fail. Each answer is logged
// as "called N for contextID=ID" followed by its headers (":status: 200", ...).
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

const tickMilliseconds uint32 = 100

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(contextID uint32) types.PluginContext {
	return &pluginContext{contextID: contextID}
}

type pluginContext struct {
	types.DefaultPluginContext
	contextID  uint32
	dispatched int
	answered   int
}

func (ctx *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	if err := proxywasm.SetTickPeriodMilliSeconds(tickMilliseconds); err != nil {
		proxywasm.LogCriticalf("failed to set tick period: %v", err)
		return types.OnPluginStartStatusFailed
	}
	proxywasm.LogInfof("set tick period milliseconds: %d", tickMilliseconds)
	return types.OnPluginStartStatusOK
}

func (ctx *pluginContext) OnTick() {
	path := "/ok"
	if ctx.dispatched%2 == 1 {
		path = "/fail"
	}
	ctx.dispatched++
	headers := [][2]string{{":method", "GET"}, {":authority", "some_authority"}, {":path", path}, {"accept", "*/*"}}
	if _, err := proxywasm.DispatchHttpCall("web_service", headers, nil, nil, 5000, ctx.callback); err != nil {
		proxywasm.LogCriticalf("dispatch httpcall failed: %v", err)
	}
}

func (ctx *pluginContext) callback(numHeaders, bodySize, numTrailers int) {
	ctx.answered++
	proxywasm.LogInfof("called %d for contextID=%d", ctx.answered, ctx.contextID)
	hs, err := proxywasm.GetHttpCallResponseHeaders()
	if err != nil {
		proxywasm.LogCriticalf("failed to get response headers: %v", err)
		return
	}
	for _, h := range hs {
		proxywasm.LogInfof("%s: %s", h[0], h[1])
	}
}

// NewHttpContext lets requests through: the plugin works on its ticks.
func (ctx *pluginContext) NewHttpContext(uint32) types.HttpContext {
	return &types.DefaultHttpContext{}
}
