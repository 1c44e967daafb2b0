// Command sender is the sending half of the tetratelabs SDK's shared_queue example,
// written for weir. It enqueues every request header, as
// {"key": ":method","value": "GET"}, to the queue "http_request_headers" of the VM
// "receiver", and every response header to "http_response_headers", logging
// "enqueued data: ...". The queues are resolved on first use, since in weir the
// receiver registers them when its own plugin context starts.
package main

import (
	"fmt"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

const (
	receiverVMID        = "receiver"
	requestHeadersQueue = "http_request_headers"
	responseHeaderQueue = "http_response_headers"
)

func init() { proxywasm.SetVMContext(&vmContext{}) }

func main() {}

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext {
	return &senderPluginContext{queues: map[string]uint32{}}
}

type senderPluginContext struct {
	types.DefaultPluginContext
	queues map[string]uint32
}

// queue resolves a queue of the receiver once.
func (ctx *senderPluginContext) queue(name string) (uint32, bool) {
	if id, ok := ctx.queues[name]; ok {
		return id, true
	}
	id, err := proxywasm.ResolveSharedQueue(receiverVMID, name)
	if err != nil {
		proxywasm.LogCriticalf("error resolving queue %s of %s: %v", name, receiverVMID, err)
		return 0, false
	}
	ctx.queues[name] = id
	return id, true
}

func (ctx *senderPluginContext) NewHttpContext(uint32) types.HttpContext {
	return &senderHttpContext{plugin: ctx}
}

type senderHttpContext struct {
	types.DefaultHttpContext
	plugin *senderPluginContext
}

func (ctx *senderHttpContext) OnHttpRequestHeaders(int, bool) types.Action {
	hs, err := proxywasm.GetHttpRequestHeaders()
	if err == nil {
		ctx.enqueue(requestHeadersQueue, hs)
	}
	return types.ActionContinue
}

func (ctx *senderHttpContext) OnHttpResponseHeaders(int, bool) types.Action {
	hs, err := proxywasm.GetHttpResponseHeaders()
	if err == nil {
		ctx.enqueue(responseHeaderQueue, hs)
	}
	return types.ActionContinue
}

func (ctx *senderHttpContext) enqueue(queue string, headers [][2]string) {
	id, ok := ctx.plugin.queue(queue)
	if !ok {
		return
	}
	for _, h := range headers {
		data := fmt.Sprintf(`{"key": %q,"value": %q}`, h[0], h[1])
		if err := proxywasm.EnqueueSharedQueue(id, []byte(data)); err != nil {
			proxywasm.LogCriticalf("error enqueueing: %v", err)
			continue
		}
		proxywasm.LogInfof("enqueued data: %s", data)
	}
}
