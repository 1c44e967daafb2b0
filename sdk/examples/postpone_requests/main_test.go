package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestPostponeRequests(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}))
	defer reset()
	host.StartPlugin()
	id := host.InitializeHttpContext()
	if a := host.CallOnRequestHeaders(id, nil, false); a != types.ActionPause {
		t.Fatalf("action = %v, want pause", a)
	}
	host.Tick()
	if a := host.GetCurrentHttpStreamAction(id); a != types.ActionContinue {
		t.Fatalf("after the tick the request is still %v", a)
	}
	logs := host.GetInfoLogs()
	for _, want := range []string{fmt.Sprintf("postpone request with contextID=%d", id), fmt.Sprintf("resume request with contextID=%d", id)} {
		if !slices.Contains(logs, want) {
			t.Errorf("logs lack %q: %q", want, logs)
		}
	}
}
