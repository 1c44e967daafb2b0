// Package snapshot builds the immutable view of the configuration that requests run on:
// the router, services, consumers, credential indexes and each plugin config resolved to
// the wasm pool that runs it. The gateway builds a new Snapshot after every change and
// swaps it in; a request keeps the one it started with.
package snapshot

import (
	"net"
	"strconv"

	"github.com/weir-gateway/weir/host/balancer"
	"github.com/weir-gateway/weir/host/router"
	"github.com/weir-gateway/weir/host/streamrouter"
	"github.com/weir-gateway/weir/host/wasmpool"
	"github.com/weir-gateway/weir/store"
)

// Snapshot is one immutable configuration.
type Snapshot struct {
	Router *router.Router
	// StreamRouter matches TCP connections to the stream routes (tcp, tls,
	// tls_passthrough), which Router leaves out.
	StreamRouter *streamrouter.Router
	// Balancers are the upstreams by name, set by the gateway before the snapshot is
	// published (they outlive snapshots: host/balancer.Registry).
	Balancers map[string]*balancer.Balancer

	services      map[string]*store.Service
	serviceAddrs  map[*store.Service]serviceAddr
	serviceNames  map[string]*store.Service
	consumers     map[string]*store.Consumer
	consumerNames map[string]*store.Consumer
	keyAuths      map[string]*store.KeyAuthCredential
	creds         credentials
	plugins       map[scope]*Plugin
	// scopeKinds has, for each plugin name, a bit per kind of scope (scope.kind) that
	// holds a config of it: Resolve looks only for kinds that exist, where a request
	// used to pay up to eight lookups of four strings' hash per plugin.
	scopeKinds  map[string]uint8
	upstreamTLS map[string]*UpstreamTLS
	// order lists plugin names in run order: priority, highest first, then name.
	order []string
	// orders caches the access order per route and service when some plugin config
	// carries ordering; nil when none does (ordering.go).
	orders *orderCache
	// routePlugins keeps each route's RoutePlugins (routeplugins.go).
	routePlugins *routePluginCache
}

// Plugin is one enabled plugin config, ready to run.
type Plugin struct {
	Entity   *store.Plugin
	Priority int
	Pool     *wasmpool.Pool
	Root     wasmpool.Plugin
	// FailOpen: when this plugin's instance fails (trap, deadline, memory, a crash
	// backoff), the request goes on without it instead of getting a 500. Set by the
	// plugin's FailOpenTag.
	FailOpen  bool
	protocols protocolSet
}

// FailOpenTag, among a plugin's tags, makes that plugin instance fail open. Kong's
// plugin entity has no room for a host setting (its top-level fields are fixed and
// config belongs to the plugin, whose schema may reject unknown keys), while tags are
// free-form, per instance, kept by every Kong client (decK included), and leave the
// config the module sees untouched. Envoy's equivalent is PluginConfig.fail_open.
const FailOpenTag = "weir:fail-open"

// RunsOn says whether the plugin applies to requests of that protocol.
func (p *Plugin) RunsOn(protocol string) bool { return p.protocols&protocolBit(protocol) != 0 }

// protocolSet is a set of the protocols a plugin may run on, a bit each (protocolBit):
// every request asks its plugins, and a map lookup hashed the name each time.
type protocolSet uint16

// protocolBit is protocol's bit in a protocolSet; 0 for a name Kong does not know.
func protocolBit(protocol string) protocolSet {
	for i, p := range [...]string{"http", "https", "grpc", "grpcs", "ws", "wss", "tcp", "tls", "tls_passthrough", "udp"} {
		if p == protocol {
			return 1 << i
		}
	}
	return 0
}

func protocolsOf(list []string) protocolSet {
	var set protocolSet
	for _, p := range list {
		set |= protocolBit(p)
	}
	return set
}

// scope is the unique key of a plugin config: Kong's cache_key.
type scope struct {
	name, route, service, consumer string
}

// Balancer returns the upstream named host, or nil when host is a plain host name
// (also for a nil snapshot).
func (s *Snapshot) Balancer(host string) *balancer.Balancer {
	if s == nil {
		return nil
	}
	return s.Balancers[host]
}

// Service returns the service with that id.
func (s *Snapshot) Service(id string) *store.Service { return s.services[id] }

// serviceAddr is what every request to a service sends and dials, made once per
// snapshot.
type serviceAddr struct{ hostHeader, addr string }

func newServiceAddr(svc *store.Service) serviceAddr {
	a := serviceAddr{hostHeader: svc.Host, addr: net.JoinHostPort(svc.Host, strconv.Itoa(svc.Port))}
	defaultPort := svc.Port == 0 || svc.Port == 80 && (svc.Protocol == "http" || svc.Protocol == "grpc") ||
		svc.Port == 443 && (svc.Protocol == "https" || svc.Protocol == "grpcs")
	if !defaultPort {
		a.hostHeader = svc.Host + ":" + strconv.Itoa(svc.Port)
	}
	return a
}

// serviceAddrOf is svc's serviceAddr, made now for a service not of this snapshot.
func (s *Snapshot) serviceAddrOf(svc *store.Service) serviceAddr {
	if s != nil {
		if a, ok := s.serviceAddrs[svc]; ok {
			return a
		}
	}
	return newServiceAddr(svc)
}

// ServiceHostHeader is the Host header a request to svc carries unless the route
// preserves the client's: the host, with the port unless it is the protocol's
// default.
func (s *Snapshot) ServiceHostHeader(svc *store.Service) string {
	return s.serviceAddrOf(svc).hostHeader
}

// ServiceAddr is the host:port to dial for svc (a balanced upstream picks a target
// instead).
func (s *Snapshot) ServiceAddr(svc *store.Service) string { return s.serviceAddrOf(svc).addr }

// ServiceByName returns the service with that name, or nil (also for a nil snapshot).
func (s *Snapshot) ServiceByName(name string) *store.Service {
	if s == nil {
		return nil
	}
	return s.serviceNames[name]
}

// Consumer returns the consumer with that id.
func (s *Snapshot) Consumer(id string) *store.Consumer { return s.consumers[id] }

// ConsumerByIDOrUsername finds a consumer as Kong's anonymous setting names it.
func (s *Snapshot) ConsumerByIDOrUsername(v string) *store.Consumer {
	if c := s.consumers[v]; c != nil {
		return c
	}
	return s.consumerNames[v]
}

// KeyAuthCredential finds the key-auth credential with that key.
func (s *Snapshot) KeyAuthCredential(key string) *store.KeyAuthCredential { return s.keyAuths[key] }

// PluginNames lists the names of enabled plugins in run order.
func (s *Snapshot) PluginNames() []string { return s.order }

// Resolve picks the config of plugin name for a request, in Kong's order of precedence:
// route+service+consumer, route+consumer, service+consumer, route+service, consumer,
// route, service, global. Empty ids stand for "none"; the keys they make collapse onto
// the less specific scopes, which keeps the order right.
func (s *Snapshot) Resolve(name, routeID, serviceID, consumerID string) *Plugin {
	kinds := s.scopeKinds[name]
	if kinds == 0 {
		return nil
	}
	for _, k := range [...]scope{
		{name, routeID, serviceID, consumerID},
		{name, routeID, "", consumerID},
		{name, "", serviceID, consumerID},
		{name, routeID, serviceID, ""},
		{name, "", "", consumerID},
		{name, routeID, "", ""},
		{name, "", serviceID, ""},
		{name, "", "", ""},
	} {
		if kinds&k.kind() == 0 {
			continue
		}
		if p := s.plugins[k]; p != nil {
			return p
		}
	}
	return nil
}

// kind is the scope's bit in Snapshot.scopeKinds: one of eight, by which of route,
// service and consumer it names.
func (k scope) kind() uint8 {
	n := 0
	if k.route != "" {
		n |= 4
	}
	if k.service != "" {
		n |= 2
	}
	if k.consumer != "" {
		n |= 1
	}
	return 1 << n
}
