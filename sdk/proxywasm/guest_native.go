//go:build !wasip1

package proxywasm

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/internal/nativehost"
)

// In a native build, the callbacks a wasm host would call through exports are offered
// to an emulated host (package proxytest) through nativehost.
func init() { nativehost.SetGuest(guest{}) }

// guest is the native stand-in for the module's exports.
type guest struct{}

func (guest) SetVMContext(ctx types.VMContext) { vm = newVMState(ctx) }
func (guest) VMContext() types.VMContext       { return vm.vm }

func (guest) OnContextCreate(id, root uint32)  { onContextCreate(id, root) }
func (guest) OnVMStart(_, size uint32) bool    { return onVMStart(size) }
func (guest) OnConfigure(id, size uint32) bool { return onConfigure(id, size) }
func (guest) OnDone(id uint32) bool            { return onDone(id) }
func (guest) OnLog(id uint32)                  { onLog(id) }
func (guest) OnDelete(id uint32)               { onDelete(id) }
func (guest) OnTick(id uint32)                 { onTick(id) }
func (guest) OnQueueReady(id, q uint32)        { onQueueReady(id, q) }
func (guest) OnRequestHeaders(id, n uint32, e bool) uint32 {
	return onRequestHeaders(id, n, e)
}
func (guest) OnRequestBody(id, n uint32, e bool) uint32 { return onRequestBody(id, n, e) }
func (guest) OnRequestTrailers(id, n uint32) uint32     { return onRequestTrailers(id, n) }
func (guest) OnResponseHeaders(id, n uint32, e bool) uint32 {
	return onResponseHeaders(id, n, e)
}
func (guest) OnResponseBody(id, n uint32, e bool) uint32 { return onResponseBody(id, n, e) }
func (guest) OnResponseTrailers(id, n uint32) uint32     { return onResponseTrailers(id, n) }
func (guest) OnHttpCallResponse(root, c, h, b, t uint32) {
	onHttpCallResponse(root, c, h, b, t)
}
func (guest) OnNewConnection(id uint32) uint32             { return onNewConnection(id) }
func (guest) OnDownstreamData(id, n uint32, e bool) uint32 { return onDownstreamData(id, n, e) }
func (guest) OnDownstreamClose(id, peer uint32)            { onDownstreamClose(id, peer) }
func (guest) OnUpstreamData(id, n uint32, e bool) uint32   { return onUpstreamData(id, n, e) }
func (guest) OnUpstreamClose(id, peer uint32)              { onUpstreamClose(id, peer) }
