package main

import (
	"testing"

	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestMetric(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}))
	defer reset()
	send := func(value string, times int) {
		for i := 0; i < times; i++ {
			id := host.InitializeHttpContext()
			host.CallOnRequestHeaders(id, [][2]string{{"my-custom-header", value}}, true)
			host.CompleteHttpContext(id)
		}
	}
	send("foo", 3)
	send("bar", 5)
	for value, want := range map[string]uint64{"foo": 3, "bar": 5} {
		got, err := host.GetCounterMetric("custom_header_value_counts_value=" + value + "_reporter=wasmgosdk")
		if err != nil || got != want {
			t.Errorf("counter for %s = %d, %v; want %d", value, got, err, want)
		}
	}
}
