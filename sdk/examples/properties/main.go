// Command properties lets a request through only if it carries the header its route
// requires: the tetratelabs SDK's properties example, written for weir.
//
// Envoy's example reads the header's name from route metadata
// (route_metadata.filter_metadata...), which Kong's routes do not have. weir's port
// reads the route_name property instead and looks the name up in its configuration:
// {"routes": {"one": "cookie", "two": "authorization"}}. A request on a listed route
// without that header is answered 401; on other routes it goes through ("no auth
// header for route"). It logs `auth header is "cookie"` and the like.
package main

import (
	"encoding/json"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct {
	types.DefaultPluginContext
	routes map[string]string // route name -> required header
}

func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	var cfg struct {
		Routes map[string]string `json:"routes"`
	}
	if data, err := proxywasm.GetPluginConfiguration(); err == nil {
		if err := json.Unmarshal(data, &cfg); err != nil {
			proxywasm.LogCriticalf("configuration is not valid JSON: %v", err)
			return types.OnPluginStartStatusFailed
		}
	}
	p.routes = cfg.Routes
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(uint32) types.HttpContext {
	return &properties{routes: p.routes}
}

type properties struct {
	types.DefaultHttpContext
	routes map[string]string
}

func (ctx *properties) OnHttpRequestHeaders(int, bool) types.Action {
	route, err := proxywasm.GetProperty([]string{"route_name"})
	if err != nil {
		proxywasm.LogWarnf("no route name: %v", err)
		return types.ActionContinue
	}
	header, ok := ctx.routes[string(route)]
	if !ok {
		proxywasm.LogInfo("no auth header for route")
		return types.ActionContinue
	}
	proxywasm.LogInfof("auth header is %q", header)
	if _, err := proxywasm.GetHttpRequestHeader(header); err != nil {
		if err := proxywasm.SendHttpResponse(401, nil, nil, -1); err != nil {
			proxywasm.LogErrorf("failed to send local response: %v", err)
		}
		return types.ActionPause
	}
	return types.ActionContinue
}
