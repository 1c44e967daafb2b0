// Command foreign_call_on_tick calls a host foreign function on every tick: the
// tetratelabs SDK's foreign_call_on_tick example, written for weir. Envoy's example
// calls its "compress" builtin; this one calls weir's "weir.find_consumer".
//
// Each tick (every 200 ms) logs "foreign function (weir.find_consumer) called: N, ...".
// weir's foreign functions act on a request, so from a tick (a plugin context, no
// request) weir answers NOT_FOUND, which is logged; from a request the call finds the
// consumer named in the "consumer" request header and logs it.
package main

import (
	"encoding/json"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

const (
	tickMilliseconds uint32 = 200
	function                = "weir.find_consumer"
)

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct {
	types.DefaultPluginContext
	callNum int
}

func (ctx *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	if err := proxywasm.SetTickPeriodMilliSeconds(tickMilliseconds); err != nil {
		proxywasm.LogCriticalf("failed to set tick period: %v", err)
		return types.OnPluginStartStatusFailed
	}
	return types.OnPluginStartStatusOK
}

func (ctx *pluginContext) OnTick() {
	ctx.callNum++
	ret, err := callFindConsumer("anonymous")
	proxywasm.LogInfof("foreign function (%s) called: %d, result: %s, error: %v", function, ctx.callNum, ret, err)
}

func (ctx *pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{} }

type httpContext struct{ types.DefaultHttpContext }

// OnHttpRequestHeaders makes the same call where weir answers it: on a request.
func (*httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	name, err := proxywasm.GetHttpRequestHeader("consumer")
	if err != nil {
		return types.ActionContinue
	}
	ret, err := callFindConsumer(name)
	proxywasm.LogInfof("foreign function (%s) called from a request: result: %s, error: %v", function, ret, err)
	return types.ActionContinue
}

func callFindConsumer(name string) ([]byte, error) {
	args, _ := json.Marshal(map[string]string{"id_or_username": name})
	return proxywasm.CallForeignFunction(function, args)
}
