package pipeline

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/host/wasmpool"
	"github.com/weir-gateway/weir/store"
)

// noopModules serves every plugin name from one compiled no-op module, each name its
// own pool (as N uploaded modules would be).
type noopModules struct {
	module *abi.Module
	svc    abi.Services
	pools  map[string]*wasmpool.Pool
}

func (m *noopModules) Lookup(_ context.Context, name string, _ map[string]*store.WasmModule) (*wasmpool.Pool, int, error) {
	if p, ok := m.pools[name]; ok {
		return p, 0, nil
	}
	p := wasmpool.New(m.module, m.svc, wasmpool.Config{Name: name, Size: 1})
	m.pools[name] = p
	return p, 0, nil
}

// benchPipeline is the test pipeline with n global no-op plugins (the Go-built
// sdk/examples/noop), their instances and roots warm.
func benchPipeline(b *testing.B, n int) *Pipeline {
	b.Helper()
	ctx := context.Background()
	wasm, err := os.ReadFile(filepath.Join("..", "..", "sdk", "examples", "noop", "noop.wasm"))
	if err != nil {
		b.Skipf("no-op plugin not built (make plugins): %v", err)
	}
	rt, err := abi.NewRuntime(ctx, abi.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rt.Close(ctx) })
	mod, err := rt.Compile(ctx, wasm)
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	mods := &noopModules{module: mod, svc: &Services{Logger: logger}, pools: map[string]*wasmpool.Pool{}}
	ds := &store.Dataset{
		Services: []store.Service{{ID: "s1", Name: strp("svc"), Protocol: "http", Host: "backend.local", Port: 8080, Enabled: true}},
		Routes:   []store.Route{{ID: "r1", Paths: []string{"/api"}, StripPath: true, Service: &store.Ref{ID: "s1"}}},
	}
	for i := range n {
		ds.Plugins = append(ds.Plugins, store.Plugin{ID: fmt.Sprintf("p%d", i), Name: fmt.Sprintf("noop-%d", i),
			Config: []byte(`{}`), Enabled: true, Protocols: []string{"http", "https"}})
	}
	snap, err := snapshot.Build(ctx, ds, mods)
	if err != nil {
		b.Fatal(err)
	}
	for pool, plugins := range snap.ByPool() {
		pool.SetLive(map[string]bool{plugins[0].Key: true})
		if err := pool.Prepare(ctx, plugins); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { pool.Close(ctx) })
	}
	return &Pipeline{Snapshot: func() *snapshot.Snapshot { return snap }, Upstream: &fakeUpstream{status: "200"},
		Logger: logger, Version: "bench"}
}

// BenchmarkProxyPath runs requests through the real pipeline (router, plugin chain,
// Kong's upstream headers, response) with an in-memory upstream, with a chain of 0, 1,
// 4 and 8 no-op Go plugins. It reports the median (p50) time per request besides the
// mean; the cost of a plugin is the difference to plugins=0.
func BenchmarkProxyPath(b *testing.B) {
	for _, n := range []int{0, 1, 4, 8} {
		b.Run(fmt.Sprintf("plugins=%d", n), func(b *testing.B) {
			p := benchPipeline(b, n)
			ctx := context.Background()
			times := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				e := newExchange("GET", "/api/users?id=1", "client.example", [2]string{"user-agent", "bench"},
					[2]string{"accept", "*/*"})
				start := time.Now()
				p.Serve(ctx, e)
				times = append(times, time.Since(start))
				if e.Response.Headers.Value(":status") != "200" {
					b.Fatalf("status %s: %s", e.Response.Headers.Value(":status"), e.Response.Body.Bytes())
				}
			}
			b.StopTimer()
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
		})
	}
}
