package main

import (
	"slices"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestSetBody(t *testing.T) {
	tests := []struct{ at, op, want string }{
		{"request", "append", "[original body][this is appended body]"},
		{"request", "prepend", "[this is prepended body][original body]"},
		{"request", "replace", "[this is replaced body]"},
		{"response", "append", "[original body][this is appended body]"},
		{"response", "prepend", "[this is prepended body][original body]"},
		{"response", "invalid", "[this is replaced body]"},
	}
	for _, tt := range tests {
		t.Run(tt.at+" "+tt.op, func(t *testing.T) {
			host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption()) // the contexts init registered
			defer reset()
			id := host.InitializeHttpContext()
			host.CallOnRequestHeaders(id, [][2]string{{"buffer-replace-at", tt.at}, {"buffer-operation", tt.op}}, false)
			body := []byte("[original body]")
			if a := host.CallOnRequestBody(id, body[:3], false); a != types.ActionPause && tt.at == "request" {
				t.Fatalf("a partial body did not pause: %v", a)
			}
			host.CallOnRequestBody(id, body, true)
			host.CallOnResponseHeaders(id, nil, false)
			host.CallOnResponseBody(id, body, true)
			got := host.GetCurrentRequestBody(id)
			if tt.at == "response" {
				got = host.GetCurrentResponseBody(id)
			}
			if string(got) != tt.want {
				t.Fatalf("%s body = %q, want %q", tt.at, got, tt.want)
			}
			if !slices.Contains(host.GetInfoLogs(), "original "+tt.at+" body: [original body]") {
				t.Errorf("logs = %q", host.GetInfoLogs())
			}
		})
	}
}
