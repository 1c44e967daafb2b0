// Package streamrouter matches TCP connections to Kong's stream routes (protocols tcp,
// tls and tls_passthrough) by client address (sources), the address the client
// connected to (destinations) and TLS server name (snis), with Kong's traditional
// priority order.
//
// A Router is immutable: the gateway builds one per configuration snapshot, so
// matching takes no locks.
package streamrouter

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/weir-gateway/weir/store"
)

// Protocols of a connection, as routes name them.
const (
	TCP            = "tcp"             // plain bytes on a listener without ssl
	TLS            = "tls"             // TLS that weir terminated (an ssl listener)
	TLSPassthrough = "tls_passthrough" // TLS weir passes on untouched, matched by the ClientHello's SNI
)

// Request is what the router looks at for one connection.
type Request struct {
	Protocol    string
	Source      netip.AddrPort
	Destination netip.AddrPort
	// SNI is the server name of the TLS handshake ("" for none).
	SNI string
}

// Router is a compiled, immutable set of stream routes.
type Router struct {
	candidates  []*candidate
	passthrough bool
}

type candidate struct {
	route        *store.Route
	protocols    map[string]bool
	sources      []endpoint
	destinations []endpoint
	snis         []sniMatcher
	weight       int
	category     int
}

// Attribute bits of stream routes, in Kong's order of precedence.
const (
	catSNI = 0x04
	catSrc = 0x02
	catDst = 0x01
)

// endpoint is one entry of sources or destinations: an address range, a port, or both.
type endpoint struct {
	prefix netip.Prefix // invalid when the entry has no ip
	port   int          // 0 when the entry has no port
}

func (e endpoint) match(a netip.AddrPort) bool {
	if e.prefix.IsValid() && !e.prefix.Contains(a.Addr().Unmap()) {
		return false
	}
	return e.port == 0 || int(a.Port()) == e.port
}

// sniMatcher is one entry of snis: a name, or a leftmost (*.example.com) or rightmost
// (example.*) wildcard.
type sniMatcher struct {
	name           string
	prefix, suffix bool
}

func (m sniMatcher) match(sni string) bool {
	switch {
	case m.suffix:
		return strings.HasSuffix(sni, m.name) && len(sni) > len(m.name)
	case m.prefix:
		return strings.HasPrefix(sni, m.name) && len(sni) > len(m.name)
	}
	return sni == m.name
}

// IsStream says whether a route is a stream route: its protocols are tcp, tls,
// tls_passthrough or udp (the store refuses mixing them with HTTP ones).
func IsStream(r *store.Route) bool {
	for _, p := range r.Protocols {
		switch p {
		case TCP, TLS, TLSPassthrough, "udp":
			return true
		}
	}
	return false
}

// New compiles the stream routes among routes; HTTP routes are left out. udp routes
// are accepted by the Admin API as in Kong but weir has no UDP listener, so they never
// match.
func New(routes []store.Route) (*Router, error) {
	r := &Router{}
	for i := range routes {
		rt := &routes[i]
		if !IsStream(rt) {
			continue
		}
		c, err := compile(rt)
		if err != nil {
			return nil, err
		}
		r.candidates = append(r.candidates, c)
		r.passthrough = r.passthrough || c.protocols[TLSPassthrough]
	}
	sort.SliceStable(r.candidates, func(i, j int) bool { return less(r.candidates[i], r.candidates[j]) })
	return r, nil
}

func compile(rt *store.Route) (*candidate, error) {
	c := &candidate{route: rt, protocols: map[string]bool{}}
	for _, p := range rt.Protocols {
		c.protocols[p] = true
	}
	var err error
	if c.sources, err = endpoints(rt.Sources); err != nil {
		return nil, fmt.Errorf("route %s: sources: %w", rt.ID, err)
	}
	if c.destinations, err = endpoints(rt.Destinations); err != nil {
		return nil, fmt.Errorf("route %s: destinations: %w", rt.ID, err)
	}
	for _, name := range rt.SNIs {
		name = strings.TrimSuffix(name, ".")
		switch {
		case strings.HasPrefix(name, "*."):
			c.snis = append(c.snis, sniMatcher{name: name[1:], suffix: true})
		case strings.HasSuffix(name, ".*"):
			c.snis = append(c.snis, sniMatcher{name: name[:len(name)-1], prefix: true})
		default:
			c.snis = append(c.snis, sniMatcher{name: name})
		}
	}
	for _, a := range []struct {
		set bool
		bit int
	}{{len(c.snis) > 0, catSNI}, {len(c.sources) > 0, catSrc}, {len(c.destinations) > 0, catDst}} {
		if a.set {
			c.weight++
			c.category |= a.bit
		}
	}
	return c, nil
}

// endpoints compiles sources or destinations; entries with both an ip and a port come
// first, as Kong orders them.
func endpoints(list []store.CIDRPort) ([]endpoint, error) {
	out := make([]endpoint, 0, len(list))
	for _, e := range list {
		var ep endpoint
		if e.IP != nil && *e.IP != "" {
			p, err := ParseIPOrCIDR(*e.IP)
			if err != nil {
				return nil, err
			}
			ep.prefix = p
		}
		if e.Port != nil {
			ep.port = *e.Port
		}
		out = append(out, ep)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].prefix.IsValid() && out[i].port != 0 && !(out[j].prefix.IsValid() && out[j].port != 0)
	})
	return out, nil
}

// ParseIPOrCIDR reads an IP address (a one-address range) or a CIDR range.
func ParseIPOrCIDR(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid ip or cidr range: '%s'", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid ip or cidr range: '%s'", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// less is Kong's order: more attributes first, then the category bitmask (SNI over
// sources over destinations), then older routes first.
func less(a, b *candidate) bool {
	if a.weight != b.weight {
		return a.weight > b.weight
	}
	if a.category != b.category {
		return a.category > b.category
	}
	if a.route.CreatedAt != b.route.CreatedAt {
		return a.route.CreatedAt < b.route.CreatedAt
	}
	return a.route.ID < b.route.ID
}

// HasPassthrough says whether any route is a tls_passthrough route, so listeners
// without ssl need to look for a ClientHello's SNI.
func (r *Router) HasPassthrough() bool { return r != nil && r.passthrough }

// Len is the number of stream routes.
func (r *Router) Len() int {
	if r == nil {
		return 0
	}
	return len(r.candidates)
}

// Match returns the route for req, or nil.
func (r *Router) Match(req Request) *store.Route {
	if r == nil {
		return nil
	}
	sni := strings.TrimSuffix(req.SNI, ".")
	for _, c := range r.candidates {
		if c.matches(req, sni) {
			return c.route
		}
	}
	return nil
}

func (c *candidate) matches(req Request, sni string) bool {
	if !c.protocols[req.Protocol] {
		return false
	}
	if len(c.snis) > 0 && (sni == "" || !slices.ContainsFunc(c.snis, func(m sniMatcher) bool { return m.match(sni) })) {
		return false
	}
	if len(c.sources) > 0 && !slices.ContainsFunc(c.sources, func(e endpoint) bool { return e.match(req.Source) }) {
		return false
	}
	if len(c.destinations) > 0 && !slices.ContainsFunc(c.destinations, func(e endpoint) bool { return e.match(req.Destination) }) {
		return false
	}
	return true
}
