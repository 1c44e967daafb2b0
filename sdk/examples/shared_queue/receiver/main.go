// Command receiver is the receiving half of the tetratelabs SDK's shared_queue example,
// written for weir: upload it as the module "receiver" (its VM id in weir is the
// module's name, which the sender resolves).
//
// Configuration: {"queue": "http_request_headers"} (or the queue name as a JSON
// string). The plugin registers that queue ("queue registered, name: ..., id: ...")
// and logs every item enqueued: "dequeued data from NAME(ID): DATA".
package main

import (
	"encoding/json"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(contextID uint32) types.PluginContext {
	return &receiverPluginContext{contextID: contextID}
}

type receiverPluginContext struct {
	types.DefaultPluginContext
	contextID uint32
	queueName string
}

func (ctx *receiverPluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil {
		proxywasm.LogCriticalf("error reading plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	var cfg struct {
		Queue string `json:"queue"`
	}
	if json.Unmarshal(data, &ctx.queueName) != nil {
		if err := json.Unmarshal(data, &cfg); err != nil {
			proxywasm.LogCriticalf("configuration is not a queue name: %v", err)
			return types.OnPluginStartStatusFailed
		}
		ctx.queueName = cfg.Queue
	}
	if ctx.queueName == "" {
		proxywasm.LogCritical(`configuration must name a queue: {"queue": "..."}`)
		return types.OnPluginStartStatusFailed
	}
	queueID, err := proxywasm.RegisterSharedQueue(ctx.queueName)
	if err != nil {
		proxywasm.LogCriticalf("failed to register queue %s: %v", ctx.queueName, err)
		return types.OnPluginStartStatusFailed
	}
	proxywasm.LogInfof("queue registered, name: %s, id: %d", ctx.queueName, queueID)
	return types.OnPluginStartStatusOK
}

func (ctx *receiverPluginContext) OnQueueReady(queueID uint32) {
	for {
		data, err := proxywasm.DequeueSharedQueue(queueID)
		if err != nil {
			return // types.ErrorStatusEmpty: all read
		}
		proxywasm.LogInfof("dequeued data from %s(%d): %s", ctx.queueName, queueID, data)
	}
}

// NewHttpContext lets requests through: the plugin is enabled on a route only so that
// weir starts its plugin context.
func (ctx *receiverPluginContext) NewHttpContext(uint32) types.HttpContext {
	return &types.DefaultHttpContext{}
}
