// Command http_routing sends about half of the requests to a canary: the tetratelabs
// SDK's http_routing example, written for weir.
//
// On each request, at random, it appends "-canary" to :authority. In Envoy the
// authority selects the cluster; in weir it becomes the Host header the upstream sees
// when the route preserves the host, so an upstream (or a virtual host behind it) can
// tell the two apart.
package main

import (
	"crypto/rand"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

func init() {
	proxywasm.SetHttpContext(func(uint32) types.HttpContext { return &httpRouting{} })
}

func main() {}

type httpRouting struct {
	types.DefaultHttpContext
	// coin decides the route; tests replace it.
	coin func() bool
}

func randomCoin() bool {
	b := make([]byte, 1)
	_, _ = rand.Read(b)
	return b[0]%2 == 0
}

func (ctx *httpRouting) OnHttpRequestHeaders(int, bool) types.Action {
	coin := ctx.coin
	if coin == nil {
		coin = randomCoin
	}
	if !coin() {
		return types.ActionContinue
	}
	authority, err := proxywasm.GetHttpRequestHeader(":authority")
	if err != nil {
		proxywasm.LogCriticalf("failed to get :authority: %v", err)
		return types.ActionContinue
	}
	if err := proxywasm.ReplaceHttpRequestHeader(":authority", authority+"-canary"); err != nil {
		proxywasm.LogCriticalf("failed to set :authority: %v", err)
	}
	return types.ActionContinue
}
