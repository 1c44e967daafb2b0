package main

import (
	"slices"
	"testing"

	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestSharedData(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}))
	defer reset()
	host.StartVM()
	host.StartVM() // a second instance must not reset the count
	for i := 0; i < 10; i++ {
		id := host.InitializeHttpContext()
		host.CallOnRequestHeaders(id, nil, true)
		host.CompleteHttpContext(id)
	}
	if logs := host.GetInfoLogs(); !slices.Contains(logs, "shared value: 10") {
		t.Fatalf("logs = %q", logs)
	}
}
