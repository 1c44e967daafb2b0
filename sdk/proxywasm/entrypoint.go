package proxywasm

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

// SetVMContext registers the plugin's VM context. Call it from init(): the host calls
// into the module right after start-up, and main of a c-shared module never runs.
func SetVMContext(ctx types.VMContext) { vm.vm = ctx }

// SetPluginContext registers a factory of plugin contexts, for plugins with no
// VM-level state: the VM context is the default one.
func SetPluginContext(newPlugin func(contextID uint32) types.PluginContext) {
	SetVMContext(&pluginVM{newPlugin: newPlugin})
}

// SetHttpContext registers a factory of HTTP contexts, for plugins that only handle
// HTTP streams: the VM and plugin contexts are the default ones.
func SetHttpContext(newHTTP func(contextID uint32) types.HttpContext) {
	SetPluginContext(func(uint32) types.PluginContext { return &httpPlugin{newHTTP: newHTTP} })
}

// pluginVM is the VM context SetPluginContext installs.
type pluginVM struct {
	types.DefaultVMContext
	newPlugin func(uint32) types.PluginContext
}

func (v *pluginVM) NewPluginContext(id uint32) types.PluginContext { return v.newPlugin(id) }

// httpPlugin is the plugin context SetHttpContext installs.
type httpPlugin struct {
	types.DefaultPluginContext
	newHTTP func(uint32) types.HttpContext
}

func (p *httpPlugin) NewHttpContext(id uint32) types.HttpContext { return p.newHTTP(id) }

// SetTcpContext registers a factory of TCP contexts, for L4 plugins: the VM and plugin
// contexts are the default ones. weir hosts HTTP plugins only, so it never creates
// them; the entry point exists so TCP plugins written for other hosts build.
func SetTcpContext(newTCP func(contextID uint32) types.TcpContext) {
	SetPluginContext(func(uint32) types.PluginContext { return &tcpPlugin{newTCP: newTCP} })
}

// tcpPlugin is the plugin context SetTcpContext installs.
type tcpPlugin struct {
	types.DefaultPluginContext
	newTCP func(uint32) types.TcpContext
}

func (p *tcpPlugin) NewTcpContext(id uint32) types.TcpContext { return p.newTCP(id) }
