package pipeline

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/weir-gateway/weir/abi"
)

func le64(v int64) string {
	return string(binary.LittleEndian.AppendUint64(nil, uint64(v)))
}

// TestProperties reads Envoy's attributes and weir's own after a request went through
// the pipeline, in Envoy's encodings.
func TestProperties(t *testing.T) {
	p := testPipeline(t, &fakeUpstream{status: "200"})
	p.NodeID = "node-1"
	e := newExchange("POST", "/api/users?id=1", "client.example:8000", [2]string{"user-agent", "ua"})
	e.Request.Body.Set([]byte("12345"))
	e.LocalIP, e.ConnID = "192.0.2.1", 42
	p.Serve(context.Background(), e)

	reqHeaders := headerBytes(&e.Request.Headers)
	respHeaders := headerBytes(&e.Response.Headers)
	tests := []struct {
		path string
		want string
	}{
		{"request.path", "/api/users?id=1"},
		{"request.url_path", "/api/users"},
		{"request.query", "id=1"},
		{"request.method", "POST"},
		{"request.protocol", "HTTP/1.1"},
		{"request.size", le64(5)},
		{"request.total_size", le64(int64(reqHeaders + 5))},
		{"request.headers.user-agent", "ua"},
		{"response.code", le64(200)},
		{"response.size", le64(5)},
		{"response.total_size", le64(int64(respHeaders + 5))},
		{"source.address", "10.0.0.9:5555"},
		{"source.port", le64(5555)},
		{"destination.address", "192.0.2.1:8000"},
		{"destination.port", le64(8000)},
		{"connection.id", le64(42)},
		{"connection.mtls", "\x00"},
		{"connection.requested_server_name", ""},
		{"upstream.address", "192.0.2.7:8080"},
		{"upstream.port", le64(8080)},
		{"upstream.local_address", "192.0.2.1:40001"},
		{"upstream.local_port", le64(40001)},
		{"route_name", ""},
		{"cluster_name", "svc"},
		{"node.id", "node-1"},
		{"node", "\x0a\x06node-1"},
		{"weir.route_id", "r1"},
		{"weir.service_name", "svc"},
	}
	for _, tt := range tests {
		got, ok := e.Property(strings.Split(tt.path, "."))
		if !ok || string(got) != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.path, got, ok, tt.want)
		}
	}
	for _, path := range []string{"request", "request.nope", "connection.tls_version", "response.trailers",
		"weir.consumer_id", "weir.ctx", "nope", "request.headers.x.y"} {
		if v, ok := e.Property(strings.Split(path, ".")); ok {
			t.Errorf("%s = %q, want none", path, v)
		}
	}
	at, _ := e.Property([]string{"request", "time"})
	if ns := int64(binary.LittleEndian.Uint64(at)); time.Since(time.Unix(0, ns)) > time.Minute || ns <= 0 {
		t.Errorf("request.time = %d", ns)
	}
	d, ok := e.Property([]string{"request", "duration"})
	if !ok || int64(binary.LittleEndian.Uint64(d)) <= 0 {
		t.Errorf("request.duration = %v, %v", d, ok)
	}
	pairs, _ := e.Property([]string{"request", "headers"})
	if decoded, err := abi.DecodePairs(pairs); err != nil || len(decoded) != e.Request.Headers.Len() {
		t.Errorf("request.headers decodes to %v, %v", decoded, err)
	}
}

// TestPropertiesBeforeUpstream checks that what only exists once the upstream answered
// and the request is complete is absent before.
func TestPropertiesBeforeUpstream(t *testing.T) {
	e := newExchange("GET", "/", "h")
	for _, path := range []string{"upstream.address", "response.code", "response.total_size", "request.duration", "node"} {
		if v, ok := e.Property(strings.Split(path, ".")); ok {
			t.Errorf("%s = %q before the upstream answered", path, v)
		}
	}
}

// TestSetProperty checks the writable properties: any path weir does not define and
// weir.ctx.* hold values for the rest of the request, an empty value deletes,
// weir.consumer_id authenticates, and weir's own paths are read-only.
func TestSetProperty(t *testing.T) {
	p := testPipeline(t, &fakeUpstream{status: "200"})
	e := newExchange("GET", "/api", "h")
	e.snap = p.Snapshot()
	set := func(path, v string) bool { return e.SetProperty(strings.Split(path, "."), []byte(v)) }
	get := func(path string) (string, bool) {
		v, ok := e.Property(strings.Split(path, "."))
		return string(v), ok
	}
	for _, path := range []string{"weir.ctx.user", "my_filter.state", "x"} {
		if !set(path, "v-"+path) {
			t.Fatalf("set %s refused", path)
		}
		if v, ok := get(path); !ok || v != "v-"+path {
			t.Fatalf("%s = %q, %v", path, v, ok)
		}
	}
	if !set("x", "") {
		t.Fatal("delete refused")
	}
	if _, ok := get("x"); ok {
		t.Fatal("x still set after an empty write")
	}
	for _, path := range []string{"request.path", "weir.route_id", "weir.ctx", "source.address", "node.id", "plugin_name"} {
		if set(path, "v") {
			t.Errorf("%s is writable", path)
		}
	}
	if set("weir.consumer_id", "nobody") {
		t.Error("an unknown consumer was accepted")
	}
	if !set("weir.consumer_id", "c1") {
		t.Fatal("weir.consumer_id refused")
	}
	if v, _ := get("weir.consumer_username"); v != "alice" || e.Request.Headers.Value("x-consumer-username") != "alice" {
		t.Errorf("consumer not set: %q, headers %v", v, e.Request.Headers.Pairs())
	}
}

// TestSetPropertyLimits checks the caps on what the plugins of one request can store.
func TestSetPropertyLimits(t *testing.T) {
	e := newExchange("GET", "/", "h")
	for i := range abi.MaxStreamProperties {
		if !e.SetProperty([]string{"k", string(rune('a' + i%26)), strings.Repeat("x", i)}, []byte("v")) {
			t.Fatalf("write %d refused", i)
		}
	}
	if e.SetProperty([]string{"one", "more"}, []byte("v")) {
		t.Fatal("a write past MaxStreamProperties was accepted")
	}
	if !e.SetProperty([]string{"k", "a", ""}, []byte("replaced")) {
		t.Fatal("replacing an existing key was refused at the entry cap")
	}
	f := newExchange("GET", "/", "h")
	if f.SetProperty([]string{"big"}, make([]byte, abi.MaxStreamPropertyBytes)) {
		t.Fatal("a value past MaxStreamPropertyBytes was accepted")
	}
}

// FuzzProperty feeds any path and value to the property calls: they never panic, and a
// value weir accepted for a path reads back.
func FuzzProperty(f *testing.F) {
	f.Add("request\x00headers\x00a", []byte("v"))
	f.Add("weir\x00ctx\x00k", []byte("v"))
	f.Add("weir\x00consumer_id", []byte("c1"))
	f.Add("\x00", []byte{})
	f.Fuzz(func(t *testing.T, raw string, value []byte) {
		e := newExchange("GET", "/", "h")
		path := strings.Split(raw, "\x00")
		e.Property(path)
		if e.SetProperty(path, value) && len(value) > 0 && !(len(path) == 2 && path[0] == "weir") {
			if got, ok := e.Property(path); !ok || string(got) != string(value) {
				t.Fatalf("%q: wrote %q, read %q, %v", raw, value, got, ok)
			}
		}
	})
}

// TestNoTrailers: the pipeline carries no trailers, so both trailer maps are absent
// (every header-map call on them answers NOT_FOUND), before and after the upstream.
func TestNoTrailers(t *testing.T) {
	p := testPipeline(t, &fakeUpstream{status: "200"})
	e := newExchange("GET", "/api", "h")
	for _, when := range []string{"before", "after"} {
		for _, m := range []abi.MapType{abi.MapRequestTrailers, abi.MapResponseTrailers} {
			if e.Map(m) != nil {
				t.Errorf("%s the exchange: map %d present", when, m)
			}
		}
		p.Serve(context.Background(), e)
	}
}
