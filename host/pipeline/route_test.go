package pipeline

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"testing"

	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/store"
)

func routePipeline(t *testing.T, up Upstream, routes ...store.Route) *Pipeline {
	t.Helper()
	ds := &store.Dataset{
		Services: []store.Service{{ID: "s1", Protocol: "http", Host: "backend.local", Port: 80, Path: strp("/s"), Enabled: true}},
		Routes:   routes,
	}
	snap, err := snapshot.Build(context.Background(), ds, noModules{})
	if err != nil {
		t.Fatal(err)
	}
	return &Pipeline{Snapshot: func() *snapshot.Snapshot { return snap }, Upstream: up,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
}

// TestHTTPSOnlyRoute: Kong's answers to an https-only route hit over plain http.
func TestHTTPSOnlyRoute(t *testing.T) {
	tests := []struct {
		code       int
		scheme     string
		wantStatus string
		want       [][2]string
	}{
		{426, "http", "426", [][2]string{{"connection", "Upgrade"}, {"upgrade", "TLS/1.2, HTTP/1.1"}}},
		{0, "http", "426", [][2]string{{"upgrade", "TLS/1.2, HTTP/1.1"}}},
		{301, "http", "301", [][2]string{{"location", "https://example.com/secure/x?a=1"}}},
		{308, "http", "308", [][2]string{{"location", "https://example.com/secure/x?a=1"}}},
		{426, "https", "200", nil},
	}
	for _, tt := range tests {
		t.Run(tt.scheme+" "+tt.wantStatus, func(t *testing.T) {
			up := &fakeUpstream{status: "200"}
			p := routePipeline(t, up, store.Route{ID: "r", Paths: []string{"/secure"}, Protocols: []string{"https"},
				HTTPSRedirectStatusCode: tt.code, Service: &store.Ref{ID: "s1"}})
			e := newExchange("GET", "/secure/x?a=1", "example.com:8000")
			e.Scheme = tt.scheme
			p.Serve(context.Background(), e)
			if got := e.Response.Headers.Value(":status"); got != tt.wantStatus {
				t.Fatalf("status %s, want %s", got, tt.wantStatus)
			}
			for _, kv := range tt.want {
				if got := e.Response.Headers.Value(kv[0]); got != kv[1] {
					t.Errorf("%s = %q, want %q", kv[0], got, kv[1])
				}
			}
			if tt.wantStatus == "426" && string(e.Response.Body.Bytes()) != `{"message":"Please use HTTPS protocol","request_id":"rid"}` {
				t.Errorf("body %s", e.Response.Body.Bytes())
			}
			if (tt.wantStatus == "200") != (up.got != nil) {
				t.Errorf("upstream called: %v", up.got != nil)
			}
		})
	}
}

// TestHTTPSOnlyBehindTrustedProxy: a trusted peer's X-Forwarded-Proto https lets the
// request through, an untrusted one's does not; the redirect uses the forwarded host.
func TestHTTPSOnlyBehindTrustedProxy(t *testing.T) {
	tests := []struct {
		name, peer, wantStatus, wantLocation string
	}{
		{"trusted", "10.0.0.9", "200", ""},
		{"untrusted", "192.0.2.50", "301", "https://example.com/secure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := &fakeUpstream{status: "200"}
			p := routePipeline(t, up, store.Route{ID: "r", Paths: []string{"/secure"}, Protocols: []string{"https"},
				HTTPSRedirectStatusCode: 301, Service: &store.Ref{ID: "s1"}})
			opts := DefaultHeaderOptions()
			opts.TrustedIPs = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
			p.Headers = &opts
			e := newExchange("GET", "/secure", "example.com", [2]string{"x-forwarded-proto", "https"}, [2]string{"x-forwarded-host", "front.example"})
			e.ClientIP = tt.peer
			p.Serve(context.Background(), e)
			if got := e.Response.Headers.Value(":status"); got != tt.wantStatus {
				t.Fatalf("status %s, want %s", got, tt.wantStatus)
			}
			if got := e.Response.Headers.Value("location"); got != tt.wantLocation {
				t.Fatalf("location %q, want %q", got, tt.wantLocation)
			}
		})
	}
}

func TestPathHandlingAndCaptures(t *testing.T) {
	up := &fakeUpstream{status: "200"}
	p := routePipeline(t, up,
		store.Route{ID: "v1", Paths: []string{"/fee/"}, StripPath: true, PathHandling: "v1", Service: &store.Ref{ID: "s1"}},
		store.Route{ID: "re", Paths: []string{`~/users/(?P<user>\w+)/`}, StripPath: true, PathHandling: "v0", Service: &store.Ref{ID: "s1"}})
	e := newExchange("GET", "/fee/fi", "h")
	p.Serve(context.Background(), e)
	if up.got == nil || up.got.Path != "/sfi" {
		t.Fatalf("v1 upstream request %+v, want /sfi", up.got)
	}
	e = newExchange("GET", "/users/bob/x", "h")
	p.Serve(context.Background(), e)
	if up.got.Path != "/s/x" {
		t.Fatalf("regex upstream path %q", up.got.Path)
	}
	for _, tt := range []struct {
		path []string
		want string
		ok   bool
	}{
		{[]string{"weir", "uri_captures", "user"}, "bob", true},
		{[]string{"weir", "uri_captures", "1"}, "bob", true},
		{[]string{"weir", "uri_captures", "nope"}, "", false},
	} {
		got, ok := e.Property(tt.path)
		if ok != tt.ok || string(got) != tt.want {
			t.Errorf("%v = %q %v, want %q %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}
