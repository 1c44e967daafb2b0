// Command noop is a plugin that does nothing: an HTTP context whose callbacks all
// continue. weir's benchmarks use it to measure what the wasm host itself costs a
// request (docs/BENCHMARKS.md).
package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

func init() {
	proxywasm.SetHttpContext(func(uint32) types.HttpContext { return &stream{} })
}

// main is empty: a c-shared wasm module never runs it; init registers the plugin.
func main() {}

// stream continues in every phase.
type stream struct {
	types.DefaultHttpContext
}
