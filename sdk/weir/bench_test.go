package weir

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/internal/nativehost"
	"github.com/weir-gateway/weir/sdk/proxytest"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

// The SDK's own work per callback, guest side: a host calls proxy_on_request_headers
// on a stream that exists, and the plugin does nothing, or reads four headers. The
// callback is entered the way the wasm exports enter it (nativehost's Guest); host
// calls are answered by proxytest's emulator, so the figures are the SDK's Go work
// (dispatch, decoding, allocation) plus an in-process host, not wasm transitions.
// Run: cd sdk && go test -run '^$' -bench Callback -benchmem ./weir

var benchHeaders = [][2]string{{":method", "GET"}, {":path", "/a/b?c=d"}, {":authority", "example.com"},
	{"user-agent", "bench"}, {"accept", "*/*"}, {"apikey", "secret"}, {"x-request-id", "abc"}, {"content-type", "text/plain"}}

// benchCallback starts the registered plugin, opens one stream and times its headers
// callback.
func benchCallback(b *testing.B) {
	host, reset := proxytest.NewHostEmulator(proxytest.NewEmulatorOption())
	defer reset()
	if st := host.StartPlugin(); st != types.OnPluginStartStatusOK {
		b.Fatalf("OnPluginStart = %v", st)
	}
	id := host.InitializeHttpContext()
	host.CallOnRequestHeaders(id, benchHeaders, false) // sets the stream's headers and the current context
	g := nativehost.CurrentGuest()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if a := g.OnRequestHeaders(id, uint32(len(benchHeaders)), false); a != uint32(types.ActionContinue) {
			b.Fatalf("action %d", a)
		}
	}
}

type rawNoop struct{ types.DefaultHttpContext }

type rawReader struct{ types.DefaultHttpContext }

func (*rawReader) OnHttpRequestHeaders(int, bool) types.Action {
	for _, h := range []string{":path", "apikey", "content-type", "x-missing"} {
		_, _ = proxywasm.GetHttpRequestHeader(h)
	}
	return types.ActionContinue
}

func BenchmarkCallback(b *testing.B) {
	b.Run("proxywasm/noop", func(b *testing.B) {
		proxywasm.SetHttpContext(func(uint32) types.HttpContext { return &rawNoop{} })
		benchCallback(b)
	})
	b.Run("weir/noop", func(b *testing.B) {
		Register(Plugin[struct{}]{OnRequest: func(*Request, *struct{}) Action { return Continue }})
		benchCallback(b)
	})
	b.Run("proxywasm/read-4-headers", func(b *testing.B) {
		proxywasm.SetHttpContext(func(uint32) types.HttpContext { return &rawReader{} })
		benchCallback(b)
	})
	b.Run("weir/read-4-headers", func(b *testing.B) {
		Register(Plugin[struct{}]{OnRequest: func(r *Request, _ *struct{}) Action {
			for _, h := range []string{":path", "apikey", "content-type", "x-missing"} {
				_ = r.Header(h)
			}
			return Continue
		}})
		benchCallback(b)
	})
}
