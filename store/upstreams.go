package store

import (
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/weir-gateway/weir/store/schema"
)

// Upstreams and targets: Kong 3.9's load-balancing entities
// (kong/db/schema/entities/upstreams.lua, targets.lua, kong/db/dao/targets.lua).

// Upstream is a virtual host name balanced over targets (Kong's upstreams entity).
// Healthchecks is kept as the validated JSON record, every default filled in.
type Upstream struct {
	ID                     string          `json:"id"`
	CreatedAt              int64           `json:"created_at"`
	UpdatedAt              int64           `json:"updated_at"`
	Name                   string          `json:"name"`
	Algorithm              string          `json:"algorithm"`
	HashOn                 string          `json:"hash_on"`
	HashFallback           string          `json:"hash_fallback"`
	HashOnHeader           *string         `json:"hash_on_header"`
	HashFallbackHeader     *string         `json:"hash_fallback_header"`
	HashOnCookie           *string         `json:"hash_on_cookie"`
	HashOnCookiePath       string          `json:"hash_on_cookie_path"`
	HashOnQueryArg         *string         `json:"hash_on_query_arg"`
	HashFallbackQueryArg   *string         `json:"hash_fallback_query_arg"`
	HashOnURICapture       *string         `json:"hash_on_uri_capture"`
	HashFallbackURICapture *string         `json:"hash_fallback_uri_capture"`
	Slots                  int             `json:"slots"`
	Healthchecks           json.RawMessage `json:"healthchecks"`
	HostHeader             *string         `json:"host_header"`
	ClientCertificate      *Ref            `json:"client_certificate"`
	UseSRVName             bool            `json:"use_srv_name"`
	Tags                   []string        `json:"tags"`
}

// Target is one address of an upstream, `host:port` (Kong's targets entity). Its
// timestamps are seconds with millisecond decimals, as Kong's targets carry.
type Target struct {
	ID        string   `json:"id"`
	CreatedAt float64  `json:"created_at"`
	UpdatedAt float64  `json:"updated_at"`
	Upstream  *Ref     `json:"upstream"`
	Target    string   `json:"target"`
	Weight    int      `json:"weight"`
	Tags      []string `json:"tags"`
}

const hashOnOneOf = `["none","consumer","ip","header","cookie","path","query_arg","uri_capture"]`

const healthStatuses = `{"type": "array", "elements": {"type": "integer", "between": [100, 999]}`

const counter = `{"type": "integer", "between": [0, 255]`

var upstreamSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"name": {"type": "string", "required": true, "description": "A hostname: the host of services that should be balanced over this upstream's targets."}},
 {"algorithm": {"type": "string", "default": "round-robin", "one_of": ["round-robin", "consistent-hashing", "least-connections", "latency"], "description": "Load-balancing algorithm."}},
 {"hash_on": {"type": "string", "default": "none", "one_of": ` + hashOnOneOf + `, "description": "What to hash on for consistent-hashing."}},
 {"hash_fallback": {"type": "string", "default": "none", "one_of": ` + hashOnOneOf + `, "description": "What to hash on when hash_on gives no value."}},
 {"hash_on_header": {"type": "string", "description": "Header name to hash on when hash_on is header."}},
 {"hash_fallback_header": {"type": "string", "description": "Header name to hash on when hash_fallback is header."}},
 {"hash_on_cookie": {"type": "string", "description": "Cookie name to hash on; set by the gateway when absent."}},
 {"hash_on_cookie_path": {"type": "string", "default": "/", "description": "Path of the hash cookie."}},
 {"hash_on_query_arg": {"type": "string", "description": "Query argument to hash on."}},
 {"hash_fallback_query_arg": {"type": "string", "description": "Query argument to hash on as fallback."}},
 {"hash_on_uri_capture": {"type": "string", "description": "Route regex capture to hash on."}},
 {"hash_fallback_uri_capture": {"type": "string", "description": "Route regex capture to hash on as fallback."}},
 {"slots": {"type": "integer", "default": 10000, "between": [10, 65536], "description": "Number of slots of the consistent-hashing ring."}},
 {"healthchecks": {"type": "record", "required": true, "fields": [
   {"active": {"type": "record", "required": true, "fields": [
     {"type": {"type": "string", "default": "http", "one_of": ["tcp", "http", "https", "grpc", "grpcs"]}},
     {"timeout": {"type": "number", "default": 1, "between": [0, 65535]}},
     {"concurrency": {"type": "integer", "default": 10, "between": [1, 2147483648]}},
     {"http_path": {"type": "string", "default": "/"}},
     {"https_sni": {"type": "string"}},
     {"https_verify_certificate": {"type": "boolean", "default": true}},
     {"headers": {"type": "map", "keys": {"type": "string"}, "values": {"type": "array", "elements": {"type": "string"}}}},
     {"healthy": {"type": "record", "required": true, "fields": [
       {"interval": {"type": "number", "default": 0, "between": [0, 65535]}},
       {"http_statuses": ` + healthStatuses + `, "default": [200, 302]}},
       {"successes": ` + counter + `, "default": 0}}]}},
     {"unhealthy": {"type": "record", "required": true, "fields": [
       {"interval": {"type": "number", "default": 0, "between": [0, 65535]}},
       {"http_statuses": ` + healthStatuses + `, "default": [429, 404, 500, 501, 502, 503, 504, 505]}},
       {"tcp_failures": ` + counter + `, "default": 0}},
       {"timeouts": ` + counter + `, "default": 0}},
       {"http_failures": ` + counter + `, "default": 0}}]}}]}},
   {"passive": {"type": "record", "required": true, "fields": [
     {"type": {"type": "string", "default": "http", "one_of": ["tcp", "http", "https", "grpc", "grpcs"]}},
     {"healthy": {"type": "record", "required": true, "fields": [
       {"http_statuses": ` + healthStatuses + `, "default": [200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 306, 307, 308]}},
       {"successes": ` + counter + `, "default": 0}}]}},
     {"unhealthy": {"type": "record", "required": true, "fields": [
       {"http_statuses": ` + healthStatuses + `, "default": [429, 500, 503]}},
       {"tcp_failures": ` + counter + `, "default": 0}},
       {"timeouts": ` + counter + `, "default": 0}},
       {"http_failures": ` + counter + `, "default": 0}}]}}]}},
   {"threshold": {"type": "number", "default": 0, "between": [0, 100]}}],
  "description": "Active and passive health checking of the targets."}},
 ` + tagsField + `,
 {"host_header": {"type": "string", "description": "Host header sent to the targets instead of the upstream's name."}},
 {"client_certificate": {"type": "foreign", "reference": "certificates", "description": "Certificate used as client certificate for TLS to the targets."}},
 {"use_srv_name": {"type": "boolean", "default": false, "description": "Use the SRV record's name as the Host header."}}
]}`)

var targetSchema = schema.MustParse(`{"type": "record", "fields": [
 {"id": {"type": "string", "uuid": true, "auto": true}},
 {"created_at": {"type": "number", "auto": true}},
 {"updated_at": {"type": "number", "auto": true}},
 {"upstream": {"type": "foreign", "reference": "upstreams", "required": true, "description": "The upstream this target belongs to."}},
 {"target": {"type": "string", "required": true, "description": "host:port of the target; the port defaults to 8000."}},
 {"weight": {"type": "integer", "default": 100, "between": [0, 65535], "description": "Share of the traffic; 0 disables the target."}},
 ` + tagsField + `
]}`)

func init() {
	upstreamSchema.Get("name").Check = checkUpstreamName
	upstreamSchema.Get("host_header").Check = checkHostWithPort
	upstreamSchema.Get("hash_on_cookie_path").Check = checkPath
	targetSchema.Get("target").Check = checkTarget
}

// defaultTargetPort is the port of a target written without one (kong/db/dao/targets.lua).
const defaultTargetPort = 8000

// checkUpstreamName: a hostname, not an IP address, without a port.
func checkUpstreamName(v any) string {
	s, _ := v.(string)
	host, port, err := net.SplitHostPort(s)
	switch {
	case err == nil && port != "":
		if net.ParseIP(host) != nil {
			return "Invalid name; no ip addresses allowed"
		}
		return "Invalid name; no port allowed"
	case net.ParseIP(strings.Trim(s, "[]")) != nil:
		return "Invalid name; no ip addresses allowed"
	case !validHostname(s):
		return "Invalid name; must be a valid hostname"
	}
	return ""
}

// checkHostWithPort: a hostname or IP, optionally with a port.
func checkHostWithPort(v any) string {
	s, _ := v.(string)
	if _, _, ok := splitTarget(s); !ok {
		return "invalid value: " + s
	}
	return ""
}

func checkTarget(v any) string {
	s, _ := v.(string)
	if _, _, ok := splitTarget(s); !ok {
		return "Invalid target ('" + s + "'); not a valid hostname or ip address"
	}
	return ""
}

// splitTarget parses host[:port] (IPv6 in brackets when a port follows) and fills the
// default port.
func splitTarget(s string) (host string, port int, ok bool) {
	if ip := net.ParseIP(s); ip != nil && ip.To4() == nil {
		return "[" + s + "]", defaultTargetPort, true
	}
	host, portStr, err := net.SplitHostPort(s)
	if err != nil {
		host, portStr = s, ""
	}
	port = defaultTargetPort
	if portStr != "" {
		if port, err = strconv.Atoi(portStr); err != nil || port < 1 || port > 65535 {
			return "", 0, false
		}
	}
	bare := strings.Trim(host, "[]")
	if ip := net.ParseIP(bare); ip != nil {
		if ip.To4() == nil {
			return "[" + bare + "]", port, true
		}
		return bare, port, true
	}
	if strings.ContainsAny(host, "[]") || !validHostname(host) {
		return "", 0, false
	}
	return host, port, true
}

// NormalizeTarget writes a valid target as Kong stores it, host:port; anything else is
// returned as it is.
func NormalizeTarget(s string) string {
	host, port, ok := splitTarget(s)
	if !ok {
		return s
	}
	return host + ":" + strconv.Itoa(port)
}

// upstreamInput applies Kong's shorthands coupling algorithm and hash_on
// (upstreams.lua), in Kong's order: least-connections and latency clear hash_on; then a
// hash_on given (or left) as none forces round-robin, any other value forces
// consistent-hashing, and null becomes none. A PATCH body goes through it before it is
// merged (Validator.Merge), and the merged entity again, so the two fields never
// disagree: a PATCH of algorithm alone to round-robin keeps a hashing upstream
// consistent-hashing, where Kong would store round-robin beside a hash_on it ignores.
func upstreamInput(in map[string]any) map[string]any {
	in = cloneMap(in)
	if algo, _ := in["algorithm"].(string); algo == "least-connections" || algo == "latency" {
		in["hash_on"] = nil
	}
	on, present := in["hash_on"]
	switch {
	case !present:
	case on == nil:
		in["hash_on"] = "none"
	case on == "none":
		in["algorithm"] = "round-robin"
	default:
		in["algorithm"] = "consistent-hashing"
	}
	return in
}

// hashKinds is hash_on's one_of list; hash_fallback may not repeat hash_on for the
// kinds that name no field of their own (consumer, ip, path).
var hashKinds = []string{"none", "consumer", "ip", "header", "cookie", "path", "query_arg", "uri_capture"}

// fallbackChoices is Kong's message for a hash_fallback that repeats hash_on.
func fallbackChoices(on string) string {
	var left []string
	for _, k := range hashKinds {
		if k != on {
			left = append(left, k)
		}
	}
	return "expected one of: " + strings.Join(left, ", ")
}

// upstreamChecks are upstreams.lua's entity checks on the hashing fields.
func upstreamChecks(e map[string]any) map[string]any {
	errs := map[string]any{}
	on, _ := e["hash_on"].(string)
	fallback, _ := e["hash_fallback"].(string)
	switch {
	case (on == "none" || on == "cookie") && fallback != "none":
		errs["hash_fallback"] = "expected one of: none"
	case (on == "consumer" || on == "ip" || on == "path") && fallback == on:
		errs["hash_fallback"] = fallbackChoices(on)
	}
	if algo, _ := e["algorithm"].(string); algo == "consistent-hashing" && on == "none" {
		errs["hash_on"] = "must not be 'none' when 'algorithm' is 'consistent-hashing'"
	}
	requires := []struct{ field, value, needs string }{
		{"hash_on", "header", "hash_on_header"},
		{"hash_fallback", "header", "hash_fallback_header"},
		{"hash_on", "cookie", "hash_on_cookie"},
		{"hash_fallback", "cookie", "hash_on_cookie"},
		{"hash_on", "query_arg", "hash_on_query_arg"},
		{"hash_fallback", "query_arg", "hash_fallback_query_arg"},
		{"hash_on", "uri_capture", "hash_on_uri_capture"},
		{"hash_fallback", "uri_capture", "hash_fallback_uri_capture"},
	}
	for _, r := range requires {
		if e[r.field] == r.value && e[r.needs] == nil {
			errs[r.needs] = "required field missing"
		}
	}
	for _, pair := range [][2]string{{"hash_on_header", "hash_fallback_header"}, {"hash_on_query_arg", "hash_fallback_query_arg"}, {"hash_on_uri_capture", "hash_fallback_uri_capture"}} {
		a, _ := e[pair[0]].(string)
		b, _ := e[pair[1]].(string)
		// Header names are case-insensitive; query arguments and captures are not.
		same := a == b || (pair[0] == "hash_on_header" && strings.EqualFold(a, b))
		if a != "" && same {
			errs["@entity"] = []any{fmt.Sprintf("values of these fields must be distinct: '%s', '%s'", pair[0], pair[1])}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
