// Command bundle is the one wasm module that carries every built-in plugin: each
// plugin's package registers it under its name, and the gateway creates each root
// context with that name as its root id. One module means one Go runtime per instance
// for all of them, where a module per plugin cost a runtime (and a heap) per plugin.
package main

import (
	"runtime/debug"

	_ "github.com/weir-gateway/weir/plugins-wasm/acl"
	_ "github.com/weir-gateway/weir/plugins-wasm/basic-auth"
	_ "github.com/weir-gateway/weir/plugins-wasm/correlation-id"
	_ "github.com/weir-gateway/weir/plugins-wasm/cors"
	_ "github.com/weir-gateway/weir/plugins-wasm/http-log"
	_ "github.com/weir-gateway/weir/plugins-wasm/ip-restriction"
	_ "github.com/weir-gateway/weir/plugins-wasm/jwt"
	_ "github.com/weir-gateway/weir/plugins-wasm/key-auth"
	_ "github.com/weir-gateway/weir/plugins-wasm/prometheus"
	_ "github.com/weir-gateway/weir/plugins-wasm/rate-limiting"
	_ "github.com/weir-gateway/weir/plugins-wasm/request-size-limiting"
	_ "github.com/weir-gateway/weir/plugins-wasm/request-termination"
	_ "github.com/weir-gateway/weir/plugins-wasm/request-transformer"
	_ "github.com/weir-gateway/weir/plugins-wasm/response-transformer"
)

// softMemoryLimit asks the Go runtime to collect harder as the heap nears 48 MiB, below
// the host's default cap on an instance's memory (wasm_memory_limit, 64 MiB). Fourteen
// plugins share this heap: without it, a heap that is half garbage (GOGC's default)
// can reach the cap that the live data alone stays under, and the instance fails with
// every built-in's requests on it; a full http-log queue does that under load.
const softMemoryLimit = 48 << 20

func init() { debug.SetMemoryLimit(softMemoryLimit) }

// main is empty: a c-shared wasm module never runs it; the imports' init functions
// register the plugins.
func main() {}
