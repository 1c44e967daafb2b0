package main

import (
	"slices"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestMultipleDispatches(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(nil)
	defer reset()
	id := host.InitializeHttpContext()
	if a := host.CallOnResponseHeaders(id, nil, false); a != types.ActionPause {
		t.Fatalf("action = %v, want pause", a)
	}
	calls := host.GetCalloutAttributesFromContext(id)
	if len(calls) != totalDispatchNum {
		t.Fatalf("%d calls, want %d", len(calls), totalDispatchNum)
	}
	for i, c := range calls {
		host.CallOnHttpCallResponse(c.CalloutID, [][2]string{{":status", "200"}}, nil, nil)
		paused := host.GetCurrentHttpStreamAction(id) == types.ActionPause
		if last := i == len(calls)-1; paused == last {
			t.Fatalf("after answer %d: paused %v", i+1, paused)
		}
	}
	logs := host.GetInfoLogs()
	for _, want := range []string{"pending dispatched requests: 9", "pending dispatched requests: 1", "response resumed after processed 10 dispatched request"} {
		if !slices.Contains(logs, want) {
			t.Errorf("logs lack %q: %q", want, logs)
		}
	}
}
