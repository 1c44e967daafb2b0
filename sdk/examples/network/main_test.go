package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
)

// The connection Envoy's e2e makes for this example: an HTTP/1.1 request through the
// TCP proxy to an upstream at 127.0.0.1 whose cluster carries location metadata.
const (
	request  = "GET / HTTP/1.1\r\nHost: localhost:18000\r\nThis-Is-Key: this-is-value\r\nConnection: close\r\n\r\n"
	response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
)

var location = [][2]string{{"region", "ap-northeast-1"}, {"cloud_provider", "aws"}, {"az", "ap-northeast-1a"}}

func TestConnection(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().
		WithVMContext(&vmContext{}).
		WithProperty([]string{"upstream", "address"}, []byte("127.0.0.1:8099")).
		WithPropertyMap([]string{"cluster_metadata", "filter_metadata", "location"}, location))
	defer reset()
	if st := host.StartVM(); st != types.OnVMStartStatusOK {
		t.Fatalf("OnVMStart = %v", st)
	}

	id, action := host.InitializeConnection()
	if action != types.ActionContinue {
		t.Fatalf("OnNewConnection = %v", action)
	}
	if a := host.CallOnDownstreamData(id, []byte(request)); a != types.ActionContinue {
		t.Fatalf("OnDownstreamData = %v", a)
	}
	if a := host.CallOnUpstreamDataEOS(id, []byte(response), true); a != types.ActionContinue {
		t.Fatalf("OnUpstreamData = %v", a)
	}
	// The plugin passes data through untouched.
	if got := string(host.GetCurrentDownstreamData(id)); got != request {
		t.Errorf("downstream data passed on: %q", got)
	}
	if got := string(host.GetCurrentUpstreamData(id)); got != response {
		t.Errorf("upstream data passed on: %q", got)
	}
	host.CloseDownstreamConnectionBy(id, types.PeerTypeRemote)
	host.CompleteConnection(id)

	want := []string{
		"new connection!",
		">>>>>> downstream data received >>>>>>\n" + request,
		"remote address: 127.0.0.1:8099",
		"upstream cluster metadata location[region]=ap-northeast-1",
		"upstream cluster metadata location[cloud_provider]=aws",
		"upstream cluster metadata location[az]=ap-northeast-1a",
		"<<<<<< upstream data received <<<<<<\n" + response,
		"downstream connection close!",
		"connection complete!",
	}
	if got := host.GetInfoLogs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("info logs:\n%q\nwant:\n%q", got, want)
	}
	// What Envoy's e2e looks for in its log.
	all := strings.Join(host.GetInfoLogs(), "\n")
	for _, s := range []string{"This-Is-Key", "this-is-value", "downstream data received", "upstream data received", "remote address: 127.0.0.1:"} {
		if !strings.Contains(all, s) {
			t.Errorf("logs lack %q", s)
		}
	}
	if warn := host.GetWarnLogs(); len(warn) != 0 {
		t.Errorf("warnings: %q", warn)
	}
}

func TestCountsConnections(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}))
	defer reset()
	for range 3 {
		id, _ := host.InitializeConnection()
		host.CompleteConnection(id)
	}
	if n, err := host.GetCounterMetric(connectionCounter); err != nil || n != 3 {
		t.Fatalf("%s = %d, %v; want 3", connectionCounter, n, err)
	}
}

// Without the properties (a host that has no upstream address or metadata) the
// plugin warns and goes on.
func TestUpstreamDataWithoutProperties(t *testing.T) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption().WithVMContext(&vmContext{}))
	defer reset()
	id, _ := host.InitializeConnection()
	if a := host.CallOnUpstreamData(id, []byte("pong")); a != types.ActionContinue {
		t.Fatalf("OnUpstreamData = %v", a)
	}
	if got := string(host.GetCurrentUpstreamData(id)); got != "pong" {
		t.Fatalf("upstream data %q", got)
	}
	if warn := host.GetWarnLogs(); len(warn) != 2 {
		t.Fatalf("warnings: %q", warn)
	}
	want := []string{"new connection!", "remote address: ", "<<<<<< upstream data received <<<<<<\npong"}
	if got := host.GetInfoLogs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("info logs %q, want %q", got, want)
	}
}
