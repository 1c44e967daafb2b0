package proxy_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/host/proxy"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/host/upstream"
	"github.com/weir-gateway/weir/store"
)

// BenchmarkHTTP1 sends requests over loopback through the whole HTTP/1.1 path, one
// route and no plugins (the performance targets' case (a)): the fasthttp front end,
// the pipeline, the upstream client, to an upstream answering as the benchmark's
// nginx does. allocs/op are the gateway's allocations per proxied request (the
// client's and the upstream's are none); the time includes both peers and the
// system calls, so compare runs, not the figure with the side-by-side table.
func BenchmarkHTTP1(b *testing.B) {
	upAddr := serveUpstream(b)
	host, port, _ := net.SplitHostPort(upAddr)
	portN, _ := strconv.Atoi(port)
	name := "bench"
	ds := &store.Dataset{
		Services: []store.Service{{ID: "s1", Name: &name, Protocol: "http", Host: host, Port: portN,
			Path: nil, Retries: 5, ConnectTimeout: 60000, ReadTimeout: 60000, WriteTimeout: 60000, Enabled: true}},
		Routes: []store.Route{{ID: "r1", Paths: []string{"/"}, StripPath: true, PreserveHost: false, RequestBuffering: true, ResponseBuffering: true,
			Protocols: []string{"http", "https"}, Service: &store.Ref{ID: "s1"}}},
	}
	snap, err := snapshot.Build(context.Background(), ds, nil)
	if err != nil {
		b.Fatal(err)
	}
	p := &pipeline.Pipeline{Snapshot: func() *snapshot.Snapshot { return snap }, Upstream: upstream.New(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "bench", NodeID: "bench-node"}
	front := listen(b)
	srv := proxy.New(p, 0)
	go func() { _ = srv.Serve(front) }()
	b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })

	client := &fasthttp.HostClient{Addr: front.Addr().String(), MaxConns: 1}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.SetRequestURI("http://" + front.Addr().String() + "/")
	req.Header.Set("User-Agent", "wrk")
	do := func() {
		if err := client.Do(req, resp); err != nil {
			b.Fatal(err)
		}
		if resp.StatusCode() != 200 {
			b.Fatalf("status %d: %s", resp.StatusCode(), resp.Body())
		}
	}
	for range 100 {
		do()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		do()
	}
}

// serveUpstream starts an upstream on loopback that answers every request as the
// side-by-side run's nginx does; it returns its address.
func serveUpstream(b *testing.B) string {
	ln := listen(b)
	body := []byte("hello from the upstream\n")
	up := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.Set("Server", "nginx")
		ctx.SetContentType("text/plain")
		ctx.SetBody(body)
	}}
	go func() { _ = up.Serve(ln) }()
	b.Cleanup(func() { _ = up.Shutdown() })
	return ln.Addr().String()
}

func listen(b *testing.B) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	return ln
}
