package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestDispatchCallOnTick(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}))
	defer reset()
	host.StartPlugin()
	if host.GetTickPeriod() != tickMilliseconds {
		t.Fatalf("tick period = %d", host.GetTickPeriod())
	}
	for i := 1; i <= 4; i++ {
		host.Tick()
		calls := host.GetCalloutAttributesFromContext(proxytest.PluginContextID)
		if len(calls) != 1 || calls[0].Upstream != "web_service" {
			t.Fatalf("tick %d: calls %+v", i, calls)
		}
		wantPath := map[bool]string{true: "/ok", false: "/fail"}[i%2 == 1]
		if !slices.Contains(calls[0].Headers, [2]string{":path", wantPath}) {
			t.Errorf("tick %d: headers %v, want :path %s", i, calls[0].Headers, wantPath)
		}
		host.CallOnHttpCallResponse(calls[0].CalloutID, [][2]string{{":status", "200"}}, nil, nil)
		if logs := host.GetInfoLogs(); !slices.Contains(logs, fmt.Sprintf("called %d for contextID=%d", i, proxytest.PluginContextID)) {
			t.Fatalf("logs = %q", logs)
		}
	}
	if !slices.Contains(host.GetInfoLogs(), ":status: 200") {
		t.Errorf("the answer's headers were not logged: %q", host.GetInfoLogs())
	}
}
