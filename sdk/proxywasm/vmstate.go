package proxywasm

import "github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

// vmState holds every context the host created, keyed by context id. The guest is
// single-threaded, so no locking.
type vmState struct {
	vm      types.VMContext
	plugins map[uint32]*pluginState
	streams *streamTable // HTTP and TCP contexts
	// active is the context of the callback running now: DispatchHttpCall files its
	// callback under active's plugin context, so the answer finds it.
	active uint32
}

// pluginState is a plugin context and the HTTP calls it is waiting for.
type pluginState struct {
	ctx      types.PluginContext
	callouts map[uint32]callout // nil until the first call: most roots make none
}

// callout is a dispatched HTTP call: the callback, and the context that made the call,
// which is the effective context while the callback runs.
type callout struct {
	callback func(numHeaders, bodySize, numTrailers int)
	caller   uint32
}

var vm = newVMState(nil)

func newVMState(ctx types.VMContext) vmState {
	return vmState{
		vm:      ctx,
		plugins: map[uint32]*pluginState{},
		streams: &streamTable{},
	}
}

// contextDeleter is an HTTP context that wants to hear of its deletion (the weir
// package recycles its contexts); the types package's interface has no such callback.
type contextDeleter interface{ OnHttpContextDelete() }

// rootID is the plugin context that owns context id (itself, for a plugin context).
func rootID(id uint32) uint32 {
	if s := vm.streams.get(id); s != nil {
		return s.root
	}
	return id
}

// The functions below are what the exported callbacks do, kept apart from the
// wasmexport declarations so they build and test natively.

func onContextCreate(id, parent uint32) {
	vm.active = id
	if vm.vm == nil {
		panic("proxywasm: no VM context: call SetVMContext, SetPluginContext or SetHttpContext in init()")
	}
	if parent == 0 {
		vm.plugins[id] = &pluginState{ctx: vm.vm.NewPluginContext(id)}
		return
	}
	root, ok := vm.plugins[parent]
	if !ok {
		panic("proxywasm: context created under unknown root context")
	}
	// The host does not say whether a stream is HTTP or TCP: an HTTP host creates HTTP
	// contexts, and a plugin context serves the kinds it returns non-nil for. A stream
	// it serves neither way is still recorded, for its root.
	s := stream{id: id, root: parent}
	if s.http = root.ctx.NewHttpContext(id); s.http == nil {
		s.tcp = root.ctx.NewTcpContext(id)
	}
	vm.streams.put(s)
}

func onVMStart(size uint32) bool {
	useReturnBuffer()
	return bool(vm.vm.OnVMStart(int(size)))
}

func onConfigure(id, size uint32) bool {
	vm.active = id
	p, ok := vm.plugins[id]
	return ok && bool(p.ctx.OnPluginStart(int(size)))
}

// onDone asks a plugin context whether it may be finalized; streams always may.
func onDone(id uint32) bool {
	vm.active = id
	if p, ok := vm.plugins[id]; ok {
		return p.ctx.OnPluginDone()
	}
	return true
}

// onLog is where a stream context learns it is over (OnHttpStreamDone, OnStreamDone),
// so it can still read the request and response.
func onLog(id uint32) {
	vm.active = id
	if s := vm.streams.get(id); s != nil && s.http != nil {
		s.http.OnHttpStreamDone()
	} else if s != nil && s.tcp != nil {
		s.tcp.OnStreamDone()
	}
}

// onDelete forgets a context. Calls a stream made and has not had answered are
// dropped with it, as the host cancels them.
func onDelete(id uint32) {
	if s := vm.streams.get(id); s != nil {
		if p, ok := vm.plugins[s.root]; ok && len(p.callouts) > 0 {
			for cid, c := range p.callouts {
				if c.caller == id {
					delete(p.callouts, cid)
				}
			}
		}
		h := s.http // s is the table's slot: read it before removing
		vm.streams.remove(id)
		if d, ok := h.(contextDeleter); ok {
			d.OnHttpContextDelete()
		}
		return
	}
	delete(vm.plugins, id)
}

func onTick(id uint32) {
	vm.active = id
	if p, ok := vm.plugins[id]; ok {
		p.ctx.OnTick()
	}
}

func onQueueReady(id, queueID uint32) {
	vm.active = id
	if p, ok := vm.plugins[id]; ok {
		p.ctx.OnQueueReady(queueID)
	}
}

// onHttpCallResponse runs the callback DispatchHttpCall registered, with the calling
// context as the effective one (weir already makes it current; other hosts may not).
func onHttpCallResponse(root, calloutID, headers, bodySize, trailers uint32) {
	p, ok := vm.plugins[root]
	if !ok {
		return
	}
	c, ok := p.callouts[calloutID]
	if !ok {
		return
	}
	delete(p.callouts, calloutID)
	vm.active = c.caller
	if c.caller != root {
		_ = proxySetEffectiveContext(c.caller)
	}
	c.callback(int(headers), int(bodySize), int(trailers))
}

// httpAction runs f on the HTTP context id; a context the plugin declined (nil from
// NewHttpContext) lets the stream continue.
func httpAction(id uint32, f func(types.HttpContext) types.Action) uint32 {
	vm.active = id
	s := vm.streams.get(id)
	if s == nil || s.http == nil {
		return uint32(types.ActionContinue)
	}
	return uint32(f(s.http))
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

// tcpAction is httpAction for TCP contexts.
func tcpAction(id uint32, f func(types.TcpContext) types.Action) uint32 {
	vm.active = id
	s := vm.streams.get(id)
	if s == nil || s.tcp == nil {
		return uint32(types.ActionContinue)
	}
	return uint32(f(s.tcp))
}

func onNewConnection(id uint32) uint32 {
	return tcpAction(id, func(t types.TcpContext) types.Action { return t.OnNewConnection() })
}

func onDownstreamData(id, size uint32, eos bool) uint32 {
	return tcpAction(id, func(t types.TcpContext) types.Action { return t.OnDownstreamData(int(size), eos) })
}

func onUpstreamData(id, size uint32, eos bool) uint32 {
	return tcpAction(id, func(t types.TcpContext) types.Action { return t.OnUpstreamData(int(size), eos) })
}

func onDownstreamClose(id, peer uint32) {
	vm.active = id
	if s := vm.streams.get(id); s != nil && s.tcp != nil {
		s.tcp.OnDownstreamClose(types.PeerType(peer))
	}
}

func onUpstreamClose(id, peer uint32) {
	vm.active = id
	if s := vm.streams.get(id); s != nil && s.tcp != nil {
		s.tcp.OnUpstreamClose(types.PeerType(peer))
	}
}
