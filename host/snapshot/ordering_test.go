package snapshot

import (
	"context"
	"slices"
	"testing"

	"github.com/weir-gateway/weir/store"
)

// Plugin priorities as Kong's: cors 2000, key-auth 1250, acl 950, rate-limiting 910,
// request-termination 2.
var kongPriorities = priorities{"cors": 2000, "key-auth": 1250, "acl": 950, "rate-limiting": 910, "request-termination": 2}

func access(names ...string) map[string][]string { return map[string][]string{accessPhase: names} }

func TestPluginOrder_Dynamic(t *testing.T) {
	all := []string{"cors", "key-auth", "acl", "rate-limiting", "request-termination"}
	tests := []struct {
		name     string
		ordering map[string]*store.PluginOrdering // plugin name -> its ordering
		route    string                           // the ordering configs sit on route r1
		want     []string
	}{
		{"no ordering keeps priorities", nil, "r1", all},
		{"rate-limiting before key-auth", map[string]*store.PluginOrdering{
			"rate-limiting": {Before: access("key-auth")}},
			"r1", []string{"cors", "rate-limiting", "key-auth", "acl", "request-termination"}},
		{"key-auth after request-termination", map[string]*store.PluginOrdering{
			"key-auth": {After: access("request-termination")}},
			"r1", []string{"cors", "acl", "rate-limiting", "request-termination", "key-auth"}},
		{"chained constraints", map[string]*store.PluginOrdering{
			"request-termination": {Before: access("cors")},
			"acl":                 {Before: access("request-termination")}},
			"r1", []string{"acl", "request-termination", "cors", "key-auth", "rate-limiting"}},
		{"unknown plugin names are ignored", map[string]*store.PluginOrdering{
			"acl": {Before: access("no-such-plugin"), After: access("acl")}},
			"r1", all},
		{"a cycle leaves the priority order", map[string]*store.PluginOrdering{
			"acl":  {Before: access("cors")},
			"cors": {Before: access("rate-limiting")}, "rate-limiting": {Before: access("acl")}},
			"r1", all},
		{"after and before together", map[string]*store.PluginOrdering{
			"acl":  {Before: access("cors")},
			"cors": {After: access("rate-limiting")}, "rate-limiting": {After: access("acl")}},
			"r1", []string{"acl", "key-auth", "rate-limiting", "cors", "request-termination"}},
		{"ordering on another route does not apply", map[string]*store.PluginOrdering{
			"rate-limiting": {Before: access("key-auth")}},
			"r2", all},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := &store.Dataset{}
			for _, name := range all {
				p := store.Plugin{ID: name, Name: name, Enabled: true}
				if o := tt.ordering[name]; o != nil {
					p.Ordering, p.Route = o, ref("r1")
				}
				ds.Plugins = append(ds.Plugins, p)
			}
			snap, err := Build(context.Background(), ds, kongPriorities)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second call answers from the cache
				if got := snap.PluginOrder(tt.route, "s1"); !slices.Equal(got, tt.want) {
					t.Fatalf("order %v, want %v", got, tt.want)
				}
			}
		})
	}
}
