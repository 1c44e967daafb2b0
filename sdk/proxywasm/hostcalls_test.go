package proxywasm_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxytest"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

// These tests run the SDK's host calls against proxytest's emulator, through the
// native build's imports: the same path a plugin's own tests take.

func emulate(t *testing.T, opt *proxytest.EmulatorOption) proxytest.HostEmulator {
	t.Helper()
	host, reset := proxytest.NewHostEmulator(opt.WithVMContext(&vm{}))
	t.Cleanup(reset)
	return host
}

type vm struct{ types.DefaultVMContext }

func (*vm) NewPluginContext(uint32) types.PluginContext { return &plugin{} }

type plugin struct{ types.DefaultPluginContext }

func (*plugin) NewHttpContext(uint32) types.HttpContext { return &stream{} }

// stream runs the test's function in its request headers callback.
type stream struct{ types.DefaultHttpContext }

var onHeaders func()

func (*stream) OnHttpRequestHeaders(int, bool) types.Action {
	if onHeaders != nil {
		onHeaders()
	}
	return types.ActionContinue
}

func TestSharedDataCAS(t *testing.T) {
	emulate(t, proxytest.NewEmulatorOption())
	if _, _, err := proxywasm.GetSharedData("k"); !errors.Is(err, types.ErrorStatusNotFound) {
		t.Fatalf("missing key: %v", err)
	}
	if err := proxywasm.SetSharedData("k", []byte("a"), 0); err != nil {
		t.Fatal(err)
	}
	v, cas, err := proxywasm.GetSharedData("k")
	if err != nil || string(v) != "a" {
		t.Fatalf("get = %q, %v", v, err)
	}
	if err := proxywasm.SetSharedData("k", []byte("b"), cas); err != nil {
		t.Fatal(err)
	}
	if err := proxywasm.SetSharedData("k", []byte("c"), cas); !errors.Is(err, types.ErrorStatusCasMismatch) {
		t.Fatalf("stale cas: %v", err)
	}
}

func TestSharedQueue(t *testing.T) {
	host := emulate(t, proxytest.NewEmulatorOption().WithVMID("vm1"))
	id, err := proxywasm.RegisterSharedQueue("q")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := proxywasm.ResolveSharedQueue("vm1", "q"); err != nil || got != id {
		t.Fatalf("resolve = %d, %v; want %d", got, err, id)
	}
	if _, err := proxywasm.ResolveSharedQueue("other", "q"); !errors.Is(err, types.ErrorStatusNotFound) {
		t.Fatalf("resolve in another VM: %v", err)
	}
	_ = proxywasm.EnqueueSharedQueue(id, []byte("x"))
	if host.GetQueueSize(id) != 1 {
		t.Fatal("enqueue did not land")
	}
	if v, err := proxywasm.DequeueSharedQueue(id); err != nil || string(v) != "x" {
		t.Fatalf("dequeue = %q, %v", v, err)
	}
	if _, err := proxywasm.DequeueSharedQueue(id); !errors.Is(err, types.ErrorStatusEmpty) {
		t.Fatalf("empty queue: %v", err)
	}
}

func TestMetrics(t *testing.T) {
	host := emulate(t, proxytest.NewEmulatorOption())
	c := proxywasm.DefineCounterMetric("c")
	c.Increment(2)
	c.Increment(3)
	g := proxywasm.DefineGaugeMetric("g")
	g.Add(10)
	g.Add(-4)
	h := proxywasm.DefineHistogramMetric("h")
	h.Record(7)
	if c.Value() != 5 || g.Value() != 6 || h.Value() != 7 {
		t.Fatalf("values %d %d %d", c.Value(), g.Value(), h.Value())
	}
	if v, _ := host.GetCounterMetric("c"); v != 5 {
		t.Fatalf("host sees counter %d", v)
	}
	if proxywasm.DefineCounterMetric("c") != c {
		t.Fatal("defining a name twice gave another metric")
	}
}

func TestPropertiesAndTrailers(t *testing.T) {
	pairs := []byte{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 'a', 0, 'b', 0}
	host := emulate(t, proxytest.NewEmulatorOption().WithProperty([]string{"request", "headers"}, pairs))
	if m, err := proxywasm.GetPropertyMap([]string{"request", "headers"}); err != nil || !reflect.DeepEqual(m, [][2]string{{"a", "b"}}) {
		t.Fatalf("property map = %v, %v", m, err)
	}
	if err := proxywasm.SetProperty([]string{"weir", "ctx", "k"}, []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, _ := host.GetProperty([]string{"weir", "ctx", "k"}); string(v) != "v" {
		t.Fatalf("host sees %q", v)
	}
	var trailerErr error
	onHeaders = func() {
		_ = proxywasm.AddHttpRequestTrailer("t", "1")
		_, trailerErr = proxywasm.GetHttpRequestTrailer("t")
	}
	defer func() { onHeaders = nil }()
	id := host.InitializeHttpContext()
	host.CallOnRequestHeaders(id, nil, false)
	if trailerErr != nil {
		t.Fatalf("trailer: %v", trailerErr)
	}
}

func TestDispatchHttpCallAnswersTheCaller(t *testing.T) {
	host := emulate(t, proxytest.NewEmulatorOption())
	var got string
	onHeaders = func() {
		_, err := proxywasm.DispatchHttpCall("svc", [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "svc"}}, nil, nil, 1000,
			func(n, size, _ int) {
				body, _ := proxywasm.GetHttpCallResponseBody(0, size)
				got = string(body)
				_ = proxywasm.AddHttpRequestHeader("x-answer", got) // acts on the caller's request
			})
		if err != nil {
			t.Error(err)
		}
	}
	defer func() { onHeaders = nil }()
	id := host.InitializeHttpContext()
	host.CallOnRequestHeaders(id, nil, false)
	calls := host.GetCalloutAttributesFromContext(id)
	if len(calls) != 1 {
		t.Fatalf("calls = %v", calls)
	}
	host.CallOnHttpCallResponse(calls[0].CalloutID, [][2]string{{":status", "200"}}, nil, []byte("hi"))
	if got != "hi" || !reflect.DeepEqual(host.GetCurrentRequestHeaders(id), [][2]string{{"x-answer", "hi"}}) {
		t.Fatalf("body %q, request headers %v", got, host.GetCurrentRequestHeaders(id))
	}
	if len(host.GetCalloutAttributesFromContext(id)) != 0 {
		t.Fatal("an answered call is still pending")
	}
	if _, err := proxywasm.DispatchHttpCall("svc", nil, nil, nil, 1, func(int, int, int) {}); !errors.Is(err, types.ErrorStatusBadArgument) {
		t.Fatalf("a call without pseudo-headers: %v", err)
	}
}
