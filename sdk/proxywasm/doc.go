// Package proxywasm is weir's guest SDK for proxy-wasm plugins written in Go and built
// with the standard toolchain:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
//
// Its API has the shape of tetratelabs/proxy-wasm-go-sdk v0.24 and uses that SDK's
// types package (contexts, Action, errors such as types.ErrorStatusNotFound), so Go
// plugin authors find what they know. A plugin registers its contexts in init() and
// keeps an empty main:
//
//	func init() { proxywasm.SetHttpContext(func(id uint32) types.HttpContext { return &filter{} }) }
//	func main() {}
//
// The module announces ABI 0.2.1 and exports proxy_on_memory_allocate. It runs on any
// proxy-wasm 0.2.1 host, not only weir. Built natively (not wasip1), every host call
// returns ErrNoHost, so packages using the SDK still compile and vet with the rest of
// a Go module.
package proxywasm
