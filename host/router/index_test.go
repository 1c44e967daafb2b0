package router

import (
	"testing"

	"github.com/weir-gateway/weir/store"
)

// TestIndexedMatch covers what the index files separately: exact hosts with and without
// ports, both wildcard shapes, regexes with and without a literal prefix, SNIs, and
// priority across groups.
func TestIndexedMatch(t *testing.T) {
	routes := []store.Route{
		route("exact", 1, func(r *store.Route) { r.Hosts = []string{"a.com"}; r.Paths = []string{"/x"} }),
		route("exact-port", 2, func(r *store.Route) { r.Hosts = []string{"a.com:8080"}; r.Paths = []string{"/x/y"} }),
		route("suffix", 3, func(r *store.Route) { r.Hosts = []string{"*.b.com"}; r.Paths = []string{"/x"} }),
		route("prefix-wild", 4, func(r *store.Route) { r.Hosts = []string{"c.*"} }),
		route("regex-literal", 5, func(r *store.Route) { r.Paths = []string{`~/users/(?P<id>\d+)/?$`} }),
		route("regex-open", 6, func(r *store.Route) { r.Paths = []string{`~(/v1|/v2)/items`} }),
		route("both-hosts", 7, func(r *store.Route) { r.Hosts = []string{"d.com", "*.d.com"}; r.Paths = []string{"/"} }),
		route("plain", 8, func(r *store.Route) { r.Paths = []string{"/x"} }),
		route("sni", 9, func(r *store.Route) { r.SNIs = []string{"*.tls.com"}; r.Paths = []string{"/s"} }),
		route("root", 10, func(r *store.Route) { r.Paths = []string{"/"} }),
		route("caseless", 11, func(r *store.Route) { r.Paths = []string{`~(?i)/ci/`} }),
	}
	rt, err := New(routes)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, host, path, scheme, sni, want string
	}{
		{"exact host", "a.com", "/x/1", "http", "", "exact"},
		{"exact host, port in Host", "a.com:9", "/x", "http", "", "exact"},
		{"port entry needs its port", "a.com", "/x/y", "http", "", "exact"},
		{"port entry with its port", "a.com:8080", "/x/y", "http", "", "exact-port"},
		{"host entries are case-sensitive", "A.com", "/x", "http", "", "plain"},
		{"suffix wildcard spans labels", "q.r.b.com", "/x", "http", "", "suffix"},
		{"suffix wildcard needs a label", "b.com", "/x", "http", "", "plain"},
		{"prefix wildcard", "c.org", "/anything", "http", "", "prefix-wild"},
		{"prefix wildcard with port", "c.io:81", "/", "http", "", "prefix-wild"},
		{"regex under its literal prefix", "z", "/users/12", "http", "", "regex-literal"},
		{"regex refuses, prefix below answers", "z", "/users/ab", "http", "", "root"},
		{"regex without a literal prefix", "z", "/v2/items", "http", "", "regex-open"},
		{"host listed plain and wildcard: plain", "d.com", "/q", "http", "", "both-hosts"},
		{"host listed plain and wildcard: wildcard", "e.d.com", "/q", "http", "", "both-hosts"},
		{"sni ignored over http", "z", "/s", "http", "", "sni"},
		{"sni matches over https", "z", "/s", "https", "a.tls.com.", "sni"},
		{"sni refuses over https", "z", "/s", "https", "other.com", "root"},
		{"case-insensitive regex", "z", "/CI/x", "http", "", "caseless"},
		{"fallback", "nowhere", "/nothing", "http", "", "root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req("GET", tt.host, tt.path, nil)
			r.Scheme, r.SNI = tt.scheme, tt.sni
			m := rt.Match(r)
			if m == nil || *m.Route.Name != tt.want {
				t.Fatalf("got %v, want %s", name(m), tt.want)
			}
			if ref := rt.matchLinear(r); name(ref) != name(m) {
				t.Fatalf("reference matched %s", name(ref))
			}
		})
	}
}

func name(m *Match) string {
	if m == nil {
		return "<none>"
	}
	return *m.Route.Name
}

func TestRadixTreeSplits(t *testing.T) {
	var root node
	keys := []string{"/test", "/te", "/testing", "/tea", "/", "/t"}
	for i, k := range keys {
		root.insert(k, &candidate{rank: i, path: k})
	}
	g := &group{tree: root}
	for _, tt := range []struct {
		path string
		want []string
	}{
		{"/testing/x", []string{"/", "/t", "/te", "/test", "/testing"}},
		{"/tea", []string{"/", "/t", "/te", "/tea"}},
		{"/tx", []string{"/", "/t"}},
		{"x", nil},
	} {
		var got []string
		n, rest := &g.tree, tt.path
		for {
			for _, c := range n.cands {
				got = append(got, c.path)
			}
			if rest == "" {
				break
			}
			i := n.child(rest[0])
			if i < 0 || len(rest) < len(n.children[i].label) || rest[:len(n.children[i].label)] != n.children[i].label {
				break
			}
			n = n.children[i]
			rest = rest[len(n.label):]
		}
		if len(got) != len(tt.want) {
			t.Fatalf("%s: got %v, want %v", tt.path, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Fatalf("%s: got %v, want %v", tt.path, got, tt.want)
			}
		}
	}
}
