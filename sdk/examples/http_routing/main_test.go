package main

import (
	"slices"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestHttpRouting(t *testing.T) {
	for _, canary := range []bool{true, false} {
		vm := &routingVM{coin: func() bool { return canary }}
		host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(vm))
		id := host.InitializeHttpContext()
		host.CallOnRequestHeaders(id, [][2]string{{":authority", "my-host.com"}}, false)
		want := "my-host.com"
		if canary {
			want += "-canary"
		}
		if got := host.GetCurrentRequestHeaders(id); !slices.Contains(got, [2]string{":authority", want}) {
			t.Errorf("canary %v: headers %v, want :authority %s", canary, got, want)
		}
		reset()
	}
}

type routingVM struct {
	types.DefaultVMContext
	coin func() bool
}

func (v *routingVM) NewPluginContext(uint32) types.PluginContext { return &routingPlugin{coin: v.coin} }

type routingPlugin struct {
	types.DefaultPluginContext
	coin func() bool
}

func (p *routingPlugin) NewHttpContext(uint32) types.HttpContext { return &httpRouting{coin: p.coin} }
