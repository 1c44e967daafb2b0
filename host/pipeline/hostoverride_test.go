package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/weir-gateway/weir/abi"
)

// TestPluginSetsHost checks that a plugin changing :authority sets the upstream Host
// even on a route that does not preserve the client's, as Kong's
// kong.service.request.set_header("host", ...) does, while X-Forwarded-Host keeps the
// client's.
func TestPluginSetsHost(t *testing.T) {
	up := &fakeUpstream{status: "200"}
	p := testPipeline(t, up)
	e := newExchange("GET", "/api/x", "client.example:8000")
	p.Serve(context.Background(), e)
	if up.got.Host != "backend.local:8080" {
		t.Fatalf("Host %q before any change, want the service's", up.got.Host)
	}
	e.Request.Headers.Set(":authority", "changed.example")
	req := p.upstreamRequest(e)
	if req.Host != "changed.example" {
		t.Errorf("Host %q, want the one the plugin set", req.Host)
	}
	if got := req.Headers.Value("x-forwarded-host"); got != "client.example" {
		t.Errorf("X-Forwarded-Host %q, want the client's host", got)
	}
}

// TestTransformProperties checks weir.uri_captures (the whole map), weir.hostname,
// weir.worker_pid and weir.connection_requests, and the weir.router_match foreign
// function.
func TestTransformProperties(t *testing.T) {
	p := testPipeline(t, &fakeUpstream{status: "200"})
	e := newExchange("GET", "/api/x", "client.example:8000")
	e.ConnRequests = 3
	p.Serve(context.Background(), e)
	e.match.Captures = map[string]string{"id": "7", "1": "7"}
	raw, ok := e.Property([]string{"weir", "uri_captures"})
	pairs, err := abi.DecodePairs(raw)
	if !ok || err != nil || len(pairs) != 2 || pairs[0] != [2]string{"1", "7"} || pairs[1] != [2]string{"id", "7"} {
		t.Errorf("weir.uri_captures = %v, %v, %v", pairs, ok, err)
	}
	host, _ := os.Hostname()
	for path, want := range map[string]string{
		"weir.hostname": host, "weir.worker_pid": le64(int64(os.Getpid())), "weir.connection_requests": le64(3),
	} {
		if got, ok := e.Property(strings.Split(path, ".")); !ok || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", path, got, ok, want)
		}
	}
	s := &Services{}
	out, st := s.CallForeignFunction(e, "weir.router_match", []byte("{}"))
	var m struct {
		Route   struct{ ID string }
		Service struct{ ID, Host string }
	}
	if st != abi.StatusOK || json.Unmarshal(out, &m) != nil || m.Route.ID != "r1" || m.Service.Host != "backend.local" {
		t.Errorf("weir.router_match = %s, %v", out, st)
	}
}
