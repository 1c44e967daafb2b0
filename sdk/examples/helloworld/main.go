// Command helloworld logs when its plugin starts and then on every tick: the
// tetratelabs SDK's helloworld example, written for weir.
//
// Expected in the gateway's log: "OnPluginStart from Go!", then "It's <time>" every
// second. weir creates a plugin context when a request first runs the plugin, so the
// ticks start after the first request.
package main

import (
	"math/rand"
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

const tickMilliseconds uint32 = 1000

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(contextID uint32) types.PluginContext {
	return &pluginContext{contextID: contextID}
}

type pluginContext struct {
	types.DefaultPluginContext
	contextID uint32
}

func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	proxywasm.LogInfo("OnPluginStart from Go!")
	if err := proxywasm.SetTickPeriodMilliSeconds(tickMilliseconds); err != nil {
		proxywasm.LogCriticalf("failed to set tick period: %v", err)
	}
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) OnTick() {
	proxywasm.LogInfof("It's %d: random value: %d", time.Now().UnixNano(), rand.Uint64())
	proxywasm.LogInfof("OnTick called")
}

// NewHttpContext gives each request a context that lets it through, so the plugin can
// be enabled on a route like any other.
func (p *pluginContext) NewHttpContext(uint32) types.HttpContext { return &types.DefaultHttpContext{} }
