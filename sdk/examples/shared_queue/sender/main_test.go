package main

import (
	"slices"
	"testing"

	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestSenderEnqueues(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}))
	defer reset()
	id := host.InitializeHttpContext()
	host.CallOnRequestHeaders(id, [][2]string{{":method", "GET"}}, true)
	if !slices.Contains(host.GetCriticalLogs(), "error resolving queue http_request_headers of receiver: error status returned by host: not found") {
		t.Fatalf("an unregistered queue was not reported: %q", host.GetCriticalLogs())
	}
}
