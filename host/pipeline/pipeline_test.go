package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/host/wasmpool"
	"github.com/weir-gateway/weir/store"
)

// fakeUpstream records the request and answers with a fixed response or error.
type fakeUpstream struct {
	got    *UpstreamRequest
	status string
	err    error
}

func (f *fakeUpstream) Do(_ context.Context, _ *store.Service, req *UpstreamRequest, resp *Message) error {
	f.got = req
	if f.err != nil {
		return f.err
	}
	req.RemoteAddr, req.LocalAddr = "192.0.2.7:8080", "192.0.2.1:40001"
	resp.Headers.Reset()
	resp.Headers.Add(":status", f.status)
	resp.Headers.Add("content-type", "text/plain")
	resp.Body.Set([]byte("hello"))
	return nil
}

type noModules struct{}

func (noModules) Lookup(context.Context, string, map[string]*store.WasmModule) (*wasmpool.Pool, int, error) {
	return nil, 0, errors.New("no modules in this test")
}

func strp(s string) *string { return &s }

func testPipeline(t *testing.T, up Upstream) *Pipeline {
	t.Helper()
	ds := &store.Dataset{
		Services: []store.Service{
			{ID: "s1", Name: strp("svc"), Protocol: "http", Host: "backend.local", Port: 8080, Path: strp("/base"), Enabled: true},
			{ID: "s2", Name: strp("off"), Protocol: "http", Host: "x", Port: 80, Enabled: false},
		},
		Routes: []store.Route{
			{ID: "r1", Paths: []string{"/api"}, StripPath: true, Service: &store.Ref{ID: "s1"}, Protocols: []string{"http"}},
			{ID: "r2", Paths: []string{"/keep"}, StripPath: false, PreserveHost: true, Service: &store.Ref{ID: "s1"}},
			{ID: "r3", Paths: []string{"/orphan"}},
			{ID: "r4", Paths: []string{"/disabled"}, Service: &store.Ref{ID: "s2"}},
		},
		Consumers: []store.Consumer{{ID: "c1", Username: strp("alice")}},
	}
	snap, err := snapshot.Build(context.Background(), ds, noModules{})
	if err != nil {
		t.Fatal(err)
	}
	return &Pipeline{
		Snapshot: func() *snapshot.Snapshot { return snap },
		Upstream: up,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Version:  "test",
	}
}

func newExchange(method, path, host string, headers ...[2]string) *Exchange {
	e := &Exchange{Scheme: "http", ClientIP: "10.0.0.9", ClientPort: 5555, LocalPort: 8000, ID: "rid"}
	e.Request.Headers.Add(":method", method)
	e.Request.Headers.Add(":path", path)
	e.Request.Headers.Add(":authority", host)
	e.Request.Headers.Add(":scheme", "http")
	for _, h := range headers {
		e.Request.Headers.Add(h[0], h[1])
	}
	return e
}

func TestServe(t *testing.T) {
	tests := []struct {
		name       string
		path       string
		upstream   *fakeUpstream
		wantStatus string
		wantPath   string
		wantHost   string
		wantBody   string
	}{
		{"strip path", "/api/users?id=1", &fakeUpstream{status: "200"}, "200", "/base/users?id=1", "backend.local:8080", "hello"},
		{"keep path and host", "/keep/x", &fakeUpstream{status: "201"}, "201", "/base/keep/x", "client.example:8000", "hello"},
		{"no route", "/missing", &fakeUpstream{}, "404", "", "", "no Route matched with those values"},
		{"route without service", "/orphan", &fakeUpstream{}, "503", "", "", "no Service found with those values"},
		{"disabled service", "/disabled", &fakeUpstream{}, "404", "", "", "no Route matched"},
		{"upstream down", "/api", &fakeUpstream{err: errors.New("connection refused")}, "502", "/base", "", "An invalid response was received from the upstream server"},
		{"upstream slow", "/api", &fakeUpstream{err: ErrUpstreamTimeout}, "504", "/base", "", "The upstream server is timing out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testPipeline(t, tt.upstream)
			e := newExchange("GET", tt.path, "client.example:8000", [2]string{"x-forwarded-for", "1.2.3.4"}, [2]string{"connection", "close"})
			p.Serve(context.Background(), e)
			if got := e.Response.Headers.Value(":status"); got != tt.wantStatus {
				t.Fatalf("status %s, want %s (%s)", got, tt.wantStatus, e.Response.Body.Bytes())
			}
			if !strings.Contains(string(e.Response.Body.Bytes()), tt.wantBody) {
				t.Errorf("body %q lacks %q", e.Response.Body.Bytes(), tt.wantBody)
			}
			if e.Response.Headers.Value("x-kong-request-id") != "rid" {
				t.Errorf("no request id on the response: %v", e.Response.Headers.Pairs())
			}
			got := tt.upstream.got
			if tt.wantPath == "" {
				if got != nil {
					t.Fatalf("upstream called with %+v", got)
				}
				return
			}
			if got == nil || got.Path != tt.wantPath {
				t.Fatalf("upstream request %+v, want path %s", got, tt.wantPath)
			}
			if tt.wantHost != "" && got.Host != tt.wantHost {
				t.Errorf("Host %q, want %q", got.Host, tt.wantHost)
			}
			h := got.Headers
			if h.Value("x-forwarded-for") != "1.2.3.4, 10.0.0.9" || h.Value("x-real-ip") != "10.0.0.9" ||
				h.Value("x-forwarded-host") != "client.example" || h.Value("x-forwarded-port") != "8000" {
				t.Errorf("forwarding headers: %v", h.Pairs())
			}
			if _, ok := h.Get("connection"); ok {
				t.Errorf("hop-by-hop header forwarded: %v", h.Pairs())
			}
		})
	}
}

func TestServeForwardedPrefix(t *testing.T) {
	up := &fakeUpstream{status: "200"}
	p := testPipeline(t, up)
	p.Serve(context.Background(), newExchange("GET", "/api/a", "h"))
	if got := up.got.Headers.Value("x-forwarded-prefix"); got != "/api" {
		t.Fatalf("x-forwarded-prefix = %q", got)
	}
	if got := up.got.Headers.Value("x-forwarded-path"); got != "/api/a" {
		t.Fatalf("x-forwarded-path = %q", got)
	}
}

// TestRecycle: a recycled exchange keeps its header maps' storage, emptied, and
// nothing else of the request it served.
func TestRecycle(t *testing.T) {
	p := testPipeline(t, &fakeUpstream{status: "200"})
	e := newExchange("GET", "/api/users", "client.example:8000", [2]string{"x-a", "1"})
	p.Serve(context.Background(), e)
	reqCap, respCap := cap(e.Request.Headers.pairs), cap(e.Response.Headers.pairs)
	if reqCap == 0 || respCap == 0 {
		t.Fatal("the exchange served nothing")
	}
	e.Recycle()
	req, resp := e.Request.Headers.pairs, e.Response.Headers.pairs
	if len(req) != 0 || len(resp) != 0 || cap(req) != reqCap || cap(resp) != respCap {
		t.Fatalf("header storage %d/%d and %d/%d, want empty with capacity %d and %d",
			len(req), cap(req), len(resp), cap(resp), reqCap, respCap)
	}
	for _, kv := range append(req[:reqCap], resp[:respCap]...) {
		if kv != [2]string{} {
			t.Fatalf("the last request's field %q stayed in the storage", kv)
		}
	}
	e.Request.Headers.pairs, e.Response.Headers.pairs = nil, nil
	if !reflect.DeepEqual(e, &Exchange{}) {
		t.Fatalf("recycled exchange kept state: %+v", e)
	}
}

// TestDetachedContext: the exchange's end runs under its context's values, not its
// cancellation, as context.WithoutCancel would give.
func TestDetachedContext(t *testing.T) {
	type key struct{}
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), key{}, "v"), time.Hour)
	cancel()
	var c chain
	c.detached = detachedContext{parent}
	ctx := context.Context(&c.detached)
	want := context.WithoutCancel(parent)
	if ctx.Err() != want.Err() || ctx.Done() != nil || ctx.Value(key{}) != want.Value(key{}) {
		t.Fatalf("detached: err %v, done %v, value %v; WithoutCancel: err %v, value %v", ctx.Err(), ctx.Done(), ctx.Value(key{}), want.Err(), want.Value(key{}))
	}
	if _, ok := ctx.Deadline(); ok {
		t.Fatal("detached context has the parent's deadline")
	}
}
