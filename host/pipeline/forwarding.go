package pipeline

import (
	"fmt"
	"net/netip"
	"strings"
)

// HeaderOptions are Kong's properties for the headers the gateway reads and adds.
type HeaderOptions struct {
	// TrustedIPs are the peers whose X-Forwarded-* and real_ip_header are believed
	// (trusted_ips); none by default.
	TrustedIPs []netip.Prefix
	// RealIPHeader names the header a trusted peer gives the client address in
	// (real_ip_header, X-Real-IP by default); RealIPRecursive takes the last address
	// in it that is not itself trusted (real_ip_recursive).
	RealIPHeader    string
	RealIPRecursive bool
	// Downstream and Upstream are the headers switched on by `headers` and
	// `headers_upstream`.
	Downstream HeaderSet
	Upstream   HeaderSet
}

// HeaderSet is a set of Kong's switchable headers.
type HeaderSet uint16

// The switchable headers.
const (
	HeaderServer HeaderSet = 1 << iota
	HeaderVia
	HeaderUpstreamLatency
	HeaderProxyLatency
	HeaderResponseLatency
	HeaderUpstreamStatus
	HeaderRequestID
)

// headerTokens are the values `headers` and `headers_upstream` take (lower-cased).
var headerTokens = map[string]HeaderSet{
	"server_tokens":           HeaderServer | HeaderVia,
	"latency_tokens":          HeaderUpstreamLatency | HeaderProxyLatency | HeaderResponseLatency,
	"server":                  HeaderServer,
	"via":                     HeaderVia,
	"x-kong-upstream-latency": HeaderUpstreamLatency,
	"x-kong-proxy-latency":    HeaderProxyLatency,
	"x-kong-response-latency": HeaderResponseLatency,
	"x-kong-upstream-status":  HeaderUpstreamStatus,
	"x-kong-request-id":       HeaderRequestID,
	"x-kong-admin-latency":    0, // Admin API only
	"off":                     0,
}

// ParseHeaderSet reads a `headers` / `headers_upstream` value.
func ParseHeaderSet(v string) (HeaderSet, error) {
	var set HeaderSet
	for _, tok := range strings.Split(v, ",") {
		tok = strings.ToLower(strings.TrimSpace(tok))
		if tok == "" {
			continue
		}
		bits, ok := headerTokens[tok]
		if !ok {
			return 0, fmt.Errorf("%q is not a header weir can switch", tok)
		}
		set |= bits
	}
	return set, nil
}

// ParseTrustedIPs reads trusted_ips: addresses and CIDR blocks, comma-separated
// ("unix:" is accepted and means nothing here, weir has no unix sockets).
func ParseTrustedIPs(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, tok := range strings.Split(v, ",") {
		tok = strings.TrimSpace(tok)
		switch {
		case tok == "" || tok == "unix:":
			continue
		case strings.Contains(tok, "/"):
			p, err := netip.ParsePrefix(tok)
			if err != nil {
				return nil, fmt.Errorf("trusted_ips: %w", err)
			}
			out = append(out, p.Masked())
		default:
			a, err := netip.ParseAddr(tok)
			if err != nil {
				return nil, fmt.Errorf("trusted_ips: %w", err)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out, nil
}

// DefaultHeaderOptions are Kong's defaults.
func DefaultHeaderOptions() HeaderOptions {
	return HeaderOptions{
		RealIPHeader: "x-real-ip",
		Downstream:   HeaderServer | HeaderVia | HeaderUpstreamLatency | HeaderProxyLatency | HeaderResponseLatency | HeaderRequestID,
		Upstream:     HeaderRequestID,
	}
}

func (o *HeaderOptions) trusted(ip string) bool {
	if len(o.TrustedIPs) == 0 {
		return false
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range o.TrustedIPs {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// realIP is the client's address as nginx's realip module finds it: the socket peer,
// unless that peer is trusted and sent real_ip_header; then the header's last address,
// or with real_ip_recursive the last one that is not trusted.
func (o *HeaderOptions) realIP(peer string, h *Headers) string {
	if o.RealIPHeader == "" || !o.trusted(peer) {
		return peer
	}
	var addrs []string
	for _, v := range h.Values(o.RealIPHeader) {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				addrs = append(addrs, a)
			}
		}
	}
	if len(addrs) == 0 {
		return peer
	}
	if !o.RealIPRecursive {
		return validIP(addrs[len(addrs)-1], peer)
	}
	for i := len(addrs) - 1; i >= 0; i-- {
		if !o.trusted(addrs[i]) {
			return validIP(addrs[i], peer)
		}
	}
	return validIP(addrs[0], peer)
}

func validIP(s, fallback string) string {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String()
	}
	return fallback
}
