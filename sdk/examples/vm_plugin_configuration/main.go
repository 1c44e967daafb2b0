// Command vm_plugin_configuration logs its VM and plugin configurations: the
// tetratelabs SDK's vm_plugin_configuration example, written for weir.
//
// Logs "vm config: ..." (weir gives a module no VM configuration, so it logs "vm
// config: none") and "plugin config: ..." with the plugin's config as weir passes it:
// the JSON of the plugin entity's config.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) OnVMStart(int) types.OnVMStartStatus {
	data, err := proxywasm.GetVMConfiguration()
	if err != nil {
		proxywasm.LogInfof("vm config: none (%v)", err)
		return types.OnVMStartStatusOK
	}
	proxywasm.LogInfof("vm config: %s", data)
	return types.OnVMStartStatusOK
}

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct{ types.DefaultPluginContext }

func (*pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil {
		proxywasm.LogInfof("plugin config: none (%v)", err)
		return types.OnPluginStartStatusOK
	}
	proxywasm.LogInfof("plugin config: %s", data)
	return types.OnPluginStartStatusOK
}

func (*pluginContext) NewHttpContext(uint32) types.HttpContext { return &types.DefaultHttpContext{} }
