package main

import (
	"slices"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestHttpHeaders(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}).
		WithPluginConfiguration([]byte(`{"header":"x-wasm-header","value":"demo-wasm"}`)))
	defer reset()
	if st := host.StartPlugin(); st != types.OnPluginStartStatusOK {
		t.Fatal("plugin did not start")
	}
	id := host.InitializeHttpContext()
	if a := host.CallOnRequestHeaders(id, [][2]string{{"key1", "value1"}}, false); a != types.ActionContinue {
		t.Fatalf("request action = %v", a)
	}
	if !slices.Contains(host.GetCurrentRequestHeaders(id), [2]string{"test", "best"}) {
		t.Errorf("request headers = %v, want test: best", host.GetCurrentRequestHeaders(id))
	}
	host.CallOnResponseHeaders(id, [][2]string{{"server", "weir"}}, false)
	got := host.GetCurrentResponseHeaders(id)
	for _, want := range [][2]string{{"x-wasm-header", "demo-wasm"}, {"x-proxy-wasm-go-sdk-example", "http_headers"}} {
		if !slices.Contains(got, want) {
			t.Errorf("response headers = %v, want %v", got, want)
		}
	}
	host.CompleteHttpContext(id)
	logs := host.GetInfoLogs()
	for _, want := range []string{"request header --> key1: value1", "response header <-- server: weir", "2 finished"} {
		if !slices.Contains(logs, want) {
			t.Errorf("logs lack %q: %q", want, logs)
		}
	}
}

func TestHttpHeadersRefusesAnIncompleteConfig(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}).
		WithPluginConfiguration([]byte(`{"header":"x-wasm-header"}`)))
	defer reset()
	if st := host.StartPlugin(); st != types.OnPluginStartStatusFailed {
		t.Fatal("a configuration without value was accepted")
	}
}
