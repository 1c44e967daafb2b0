// Package sdk carries the SDK's own source, so the weir binary can write it next to a
// plugin it scaffolds (`weir plugin init`) while the SDK is not published: the plugin's
// go.mod points at that copy with a replace directive. Plugins import the SDK's
// packages (proxywasm, weir, proxytest), never this one.
//
// The embedding package sits at the SDK module's root because go:embed reaches neither
// parent directories nor another module's files; from here it covers the whole module.
package sdk

import "embed"

// Source is the SDK module as plugins build against it: go.mod, go.sum, README.md and
// the proxywasm, proxytest, weir and internal packages (tests included, examples not).
//
//go:embed go.mod go.sum README.md source.go proxywasm proxytest weir internal
var Source embed.FS
