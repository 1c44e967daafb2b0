package host

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/pipeline"
	pluginswasm "github.com/weir-gateway/weir/plugins-wasm"
	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/declarative"
	"github.com/weir-gateway/weir/store/embedded"
	"github.com/weir-gateway/weir/store/schema"
)

// chainCases are the performance targets' plugin setups (scripts/bench/gen-config.sh
// writes the same ones for the side-by-side run): a declarative configuration each,
// and the request that passes it.
var chainCases = []struct {
	name    string
	config  string
	headers [][2]string
}{
	{name: "none", config: `{"_format_version":"3.0","services":[{"name":"s","url":"http://backend.local/",
		"routes":[{"name":"r","paths":["/"]}]}]}`},
	{name: "key-auth", config: `{"_format_version":"3.0","services":[{"name":"s","url":"http://backend.local/",
		"routes":[{"name":"r","paths":["/"],"plugins":[{"name":"key-auth"}]}]}],
		"consumers":[{"username":"user-1","keyauth_credentials":[{"key":"key-1"}]}]}`,
		headers: [][2]string{{"apikey", "key-1"}}},
	{name: "rate-limiting", config: `{"_format_version":"3.0","services":[{"name":"s","url":"http://backend.local/",
		"routes":[{"name":"r","paths":["/"],"plugins":[{"name":"rate-limiting","config":{"hour":1000000000,"policy":"local"}}]}]}]}`},
	{name: "key-auth+rate-limiting", config: `{"_format_version":"3.0","services":[{"name":"s","url":"http://backend.local/",
		"routes":[{"name":"r","paths":["/"],"plugins":[{"name":"key-auth"},
			{"name":"rate-limiting","config":{"hour":1000000000,"policy":"local"}}]}]}],
		"consumers":[{"username":"user-1","keyauth_credentials":[{"key":"key-1"}]}]}`,
		headers: [][2]string{{"apikey", "key-1"}}},
	{name: "key-auth+rate-limiting+transformers", config: `{"_format_version":"3.0","services":[{"name":"s","url":"http://backend.local/json",
		"routes":[{"name":"r","paths":["/"],"plugins":[{"name":"key-auth"},
			{"name":"rate-limiting","config":{"hour":1000000000,"policy":"local"}},
			{"name":"request-transformer","config":{"add":{"headers":["x-bench:1"],"querystring":["source:weir"]},"remove":{"headers":["x-drop"]}}},
			{"name":"response-transformer","config":{"add":{"json":["served_by:weir"],"headers":["x-served-by:weir"]},"remove":{"json":["drop"]}}}]}]}],
		"consumers":[{"username":"user-1","keyauth_credentials":[{"key":"key-1"}]}]}`,
		headers: [][2]string{{"apikey", "key-1"}}},
	{name: "request-transformer", config: `{"_format_version":"3.0","services":[{"name":"s","url":"http://backend.local/json",
		"routes":[{"name":"r","paths":["/"],"plugins":[
			{"name":"request-transformer","config":{"add":{"headers":["x-bench:1"],"querystring":["source:weir"]},"remove":{"headers":["x-drop"]}}}]}]}]}`},
	{name: "response-transformer", config: `{"_format_version":"3.0","services":[{"name":"s","url":"http://backend.local/json",
		"routes":[{"name":"r","paths":["/"],"plugins":[
			{"name":"response-transformer","config":{"add":{"json":["served_by:weir"],"headers":["x-served-by:weir"]},"remove":{"json":["drop"]}}}]}]}]}`},
}

// jsonUpstream answers every request in memory with a small JSON body, as the
// benchmark's nginx upstream does.
//
// It answers in storage it keeps, as the front end's exchange keeps its own, so that
// BuiltinChain's allocs/op are the gateway's alone. It serves one exchange at a time.
type jsonUpstream struct{ body []byte }

const jsonUpstreamBody = `{"message":"hello from the upstream","drop":true}` + "\n"

func (u *jsonUpstream) Do(_ context.Context, _ *store.Service, req *pipeline.UpstreamRequest, resp *pipeline.Message) error {
	req.RemoteAddr, req.LocalAddr = "192.0.2.7:80", "192.0.2.1:40001"
	resp.Headers.Reset()
	resp.Headers.Add(":status", "200")
	resp.Headers.Add("content-type", "application/json")
	u.body = append(u.body[:0], jsonUpstreamBody...)
	resp.Body.Set(u.body)
	return nil
}

// benchGateway starts a gateway on an embedded store holding config, with the real
// built-in bundle (one instance) and a pipeline in front of an in-memory upstream.
// ctx reaches the modules' compilation (wazero reads compile options from it); with
// cache false nothing is read from or written to the compilation cache.
func benchGateway(b testing.TB, ctx context.Context, config string, cache bool) (*pipeline.Pipeline, *Gateway) {
	b.Helper()
	builtins, err := pluginswasm.Builtins()
	if err != nil {
		b.Fatal(err)
	}
	var schemas []*schema.Plugin
	for _, bi := range builtins {
		if bi.Module == nil {
			b.Fatalf("built-in plugins not compiled (make plugins): %s", bi.Name)
		}
		s, err := schema.ParsePlugin(bi.Schema)
		if err != nil {
			b.Fatal(err)
		}
		schemas = append(schemas, s)
	}
	db, err := embedded.Open(filepath.Join(b.TempDir(), "weir.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	tree, err := declarative.Parse([]byte(config))
	if err != nil {
		b.Fatal(err)
	}
	export, err := declarative.Load(ctx, tree, declarative.Options{Builtins: schemas})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := store.ImportInto(ctx, db, export); err != nil {
		b.Fatal(err)
	}
	cacheDir := ""
	if cache {
		cacheDir = filepath.Join(os.TempDir(), "weir-bench-wasm-cache")
	}
	rt, err := abi.NewRuntime(ctx, abi.Config{CompilationCacheDir: cacheDir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rt.Close(ctx) })
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	gw, err := New(ctx, Options{Store: db, Runtime: rt, Builtins: builtins, Logger: logger, Version: "bench",
		NodeID: "bench-node", PoolSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = gw.Shutdown(ctx) })
	return &pipeline.Pipeline{Snapshot: gw.current.Load, Upstream: &jsonUpstream{}, Logger: logger, Version: "bench",
		NodeID: "bench-node"}, gw
}

// BenchmarkBuiltinChain sends requests through the whole pipeline (router, the
// built-in plugins on warm instances, Kong's headers, the response phases, the log
// phase) to an in-memory upstream, for each plugin setup of the performance targets.
// Without sockets, the time per request is the CPU weir spends on it; p50-ns is the
// median, allocs/op the host's allocations (the guests' own happen in wasm memory).
// One exchange is recycled from request to request, as the front end recycles its
// pooled ones, so storage that lasts between requests is not counted again.
func BenchmarkBuiltinChain(b *testing.B) {
	for _, c := range chainCases {
		b.Run(c.name, func(b *testing.B) {
			p, _ := benchGateway(b, context.Background(), c.config, true)
			ctx := context.Background()
			e := new(pipeline.Exchange)
			for range 200 { // warm the instances
				request(e, c.headers)
				p.Serve(ctx, e)
				if s := e.Response.Headers.Value(":status"); s != "200" {
					b.Fatalf("status %s: %s", s, e.Response.Body.Bytes())
				}
			}
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				request(e, c.headers)
				start := time.Now()
				p.Serve(ctx, e)
				times = append(times, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
		})
	}
}

// request readies e, recycled, for a GET / as wrk sends it, with the case's headers.
func request(e *pipeline.Exchange, headers [][2]string) {
	e.Recycle()
	e.Scheme, e.ClientIP, e.ClientPort, e.LocalPort, e.ID = "http", "10.0.0.9", 5555, 8000, "rid"
	e.Request.Headers.Add(":method", "GET")
	e.Request.Headers.Add(":path", "/")
	e.Request.Headers.Add(":authority", "gateway.local")
	e.Request.Headers.Add(":scheme", "http")
	e.Request.Headers.Add("user-agent", "bench")
	for _, h := range headers {
		e.Request.Headers.Add(h[0], h[1])
	}
}
