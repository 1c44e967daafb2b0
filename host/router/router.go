// Package router matches requests to routes with Kong's traditional_compatible rules
// (the default flavor of Kong 3.x) and computes the path sent upstream.
//
// A Router is immutable: the gateway builds a new one for each configuration snapshot
// and swaps it in, so matching takes no locks.
package router

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/weir-gateway/weir/store"
)

// Request is what the router looks at.
type Request struct {
	Method string
	// Host is the Host header (or :authority) as sent, port included if any.
	Host string
	// Path is the raw request target: path and query.
	Path string
	// Scheme is "http" or "https"; it fills in the default port for host matching.
	Scheme string
	// SNI is the TLS server name the client sent ("" for none or plain HTTP).
	SNI string
	// Header gives the values of a request header (name lower-case).
	Header Headers
}

// Headers gives a request header's values by lower-case name. An interface rather than
// a func, so a request's header map passes without a closure (an allocation a match).
type Headers interface {
	Values(name string) []string
}

// HeaderFunc makes a function a Headers.
type HeaderFunc func(name string) []string

// Values implements Headers.
func (f HeaderFunc) Values(name string) []string { return f(name) }

// Match is the result of a successful match.
type Match struct {
	Route *store.Route
	// MatchedPath is the route path that matched ("" when the route has no paths).
	MatchedPath string
	// Prefix is the part of the normalized request path the route path consumed.
	Prefix string
	// Postfix is the rest of the normalized request path.
	Postfix string
	// Captures holds a regex path's named and positional captures.
	Captures map[string]string
}

// Router is a compiled, immutable set of routes.
type Router struct {
	// candidates in Kong's priority order: a candidate's rank is its place here.
	candidates []*candidate
	index      *index
}

// candidate is one route with one of its paths (Kong splits multi-path routes).
type candidate struct {
	route   *store.Route
	methods map[string]bool
	hosts   []hostMatcher
	headers []headerMatcher
	snis    []hostMatcher
	path    string
	regex   *regexp.Regexp
	// literal is the literal prefix every match of regex starts with ("" if none).
	literal string
	rank    int

	weight     int // number of attribute kinds the route uses
	category   int // bitmask of those kinds, as Kong orders them
	plainHosts bool
}

// Attribute bits, in Kong's order of precedence.
const (
	catHost   = 0x40
	catHeader = 0x20
	catURI    = 0x10
	catMethod = 0x08
	catSNI    = 0x04
)

// New compiles routes. A route path that is not a valid regular expression is an error
// (the store validates paths on write, so this signals a store defect).
func New(routes []store.Route) (*Router, error) {
	r := &Router{}
	for i := range routes {
		cs, err := compile(&routes[i])
		if err != nil {
			return nil, err
		}
		r.candidates = append(r.candidates, cs...)
	}
	sort.SliceStable(r.candidates, func(i, j int) bool { return less(r.candidates[i], r.candidates[j]) })
	for i, c := range r.candidates {
		c.rank = i
	}
	r.index = newIndex(r.candidates)
	return r, nil
}

func compile(rt *store.Route) ([]*candidate, error) {
	base := candidate{route: rt}
	if len(rt.Methods) > 0 {
		base.methods = make(map[string]bool, len(rt.Methods))
		for _, m := range rt.Methods {
			base.methods[strings.ToUpper(m)] = true
		}
		base.weight++
		base.category |= catMethod
	}
	if len(rt.Hosts) > 0 {
		base.plainHosts = true
		for _, h := range rt.Hosts {
			hm := newHostMatcher(h)
			if hm.wildcard {
				base.plainHosts = false
			}
			base.hosts = append(base.hosts, hm)
		}
		base.weight++
		base.category |= catHost
	}
	if len(rt.Headers) > 0 {
		for name, values := range rt.Headers {
			hm, err := newHeaderMatcher(name, values)
			if err != nil {
				return nil, fmt.Errorf("route %s: %w", rt.ID, err)
			}
			base.headers = append(base.headers, hm)
		}
		sort.Slice(base.headers, func(i, j int) bool { return base.headers[i].name < base.headers[j].name })
		base.weight++
		base.category |= catHeader
	}
	if len(rt.SNIs) > 0 {
		for _, name := range rt.SNIs {
			base.snis = append(base.snis, newHostMatcher(strings.TrimSuffix(name, ".")))
		}
		base.weight++
		base.category |= catSNI
	}
	if len(rt.Paths) == 0 {
		c := base
		return []*candidate{&c}, nil
	}
	out := make([]*candidate, 0, len(rt.Paths))
	for _, p := range rt.Paths {
		c := base
		c.weight++
		c.category |= catURI
		c.path = p
		if strings.HasPrefix(p, "~") {
			re, err := regexp.Compile("^" + p[1:])
			if err != nil {
				return nil, fmt.Errorf("route %s: path %q: %w", rt.ID, p, err)
			}
			c.regex = re
			c.literal = literalPrefix(p[1:])
		}
		out = append(out, &c)
	}
	return out, nil
}

// less orders candidates as Kong evaluates them: more attributes first, then the
// attribute kinds, plain hosts before wildcards, more headers, regex paths before
// prefixes (by regex_priority), longer prefixes, older routes.
func less(a, b *candidate) bool {
	switch {
	case a.weight != b.weight:
		return a.weight > b.weight
	case a.category != b.category:
		return a.category > b.category
	case a.plainHosts != b.plainHosts:
		return a.plainHosts
	case len(a.headers) != len(b.headers):
		return len(a.headers) > len(b.headers)
	case (a.regex != nil) != (b.regex != nil):
		return a.regex != nil
	case a.regex != nil && a.route.RegexPriority != b.route.RegexPriority:
		return a.route.RegexPriority > b.route.RegexPriority
	case a.regex == nil && len(a.path) != len(b.path):
		return len(a.path) > len(b.path)
	}
	return a.route.CreatedAt < b.route.CreatedAt
}

// literalPrefix is the literal text every match of the (unanchored) pattern starts with.
func literalPrefix(pattern string) string {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return ""
	}
	prefix, _ := re.LiteralPrefix()
	return prefix
}

// Match finds the route for req, or nil: the first candidate in priority order that
// matches, found through the index.
func (r *Router) Match(req *Request) *Match {
	var m Match
	if !r.MatchInto(req, &m) {
		return nil
	}
	return &m
}

// MatchInto is Match writing the result into m, which the proxy keeps in its
// per-request state: a match of a plain route allocates nothing. ok is false (and m
// unchanged) when no route matches.
func (r *Router) MatchInto(req *Request, m *Match) (ok bool) {
	s := search{req: *req, path: NormalizePath(req.Path), best: m}
	r.index.lookup(&s)
	return s.found
}

// Len is the number of candidates (one per route path).
func (r *Router) Len() int { return len(r.candidates) }

// match reports whether the candidate matches, writing the match into m only then.
func (c *candidate) match(req *Request, path string, m *Match) bool {
	if c.methods != nil && !c.methods[req.Method] {
		return false
	}
	if c.hosts != nil && !matchAnyHost(c.hosts, req.Host, req.Scheme) {
		return false
	}
	if c.snis != nil && req.Scheme == "https" && !matchAnySNI(c.snis, req.SNI) {
		return false
	}
	for i := range c.headers {
		if !c.headers[i].match(req.Header.Values(c.headers[i].name)) {
			return false
		}
	}
	switch {
	case c.regex != nil:
		loc := c.regex.FindStringSubmatchIndex(path)
		if loc == nil {
			return false
		}
		*m = Match{Route: c.route, MatchedPath: c.path, Prefix: path[:loc[1]], Postfix: path[loc[1]:],
			Captures: captures(c.regex, path, loc)}
	case c.path != "":
		if !strings.HasPrefix(path, c.path) {
			return false
		}
		*m = Match{Route: c.route, MatchedPath: c.path, Prefix: c.path, Postfix: path[len(c.path):]}
	default:
		*m = Match{Route: c.route, Postfix: strings.TrimPrefix(path, "/")}
	}
	return true
}

func captures(re *regexp.Regexp, s string, loc []int) map[string]string {
	if re.NumSubexp() == 0 {
		return nil
	}
	out := make(map[string]string, re.NumSubexp())
	names := re.SubexpNames()
	for i := 1; i <= re.NumSubexp(); i++ {
		if loc[2*i] < 0 {
			continue
		}
		v := s[loc[2*i]:loc[2*i+1]]
		out[fmt.Sprint(i)] = v
		if names[i] != "" {
			out[names[i]] = v
		}
	}
	return out
}
