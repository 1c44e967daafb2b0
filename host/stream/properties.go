package stream

import (
	"crypto/tls"
	"encoding/binary"
	"net"
	"strconv"
	"strings"

	"github.com/weir-gateway/weir/abi"
)

// The connection is what its plugins' network contexts see, through abi.HTTPStream:
// no header maps, the data buffers, and properties.
var (
	_ abi.HTTPStream       = (*session)(nil)
	_ abi.StreamController = (*session)(nil)
)

// Map implements abi.HTTPStream: a connection has no header maps.
func (s *session) Map(abi.MapType) abi.HeaderMap { return nil }

// Buffer implements abi.HTTPStream: DOWNSTREAM_DATA and UPSTREAM_DATA are the data
// each direction's plugins are looking at (or holding, while one paused).
func (s *session) Buffer(t abi.BufferType) abi.Buffer {
	switch t {
	case abi.BufferDownstreamData:
		return dataBuffer{s, downstream}
	case abi.BufferUpstreamData:
		return dataBuffer{s, upstream}
	}
	return nil
}

// SendLocalResponse implements abi.HTTPStream; a connection has no response to make,
// so it is ignored (the plugin may close the stream instead).
func (s *session) SendLocalResponse(abi.LocalResponse) {}

type dataBuffer struct {
	s *session
	d int
}

func (b dataBuffer) Bytes() []byte {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	return b.s.dirs[b.d].buf
}

func (b dataBuffer) Set(v []byte) {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	b.s.dirs[b.d].buf = v
}

// Property implements abi.HTTPStream with the attributes Envoy gives network filters
// that weir can answer (source, destination, connection, upstream, route_name,
// cluster_name, node.id), weir's own under "weir", and what the connection's plugins
// stored. Encodings as on HTTP streams: strings raw, integers 8-byte little-endian.
func (s *session) Property(path []string) ([]byte, bool) {
	if len(path) == 0 {
		return nil, false
	}
	if v, ok := s.builtin(path); ok {
		return v, true
	}
	if readOnlyRoots[path[0]] {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.props[strings.Join(path, "\x00")]
	return v, ok
}

var readOnlyRoots = map[string]bool{
	"source": true, "destination": true, "connection": true, "upstream": true, "node": true,
	"route_name": true, "cluster_name": true, "weir": true, "request": true, "response": true,
	"plugin_name": true, "plugin_root_id": true, "plugin_vm_id": true,
}

func (s *session) builtin(path []string) ([]byte, bool) {
	leaf := ""
	if len(path) == 2 {
		leaf = path[1]
	}
	switch path[0] {
	case "source":
		return addrProp(leaf, s.src.Addr().String(), int(s.src.Port()))
	case "destination":
		return addrProp(leaf, s.dst.Addr().String(), int(s.dst.Port()))
	case "upstream":
		s.mu.Lock()
		remote, local := s.upAddr, s.upLocal
		s.mu.Unlock()
		if strings.HasPrefix(leaf, "local_") {
			leaf, remote = strings.TrimPrefix(leaf, "local_"), local
		}
		if remote == "" {
			return nil, false
		}
		host, port, _ := net.SplitHostPort(remote)
		n, _ := strconv.Atoi(port)
		return addrProp(leaf, host, n)
	case "connection":
		return s.connectionProp(leaf)
	case "route_name":
		if len(path) == 1 && s.route != nil {
			return []byte(deref(s.route.Name)), true
		}
	case "cluster_name":
		if len(path) == 1 && s.service != nil {
			return []byte(s.serviceName()), true
		}
	case "node":
		if leaf == "id" {
			return []byte(s.srv.opts.NodeID), true
		}
	case "weir":
		return s.weirProp(leaf)
	}
	return nil, false
}

func (s *session) connectionProp(leaf string) ([]byte, bool) {
	switch leaf {
	case "id":
		return binary.LittleEndian.AppendUint64(nil, s.id), true
	case "mtls":
		return []byte{0}, true
	case "requested_server_name":
		return []byte(s.sni), true
	case "tls_version":
		if s.tlsVer != 0 {
			return []byte(tlsVersion(s.tlsVer)), true
		}
	}
	return nil, false
}

func (s *session) weirProp(leaf string) ([]byte, bool) {
	switch leaf {
	case "route_id":
		if s.route != nil {
			return []byte(s.route.ID), true
		}
	case "route_name":
		if s.route != nil {
			return []byte(deref(s.route.Name)), true
		}
	case "service_id":
		if s.service != nil {
			return []byte(s.service.ID), true
		}
	case "service_name":
		if s.service != nil {
			return []byte(deref(s.service.Name)), true
		}
	case "client_ip", "forwarded_ip":
		return []byte(s.src.Addr().String()), true
	case "protocol":
		return []byte(s.protocol), true
	}
	return nil, false
}

// SetProperty implements abi.HTTPStream: a path weir does not define is stored for the
// rest of the connection, where all its plugins read it (Envoy's filter state); weir's
// own are read-only. Limits as on HTTP streams.
func (s *session) SetProperty(path []string, value []byte) bool {
	if len(path) == 0 || readOnlyRoots[path[0]] && !(path[0] == "weir" && len(path) >= 3 && path[1] == "ctx") {
		return false
	}
	key := strings.Join(path, "\x00")
	s.mu.Lock()
	defer s.mu.Unlock()
	old, had := s.props[key]
	if len(value) == 0 {
		if had {
			delete(s.props, key)
			s.propBytes -= len(key) + len(old)
		}
		return true
	}
	size := s.propBytes + len(key) + len(value)
	if had {
		size -= len(key) + len(old)
	}
	if size > abi.MaxStreamPropertyBytes || !had && len(s.props) >= abi.MaxStreamProperties {
		return false
	}
	if s.props == nil {
		s.props = map[string][]byte{}
	}
	s.props[key] = append([]byte(nil), value...)
	s.propBytes = size
	return true
}

func (s *session) serviceName() string {
	if s.service.Name != nil {
		return *s.service.Name
	}
	return s.service.ID
}

// addrProp answers <x>.address ("ip:port") and <x>.port (an integer).
func addrProp(leaf, ip string, port int) ([]byte, bool) {
	switch leaf {
	case "address":
		return []byte(net.JoinHostPort(ip, strconv.Itoa(port))), true
	case "port":
		return binary.LittleEndian.AppendUint64(nil, uint64(port)), true
	}
	return nil, false
}

func tlsVersion(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return ""
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
