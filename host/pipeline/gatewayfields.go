package pipeline

import "github.com/weir-gateway/weir/abi"

// The fields the gateway sets on a request on its way upstream, as indexes into
// forwardedNames; the order is the one a request gets them in when it has none.
const (
	fieldTE = iota
	fieldForwardedFor
	fieldForwardedProto
	fieldForwardedHost
	fieldForwardedPort
	fieldForwardedPath
	fieldForwardedPrefix
	fieldRealIP
	fieldRequestID
	fieldVia
	forwardedCount
)

var forwardedNames = [forwardedCount]string(commonNames("te", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
	"x-forwarded-port", "x-forwarded-path", "x-forwarded-prefix", "x-real-ip", "x-kong-request-id", "via"))

// The fields the gateway sets on a response, as indexes into respondedNames.
const (
	fieldUpstreamLatency = iota
	fieldProxyLatency
	fieldUpstreamStatus
	fieldResponseVia
	fieldServer
	fieldResponseRequestID
	respondedCount
)

// the response's fields fit gatewayFields' arrays, sized for the request's
var _ [forwardedCount - respondedCount]struct{}

var respondedNames = [respondedCount]string(commonNames("x-kong-upstream-latency", "x-kong-proxy-latency",
	"x-kong-upstream-status", "via", "server", "x-kong-request-id"))

// commonNames is names as the gateway's own strings for them (abi.CommonName), which
// the front end and the upstream client write without looking them up: these are set
// on every request.
func commonNames(names ...string) []string {
	for i, n := range names {
		names[i] = abi.CommonName(n)
	}
	return names
}

// respondedField is the index of a stored key among respondedNames, -1 for another.
func respondedField(key string) int {
	switch key {
	case "x-kong-upstream-latency":
		return fieldUpstreamLatency
	case "x-kong-proxy-latency":
		return fieldProxyLatency
	case "x-kong-upstream-status":
		return fieldUpstreamStatus
	case "via":
		return fieldResponseVia
	case "server":
		return fieldServer
	case "x-kong-request-id":
		return fieldResponseRequestID
	}
	return -1
}

// gatewayFields finds the fields the gateway sets on a message in one pass over its
// header map, then reads and sets them by position: up to ten of them are set on
// every request, and a lookup and a Set each cost a pass over the map.
type gatewayFields struct {
	h     *Headers
	names []string
	// field is the index of a key among names, -1 for another.
	field func(key string) int
	// at is the position of each field's first occurrence, -1 when absent (sized
	// for the longer list of names).
	at [forwardedCount]int
	// repeated marks a field that occurs more than once: setting it goes through
	// Headers.Set, which drops the others.
	repeated [forwardedCount]bool
}

// forwardedFields are the fields of a request going upstream.
func forwardedFields(h *Headers) *gatewayFields {
	f := &gatewayFields{h: h, names: forwardedNames[:], field: forwardedField}
	f.find()
	return f
}

// respondedFields are the fields of a response going to the client.
func respondedFields(h *Headers) *gatewayFields {
	f := &gatewayFields{h: h, names: respondedNames[:], field: respondedField}
	f.find()
	return f
}

// find records where the fields are; again after anything removes fields.
func (f *gatewayFields) find() {
	for i := range f.at {
		f.at[i], f.repeated[i] = -1, false
	}
	pairs := f.h.pairs
	for i := range pairs {
		if field := f.field(pairs[i][0]); field >= 0 {
			if f.at[field] < 0 {
				f.at[field] = i
			} else {
				f.repeated[field] = true
			}
		}
	}
}

// forwardedField is the index of a stored key among forwardedNames, -1 for another.
func forwardedField(key string) int {
	switch key {
	case "te":
		return fieldTE
	case "x-forwarded-for":
		return fieldForwardedFor
	case "x-forwarded-proto":
		return fieldForwardedProto
	case "x-forwarded-host":
		return fieldForwardedHost
	case "x-forwarded-port":
		return fieldForwardedPort
	case "x-forwarded-path":
		return fieldForwardedPath
	case "x-forwarded-prefix":
		return fieldForwardedPrefix
	case "x-real-ip":
		return fieldRealIP
	case "x-kong-request-id":
		return fieldRequestID
	case "via":
		return fieldVia
	}
	return -1
}

// value is the field's first value, "" when absent (Headers.Value).
func (f *gatewayFields) value(field int) string {
	if i := f.at[field]; i >= 0 {
		return f.h.pairs[i][1]
	}
	return ""
}

// set gives the field one value, in the place of its first occurrence or at the end
// (Headers.Set).
func (f *gatewayFields) set(field int, value string) {
	switch i := f.at[field]; {
	case f.repeated[field]:
		f.h.Set(f.names[field], value)
		f.find()
	case i >= 0:
		f.h.pairs[i][1] = value
	default:
		f.at[field] = len(f.h.pairs)
		f.h.AddLower(f.names[field], value)
	}
}

// appendVia adds this node to the Via field (its own value after any the message
// came with).
func (f *gatewayFields) appendVia(field int, version string) {
	via := viaText.of(version)
	if prior := f.value(field); prior != "" {
		via = prior + ", " + via
	}
	f.set(field, via)
}
