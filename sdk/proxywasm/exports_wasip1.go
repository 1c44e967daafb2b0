//go:build wasip1

package proxywasm

// The callbacks the host calls. Each one only converts ABI integers and delegates to
// vmstate.go. gRPC callbacks are not exported: the API has no gRPC calls (as in the
// tetratelabs SDK v0.24), so a host never has a gRPC answer for this module.

//go:wasmexport proxy_abi_version_0_2_1
func proxyABIVersion021() {}

//go:wasmexport proxy_on_memory_allocate
func proxyOnMemoryAllocate(size uint32) *byte { return allocate(size) }

//go:wasmexport proxy_on_context_create
func proxyOnContextCreate(id, rootID uint32) { onContextCreate(id, rootID) }

//go:wasmexport proxy_on_vm_start
func proxyOnVMStart(_, size uint32) uint32 { return b2u(onVMStart(size)) }

//go:wasmexport proxy_on_configure
func proxyOnConfigure(id, size uint32) uint32 { return b2u(onConfigure(id, size)) }

//go:wasmexport proxy_on_done
func proxyOnDone(id uint32) uint32 { return b2u(onDone(id)) }

//go:wasmexport proxy_on_log
func proxyOnLog(id uint32) { onLog(id) }

//go:wasmexport proxy_on_delete
func proxyOnDelete(id uint32) { onDelete(id) }

//go:wasmexport proxy_on_tick
func proxyOnTick(id uint32) { onTick(id) }

//go:wasmexport proxy_on_queue_ready
func proxyOnQueueReady(id, queueID uint32) { onQueueReady(id, queueID) }

//go:wasmexport proxy_on_request_headers
func proxyOnRequestHeaders(id, n, eos uint32) uint32 { return onRequestHeaders(id, n, eos != 0) }

//go:wasmexport proxy_on_request_body
func proxyOnRequestBody(id, size, eos uint32) uint32 { return onRequestBody(id, size, eos != 0) }

//go:wasmexport proxy_on_request_trailers
func proxyOnRequestTrailers(id, n uint32) uint32 { return onRequestTrailers(id, n) }

//go:wasmexport proxy_on_response_headers
func proxyOnResponseHeaders(id, n, eos uint32) uint32 { return onResponseHeaders(id, n, eos != 0) }

//go:wasmexport proxy_on_response_body
func proxyOnResponseBody(id, size, eos uint32) uint32 { return onResponseBody(id, size, eos != 0) }

//go:wasmexport proxy_on_response_trailers
func proxyOnResponseTrailers(id, n uint32) uint32 { return onResponseTrailers(id, n) }

//go:wasmexport proxy_on_http_call_response
func proxyOnHttpCallResponse(root, calloutID, headers, bodySize, trailers uint32) {
	onHttpCallResponse(root, calloutID, headers, bodySize, trailers)
}

//go:wasmexport proxy_on_new_connection
func proxyOnNewConnection(id uint32) uint32 { return onNewConnection(id) }

//go:wasmexport proxy_on_downstream_data
func proxyOnDownstreamData(id, size, eos uint32) uint32 { return onDownstreamData(id, size, eos != 0) }

//go:wasmexport proxy_on_downstream_connection_close
func proxyOnDownstreamConnectionClose(id, peer uint32) { onDownstreamClose(id, peer) }

//go:wasmexport proxy_on_upstream_data
func proxyOnUpstreamData(id, size, eos uint32) uint32 { return onUpstreamData(id, size, eos != 0) }

//go:wasmexport proxy_on_upstream_connection_close
func proxyOnUpstreamConnectionClose(id, peer uint32) { onUpstreamClose(id, peer) }

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
