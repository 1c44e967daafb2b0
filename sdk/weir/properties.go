package weir

import (
	"errors"
	"strings"
	"unsafe"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

// getProperty and setProperty are the host calls, variables so tests can stand in.
var (
	getProperty = func(path []string) ([]byte, error) { return getPropertyPath(strings.Join(path, "\x00")) }
	// getPropertyPath takes the path NUL-separated, as the ABI carries it.
	getPropertyPath = proxywasm.GetPropertyPath
	setProperty     = proxywasm.SetProperty
)

// Property reads a property by its dotted path (`request.path`, `weir.route_id`; the
// names are listed in weir's docs/foreign-functions.md) as a string. A property the
// host does not answer (NOT_FOUND: not set, or no request in a root context) is
// ("", false).
func Property(path string) (string, bool) {
	return propertyPath(strings.ReplaceAll(path, ".", "\x00"))
}

// propertyPath is Property with the path NUL-separated. The string shares the block the
// host handed over, which nothing writes again: no copy.
func propertyPath(path string) (string, bool) {
	v, err := getPropertyPath(path)
	if err != nil {
		if !errors.Is(err, types.ErrorStatusNotFound) {
			proxywasm.LogErrorf("weir: property %s: %v", strings.ReplaceAll(path, "\x00", "."), err)
		}
		return "", false
	}
	if len(v) == 0 {
		return "", true
	}
	return unsafe.String(&v[0], len(v)), true
}

// prop is Property without the flag.
func prop(path string) string {
	v, _ := Property(path)
	return v
}

// RequestID is the id weir gave the request (Kong's X-Kong-Request-Id).
func RequestID() string { return prop("request.id") }

// RouteID, RouteName, ServiceID and ServiceName name the route the request matched and
// its service; "" when there is none (or the route has no name).
func RouteID() string     { return prop("weir.route_id") }
func RouteName() string   { return prop("weir.route_name") }
func ServiceID() string   { return prop("weir.service_id") }
func ServiceName() string { return prop("weir.service_name") }

// ClientIP is the address of the peer connected to weir (Kong's kong.client.get_ip): a
// load balancer in front of weir, not the client behind it.
func ClientIP() string { return prop("weir.client_ip") }

// ForwardedIP is the client's address as trusted_ips, real_ip_header and
// real_ip_recursive find it (Kong's kong.client.get_forwarded_ip): what IP-based
// plugins such as ip-restriction and rate-limiting by ip use.
func ForwardedIP() string { return prop("weir.forwarded_ip") }

// AuthenticatedConsumer is the consumer an auth plugin that ran earlier (or this one,
// through Authenticate) set on the request, with its credential's id ("" for an
// anonymous consumer); ok is false while no plugin authenticated the request.
func AuthenticatedConsumer() (c Consumer, credentialID string, ok bool) {
	id, ok := AuthenticatedConsumerID()
	if !ok {
		return Consumer{}, "", false
	}
	c.ID = id
	if v, ok := propertyPath("weir\x00consumer_username"); ok && v != "" {
		c.Username = &v
	}
	if v, ok := propertyPath("weir\x00consumer_custom_id"); ok && v != "" {
		c.CustomID = &v
	}
	v, _ := propertyPath("weir\x00credential_id")
	return c, v, true
}

// AuthenticatedConsumerID is the id of AuthenticatedConsumer's consumer, in one host
// call: what a plugin that limits or logs by consumer needs on every request.
func AuthenticatedConsumerID() (id string, ok bool) {
	id, ok = propertyPath("weir\x00consumer_id")
	return id, ok && id != ""
}

// CtxGet reads a value of weir.ctx, the per-request store the plugins of one request
// share, like Kong's kong.ctx.shared: what a plugin before this one (or this one in an
// earlier callback) put there. Absent is (nil, false).
func CtxGet(key string) ([]byte, bool) {
	v, err := getProperty([]string{"weir", "ctx", key})
	if err != nil || len(v) == 0 {
		return nil, false
	}
	return v, true
}

// CtxSet stores a value in weir.ctx for the plugins after this one; an empty value
// deletes the key. weir caps a request's store (256 keys, 1 MiB): past it, an error.
func CtxSet(key string, value []byte) error {
	return setProperty([]string{"weir", "ctx", key}, value)
}
