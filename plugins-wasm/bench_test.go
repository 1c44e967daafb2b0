package pluginswasm_test

import (
	"net/http"
	"testing"

	"github.com/weir-gateway/weir/host/plugintest"
)

// pluginCase is one plugin setup on the test gateway's route, and the headers a
// request needs to pass it.
type pluginCase struct {
	name    string
	setup   func(b *testing.B, gw *plugintest.Gateway)
	headers []string
}

// keyAuth enables key-auth with one consumer whose key is "bench-key".
func keyAuth(b *testing.B, gw *plugintest.Gateway) {
	admin(b, gw, "POST", "/consumers", map[string]any{"username": "bench"})
	admin(b, gw, "POST", "/consumers/bench/key-auth", map[string]any{"key": "bench-key"})
	enable(b, gw, "key-auth", nil)
}

func enable(b *testing.B, gw *plugintest.Gateway, name string, config any) {
	b.Helper()
	if _, err := gw.Enable(name, config); err != nil {
		b.Fatalf("enable %s: %v", name, err)
	}
}

func admin(b *testing.B, gw *plugintest.Gateway, method, path string, body any) {
	b.Helper()
	if err := gw.Admin(method, path, body, nil); err != nil {
		b.Fatalf("%s %s: %v", method, path, err)
	}
}

var pluginCases = []pluginCase{
	{name: "none", setup: func(*testing.B, *plugintest.Gateway) {}},
	{name: "noop", setup: func(b *testing.B, gw *plugintest.Gateway) {
		if err := gw.UploadFile("noop", "../sdk/examples/noop/noop.wasm"); err != nil {
			b.Fatal(err)
		}
		enable(b, gw, "noop", nil)
	}},
	{name: "key-auth", setup: keyAuth, headers: []string{"apikey", "bench-key"}},
	{name: "rate-limiting", setup: func(b *testing.B, gw *plugintest.Gateway) {
		enable(b, gw, "rate-limiting", rateLimit)
	}},
	{name: "request-transformer", setup: func(b *testing.B, gw *plugintest.Gateway) {
		enable(b, gw, "request-transformer", requestTransform)
	}},
	{name: "response-transformer", setup: func(b *testing.B, gw *plugintest.Gateway) {
		enable(b, gw, "response-transformer", map[string]any{"add": map[string]any{"headers": []string{"x-served-by:weir"}}})
	}},
	{name: "cors", setup: func(b *testing.B, gw *plugintest.Gateway) {
		enable(b, gw, "cors", map[string]any{"origins": []string{"https://example.com"}})
	}, headers: []string{"origin", "https://example.com"}},
	{name: "ip-restriction", setup: func(b *testing.B, gw *plugintest.Gateway) {
		enable(b, gw, "ip-restriction", map[string]any{"allow": []string{"127.0.0.0/8"}})
	}},
	{name: "correlation-id", setup: func(b *testing.B, gw *plugintest.Gateway) {
		enable(b, gw, "correlation-id", nil)
	}},
	{name: "key-auth+rate-limiting+request-transformer", setup: func(b *testing.B, gw *plugintest.Gateway) {
		keyAuth(b, gw)
		enable(b, gw, "rate-limiting", rateLimit)
		enable(b, gw, "request-transformer", requestTransform)
	}, headers: []string{"apikey", "bench-key"}},
}

// rateLimit never refuses within a benchmark: the local policy, a limit per hour far
// above what a run sends.
var rateLimit = map[string]any{"hour": 1e9, "policy": "local"}

// requestTransform is a typical edit: a header added from a template, one removed, a
// query argument added.
var requestTransform = map[string]any{
	"add":    map[string]any{"headers": []string{"x-consumer-tier:$(headers.apikey or 'none')"}, "querystring": []string{"source:weir"}},
	"remove": map[string]any{"headers": []string{"x-debug"}},
}

// BenchmarkPluginLatency proxies GET requests through an in-process gateway (loopback
// HTTP, keep-alive, an in-process upstream) with each plugin setup on the route. A
// plugin's added latency is its ns/op minus the "none" case's; docs/BENCHMARKS.md
// records the figures and the command.
func BenchmarkPluginLatency(b *testing.B) {
	for _, c := range pluginCases {
		b.Run(c.name, func(b *testing.B) {
			gw := plugintest.Start(b, plugintest.Options{})
			c.setup(b, gw)
			req := func() {
				resp, err := gw.Get("/bench", c.headers...)
				if err != nil {
					b.Fatal(err)
				}
				if resp.Status != http.StatusOK {
					b.Fatalf("status %d: %s", resp.Status, resp.Body)
				}
			}
			for range 50 { // warm the instances and connections
				req()
			}
			b.ReportAllocs()
			for b.Loop() {
				req()
			}
		})
	}
}
