package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestForeignCallOnTick(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}))
	defer reset()
	host.RegisterForeignFunction(function, func(args []byte) []byte { return []byte(`{"found":false}`) })
	host.StartPlugin()
	for i := 1; i <= 3; i++ {
		host.Tick()
		want := fmt.Sprintf(`foreign function (weir.find_consumer) called: %d, result: {"found":false}, error: <nil>`, i)
		if !slices.Contains(host.GetInfoLogs(), want) {
			t.Fatalf("logs = %q, want %q", host.GetInfoLogs(), want)
		}
	}
}
