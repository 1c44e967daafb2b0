package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"

	"github.com/weir-gateway/weir/host/router"
	"github.com/weir-gateway/weir/host/streamrouter"
	"github.com/weir-gateway/weir/host/wasmpool"
	"github.com/weir-gateway/weir/store"
)

// Modules gives the wasm pool and priority behind a plugin name: a built-in, or an
// uploaded module (compiled on first sight).
type Modules interface {
	Lookup(ctx context.Context, name string, uploaded map[string]*store.WasmModule) (pool *wasmpool.Pool, priority int, err error)
}

// Build makes a snapshot of ds. A plugin whose module cannot be loaded is an error: the
// gateway keeps serving the previous snapshot and logs it.
func Build(ctx context.Context, ds *store.Dataset, mods Modules) (*Snapshot, error) {
	s := &Snapshot{
		services:      make(map[string]*store.Service, len(ds.Services)),
		consumers:     make(map[string]*store.Consumer, len(ds.Consumers)),
		consumerNames: make(map[string]*store.Consumer, len(ds.Consumers)),
		keyAuths:      make(map[string]*store.KeyAuthCredential, len(ds.KeyAuthCredentials)),
		plugins:       make(map[scope]*Plugin, len(ds.Plugins)),
		scopeKinds:    map[string]uint8{},
		routePlugins:  &routePluginCache{},
	}
	s.serviceNames = make(map[string]*store.Service, len(ds.Services))
	s.serviceAddrs = make(map[*store.Service]serviceAddr, len(ds.Services))
	for i := range ds.Services {
		svc := &ds.Services[i]
		s.services[svc.ID] = svc
		s.serviceAddrs[svc] = newServiceAddr(svc)
		if svc.Name != nil {
			s.serviceNames[*svc.Name] = svc
		}
	}
	routes := make([]store.Route, 0, len(ds.Routes))
	var stream []store.Route
	for _, r := range ds.Routes {
		if r.Service != nil {
			if svc := s.services[r.Service.ID]; svc != nil && !svc.Enabled {
				continue // Kong leaves routes of a disabled service out of the router
			}
		}
		if streamrouter.IsStream(&r) {
			stream = append(stream, r)
			continue
		}
		routes = append(routes, r)
	}
	sr, err := streamrouter.New(stream)
	if err != nil {
		return nil, fmt.Errorf("build stream router: %w", err)
	}
	s.StreamRouter = sr
	rt, err := router.New(routes)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	s.Router = rt
	for i := range ds.Consumers {
		c := &ds.Consumers[i]
		s.consumers[c.ID] = c
		if c.Username != nil {
			s.consumerNames[*c.Username] = c
		}
	}
	for i := range ds.KeyAuthCredentials {
		s.keyAuths[ds.KeyAuthCredentials[i].Key] = &ds.KeyAuthCredentials[i]
	}
	s.indexCredentials(ds)
	if err := s.buildUpstreamTLS(ds); err != nil {
		return nil, fmt.Errorf("upstream TLS: %w", err)
	}
	if err := s.addPlugins(ctx, ds, mods); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Snapshot) addPlugins(ctx context.Context, ds *store.Dataset, mods Modules) error {
	uploaded := make(map[string]*store.WasmModule, len(ds.WasmModules))
	for i := range ds.WasmModules {
		uploaded[ds.WasmModules[i].Name] = &ds.WasmModules[i]
	}
	priorities := map[string]int{}
	for i := range ds.Plugins {
		e := &ds.Plugins[i]
		if !e.Enabled {
			continue
		}
		pool, priority, err := mods.Lookup(ctx, e.Name, uploaded)
		if err != nil {
			return fmt.Errorf("plugin %s (%s): %w", e.Name, e.ID, err)
		}
		cfg := rootConfig(e)
		p := &Plugin{
			Entity:    e,
			Priority:  priority,
			Pool:      pool,
			Root:      wasmpool.Plugin{Key: rootKey(e.Name, cfg), Name: e.Name, Config: cfg},
			FailOpen:  slices.Contains(e.Tags, FailOpenTag),
			protocols: protocolsOf(e.Protocols),
		}
		k := scope{e.Name, refID(e.Route), refID(e.Service), refID(e.Consumer)}
		s.plugins[k] = p
		s.scopeKinds[e.Name] |= k.kind()
		priorities[e.Name] = priority
		if e.Ordering != nil && s.orders == nil {
			s.orders = &orderCache{}
		}
	}
	for name := range priorities {
		s.order = append(s.order, name)
	}
	sort.Slice(s.order, func(i, j int) bool {
		a, b := s.order[i], s.order[j]
		if priorities[a] != priorities[b] {
			return priorities[a] > priorities[b]
		}
		return a < b
	})
	return nil
}

// ByPool groups the snapshot's plugin configs by the wasm pool that runs them.
// A root context that several plugins share (the same config) is listed once.
func (s *Snapshot) ByPool() map[*wasmpool.Pool][]*wasmpool.Plugin {
	out := map[*wasmpool.Pool][]*wasmpool.Plugin{}
	seen := map[string]bool{}
	for _, p := range s.plugins {
		if seen[p.Root.Key] {
			continue
		}
		seen[p.Root.Key] = true
		out[p.Pool] = append(out[p.Pool], &p.Root)
	}
	return out
}

// rootKey names a root context by the plugin's name and the exact config its root
// gets, so an edit gets a fresh root context while an unchanged plugin keeps its warm
// one, and plugins configured alike share one: 10,000 routes with the same key-auth
// config make one root context, not 10,000 (each holds the decoded config in guest
// memory, which the guest's collector walks). A config that depends on its scope
// (rate-limiting's route and service) differs by scope. The name counts because
// built-ins share one pool: a config moved to another plugin must not keep the root
// context of the first.
func rootKey(name string, config []byte) string {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write(config)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func refID(r *store.Ref) string {
	if r == nil {
		return ""
	}
	return r.ID
}
