package pipeline

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// Property implements abi.HTTPStream with the attributes Envoy defines and weir's own
// under "weir". Values are encoded as Envoy encodes them: strings raw, integers as
// 8-byte little-endian.
func (e *Exchange) Property(path []string) ([]byte, bool) {
	if len(path) == 0 {
		return nil, false
	}
	switch path[0] {
	case "request":
		return e.requestProperty(path[1:])
	case "response":
		return e.responseProperty(path[1:])
	case "source":
		return e.sourceProperty(path[1:])
	case "weir":
		return e.weirProperty(path[1:])
	}
	return nil, false
}

// SetProperty implements abi.HTTPStream; no property is writable yet.
func (e *Exchange) SetProperty([]string, []byte) bool { return false }

func (e *Exchange) requestProperty(p []string) ([]byte, bool) {
	if len(p) == 0 {
		return nil, false
	}
	h := &e.Request.Headers
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
	case "headers":
		if len(p) == 2 {
			v, ok := h.Get(p[1])
			return []byte(v), ok
		}
	case "size":
		return i64(int64(len(e.Request.Body.Bytes())))
	}
	return nil, false
}

func (e *Exchange) responseProperty(p []string) ([]byte, bool) {
	if len(p) == 0 {
		return nil, false
	}
	switch p[0] {
	case "code":
		code, err := strconv.Atoi(e.Response.Headers.Value(":status"))
		if err != nil {
			return nil, false
		}
		return i64(int64(code))
	case "headers":
		if len(p) == 2 {
			v, ok := e.Response.Headers.Get(p[1])
			return []byte(v), ok
		}
	case "size":
		return i64(int64(len(e.Response.Body.Bytes())))
	}
	return nil, false
}

func (e *Exchange) sourceProperty(p []string) ([]byte, bool) {
	if len(p) != 1 {
		return nil, false
	}
	switch p[0] {
	case "address":
		return str(e.ClientIP + ":" + strconv.Itoa(e.ClientPort))
	case "port":
		return i64(int64(e.ClientPort))
	}
	return nil, false
}

// weirProperty answers weir.route_id, route_name, service_id, service_name,
// consumer_id, consumer_username, consumer_custom_id and credential_id.
func (e *Exchange) weirProperty(p []string) ([]byte, bool) {
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
	}
	return nil, false
}

func str(s string) ([]byte, bool) { return []byte(s), true }

func i64(v int64) ([]byte, bool) {
	return binary.LittleEndian.AppendUint64(nil, uint64(v)), true
}
