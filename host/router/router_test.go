package router

import (
	"strings"
	"testing"

	"github.com/weir-gateway/weir/store"
)

func ptr(s string) *string { return &s }

func route(id string, created int64, f func(*store.Route)) store.Route {
	r := store.Route{ID: id, Name: ptr(id), CreatedAt: created, StripPath: true, Protocols: []string{"http", "https"}}
	f(&r)
	return r
}

func req(method, host, path string, headers map[string]string) *Request {
	return &Request{Method: method, Host: host, Path: path, Scheme: "http", Header: HeaderFunc(func(n string) []string {
		if v, ok := headers[n]; ok {
			return []string{v}
		}
		return nil
	})}
}

func TestMatch(t *testing.T) {
	routes := []store.Route{
		route("prefix", 1, func(r *store.Route) { r.Paths = []string{"/test"} }),
		route("longer", 2, func(r *store.Route) { r.Paths = []string{"/test/deeper"} }),
		route("regex", 3, func(r *store.Route) { r.Paths = []string{`~/users/(?P<id>\d+)$`} }),
		route("host", 4, func(r *store.Route) { r.Hosts = []string{"example.com"}; r.Paths = []string{"/test"} }),
		route("wild", 5, func(r *store.Route) { r.Hosts = []string{"*.wild.org"} }),
		route("post", 6, func(r *store.Route) { r.Methods = []string{"POST"}; r.Paths = []string{"/test"} }),
		route("hdr", 7, func(r *store.Route) { r.Headers = map[string][]string{"x-version": {"v2"}} }),
		route("port", 8, func(r *store.Route) { r.Hosts = []string{"ported.net:8080"} }),
	}
	rt, err := New(routes)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, host, path string
		headers                  map[string]string
		want, prefix, postfix    string
	}{
		{"prefix", "GET", "any", "/test/foo", nil, "prefix", "/test", "/foo"},
		{"longest prefix wins", "GET", "any", "/test/deeper/x", nil, "longer", "/test/deeper", "/x"},
		{"host beats plain path", "GET", "example.com", "/test", nil, "host", "/test", ""},
		{"host with port matches plain host", "GET", "example.com:8000", "/test", nil, "host", "/test", ""},
		{"method adds weight", "POST", "any", "/test", nil, "post", "/test", ""},
		{"regex", "GET", "any", "/users/42", nil, "regex", "/users/42", ""},
		{"regex anchored at end", "GET", "any", "/users/42/x", nil, "", "", ""},
		{"wildcard host", "GET", "a.b.wild.org", "/x", nil, "wild", "", "x"},
		{"wildcard needs a label", "GET", ".wild.org", "/x", nil, "", "", ""},
		{"header", "GET", "any", "/x", map[string]string{"x-version": "V2"}, "hdr", "", "x"},
		{"port entry matches that port", "GET", "ported.net:8080", "/", nil, "port", "", ""},
		{"port entry refuses default port", "GET", "ported.net", "/", nil, "", "", ""},
		{"normalized before matching", "GET", "any", "/x/../test//foo", nil, "prefix", "/test", "/foo"},
		{"case-sensitive paths", "GET", "any", "/TEST", nil, "", "", ""},
		{"no match", "GET", "any", "/nothing", nil, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := rt.Match(req(tt.method, tt.host, tt.path, tt.headers))
			if tt.want == "" {
				if m != nil {
					t.Fatalf("matched %s, want no match", *m.Route.Name)
				}
				return
			}
			if m == nil {
				t.Fatalf("no match, want %s", tt.want)
			}
			if *m.Route.Name != tt.want || m.Prefix != tt.prefix || m.Postfix != tt.postfix {
				t.Fatalf("got %s prefix=%q postfix=%q, want %s %q %q", *m.Route.Name, m.Prefix, m.Postfix, tt.want, tt.prefix, tt.postfix)
			}
		})
	}
}

func TestRegexCaptures(t *testing.T) {
	rt, err := New([]store.Route{route("r", 1, func(r *store.Route) { r.Paths = []string{`~/users/(?P<id>\d+)`} })})
	if err != nil {
		t.Fatal(err)
	}
	m := rt.Match(req("GET", "h", "/users/7/profile", nil))
	if m == nil || m.Captures["id"] != "7" || m.Captures["1"] != "7" || m.Postfix != "/profile" {
		t.Fatalf("got %+v", m)
	}
}

func TestRegexPriority(t *testing.T) {
	rt, err := New([]store.Route{
		route("low", 1, func(r *store.Route) { r.Paths = []string{`~/a`} }),
		route("high", 2, func(r *store.Route) { r.Paths = []string{`~/a`}; r.RegexPriority = 5 }),
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := rt.Match(req("GET", "h", "/a", nil)); m == nil || *m.Route.Name != "high" {
		t.Fatalf("got %+v, want high", m)
	}
}

func TestInvalidRegex(t *testing.T) {
	_, err := New([]store.Route{route("bad", 1, func(r *store.Route) { r.Paths = []string{"~/(("} })})
	if err == nil || !strings.Contains(err.Error(), "bad") {
		t.Fatalf("err = %v, want an error naming the route", err)
	}
}

// TestUpstreamPath follows the v0 and v1 table in Kong's router (see
// ../shared/reference/kong-3.9-surface.md §2.4).
func TestUpstreamPath(t *testing.T) {
	tests := []struct {
		service, routePath, request string
		strip                       bool
		v0, v1                      string
	}{
		{"/s", "/fee", "/fee/fi", true, "/s/fi", "/s/fi"},
		{"/s", "/fee/", "/fee/fi", true, "/s/fi", "/sfi"},
		{"/s/", "/fee", "/fee/fi", true, "/s/fi", "/s/fi"},
		{"/s/", "/fee/", "/fee/fi", true, "/s/fi", "/s/fi"},
		{"/s", "/fee", "/fee", true, "/s", "/s"},
		{"/s", "/fee", "/fee/", true, "/s/", "/s/"},
		{"/s/", "/fee", "/fee", true, "/s", "/s/"},
		{"", "/fee", "/fee/fi", true, "/fi", "/fi"},
		{"", "/fee", "/fee", true, "/", "/"},
		{"/s", "/fee", "/fee/fi", false, "/s/fee/fi", "/sfee/fi"},
		{"/s/", "/fee", "/fee/fi", false, "/s/fee/fi", "/s/fee/fi"},
		{"", "/fee", "/fee/fi", false, "/fee/fi", "/fee/fi"},
		{"/s", "/", "/fee", true, "/s/fee", "/sfee"},
		{"/anything", "/test", "/test/foo", true, "/anything/foo", "/anything/foo"},
		{"/s", `~/fee/\d+`, "/fee/12/fi", true, "/s/fi", "/s/fi"},
	}
	for _, tt := range tests {
		for _, handling := range []string{"v0", "v1"} {
			t.Run(handling+" "+tt.service+"|"+tt.routePath+"|"+tt.request, func(t *testing.T) {
				rt, err := New([]store.Route{route("r", 1, func(r *store.Route) { r.Paths = []string{tt.routePath} })})
				if err != nil {
					t.Fatal(err)
				}
				m := rt.Match(req("GET", "h", tt.request, nil))
				if m == nil {
					t.Fatal("no match")
				}
				want := tt.v0
				if handling == "v1" {
					want = tt.v1
				}
				if got := UpstreamPath(tt.service, m, tt.strip, handling, tt.request, ""); got != want {
					t.Errorf("got %q, want %q", got, want)
				}
			})
		}
	}
	rt, _ := New([]store.Route{route("r", 1, func(r *store.Route) { r.Paths = []string{"/a"} })})
	m := rt.Match(req("GET", "h", "/a/b?x=1", nil))
	if got := UpstreamPath("/s", m, true, "v0", "/a/b?x=1", "x=1"); got != "/s/b?x=1" {
		t.Errorf("query: got %q", got)
	}
}

// TestMatchIntoAllocatesNothing holds the proxy's hot path to no allocation for routes
// without a regex path: hosts, prefix paths, methods and headers.
func TestMatchIntoAllocatesNothing(t *testing.T) {
	rt, err := New([]store.Route{
		{ID: "a", Hosts: []string{"api.example.com"}, Paths: []string{"/v1"}, Methods: []string{"GET"}},
		{ID: "b", Hosts: []string{"*.example.com"}, Paths: []string{"/"}, Headers: map[string][]string{"x-version": {"2"}}},
		{ID: "c", Paths: []string{"/static"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		req  *Request
		want string
	}{
		{req("GET", "api.example.com", "/v1/users?id=1", nil), "a"},
		{&Request{Method: "POST", Host: "web.example.com", Path: "/x", Scheme: "http", Header: fixedHeaders{"x-version": {"2"}}}, "b"},
		{req("GET", "other.org", "/static/app.js", nil), "c"},
		{req("GET", "other.org", "/missing", nil), ""},
	} {
		var m Match
		allocs := testing.AllocsPerRun(100, func() {
			m = Match{}
			rt.MatchInto(tt.req, &m)
		})
		got := ""
		if m.Route != nil {
			got = m.Route.ID
		}
		if got != tt.want || allocs != 0 {
			t.Errorf("%s %s%s: route %q with %.0f allocations, want %q with none", tt.req.Method, tt.req.Host, tt.req.Path, got, allocs, tt.want)
		}
	}
}

// fixedHeaders answers header values without allocating, as the proxy's header map does.
type fixedHeaders map[string][]string

func (h fixedHeaders) Values(name string) []string { return h[name] }
