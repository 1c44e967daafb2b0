//go:build !wasip1

package proxywasm

import "unsafe"

// Native builds have no proxy-wasm host: every host call answers statusNoHost, which
// the public API turns into ErrNoHost. This keeps plugins compiling and vetting with
// the rest of a Go module; running them needs a wasm host.

func proxyLog(uint32, unsafe.Pointer, uint32) uint32          { return statusNoHost }
func proxyGetLogLevel(*uint32) uint32                         { return statusNoHost }
func proxySetTickPeriodMilliseconds(uint32) uint32            { return statusNoHost }
func proxySetEffectiveContext(uint32) uint32                  { return statusNoHost }
func proxyDone() uint32                                       { return statusNoHost }
func proxyGetBufferBytes(_, _, _ uint32, _, _ *uint32) uint32 { return statusNoHost }
func proxySetBufferBytes(_, _, _ uint32, _ unsafe.Pointer, _ uint32) uint32 {
	return statusNoHost
}
func proxyGetHeaderMapPairs(uint32, *uint32, *uint32) uint32       { return statusNoHost }
func proxySetHeaderMapPairs(uint32, unsafe.Pointer, uint32) uint32 { return statusNoHost }
func proxyGetHeaderMapValue(uint32, unsafe.Pointer, uint32, *uint32, *uint32) uint32 {
	return statusNoHost
}
func proxyAddHeaderMapValue(uint32, unsafe.Pointer, uint32, unsafe.Pointer, uint32) uint32 {
	return statusNoHost
}
func proxyReplaceHeaderMapValue(uint32, unsafe.Pointer, uint32, unsafe.Pointer, uint32) uint32 {
	return statusNoHost
}
func proxyRemoveHeaderMapValue(uint32, unsafe.Pointer, uint32) uint32 { return statusNoHost }
func proxyContinueStream(uint32) uint32                               { return statusNoHost }
func proxySendLocalResponse(uint32, unsafe.Pointer, uint32, unsafe.Pointer, uint32, unsafe.Pointer, uint32, int32) uint32 {
	return statusNoHost
}
func proxyGetProperty(unsafe.Pointer, uint32, *uint32, *uint32) uint32 { return statusNoHost }
func proxySetProperty(unsafe.Pointer, uint32, unsafe.Pointer, uint32) uint32 {
	return statusNoHost
}
func proxyCallForeignFunction(unsafe.Pointer, uint32, unsafe.Pointer, uint32, *uint32, *uint32) uint32 {
	return statusNoHost
}
