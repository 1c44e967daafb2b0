package main

import (
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestHelloWorld(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}))
	defer reset()

	if st := host.StartPlugin(); st != types.OnPluginStartStatusOK {
		t.Fatalf("OnPluginStart = %v", st)
	}
	if got := host.GetTickPeriod(); got != tickMilliseconds {
		t.Fatalf("tick period = %d, want %d", got, tickMilliseconds)
	}
	host.Tick()
	logs := strings.Join(host.GetInfoLogs(), "\n")
	for _, want := range []string{"OnPluginStart from Go!", "It's ", "OnTick called"} {
		if !strings.Contains(logs, want) {
			t.Errorf("info logs lack %q:\n%s", want, logs)
		}
	}
}
