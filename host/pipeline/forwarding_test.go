package pipeline

import (
	"context"
	"net/netip"
	"testing"
)

func TestRealIPAndForwarded(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.1/32")}
	tests := []struct {
		name      string
		opts      HeaderOptions
		peer      string
		headers   [][2]string
		realIP    string
		xff       string
		proto     string
		forwarded string // x-forwarded-host
	}{
		{"untrusted peer: headers ignored", HeaderOptions{RealIPHeader: "x-real-ip"}, "10.0.0.9",
			[][2]string{{"x-real-ip", "1.1.1.1"}, {"x-forwarded-proto", "https"}, {"x-forwarded-host", "evil"}},
			"10.0.0.9", "10.0.0.9", "http", "client.example"},
		{"trusted peer: x-real-ip and forwarded headers kept", HeaderOptions{TrustedIPs: trusted, RealIPHeader: "x-real-ip"}, "10.0.0.9",
			[][2]string{{"x-real-ip", "1.1.1.1"}, {"x-forwarded-proto", "https"}, {"x-forwarded-host", "front"}},
			"1.1.1.1", "10.0.0.9", "https", "front"},
		{"xff, not recursive: last address", HeaderOptions{TrustedIPs: trusted, RealIPHeader: "x-forwarded-for"}, "10.0.0.9",
			[][2]string{{"x-forwarded-for", "1.1.1.1, 192.0.2.1"}},
			"192.0.2.1", "1.1.1.1, 192.0.2.1, 10.0.0.9", "http", "client.example"},
		{"xff, recursive: last untrusted", HeaderOptions{TrustedIPs: trusted, RealIPHeader: "x-forwarded-for", RealIPRecursive: true}, "10.0.0.9",
			[][2]string{{"x-forwarded-for", "1.1.1.1, 192.0.2.1"}},
			"1.1.1.1", "1.1.1.1, 192.0.2.1, 10.0.0.9", "http", "client.example"},
		{"trusted peer, garbage header", HeaderOptions{TrustedIPs: trusted, RealIPHeader: "x-real-ip"}, "10.0.0.9",
			[][2]string{{"x-real-ip", "not-an-ip"}}, "10.0.0.9", "10.0.0.9", "http", "client.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := &fakeUpstream{status: "200"}
			p := testPipeline(t, up)
			opts := tt.opts
			opts.Downstream, opts.Upstream = DefaultHeaderOptions().Downstream, HeaderRequestID
			p.Headers = &opts
			e := newExchange("GET", "/api", "client.example:8000", tt.headers...)
			e.ClientIP = tt.peer
			p.Serve(context.Background(), e)
			h := up.got.Headers
			if got := h.Value("x-real-ip"); got != tt.realIP {
				t.Errorf("x-real-ip %q, want %q", got, tt.realIP)
			}
			if got := h.Value("x-forwarded-for"); got != tt.xff {
				t.Errorf("x-forwarded-for %q, want %q", got, tt.xff)
			}
			if got := h.Value("x-forwarded-proto"); got != tt.proto {
				t.Errorf("x-forwarded-proto %q, want %q", got, tt.proto)
			}
			if got := h.Value("x-forwarded-host"); got != tt.forwarded {
				t.Errorf("x-forwarded-host %q, want %q", got, tt.forwarded)
			}
			if got, _ := e.Property([]string{"source", "address"}); string(got) != tt.realIP+":5555" {
				t.Errorf("source.address %q", got)
			}
			if got, _ := e.Property([]string{"weir", "client_ip"}); string(got) != tt.peer {
				t.Errorf("weir.client_ip %q, want the peer %q", got, tt.peer)
			}
			if got, _ := e.Property([]string{"weir", "forwarded_ip"}); string(got) != tt.realIP {
				t.Errorf("weir.forwarded_ip %q, want %q", got, tt.realIP)
			}
		})
	}
}

func TestHeaderSwitches(t *testing.T) {
	tests := []struct {
		headers, upstream string
		present, absent   []string
		upstreamID        bool
	}{
		{"server_tokens, latency_tokens, X-Kong-Request-Id", "X-Kong-Request-Id",
			[]string{"server", "via", "x-kong-upstream-latency", "x-kong-proxy-latency", "x-kong-request-id"}, []string{"x-kong-upstream-status"}, true},
		{"off", "off", nil, []string{"server", "via", "x-kong-upstream-latency", "x-kong-proxy-latency", "x-kong-request-id"}, false},
		{"X-Kong-Upstream-Status, Via", "", []string{"x-kong-upstream-status", "via"}, []string{"server", "x-kong-request-id"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.headers, func(t *testing.T) {
			down, err := ParseHeaderSet(tt.headers)
			if err != nil {
				t.Fatal(err)
			}
			upSet, err := ParseHeaderSet(tt.upstream)
			if err != nil {
				t.Fatal(err)
			}
			up := &fakeUpstream{status: "200"}
			p := testPipeline(t, up)
			p.Headers = &HeaderOptions{Downstream: down, Upstream: upSet}
			e := newExchange("GET", "/api", "h")
			p.Serve(context.Background(), e)
			for _, name := range tt.present {
				if _, ok := e.Response.Headers.Get(name); !ok {
					t.Errorf("%s missing: %v", name, e.Response.Headers.Pairs())
				}
			}
			for _, name := range tt.absent {
				if _, ok := e.Response.Headers.Get(name); ok {
					t.Errorf("%s present: %v", name, e.Response.Headers.Pairs())
				}
			}
			if _, ok := up.got.Headers.Get("x-kong-request-id"); ok != tt.upstreamID {
				t.Errorf("upstream x-kong-request-id present=%v, want %v", ok, tt.upstreamID)
			}
		})
	}
	if _, err := ParseHeaderSet("server_tokens, bogus"); err == nil {
		t.Error("an unknown header was accepted")
	}
}

func TestParseTrustedIPs(t *testing.T) {
	got, err := ParseTrustedIPs("0.0.0.0/0, ::/0, 10.1.2.3, unix:")
	if err != nil || len(got) != 3 || got[2].String() != "10.1.2.3/32" {
		t.Fatalf("got %v %v", got, err)
	}
	if _, err := ParseTrustedIPs("10.0.0.0/33"); err == nil {
		t.Fatal("a bad CIDR was accepted")
	}
}
