package router

import (
	"fmt"
	"testing"

	"github.com/weir-gateway/weir/store"
)

// Vocabularies the fuzzer picks from: small, so that random routes overlap and random
// requests hit them.
var (
	fuzzHosts   = []string{"a.com", "a.com:8080", "*.a.com", "b.a.com", "a.*", "x.y.a.com", "c.org", "*.org", "c.*"}
	fuzzPaths   = []string{"/", "/a", "/a/", "/ab", "/a/b", "/b", `~/a/(?P<n>\d+)`, `~/a`, `~(/a|/b)/c`, `~/b/\w+$`, `~(?i)/A`, `~.*z`}
	fuzzMethods = []string{"GET", "POST", "PUT"}
	fuzzSNIs    = []string{"s.com", "*.s.com", "t.*"}
	fuzzReqHost = []string{"a.com", "a.com:8080", "a.com:80", "b.a.com", "q.b.a.com", "x.y.a.com", "a.net", "c.org", "d.c.org", "c.io:9", "A.com", "other"}
	fuzzReqPath = []string{"/", "/a", "/a/", "/a/1", "/a/b", "/ab", "/b", "/b/c", "/a/c", "/b/xyz", "/A/b", "/z", "/a/../b/c", "/a//b", "/%61/1"}
)

func pick[T any](b []byte, i *int, from []T) T {
	v := 0
	if *i < len(b) {
		v = int(b[*i])
	}
	*i++
	return from[v%len(from)]
}

func fuzzRoutes(b []byte) []store.Route {
	i := 0
	n := 1 + int(pick(b, &i, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}))
	routes := make([]store.Route, 0, n)
	for k := 0; k < n; k++ {
		flags := pick(b, &i, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31})
		r := store.Route{ID: fmt.Sprintf("r%02d", k), CreatedAt: int64(pick(b, &i, []int{1, 2, 3})), RegexPriority: pick(b, &i, []int{0, 0, 1, 2})}
		r.Name = &r.ID
		if flags&1 != 0 {
			r.Hosts = []string{pick(b, &i, fuzzHosts), pick(b, &i, fuzzHosts)}[:1+pick(b, &i, []int{0, 1})]
		}
		if flags&2 != 0 {
			r.Paths = []string{pick(b, &i, fuzzPaths), pick(b, &i, fuzzPaths)}[:1+pick(b, &i, []int{0, 1})]
		}
		if flags&4 != 0 {
			r.Methods = []string{pick(b, &i, fuzzMethods)}
		}
		if flags&8 != 0 {
			r.Headers = map[string][]string{"x-v": {pick(b, &i, []string{"1", "2", "~*^[12]$"})}}
		}
		if flags&16 != 0 {
			r.SNIs = []string{pick(b, &i, fuzzSNIs)}
		}
		routes = append(routes, r)
	}
	return routes
}

// FuzzMatchIndexed checks that the indexed matcher gives the reference's answer (the
// linear scan over the sorted candidates) for random routes and requests.
func FuzzMatchIndexed(f *testing.F) {
	f.Add([]byte{5, 3, 1, 0, 1, 2, 0, 7, 3, 1}, []byte{0, 1, 2, 3})
	f.Add([]byte{11, 31, 2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, []byte{4, 5, 1, 0, 2})
	f.Add([]byte{8, 1, 1, 0, 2, 5, 0, 2, 2, 1, 1, 6, 9, 0, 3}, []byte{9, 3, 0, 1, 1})
	f.Fuzz(func(t *testing.T, routeBytes, reqBytes []byte) {
		rt, err := New(fuzzRoutes(routeBytes))
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		for k := 0; k < 4; k++ {
			header := pick(reqBytes, &i, []string{"", "1", "2", "3"})
			r := &Request{
				Method: pick(reqBytes, &i, fuzzMethods),
				Host:   pick(reqBytes, &i, fuzzReqHost),
				Path:   pick(reqBytes, &i, fuzzReqPath),
				Scheme: pick(reqBytes, &i, []string{"http", "https"}),
				SNI:    pick(reqBytes, &i, []string{"", "s.com", "a.s.com", "t.io", "u.com"}),
				Header: HeaderFunc(func(string) []string {
					if header == "" {
						return nil
					}
					return []string{header}
				}),
			}
			got, want := rt.Match(r), rt.matchLinear(r)
			if describe(got) != describe(want) {
				t.Fatalf("%+v: indexed %s, reference %s", *r, describe(got), describe(want))
			}
		}
	})
}

func describe(m *Match) string {
	if m == nil {
		return "<none>"
	}
	return fmt.Sprintf("%s %q %q %q %v", m.Route.ID, m.MatchedPath, m.Prefix, m.Postfix, m.Captures)
}
