package snapshot

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/weir-gateway/weir/host/wasmpool"
	"github.com/weir-gateway/weir/store"
)

// priorities is a Modules that knows plugin priorities but runs nothing.
type priorities map[string]int

func (p priorities) Lookup(_ context.Context, name string, _ map[string]*store.WasmModule) (*wasmpool.Pool, int, error) {
	return nil, p[name], nil
}

func ref(id string) *store.Ref {
	if id == "" {
		return nil
	}
	return &store.Ref{ID: id}
}

func TestResolvePrecedence(t *testing.T) {
	scopes := []struct{ id, route, service, consumer string }{
		{"global", "", "", ""},
		{"service", "", "s", ""},
		{"route", "r", "", ""},
		{"consumer", "", "", "c"},
		{"route+service", "r", "s", ""},
		{"service+consumer", "", "s", "c"},
		{"route+consumer", "r", "", "c"},
		{"all", "r", "s", "c"},
	}
	// Removing scopes from the most specific down must expose each next one in Kong's order.
	order := []string{"all", "route+consumer", "service+consumer", "route+service", "consumer", "route", "service", "global"}
	for i, want := range order {
		t.Run(want, func(t *testing.T) {
			ds := &store.Dataset{}
			for _, s := range scopes {
				skip := false
				for _, removed := range order[:i] {
					skip = skip || s.id == removed
				}
				if !skip {
					ds.Plugins = append(ds.Plugins, store.Plugin{ID: s.id, Name: "p", Enabled: true,
						Route: ref(s.route), Service: ref(s.service), Consumer: ref(s.consumer)})
				}
			}
			snap, err := Build(context.Background(), ds, priorities{})
			if err != nil {
				t.Fatal(err)
			}
			got := snap.Resolve("p", "r", "s", "c")
			if got == nil || got.Entity.ID != want {
				t.Fatalf("resolved %v, want %s", got, want)
			}
		})
	}
}

func TestResolveWithoutConsumerIgnoresConsumerScopes(t *testing.T) {
	ds := &store.Dataset{Plugins: []store.Plugin{
		{ID: "consumer", Name: "p", Enabled: true, Consumer: ref("c")},
		{ID: "service", Name: "p", Enabled: true, Service: ref("s")},
		{ID: "disabled", Name: "q", Enabled: false},
	}}
	snap, err := Build(context.Background(), ds, priorities{})
	if err != nil {
		t.Fatal(err)
	}
	if got := snap.Resolve("p", "r", "s", ""); got == nil || got.Entity.ID != "service" {
		t.Fatalf("got %v, want service", got)
	}
	if got := snap.Resolve("q", "r", "s", ""); got != nil {
		t.Fatalf("disabled plugin resolved: %v", got)
	}
}

func TestPluginOrder(t *testing.T) {
	ds := &store.Dataset{Plugins: []store.Plugin{
		{ID: "1", Name: "b-low", Enabled: true},
		{ID: "2", Name: "key-auth", Enabled: true},
		{ID: "3", Name: "a-low", Enabled: true},
	}}
	snap, err := Build(context.Background(), ds, priorities{"key-auth": 1250})
	if err != nil {
		t.Fatal(err)
	}
	got := snap.PluginNames()
	if len(got) != 3 || got[0] != "key-auth" || got[1] != "a-low" || got[2] != "b-low" {
		t.Fatalf("order = %v", got)
	}
}

// TestRootContextsSharedByConfig: plugins configured alike share one root context;
// a different config, another plugin, or a config scoped by route (rate-limiting)
// gets its own.
func TestRootContextsSharedByConfig(t *testing.T) {
	plugin := func(id, name, route, config string) store.Plugin {
		return store.Plugin{ID: id, Name: name, Enabled: true, Route: ref(route), Config: []byte(config)}
	}
	ds := &store.Dataset{Plugins: []store.Plugin{
		plugin("k1", "key-auth", "r1", `{"key_names":["apikey"]}`),
		plugin("k2", "key-auth", "r2", `{"key_names":["apikey"]}`),
		plugin("k3", "key-auth", "r3", `{"key_names":["x-key"]}`),
		plugin("b1", "basic-auth", "r4", `{"key_names":["apikey"]}`),
		plugin("l1", "rate-limiting", "r1", `{"hour":10}`),
		plugin("l2", "rate-limiting", "r2", `{"hour":10}`),
	}}
	snap, err := Build(context.Background(), ds, priorities{})
	if err != nil {
		t.Fatal(err)
	}
	key := func(name, route string) string { return snap.Resolve(name, route, "", "").Root.Key }
	if key("key-auth", "r1") != key("key-auth", "r2") {
		t.Error("identical key-auth configs got two root contexts")
	}
	distinct := map[string]bool{}
	for _, k := range []string{key("key-auth", "r1"), key("key-auth", "r3"), key("basic-auth", "r4"),
		key("rate-limiting", "r1"), key("rate-limiting", "r2")} {
		distinct[k] = true
	}
	if len(distinct) != 5 {
		t.Errorf("%d distinct root contexts, want 5 (another config, another plugin, another route's rate-limiting)", len(distinct))
	}
	roots := 0
	for _, plugins := range snap.ByPool() {
		roots += len(plugins)
	}
	if roots != 5 {
		t.Errorf("ByPool lists %d root contexts, want 5 (the shared one once)", roots)
	}
}

// TestResolveLooksOnlyWhereConfigsAre: skipping the kinds of scope that hold no config
// of a name picks what trying all eight keys in order picks, for any mix of scopes and
// any request, ids left empty included.
func TestResolveLooksOnlyWhereConfigsAre(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pick := func(ids ...string) string { return ids[r.IntN(len(ids))] }
	for round := range 300 {
		ds := &store.Dataset{}
		seen := map[scope]bool{}
		for i := range r.IntN(10) {
			k := scope{pick("p", "q"), pick("", "r1", "r2"), pick("", "s1"), pick("", "c1", "c2")}
			if seen[k] {
				continue
			}
			seen[k] = true
			ds.Plugins = append(ds.Plugins, store.Plugin{ID: fmt.Sprint("plugin-", i), Name: k.name, Enabled: true,
				Route: ref(k.route), Service: ref(k.service), Consumer: ref(k.consumer), Protocols: []string{"http"}})
		}
		s, err := Build(context.Background(), &store.Dataset{Plugins: ds.Plugins}, priorities{"p": 10, "q": 5})
		if err != nil {
			t.Fatal(err)
		}
		for range 20 {
			name, route, service, consumer := pick("p", "q", "x"), pick("", "r1", "r2"), pick("", "s1"), pick("", "c1", "c2")
			var want *Plugin // every key, in order, as Kong's precedence lists them
			for _, k := range [...]scope{{name, route, service, consumer}, {name, route, "", consumer},
				{name, "", service, consumer}, {name, route, service, ""}, {name, "", "", consumer},
				{name, route, "", ""}, {name, "", service, ""}, {name, "", "", ""}} {
				if want = s.plugins[k]; want != nil {
					break
				}
			}
			if got := s.Resolve(name, route, service, consumer); got != want {
				t.Fatalf("round %d: Resolve(%q, %q, %q, %q) = %v, trying every key gives %v", round, name, route, service, consumer, got, want)
			}
		}
	}
}

// TestRoutePluginsResolveAsResolve: the configs a route's RoutePlugins give, made on
// its first request and kept, are Resolve's for every consumer, also when the route's
// requests go to another service than the one it was made for.
func TestRoutePluginsResolveAsResolve(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	pick := func(ids ...string) string { return ids[r.IntN(len(ids))] }
	for round := range 300 {
		var plugins []store.Plugin
		seen := map[scope]bool{}
		for i := range r.IntN(10) {
			k := scope{pick("p", "q"), pick("", "r1", "r2"), pick("", "s1", "s2"), pick("", "c1", "c2")}
			if !seen[k] {
				seen[k] = true
				plugins = append(plugins, store.Plugin{ID: fmt.Sprint("plugin-", i), Name: k.name, Enabled: true,
					Route: ref(k.route), Service: ref(k.service), Consumer: ref(k.consumer), Protocols: []string{"http"}})
			}
		}
		s, err := Build(context.Background(), &store.Dataset{Plugins: plugins}, priorities{"p": 10, "q": 5})
		if err != nil {
			t.Fatal(err)
		}
		routes := map[string]*store.Route{"r1": {ID: "r1", Service: ref("s1")}, "r2": {ID: "r2", Service: ref("s2")}}
		for range 20 {
			route, service := routes[pick("r1", "r2")], pick("s1", "s2")
			rp := s.RoutePlugins(route, service)
			if !slices.Equal(rp.Names, s.PluginOrder(route.ID, service)) {
				t.Fatalf("round %d: names %v, PluginOrder %v", round, rp.Names, s.PluginOrder(route.ID, service))
			}
			for i, name := range rp.Names {
				for _, consumer := range []string{"", "c1", "c2"} {
					if got, want := s.Config(rp, i, route.ID, consumer), s.Resolve(name, route.ID, service, consumer); got != want {
						t.Fatalf("round %d: route %s, service %s, consumer %q: %s's config %v, Resolve gives %v",
							round, route.ID, service, consumer, name, got, want)
					}
				}
			}
		}
	}
}

// TestRunsOn: a plugin runs on the protocols it lists and on no other.
func TestRunsOn(t *testing.T) {
	all := []string{"grpc", "grpcs", "http", "https", "tcp", "tls", "tls_passthrough", "udp"}
	for _, listed := range [][]string{nil, {"http"}, {"https", "grpcs"}, all, {"tls_passthrough", "udp"}} {
		p := &Plugin{protocols: protocolsOf(listed)}
		for _, proto := range append(all, "", "HTTP", "ftp") {
			if got, want := p.RunsOn(proto), slices.Contains(listed, proto); got != want {
				t.Errorf("protocols %v: RunsOn(%q) = %v, want %v", listed, proto, got, want)
			}
		}
	}
}
