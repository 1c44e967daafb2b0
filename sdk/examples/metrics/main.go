// Command metrics counts requests per value of a header: the tetratelabs SDK's
// metrics example, written for weir.
//
// A request with "my-custom-header: foo" increments the counter
// "custom_header_value_counts_value=foo_reporter=wasmgosdk" (Envoy extracts the tags
// from the name). weir exports it on the Admin API's /metrics with the characters
// Prometheus does not allow replaced: weir_wasm_custom_header_value_counts_value_foo_reporter_wasmgosdk.
package main

import (
	"fmt"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

const (
	customHeaderKey         = "my-custom-header"
	customHeaderValueMetric = "custom_header_value_counts"
)

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext {
	return &metricPluginContext{counters: map[string]proxywasm.MetricCounter{}}
}

type metricPluginContext struct {
	types.DefaultPluginContext
	counters map[string]proxywasm.MetricCounter // by header value
}

func (ctx *metricPluginContext) NewHttpContext(uint32) types.HttpContext {
	return &metricHttpContext{plugin: ctx}
}

type metricHttpContext struct {
	types.DefaultHttpContext
	plugin *metricPluginContext
}

func (ctx *metricHttpContext) OnHttpRequestHeaders(int, bool) types.Action {
	value, err := proxywasm.GetHttpRequestHeader(customHeaderKey)
	if err != nil {
		return types.ActionContinue
	}
	counter, ok := ctx.plugin.counters[value]
	if !ok {
		name := fmt.Sprintf("%s_value=%s_reporter=wasmgosdk", customHeaderValueMetric, value)
		counter = proxywasm.DefineCounterMetric(name)
		ctx.plugin.counters[value] = counter
	}
	counter.Increment(1)
	proxywasm.LogInfof("incremented the counter for %s=%s", customHeaderKey, value)
	return types.ActionContinue
}
