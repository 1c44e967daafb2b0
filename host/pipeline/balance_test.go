package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/balancer"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/store"
)

// targetsUpstream answers 200 from the targets in ok and fails to connect to the rest,
// recording the address and Host of each attempt.
type targetsUpstream struct {
	ok       map[string]bool
	attempts []string
	hosts    []string
}

func (f *targetsUpstream) Do(_ context.Context, _ *store.Service, req *UpstreamRequest, resp *Message) error {
	f.attempts = append(f.attempts, req.Addr)
	f.hosts = append(f.hosts, req.Host)
	if !f.ok[req.Addr] {
		return fmt.Errorf("dial %s: %w", req.Addr, ErrUpstreamConnect)
	}
	resp.Headers.Reset()
	resp.Headers.Add(":status", "200")
	return nil
}

func balancedPipeline(t *testing.T, up Upstream, u store.Upstream, retries int, method string, targets ...string) *Pipeline {
	t.Helper()
	var ts []store.Target
	for i, addr := range targets {
		ts = append(ts, store.Target{ID: fmt.Sprint(i), Upstream: &store.Ref{ID: u.ID}, Target: addr, Weight: 100})
	}
	ds := &store.Dataset{
		Services: []store.Service{{ID: "s1", Name: strp("s1"), Protocol: "http", Host: u.Name, Port: 80, Retries: retries, Enabled: true}},
		Routes:   []store.Route{{ID: "r", Paths: []string{`~/u/(?P<user>\w+)`}, Methods: []string{method}, Service: &store.Ref{ID: "s1"}}},
	}
	snap, err := snapshot.Build(context.Background(), ds, noModules{})
	if err != nil {
		t.Fatal(err)
	}
	reg := balancer.NewRegistry()
	t.Cleanup(reg.Close)
	if snap.Balancers, err = reg.Update([]store.Upstream{u}, ts); err != nil {
		t.Fatal(err)
	}
	return &Pipeline{Snapshot: func() *snapshot.Snapshot { return snap }, Upstream: up,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test"}
}

func TestBalancedRetries(t *testing.T) {
	tests := []struct {
		name       string
		ok         []string
		retries    int
		wantStatus string
		wantTries  int
		wantBody   string
	}{
		{"first target answers", []string{"a:1", "b:1", "c:1"}, 5, "200", 1, ""},
		{"retries move to other targets", []string{"c:1"}, 5, "200", 0, ""},
		{"retries exhausted", nil, 1, "502", 2, "An invalid response"},
		{"every target tried", nil, 5, "502", 3, "An invalid response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := &targetsUpstream{ok: map[string]bool{}}
			for _, a := range tt.ok {
				up.ok[a] = true
			}
			p := balancedPipeline(t, up, store.Upstream{ID: "u", Name: "backend.up", Algorithm: "round-robin"}, tt.retries, "GET", "a:1", "b:1", "c:1")
			e := newExchange("GET", "/u/bob", "h")
			p.Serve(context.Background(), e)
			if got := e.Response.Headers.Value(":status"); got != tt.wantStatus {
				t.Fatalf("status %s, want %s (%s)", got, tt.wantStatus, e.Response.Body.Bytes())
			}
			if tt.wantTries > 0 && len(up.attempts) != tt.wantTries {
				t.Fatalf("attempts %v, want %d", up.attempts, tt.wantTries)
			}
			seen := map[string]bool{}
			for _, a := range up.attempts {
				if seen[a] {
					t.Fatalf("target %s tried twice: %v", a, up.attempts)
				}
				seen[a] = true
			}
			if up.hosts[0] != up.attempts[0] {
				t.Errorf("Host %q, want the target %q", up.hosts[0], up.attempts[0])
			}
		})
	}
}

func TestBalancedNoPeer(t *testing.T) {
	up := &targetsUpstream{}
	p := balancedPipeline(t, up, store.Upstream{ID: "u", Name: "backend.up", Algorithm: "round-robin"}, 5, "GET")
	e := newExchange("GET", "/u/bob", "h")
	p.Serve(context.Background(), e)
	var body struct{ Message string }
	_ = json.Unmarshal(e.Response.Body.Bytes(), &body)
	if e.Response.Headers.Value(":status") != "503" || body.Message != "failure to get a peer from the ring-balancer" {
		t.Fatalf("got %s %s", e.Response.Headers.Value(":status"), e.Response.Body.Bytes())
	}
}

func TestBalancedPostNotRetriedAfterSend(t *testing.T) {
	up := &sentThenFailed{}
	p := balancedPipeline(t, up, store.Upstream{ID: "u", Name: "backend.up", Algorithm: "round-robin"}, 5, "POST", "a:1", "b:1")
	p.Serve(context.Background(), newExchange("POST", "/u/bob", "h"))
	if up.n != 1 {
		t.Fatalf("%d attempts, want 1: a POST that reached the upstream is not resent", up.n)
	}
}

type sentThenFailed struct{ n int }

func (f *sentThenFailed) Do(context.Context, *store.Service, *UpstreamRequest, *Message) error {
	f.n++
	return fmt.Errorf("connection reset after the request was written")
}

func TestHashKey(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name string
		u    store.Upstream
		want string
	}{
		{"ip", store.Upstream{HashOn: "ip"}, "10.0.0.9"},
		{"header", store.Upstream{HashOn: "header", HashOnHeader: s("X-User")}, "u7"},
		{"cookie", store.Upstream{HashOn: "cookie", HashOnCookie: s("sid")}, "abc"},
		{"path", store.Upstream{HashOn: "path"}, "/u/bob"},
		{"query_arg", store.Upstream{HashOn: "query_arg", HashOnQueryArg: s("k")}, "v1,v2"},
		{"uri_capture", store.Upstream{HashOn: "uri_capture", HashOnURICapture: s("user")}, "bob"},
		{"fallback", store.Upstream{HashOn: "header", HashOnHeader: s("x-none"), HashFallback: "ip"}, "10.0.0.9"},
		{"consumer absent, no fallback", store.Upstream{HashOn: "consumer"}, ""},
		{"none", store.Upstream{HashOn: "none"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := &targetsUpstream{ok: map[string]bool{"a:1": true}}
			tt.u.ID, tt.u.Name, tt.u.Algorithm = "u", "backend.up", "consistent-hashing"
			p := balancedPipeline(t, up, tt.u, 0, "GET", "a:1")
			e := newExchange("GET", "/u/bob?k=v1&k=v2", "h", [2]string{"x-user", "u7"}, [2]string{"cookie", "a=1; sid=abc"})
			p.Serve(context.Background(), e)
			if got := hashKey(e, &tt.u); got != tt.want {
				t.Fatalf("key %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHashCookieSet(t *testing.T) {
	s := func(v string) *string { return &v }
	up := &targetsUpstream{ok: map[string]bool{"a:1": true}}
	u := store.Upstream{ID: "u", Name: "backend.up", Algorithm: "consistent-hashing", HashOn: "cookie", HashOnCookie: s("sid"), HashOnCookiePath: "/"}
	p := balancedPipeline(t, up, u, 0, "GET", "a:1")
	e := newExchange("GET", "/u/bob", "h")
	p.Serve(context.Background(), e)
	if got := e.Response.Headers.Value("set-cookie"); got != "sid=rid; Path=/" {
		t.Fatalf("set-cookie %q", got)
	}
	e = newExchange("GET", "/u/bob", "h", [2]string{"cookie", "sid=x"})
	p.Serve(context.Background(), e)
	if _, ok := e.Response.Headers.Get("set-cookie"); ok {
		t.Fatal("cookie set again although the client sent it")
	}
}

// TestHTTPCallBalanced: proxy_http_call to a service on an upstream goes to its
// targets, round-robin, and a call with no target left fails.
func TestHTTPCallBalanced(t *testing.T) {
	up := &targetsUpstream{ok: map[string]bool{"a:1": true, "b:1": true}}
	p := balancedPipeline(t, up, store.Upstream{ID: "u", Name: "backend.up", Algorithm: "round-robin"}, 0, "GET", "a:1", "b:1")
	svcs := &Services{Snapshot: p.Snapshot, Upstream: up}
	call := func() abi.HTTPCallResponse {
		got := make(chan abi.HTTPCallResponse, 1)
		req := abi.HTTPCallRequest{Upstream: "s1", Headers: [][2]string{{":method", "GET"}, {":path", "/"}, {":authority", "x"}}}
		if !svcs.HTTPCall(context.Background(), nil, req, func(r abi.HTTPCallResponse) { got <- r }) {
			t.Fatal("call refused")
		}
		return <-got
	}
	for i := 0; i < 4; i++ {
		if r := call(); r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	if fmt.Sprint(up.attempts) != "[a:1 b:1 a:1 b:1]" {
		t.Fatalf("attempts %v", up.attempts)
	}
}
