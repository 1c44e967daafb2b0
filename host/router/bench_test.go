package router

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/weir-gateway/weir/store"
)

// benchRoutes makes n routes of the mix a large gateway has: most on an exact host with
// prefix paths, some on wildcard hosts, some regexes (on a host, or with a literal
// prefix), some with methods or headers, and ten host-less routes.
func benchRoutes(n int) []store.Route {
	routes := make([]store.Route, 0, n)
	for i := 0; i < n; i++ {
		r := store.Route{ID: fmt.Sprintf("r%05d", i), CreatedAt: int64(i)}
		host := fmt.Sprintf("svc%d.example.com", i/4)
		switch i % 10 {
		case 0, 1, 2, 3, 4:
			r.Hosts = []string{host}
			r.Paths = []string{fmt.Sprintf("/api/v%d/res%d", i%3, i)}
		case 5:
			r.Hosts = []string{fmt.Sprintf("*.tenant%d.example.net", i)}
			r.Paths = []string{"/"}
		case 6:
			r.Hosts = []string{host}
			r.Paths = []string{fmt.Sprintf(`~/users/%d/(?P<id>\d+)$`, i)}
		case 7:
			r.Paths = []string{fmt.Sprintf(`~/orders/%d/(?P<id>[a-z0-9-]+)`, i)}
		case 8:
			r.Hosts = []string{host}
			r.Methods = []string{"POST"}
			r.Paths = []string{fmt.Sprintf("/write/%d", i)}
		case 9:
			r.Paths = []string{fmt.Sprintf("/plain/%d/", i)}
		}
		routes = append(routes, r)
	}
	for i := 0; i < 10; i++ {
		routes = append(routes, store.Route{ID: fmt.Sprintf("h%d", i), CreatedAt: int64(n + i),
			Headers: map[string][]string{"x-canary": {fmt.Sprint(i)}}})
	}
	return routes
}

// benchRequests are requests that match routes spread over the whole set, and misses.
func benchRequests(n int) []*Request {
	var out []*Request
	noHeader := HeaderFunc(func(string) []string { return nil })
	for i := 0; i < n; i += n/50 + 1 {
		base := i - i%10
		host := fmt.Sprintf("svc%d.example.com", base/4)
		out = append(out,
			&Request{Method: "GET", Host: fmt.Sprintf("svc%d.example.com", (base+1)/4), Path: fmt.Sprintf("/api/v%d/res%d/x?q=1", (base+1)%3, base+1), Scheme: "http", Header: noHeader},
			&Request{Method: "GET", Host: fmt.Sprintf("a.tenant%d.example.net:8000", base+5), Path: "/z", Scheme: "http", Header: noHeader},
			&Request{Method: "GET", Host: fmt.Sprintf("svc%d.example.com", (base+6)/4), Path: fmt.Sprintf("/users/%d/42", base+6), Scheme: "http", Header: noHeader},
			&Request{Method: "GET", Host: "any.host", Path: fmt.Sprintf("/orders/%d/ab-12", base+7), Scheme: "http", Header: noHeader},
			&Request{Method: "POST", Host: fmt.Sprintf("svc%d.example.com", (base+8)/4), Path: fmt.Sprintf("/write/%d", base+8), Scheme: "http", Header: noHeader},
			&Request{Method: "GET", Host: host, Path: "/nothing/here", Scheme: "http", Header: noHeader},
		)
	}
	return out
}

func BenchmarkCompile(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		routes := benchRoutes(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := New(routes); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMatch reports ns/op over a mix of hits and misses, and the p50 and p99 of
// single matches (each timed on its own, so they include a clock read).
func BenchmarkMatch(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		rt, err := New(benchRoutes(n))
		if err != nil {
			b.Fatal(err)
		}
		reqs := benchRequests(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			samples := make([]time.Duration, 0, 1<<20)
			var m Match
			i := 0
			for b.Loop() {
				r := reqs[i%len(reqs)]
				i++
				t0 := time.Now()
				rt.MatchInto(r, &m)
				if len(samples) < cap(samples) {
					samples = append(samples, time.Since(t0))
				}
			}
			sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
			b.ReportMetric(float64(samples[len(samples)/2].Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(samples[len(samples)*99/100].Nanoseconds()), "p99-ns")
		})
	}
}

// BenchmarkMatchLinear is the reference scan, for comparison.
func BenchmarkMatchLinear(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		rt, err := New(benchRoutes(n))
		if err != nil {
			b.Fatal(err)
		}
		reqs := benchRequests(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				rt.matchLinear(reqs[i%len(reqs)])
				i++
			}
		})
	}
}

// TestBenchRequestsMatch keeps the benchmark honest: its requests hit what they aim at.
func TestBenchRequestsMatch(t *testing.T) {
	rt, err := New(benchRoutes(1000))
	if err != nil {
		t.Fatal(err)
	}
	hits := 0
	for _, r := range benchRequests(1000) {
		m := rt.Match(r)
		if describe(m) != describe(rt.matchLinear(r)) {
			t.Fatalf("%+v: indexed %s, reference %s", *r, describe(m), describe(rt.matchLinear(r)))
		}
		if m != nil {
			hits++
		}
	}
	if hits == 0 || hits == len(benchRequests(1000)) {
		t.Fatalf("%d hits: the mix needs hits and misses", hits)
	}
}
