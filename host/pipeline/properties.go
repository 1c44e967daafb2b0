package pipeline

import (
	"encoding/binary"
	"os"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/router"
)

// Property implements abi.HTTPStream with the attributes Envoy defines that weir can
// answer truthfully, weir's own under "weir", and the properties plugins of this
// request wrote (SetProperty). Values are encoded as Envoy encodes them: strings raw,
// integers as 8-byte little-endian, timestamps and durations as int64 nanoseconds,
// booleans as one byte, header maps as serialized pairs.
func (e *Exchange) Property(path []string) ([]byte, bool) {
	if len(path) == 0 {
		return nil, false
	}
	if v, ok := e.builtinProperty(path); ok {
		return v, true
	}
	if !readOnly(path) {
		v, ok := e.props[strings.Join(path, "\x00")]
		return v, ok
	}
	return nil, false
}

func (e *Exchange) builtinProperty(path []string) ([]byte, bool) {
	switch path[0] {
	case "request":
		return e.requestProperty(path[1:])
	case "response":
		return e.responseProperty(path[1:])
	case "source":
		return e.sourceProperty(path[1:])
	case "destination":
		return e.destinationProperty(path[1:])
	case "connection":
		return e.connectionProperty(path[1:])
	case "upstream":
		return e.upstreamProperty(path[1:])
	case "weir":
		return e.weirProperty(path[1:])
	case "node":
		return e.nodeProperty(path[1:])
	case "route_name":
		if r := e.Route(); r != nil && len(path) == 1 {
			return str(deref(r.Name))
		}
	case "cluster_name":
		if e.service != nil && len(path) == 1 {
			return str(serviceName(e))
		}
	}
	return nil, false
}

// readOnlyRoots are the namespaces weir answers itself; plugins cannot write in them,
// except where SetProperty says so (weir.ctx.*, weir.consumer_id).
var readOnlyRoots = map[string]bool{
	"request": true, "response": true, "source": true, "destination": true, "connection": true,
	"upstream": true, "node": true, "route_name": true, "cluster_name": true, "weir": true,
	"plugin_name": true, "plugin_root_id": true, "plugin_vm_id": true,
}

// readOnly says whether path is one of weir's own; weir.ctx.<key> is the exception,
// the scratch space plugins of one request share (Kong's kong.ctx.shared).
func readOnly(path []string) bool {
	if path[0] == "weir" && len(path) >= 3 && path[1] == "ctx" {
		return false
	}
	return readOnlyRoots[path[0]]
}

// SetProperty implements abi.HTTPStream. A path weir does not define is stored for the
// rest of the request, where every plugin of the request reads it back, as Envoy keeps
// set_property values in the stream's filter state; weir.ctx.<key> is that space
// under a name of weir's own. An empty value deletes. weir.consumer_id sets the
// authenticated consumer (by id), as the weir.authenticate foreign function does.
// Every other built-in path is read-only (false, so the guest gets NOT_FOUND), as is
// a write past abi.MaxStreamProperties or abi.MaxStreamPropertyBytes.
func (e *Exchange) SetProperty(path []string, value []byte) bool {
	if len(path) == 0 {
		return false
	}
	if len(path) == 2 && path[0] == "weir" && path[1] == "consumer_id" {
		if e.snap == nil {
			return false
		}
		_, st := authenticate(e, &authenticateArgs{ConsumerID: string(value)})
		return st == abi.StatusOK
	}
	if readOnly(path) {
		return false
	}
	return e.storeProperty(strings.Join(path, "\x00"), value)
}

func (e *Exchange) storeProperty(key string, value []byte) bool {
	old, had := e.props[key]
	if len(value) == 0 {
		if had {
			delete(e.props, key)
			e.propBytes -= len(key) + len(old)
		}
		return true
	}
	size := e.propBytes + len(key) + len(value)
	if had {
		size -= len(key) + len(old)
	}
	if size > abi.MaxStreamPropertyBytes || !had && len(e.props) >= abi.MaxStreamProperties {
		return false
	}
	if e.props == nil {
		e.props = make(map[string][]byte, 4)
	}
	e.props[key] = append([]byte(nil), value...)
	e.propBytes = size
	return true
}

func (e *Exchange) requestProperty(p []string) ([]byte, bool) {
	if len(p) == 0 {
		return nil, false
	}
	h := &e.Request.Headers
	if p[0] == "headers" {
		return headersProperty(h, p[1:])
	}
	if len(p) != 1 {
		return nil, false
	}
	switch p[0] {
	case "path":
		return str(h.Value(":path"))
	case "url_path":
		path, _, _ := strings.Cut(h.Value(":path"), "?")
		return str(path)
	case "query":
		_, q, _ := strings.Cut(h.Value(":path"), "?")
		return str(q)
	case "host":
		return str(h.Value(":authority"))
	case "method":
		return str(h.Value(":method"))
	case "scheme":
		return str(e.Scheme)
	case "id":
		return str(e.ID)
	case "useragent":
		return str(h.Value("user-agent"))
	case "referer":
		return str(h.Value("referer"))
	case "protocol":
		return str(e.protocol())
	case "time":
		if !e.start.IsZero() {
			return i64(e.start.UnixNano())
		}
	case "duration":
		// Envoy answers it once the request is complete: here, from on_log on.
		if !e.start.IsZero() && !e.end.IsZero() {
			return i64(int64(e.end.Sub(e.start)))
		}
	case "size":
		return i64(int64(len(e.Request.Body.Bytes())))
	case "total_size":
		return i64(int64(headerBytes(h) + len(e.Request.Body.Bytes())))
	}
	return nil, false
}

func (e *Exchange) responseProperty(p []string) ([]byte, bool) {
	if len(p) == 0 {
		return nil, false
	}
	h := &e.Response.Headers
	if p[0] == "headers" {
		return headersProperty(h, p[1:])
	}
	if len(p) != 1 || h.Len() == 0 {
		return nil, false // no response yet
	}
	switch p[0] {
	case "code":
		code, err := strconv.Atoi(h.Value(":status"))
		if err != nil {
			return nil, false
		}
		return i64(int64(code))
	case "size":
		return i64(int64(len(e.Response.Body.Bytes())))
	case "total_size":
		return i64(int64(headerBytes(h) + len(e.Response.Body.Bytes())))
	}
	return nil, false
}

// headersProperty answers <request|response>.headers (the whole map, serialized as
// pairs, as Envoy does for a map) and <...>.headers.<name> (the first value).
func headersProperty(h *Headers, p []string) ([]byte, bool) {
	switch len(p) {
	case 0:
		return abi.EncodePairs(h.Pairs()), true
	case 1:
		v, ok := h.Get(p[0])
		return []byte(v), ok
	}
	return nil, false
}

// headerBytes is a header map's size as Envoy counts it for total_size: keys and
// values.
func headerBytes(h *Headers) int {
	n := 0
	for _, kv := range h.Pairs() {
		n += len(kv[0]) + len(kv[1])
	}
	return n
}

func (e *Exchange) sourceProperty(p []string) ([]byte, bool) {
	return addressProperty(p, e.ClientIP, e.ClientPort)
}

// destinationProperty is the address the client connected to: the proxy listener's.
func (e *Exchange) destinationProperty(p []string) ([]byte, bool) {
	return addressProperty(p, e.LocalIP, e.LocalPort)
}

// upstreamProperty is the upstream connection the request went out on, once the
// upstream answered; before that (and for local responses) nothing.
func (e *Exchange) upstreamProperty(p []string) ([]byte, bool) {
	if len(p) != 1 || e.upstreamAddr == "" {
		return nil, false
	}
	switch p[0] {
	case "address", "port":
		return hostPortProperty(p[0], e.upstreamAddr)
	case "local_address", "local_port":
		if e.upstreamLocal != "" {
			return hostPortProperty(strings.TrimPrefix(p[0], "local_"), e.upstreamLocal)
		}
	}
	return nil, false
}

// addressProperty answers <x>.address ("ip:port", as Envoy prints it) and <x>.port.
func addressProperty(p []string, ip string, port int) ([]byte, bool) {
	if len(p) != 1 || ip == "" {
		return nil, false
	}
	switch p[0] {
	case "address":
		return str(joinHostPort(ip, port))
	case "port":
		return i64(int64(port))
	}
	return nil, false
}

func hostPortProperty(what, hostport string) ([]byte, bool) {
	if what == "address" {
		return str(hostport)
	}
	_, port := splitHost(hostport)
	n, err := strconv.Atoi(port)
	if err != nil {
		return nil, false
	}
	return i64(int64(n))
}

func joinHostPort(ip string, port int) string {
	if strings.IndexByte(ip, ':') >= 0 {
		return "[" + ip + "]:" + strconv.Itoa(port)
	}
	return ip + ":" + strconv.Itoa(port)
}

// connectionProperty answers what applies to a plain HTTP/1.1 connection: its id, that
// it has no mTLS, and no server name requested. The TLS attributes (tls_version,
// certificates) name nothing until weir has TLS listeners.
func (e *Exchange) connectionProperty(p []string) ([]byte, bool) {
	if len(p) != 1 {
		return nil, false
	}
	switch p[0] {
	case "id":
		return u64(e.ConnID)
	case "mtls":
		return []byte{0}, true
	case "requested_server_name":
		return []byte(e.SNI), true
	}
	return nil, false
}

// nodeProperty answers node (Envoy's Node message, serialized: field 1, the id) and
// node.id, the weir node's id.
func (e *Exchange) nodeProperty(p []string) ([]byte, bool) {
	if e.nodeID == "" {
		return nil, false
	}
	switch {
	case len(p) == 0:
		b := binary.AppendUvarint([]byte{0x0a}, uint64(len(e.nodeID)))
		return append(b, e.nodeID...), true
	case len(p) == 1 && p[0] == "id":
		return str(e.nodeID)
	}
	return nil, false
}

// weirProperty answers weir.route_id, route_name, service_id, service_name,
// consumer_id, consumer_username, consumer_custom_id, credential_id, client_ip (the
// socket peer, Kong's kong.client.get_ip) and forwarded_ip (the client as trusted_ips
// and real_ip_header find it, Kong's kong.client.get_forwarded_ip).
func (e *Exchange) weirProperty(p []string) ([]byte, bool) {
	if len(p) == 1 && p[0] == "uri_captures" {
		return capturesProperty(e.match)
	}
	if len(p) == 2 && p[0] == "uri_captures" {
		if e.match == nil {
			return nil, false
		}
		v, ok := e.match.Captures[p[1]]
		return []byte(v), ok
	}
	if len(p) != 1 {
		return nil, false
	}
	switch p[0] {
	case "route_id":
		if r := e.Route(); r != nil {
			return str(r.ID)
		}
	case "route_name":
		if r := e.Route(); r != nil && r.Name != nil {
			return str(*r.Name)
		}
	case "service_id":
		if e.service != nil {
			return str(e.service.ID)
		}
	case "service_name":
		if e.service != nil && e.service.Name != nil {
			return str(*e.service.Name)
		}
	case "consumer_id":
		if e.consumer != nil {
			return str(e.consumer.ID)
		}
	case "consumer_username":
		if e.consumer != nil && e.consumer.Username != nil {
			return str(*e.consumer.Username)
		}
	case "consumer_custom_id":
		if e.consumer != nil && e.consumer.CustomID != nil {
			return str(*e.consumer.CustomID)
		}
	case "credential_id":
		if e.credentialID != "" {
			return str(e.credentialID)
		}
	case "connection_requests":
		if e.ConnRequests > 0 {
			return u64(e.ConnRequests)
		}
	case "hostname":
		return str(hostname)
	case "worker_pid":
		return i64(int64(os.Getpid()))
	case "client_ip":
		return str(e.peerIP)
	case "forwarded_ip":
		return str(e.ClientIP)
	}
	return nil, false
}

// capturesProperty is weir.uri_captures: every capture of the matched route's regex
// path, named and positional, as serialized pairs sorted by name.
func capturesProperty(m *router.Match) ([]byte, bool) {
	if m == nil {
		return nil, false
	}
	names := make([]string, 0, len(m.Captures))
	for k := range m.Captures {
		names = append(names, k)
	}
	sort.Strings(names)
	pairs := make([][2]string, len(names))
	for i, k := range names {
		pairs[i] = [2]string{k, m.Captures[k]}
	}
	return abi.EncodePairs(pairs), true
}

// hostname is the machine's name, as Kong's kong.node.get_hostname gives it.
var hostname, _ = os.Hostname()

// serviceName is the service's name, or its id when it has none: Envoy's cluster_name.
func serviceName(e *Exchange) string {
	if e.service.Name != nil {
		return *e.service.Name
	}
	return e.service.ID
}

// protocol is the request's HTTP version as Envoy names it ("HTTP/1.1").
func (e *Exchange) protocol() string {
	if e.Protocol == "" {
		return "HTTP/1.1"
	}
	return e.Protocol
}

// str answers a property with s's bytes, not a copy: the ABI only reads a value.
func str(s string) ([]byte, bool) { return unsafe.Slice(unsafe.StringData(s), len(s)), true }

func i64(v int64) ([]byte, bool) {
	return binary.LittleEndian.AppendUint64(nil, uint64(v)), true
}

func u64(v uint64) ([]byte, bool) {
	return binary.LittleEndian.AppendUint64(nil, v), true
}
