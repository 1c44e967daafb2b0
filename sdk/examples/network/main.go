// Command network is an L4 (TCP) filter that logs what passes through a connection:
// the tetratelabs SDK's network example, ported to weir's SDK by changing its import
// path (and registering in init, as every wasip1 plugin must).
//
// It logs "new connection!" when a connection opens, each chunk of data from the
// client (">>>>>> downstream data received >>>>>>" and the bytes) and from the
// upstream ("<<<<<< upstream data received <<<<<<" and the bytes), "downstream
// connection close!" and, when the connection is over, "connection complete!",
// counting connections in the counter proxy_wasm_go.connection_counter. On upstream
// data it also logs the upstream's address (property upstream.address: "remote
// address: 127.0.0.1:8099") and every key of the upstream cluster's metadata under
// filter_metadata.location ("upstream cluster metadata location[region]=...").
//
// weir runs it on its TCP proxy (stream_listen) when it is enabled on a stream route
// or service with protocols tcp or tls (cmd/weir's TestStreamProxy); weir's services
// carry no Envoy cluster metadata, so there it logs that it found none. It also runs
// under proxytest (see main_test.go) and in other L4 hosts such as Envoy's network
// filter.
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

const connectionCounter = "proxy_wasm_go.connection_counter"

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

// NewPluginContext defines the connection counter the plugin's TCP contexts share.
func (*vmContext) NewPluginContext(uint32) types.PluginContext {
	return &pluginContext{connections: proxywasm.DefineCounterMetric(connectionCounter)}
}

type pluginContext struct {
	types.DefaultPluginContext
	connections proxywasm.MetricCounter
}

func (p *pluginContext) NewTcpContext(uint32) types.TcpContext {
	return &tcpContext{connections: p.connections}
}

// tcpContext is one connection.
type tcpContext struct {
	types.DefaultTcpContext
	connections proxywasm.MetricCounter
}

func (*tcpContext) OnNewConnection() types.Action {
	proxywasm.LogInfo("new connection!")
	return types.ActionContinue
}

func (*tcpContext) OnDownstreamData(size int, _ bool) types.Action {
	if size == 0 {
		return types.ActionContinue
	}
	data, err := proxywasm.GetDownstreamData(0, size)
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCriticalf("reading the downstream data: %v", err)
		return types.ActionContinue
	}
	proxywasm.LogInfof(">>>>>> downstream data received >>>>>>\n%s", data)
	return types.ActionContinue
}

func (*tcpContext) OnDownstreamClose(types.PeerType) {
	proxywasm.LogInfo("downstream connection close!")
}

func (*tcpContext) OnUpstreamData(size int, _ bool) types.Action {
	if size == 0 {
		return types.ActionContinue
	}
	// Where the upstream connection goes, as the host reports it.
	addr, err := proxywasm.GetProperty([]string{"upstream", "address"})
	if err != nil {
		proxywasm.LogWarnf("no upstream address: %v", err)
	}
	proxywasm.LogInfof("remote address: %s", addr)

	// The upstream cluster's metadata, as configured in the host.
	location, err := proxywasm.GetPropertyMap([]string{"cluster_metadata", "filter_metadata", "location"})
	if err != nil {
		proxywasm.LogWarnf("no location metadata for the upstream cluster: %v", err)
	}
	for _, kv := range location {
		proxywasm.LogInfof("upstream cluster metadata location[%s]=%s", kv[0], kv[1])
	}

	data, err := proxywasm.GetUpstreamData(0, size)
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCriticalf("reading the upstream data: %v", err)
	}
	proxywasm.LogInfof("<<<<<< upstream data received <<<<<<\n%s", data)
	return types.ActionContinue
}

func (c *tcpContext) OnStreamDone() {
	c.connections.Increment(1)
	proxywasm.LogInfo("connection complete!")
}
