package main

import (
	"slices"
	"testing"

	"github.com/weir-gateway/weir/sdk/proxytest"
)

func TestConfigurations(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}).
		WithVMConfiguration([]byte(`{"name": "vm configuration"}`)).
		WithPluginConfiguration([]byte(`{"name": "plugin configuration"}`)))
	defer reset()
	host.StartVM()
	host.StartPlugin()
	for _, want := range []string{`vm config: {"name": "vm configuration"}`, `plugin config: {"name": "plugin configuration"}`} {
		if !slices.Contains(host.GetInfoLogs(), want) {
			t.Errorf("logs lack %q: %q", want, host.GetInfoLogs())
		}
	}
}
