package streamrouter

import (
	"net/netip"
	"testing"

	"github.com/weir-gateway/weir/store"
)

func ep(ip string, port int) store.CIDRPort {
	var e store.CIDRPort
	if ip != "" {
		e.IP = &ip
	}
	if port != 0 {
		e.Port = &port
	}
	return e
}

func TestMatch(t *testing.T) {
	routes := []store.Route{
		{ID: "http", Protocols: []string{"http", "https"}, Paths: []string{"/"}},
		{ID: "dst-port", CreatedAt: 1, Protocols: []string{"tcp", "tls"}, Destinations: []store.CIDRPort{ep("", 9000)}},
		{ID: "dst-ip-port", CreatedAt: 2, Protocols: []string{"tcp"}, Destinations: []store.CIDRPort{ep("127.0.0.2", 9000)}},
		{ID: "src-cidr", CreatedAt: 3, Protocols: []string{"tcp"}, Sources: []store.CIDRPort{ep("10.0.0.0/8", 0)}},
		{ID: "src-and-dst", CreatedAt: 4, Protocols: []string{"tcp"}, Sources: []store.CIDRPort{ep("10.1.0.0/16", 0)}, Destinations: []store.CIDRPort{ep("", 9001)}},
		{ID: "sni", CreatedAt: 5, Protocols: []string{"tls"}, SNIs: []string{"a.example"}},
		{ID: "sni-wild", CreatedAt: 6, Protocols: []string{"tls"}, SNIs: []string{"*.wild.example"}},
		{ID: "sni-and-dst", CreatedAt: 7, Protocols: []string{"tls"}, SNIs: []string{"a.example"}, Destinations: []store.CIDRPort{ep("", 9443)}},
		{ID: "pass", CreatedAt: 8, Protocols: []string{"tls_passthrough"}, SNIs: []string{"p.example"}},
		{ID: "udp", CreatedAt: 9, Protocols: []string{"udp"}, Destinations: []store.CIDRPort{ep("", 9053)}},
		{ID: "older-dst", CreatedAt: 0, Protocols: []string{"tcp"}, Destinations: []store.CIDRPort{ep("", 9002)}},
		{ID: "newer-dst", CreatedAt: 10, Protocols: []string{"tcp"}, Destinations: []store.CIDRPort{ep("", 9002)}},
		{ID: "v6", CreatedAt: 11, Protocols: []string{"tcp"}, Sources: []store.CIDRPort{ep("2001:db8::/32", 0)}, Destinations: []store.CIDRPort{ep("", 9003)}},
	}
	r, err := New(routes)
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 12 || !r.HasPassthrough() {
		t.Fatalf("Len = %d, HasPassthrough = %t", r.Len(), r.HasPassthrough())
	}
	ap := netip.MustParseAddrPort
	tests := []struct {
		name, proto, src, dst, sni, want string
	}{
		{"destination port", TCP, "127.0.0.1:5000", "127.0.0.1:9000", "", "dst-port"},
		{"tls by destination port", TLS, "127.0.0.1:5000", "127.0.0.1:9000", "other", "dst-port"},
		{"same category: older route first", TCP, "127.0.0.1:5000", "127.0.0.2:9000", "", "dst-port"},
		{"source cidr", TCP, "10.2.3.4:5000", "127.0.0.1:7777", "", "src-cidr"},
		{"source and destination outrank source", TCP, "10.1.3.4:5000", "127.0.0.1:9001", "", "src-and-dst"},
		{"source outside the cidr", TCP, "11.0.0.1:5000", "127.0.0.1:7777", "", ""},
		{"sni", TLS, "127.0.0.1:5000", "127.0.0.1:8443", "a.example", "sni"},
		{"sni with a trailing dot", TLS, "127.0.0.1:5000", "127.0.0.1:8443", "a.example.", "sni"},
		{"sni and destination outrank sni", TLS, "127.0.0.1:5000", "127.0.0.1:9443", "a.example", "sni-and-dst"},
		{"wildcard sni", TLS, "127.0.0.1:5000", "127.0.0.1:8443", "x.wild.example", "sni-wild"},
		{"wildcard needs a label", TLS, "127.0.0.1:5000", "127.0.0.1:8443", "wild.example", ""},
		{"sni route needs tls", TCP, "127.0.0.1:5000", "127.0.0.1:8443", "a.example", ""},
		{"passthrough", TLSPassthrough, "127.0.0.1:5000", "127.0.0.1:8443", "p.example", "pass"},
		{"passthrough needs its sni", TLSPassthrough, "127.0.0.1:5000", "127.0.0.1:8443", "a.example", ""},
		{"udp never matches tcp", TCP, "127.0.0.1:5000", "127.0.0.1:9053", "", ""},
		{"older route first", TCP, "127.0.0.1:5000", "127.0.0.1:9002", "", "older-dst"},
		{"ipv6 source", TCP, "[2001:db8::1]:5000", "[::1]:9003", "", "v6"},
		{"ipv4-mapped source is ipv4", TCP, "[::ffff:10.2.0.1]:5000", "127.0.0.1:7777", "", "src-cidr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := r.Match(Request{Protocol: tt.proto, Source: ap(tt.src), Destination: ap(tt.dst), SNI: tt.sni})
			got := ""
			if m != nil {
				got = m.ID
			}
			if got != tt.want {
				t.Errorf("Match = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEndpointOrder(t *testing.T) {
	eps, err := endpoints([]store.CIDRPort{ep("", 80), ep("10.0.0.0/8", 0), ep("10.0.0.1", 80)})
	if err != nil {
		t.Fatal(err)
	}
	if !eps[0].prefix.IsValid() || eps[0].port != 80 {
		t.Errorf("first entry %+v, want the one with ip and port", eps[0])
	}
}

func TestParseIPOrCIDR(t *testing.T) {
	for in, ok := range map[string]bool{"10.0.0.1": true, "10.0.0.0/8": true, "::1": true, "2001:db8::/32": true,
		"10.0.0.256": false, "10.0.0.0/33": false, "host.example": false, "": false} {
		if _, err := ParseIPOrCIDR(in); (err == nil) != ok {
			t.Errorf("ParseIPOrCIDR(%q) error = %v", in, err)
		}
	}
}

func TestNilRouter(t *testing.T) {
	var r *Router
	if r.Match(Request{Protocol: TCP}) != nil || r.HasPassthrough() || r.Len() != 0 {
		t.Fatal("a nil router matches nothing")
	}
}
