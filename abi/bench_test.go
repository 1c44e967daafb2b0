package abi

import (
	"context"
	"runtime"
	"testing"
)

// Benchmarks of the host's own costs, with the Go-built add_header example (a standard
// Go 1.26 guest): one callback, one whole stream, one instance. Figures and the command
// are in docs/BENCHMARKS.md.

func benchModule(b *testing.B) *Module {
	b.Helper()
	rt, err := NewRuntime(context.Background(), Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = rt.Close(context.Background()) })
	m, err := rt.Compile(context.Background(), goModule(b, "add_header"))
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func benchRoot(b *testing.B, m *Module) (*Instance, *Root) {
	b.Helper()
	ctx := context.Background()
	inst, err := m.NewInstance(ctx, &fakeServices{ev: &events{}}, InstanceConfig{VMID: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = inst.Close(ctx) })
	root, err := inst.NewRoot(ctx, "add-header", "", []byte(`{"header":"x-added","value":"yes"}`))
	if err != nil {
		b.Fatal(err)
	}
	return inst, root
}

// BenchmarkCallback is one proxy_on_request_headers that adds a header.
func BenchmarkCallback(b *testing.B) {
	inst, root := benchRoot(b, benchModule(b))
	ctx := context.Background()
	s := newStream(&events{}, [2]string{":path", "/"})
	h, err := inst.NewHTTP(ctx, root, s)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.OnRequestHeaders(ctx, true); err != nil {
			b.Fatal(err)
		}
		s.maps[MapRequestHeaders].pairs = s.maps[MapRequestHeaders].pairs[:1]
	}
}

// BenchmarkStream is a whole stream: context create, request and response headers,
// done, log, delete.
func BenchmarkStream(b *testing.B) {
	inst, root := benchRoot(b, benchModule(b))
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h, err := inst.NewHTTP(ctx, root, newStream(&events{}, [2]string{":path", "/"}))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.OnRequestHeaders(ctx, true); err != nil {
			b.Fatal(err)
		}
		if _, err := h.OnResponseHeaders(ctx, true); err != nil {
			b.Fatal(err)
		}
		h.Finish(ctx)
	}
}

// BenchmarkInstantiate starts an instance (start functions, VM root, one plugin root)
// and reports the linear memory and the host heap each one holds.
func BenchmarkInstantiate(b *testing.B) {
	m := benchModule(b)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	insts := make([]*Instance, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		inst, _ := benchRoot(b, m)
		insts = append(insts, inst)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(insts[0].guest.Memory().Size()), "linear-bytes/instance")
	b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(b.N), "heap-bytes/instance")
}

// BenchmarkCompile compiles the built-ins' two modules without a compilation cache, as
// a node's first start or a change's first use of a built-in does; with -cpu 1,2 it
// shows what a compiler a core gives.
func BenchmarkCompile(b *testing.B) {
	for _, m := range []struct {
		name string
		wasm func(testing.TB) []byte
	}{
		{"go-bundle", func(t testing.TB) []byte { return goModule(t, "bundle") }},
		{"rust-bundle", rustBundle},
	} {
		b.Run(m.name, func(b *testing.B) {
			ctx := context.Background()
			wasm := m.wasm(b)
			for b.Loop() {
				rt, err := NewRuntime(ctx, Config{})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := rt.Compile(ctx, wasm); err != nil {
					b.Fatal(err)
				}
				_ = rt.Close(ctx)
			}
		})
	}
}
