// Command add_header is the smallest useful weir plugin: it adds one configured header
// to the request sent upstream and to the response sent to the client.
//
// Configuration (JSON): {"header": "x-added", "value": "yes"}; both fields are
// optional and default to "x-weir-example" and "added".
package main

import (
	"encoding/json"
	"errors"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

func init() {
	proxywasm.SetPluginContext(func(uint32) types.PluginContext { return &plugin{} })
}

// main is empty: a c-shared wasm module never runs it; init registers the plugin.
func main() {}

// config is the plugin's configuration.
type config struct {
	Header string `json:"header"`
	Value  string `json:"value"`
}

// plugin is one configuration of the plugin (a root context).
type plugin struct {
	types.DefaultPluginContext
	cfg config
}

// OnPluginStart reads the configuration; an empty one means all defaults, a malformed
// one is refused so the gateway reports it instead of running a half-configured plugin.
func (p *plugin) OnPluginStart(int) types.OnPluginStartStatus {
	p.cfg = config{Header: "x-weir-example", Value: "added"}
	raw, err := proxywasm.GetPluginConfiguration()
	if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
		proxywasm.LogErrorf("add_header: read configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &p.cfg); err != nil {
			proxywasm.LogErrorf("add_header: configuration is not valid JSON: %v", err)
			return types.OnPluginStartStatusFailed
		}
	}
	return types.OnPluginStartStatusOK
}

// NewHttpContext gives each stream the plugin's configuration.
func (p *plugin) NewHttpContext(uint32) types.HttpContext { return &stream{cfg: p.cfg} }

// stream adds the header in both directions.
type stream struct {
	types.DefaultHttpContext
	cfg config
}

func (s *stream) OnHttpRequestHeaders(int, bool) types.Action {
	if err := proxywasm.AddHttpRequestHeader(s.cfg.Header, s.cfg.Value); err != nil {
		proxywasm.LogErrorf("add_header: request: %v", err)
	}
	return types.ActionContinue
}

func (s *stream) OnHttpResponseHeaders(int, bool) types.Action {
	if err := proxywasm.AddHttpResponseHeader(s.cfg.Header, s.cfg.Value); err != nil {
		proxywasm.LogErrorf("add_header: response: %v", err)
	}
	return types.ActionContinue
}
