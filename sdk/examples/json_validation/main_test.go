package main

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestJSONValidation(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		want        uint32 // 0: let through
	}{
		{"not JSON content", "text/plain", "x", 403},
		{"no body", "application/json", "", 403},
		{"not an object", "application/json", "[1]", 403},
		{"missing key", "application/json", `{"id":"abc123"}`, 403},
		{"valid", "application/json", `{"id":"abc123","token":"xyz456"}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}).
				WithPluginConfiguration([]byte(`{"requiredKeys":["id","token"]}`)))
			defer reset()
			if host.StartPlugin() != types.OnPluginStartStatusOK {
				t.Fatal("plugin did not start")
			}
			id := host.InitializeHttpContext()
			host.CallOnRequestHeaders(id, [][2]string{{"content-type", tt.contentType}}, tt.body == "")
			if host.GetSentLocalResponse(id) == nil && tt.body != "" {
				host.CallOnRequestBody(id, []byte(tt.body), true)
			}
			local := host.GetSentLocalResponse(id)
			switch {
			case tt.want == 0 && local != nil:
				t.Fatalf("refused with %d: %s", local.StatusCode, local.Data)
			case tt.want != 0 && (local == nil || local.StatusCode != tt.want):
				t.Fatalf("local response = %+v, want %d", local, tt.want)
			}
		})
	}
}
