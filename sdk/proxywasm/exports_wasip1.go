//go:build wasip1

package proxywasm

// The callbacks the host calls. Each one only converts ABI integers and delegates to
// vmstate.go. L4 (TCP) callbacks are not exported: weir hosts HTTP plugins only.

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

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
