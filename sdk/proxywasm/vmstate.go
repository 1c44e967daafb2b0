package proxywasm

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

// vmState holds every context the host created, keyed by context id. The guest is
// single-threaded, so no locking.
type vmState struct {
	vm      types.VMContext
	plugins map[uint32]types.PluginContext
	https   map[uint32]types.HttpContext
}

var vm = vmState{plugins: map[uint32]types.PluginContext{}, https: map[uint32]types.HttpContext{}}

// The functions below are what the exported callbacks do, kept apart from the
// wasmexport declarations so they build and test natively.

func onContextCreate(id, rootID uint32) {
	if vm.vm == nil {
		panic("proxywasm: no VM context: call SetVMContext, SetPluginContext or SetHttpContext in init()")
	}
	if rootID == 0 {
		vm.plugins[id] = vm.vm.NewPluginContext(id)
		return
	}
	root, ok := vm.plugins[rootID]
	if !ok {
		panic("proxywasm: context created under unknown root context")
	}
	if h := root.NewHttpContext(id); h != nil {
		vm.https[id] = h
	}
}

func onVMStart(size uint32) bool {
	return bool(vm.vm.OnVMStart(int(size)))
}

func onConfigure(id, size uint32) bool {
	p, ok := vm.plugins[id]
	return ok && bool(p.OnPluginStart(int(size)))
}

// onDone asks a plugin context whether it may be finalized; streams always may.
func onDone(id uint32) bool {
	if p, ok := vm.plugins[id]; ok {
		return p.OnPluginDone()
	}
	return true
}

// onLog is where an HTTP context learns its stream is over (OnHttpStreamDone), so it
// can still read the request and response.
func onLog(id uint32) {
	if h, ok := vm.https[id]; ok {
		h.OnHttpStreamDone()
	}
}

func onDelete(id uint32) {
	delete(vm.plugins, id)
	delete(vm.https, id)
}

func onTick(id uint32) {
	if p, ok := vm.plugins[id]; ok {
		p.OnTick()
	}
}

func onQueueReady(id, queueID uint32) {
	if p, ok := vm.plugins[id]; ok {
		p.OnQueueReady(queueID)
	}
}

// httpAction runs f on the HTTP context id; a context the plugin declined (nil from
// NewHttpContext) lets the stream continue.
func httpAction(id uint32, f func(types.HttpContext) types.Action) uint32 {
	h, ok := vm.https[id]
	if !ok {
		return uint32(types.ActionContinue)
	}
	return uint32(f(h))
}

func onRequestHeaders(id, n uint32, eos bool) uint32 {
	return httpAction(id, func(h types.HttpContext) types.Action { return h.OnHttpRequestHeaders(int(n), eos) })
}

func onRequestBody(id, size uint32, eos bool) uint32 {
	return httpAction(id, func(h types.HttpContext) types.Action { return h.OnHttpRequestBody(int(size), eos) })
}

func onRequestTrailers(id, n uint32) uint32 {
	return httpAction(id, func(h types.HttpContext) types.Action { return h.OnHttpRequestTrailers(int(n)) })
}

func onResponseHeaders(id, n uint32, eos bool) uint32 {
	return httpAction(id, func(h types.HttpContext) types.Action { return h.OnHttpResponseHeaders(int(n), eos) })
}

func onResponseBody(id, size uint32, eos bool) uint32 {
	return httpAction(id, func(h types.HttpContext) types.Action { return h.OnHttpResponseBody(int(size), eos) })
}

func onResponseTrailers(id, n uint32) uint32 {
	return httpAction(id, func(h types.HttpContext) types.Action { return h.OnHttpResponseTrailers(int(n)) })
}
