package main

import (
	"slices"
	"testing"

	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestProperties(t *testing.T) {
	tests := []struct {
		route   string
		headers [][2]string
		status  uint32 // 0: let through
		log     string
	}{
		{"one", nil, 401, `auth header is "cookie"`},
		{"one", [][2]string{{"cookie", "value"}}, 0, `auth header is "cookie"`},
		{"two", nil, 401, `auth header is "authorization"`},
		{"two", [][2]string{{"authorization", "token"}}, 0, `auth header is "authorization"`},
		{"three", nil, 0, "no auth header for route"},
	}
	for _, tt := range tests {
		host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}).
			WithPluginConfiguration([]byte(`{"routes":{"one":"cookie","two":"authorization"}}`)).
			WithProperty([]string{"route_name"}, []byte(tt.route)))
		host.StartPlugin()
		id := host.InitializeHttpContext()
		host.CallOnRequestHeaders(id, tt.headers, true)
		local := host.GetSentLocalResponse(id)
		if tt.status == 0 && local != nil || tt.status != 0 && (local == nil || local.StatusCode != tt.status) {
			t.Errorf("route %s, headers %v: local response %+v, want %d", tt.route, tt.headers, local, tt.status)
		}
		if !slices.Contains(host.GetInfoLogs(), tt.log) {
			t.Errorf("route %s: logs %q, want %q", tt.route, host.GetInfoLogs(), tt.log)
		}
		reset()
	}
}
