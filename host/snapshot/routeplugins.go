package snapshot

import (
	"sync"

	"github.com/weir-gateway/weir/store"
)

// RoutePlugins are the plugins a route's requests may run, in run order, with each
// one's config resolved for a request without a consumer. A snapshot makes them once
// per route, on the route's first request: a request then finds its plugins' configs
// without hashing a scope per plugin, and looks again only for a plugin that has
// consumer-scoped configs once an auth plugin identified a consumer.
type RoutePlugins struct {
	// Names are the plugin names in run order (PluginOrder).
	Names []string
	// configs[i] is the config of Names[i] for the route and service without a
	// consumer; nil when none applies.
	configs []*Plugin
	// byConsumer[i] says Names[i] has consumer-scoped configs.
	byConsumer []bool
	serviceID  string
}

// consumerKinds are the scope kinds (scope.kind) that name a consumer.
const consumerKinds = 1<<1 | 1<<3 | 1<<5 | 1<<7

// routePluginCache holds a snapshot's RoutePlugins by route.
type routePluginCache struct{ m sync.Map } // *store.Route -> *RoutePlugins

// RoutePlugins returns the plugins of requests on route whose service is serviceID.
func (s *Snapshot) RoutePlugins(route *store.Route, serviceID string) *RoutePlugins {
	if s.routePlugins != nil {
		if v, ok := s.routePlugins.m.Load(route); ok {
			if rp := v.(*RoutePlugins); rp.serviceID == serviceID {
				return rp
			}
		}
	}
	rp := s.resolveRoute(route.ID, serviceID)
	if s.routePlugins != nil && (route.Service == nil || route.Service.ID == serviceID) {
		s.routePlugins.m.Store(route, rp)
	}
	return rp
}

func (s *Snapshot) resolveRoute(routeID, serviceID string) *RoutePlugins {
	names := s.PluginOrder(routeID, serviceID)
	rp := &RoutePlugins{Names: names, configs: make([]*Plugin, len(names)), byConsumer: make([]bool, len(names)),
		serviceID: serviceID}
	for i, name := range names {
		rp.configs[i] = s.Resolve(name, routeID, serviceID, "")
		rp.byConsumer[i] = s.scopeKinds[name]&consumerKinds != 0
	}
	return rp
}

// Config is the config of plugin Names[i] for a request on the route with that
// consumer ("" for none), as Resolve finds it.
func (s *Snapshot) Config(rp *RoutePlugins, i int, routeID, consumerID string) *Plugin {
	if consumerID == "" || !rp.byConsumer[i] {
		return rp.configs[i]
	}
	return s.Resolve(rp.Names[i], routeID, rp.serviceID, consumerID)
}
