// Command bundle is the one wasm module that carries every built-in plugin: each
// plugin's package registers it under its name, and the gateway creates each root
// context with that name as its root id. One module means one Go runtime per instance
// for all of them, where a module per plugin cost a runtime (and a heap) per plugin.
package main

import (
	_ "github.com/weir-gateway/weir/plugins-wasm/acl"
	_ "github.com/weir-gateway/weir/plugins-wasm/basic-auth"
	_ "github.com/weir-gateway/weir/plugins-wasm/correlation-id"
	_ "github.com/weir-gateway/weir/plugins-wasm/cors"
	_ "github.com/weir-gateway/weir/plugins-wasm/http-log"
	_ "github.com/weir-gateway/weir/plugins-wasm/ip-restriction"
	_ "github.com/weir-gateway/weir/plugins-wasm/jwt"
	_ "github.com/weir-gateway/weir/plugins-wasm/prometheus"
	_ "github.com/weir-gateway/weir/plugins-wasm/request-size-limiting"
	_ "github.com/weir-gateway/weir/plugins-wasm/request-termination"
)

// The module's Go runtime collects harder as its heap nears three quarters of the
// instance's memory cap: weir puts GOMEMLIMIT in every instance's environment
// (abi.goMemLimit). The Go built-ins share this heap; without a soft limit, a heap
// that is half garbage (GOGC's default) can reach the cap that the live data alone
// stays under, and the instance fails with every built-in's requests on it (a full
// http-log queue under load did that).

// main is empty: a c-shared wasm module never runs it; the imports' init functions
// register the plugins.
func main() {}
