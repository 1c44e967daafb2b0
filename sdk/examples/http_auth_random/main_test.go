package main

import (
	"hash/fnv"
	"slices"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
)

// bodyWithHash finds a body whose FNV-1a hash has the given parity.
func bodyWithHash(even bool) []byte {
	for i := 0; ; i++ {
		b := []byte{byte('a' + i)}
		h := fnv.New32a()
		h.Write(b)
		if (h.Sum32()%2 == 0) == even {
			return b
		}
	}
}

func TestHttpAuthRandom(t *testing.T) {
	for _, granted := range []bool{true, false} {
		host, reset := proxytest.NewHostEmulator(nil)
		id := host.InitializeHttpContext()
		if a := host.CallOnRequestHeaders(id, [][2]string{{"key", "value"}}, false); a != types.ActionPause {
			t.Fatalf("request was not paused: %v", a)
		}
		calls := host.GetCalloutAttributesFromContext(id)
		if len(calls) != 1 || calls[0].Upstream != "httpbin" {
			t.Fatalf("calls = %+v, want one to httpbin", calls)
		}
		host.CallOnHttpCallResponse(calls[0].CalloutID, [][2]string{{":status", "200"}}, nil, bodyWithHash(granted))
		local := host.GetSentLocalResponse(id)
		logs := host.GetInfoLogs()
		if granted {
			if local != nil || host.GetCurrentHttpStreamAction(id) != types.ActionContinue || !slices.Contains(logs, "access granted") {
				t.Errorf("granted: local %+v, action %v, logs %q", local, host.GetCurrentHttpStreamAction(id), logs)
			}
		} else if local == nil || local.StatusCode != 403 || !slices.Contains(logs, "access forbidden") {
			t.Errorf("forbidden: local %+v, logs %q", local, logs)
		}
		if !slices.Contains(logs, "response header from httpbin: :status: 200") {
			t.Errorf("logs = %q", logs)
		}
		reset()
	}
}
