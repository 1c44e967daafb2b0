package main

import (
	"slices"
	"testing"

	"github.com/weir-gateway/weir/sdk/proxytest"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

func TestReceiverDequeues(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}).
		WithVMID("receiver").WithPluginConfiguration([]byte(`{"queue":"http_request_headers"}`)))
	defer reset()
	host.StartPlugin()
	id := host.InitializeHttpContext()
	// Play the sender from a request: resolve the queue and enqueue.
	host.CallOnRequestHeaders(id, nil, true)
	q, err := proxywasm.ResolveSharedQueue("receiver", "http_request_headers")
	if err != nil {
		t.Fatal(err)
	}
	if err := proxywasm.EnqueueSharedQueue(q, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	host.Tick() // a callback: the host announces the queue after it returns
	logs := host.GetInfoLogs()
	for _, want := range []string{"queue registered, name: http_request_headers, id: 1", "dequeued data from http_request_headers(1): hello"} {
		if !slices.Contains(logs, want) {
			t.Errorf("logs lack %q: %q", want, logs)
		}
	}
}
