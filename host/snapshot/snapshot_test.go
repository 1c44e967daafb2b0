package snapshot

import (
	"context"
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
