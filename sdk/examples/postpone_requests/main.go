// Command postpone_requests holds every request until the next tick: the tetratelabs
// SDK's postpone_requests example, written for weir.
//
// A request is paused ("postpone request with contextID=N"); the plugin context's next
// tick, every 200 ms, makes it the effective context and resumes it ("resume request
// with contextID=N").
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

const tickMilliseconds uint32 = 200

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext {
	return &pluginContext{postponed: make([]uint32, 0, 8)}
}

type pluginContext struct {
	types.DefaultPluginContext
	postponed []uint32
}

func (ctx *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	if err := proxywasm.SetTickPeriodMilliSeconds(tickMilliseconds); err != nil {
		proxywasm.LogCriticalf("failed to set tick period: %v", err)
		return types.OnPluginStartStatusFailed
	}
	return types.OnPluginStartStatusOK
}

func (ctx *pluginContext) OnTick() {
	for _, id := range ctx.postponed {
		if err := proxywasm.SetEffectiveContext(id); err != nil {
			proxywasm.LogErrorf("request with contextID=%d is gone: %v", id, err)
			continue
		}
		if err := proxywasm.ResumeHttpRequest(); err != nil {
			proxywasm.LogErrorf("failed to resume request with contextID=%d: %v", id, err)
			continue
		}
		proxywasm.LogInfof("resume request with contextID=%d", id)
	}
	ctx.postponed = ctx.postponed[:0]
}

func (ctx *pluginContext) NewHttpContext(contextID uint32) types.HttpContext {
	return &httpContext{contextID: contextID, plugin: ctx}
}

type httpContext struct {
	types.DefaultHttpContext
	contextID uint32
	plugin    *pluginContext
}

func (ctx *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	proxywasm.LogInfof("postpone request with contextID=%d", ctx.contextID)
	ctx.plugin.postponed = append(ctx.plugin.postponed, ctx.contextID)
	return types.ActionPause
}
