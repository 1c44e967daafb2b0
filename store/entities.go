package store

import (
	"sort"

	"github.com/weir-gateway/weir/store/schema"
)

// The core entity schemas, in the same field-type format as plugin schemas so that one
// engine fills defaults and validates both, and /schemas/{entity} can serve them.
// Fields and defaults are Kong 3.9's (kong/db/schema/entities/*.lua).

const protocolsOneOf = `["grpc","grpcs","http","https","tcp","tls","tls_passthrough","udp"]`

const commonFields = `
 {"id": {"type": "string", "uuid": true, "auto": true}},
 {"created_at": {"type": "integer", "auto": true}},`

const tagsField = `{"tags": {"type": "set", "elements": {"type": "string"}, "description": "A set of strings to group and filter entities."}}`

var serviceSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"name": {"type": "string", "description": "The service name."}},
 {"retries": {"type": "integer", "default": 5, "between": [0, 32767], "description": "Number of retries on proxying failure."}},
 {"protocol": {"type": "string", "required": true, "default": "http", "one_of": ` + protocolsOneOf + `, "description": "Protocol used to talk to the upstream."}},
 {"host": {"type": "string", "required": true, "description": "Host of the upstream server."}},
 {"port": {"type": "integer", "required": true, "default": 80, "between": [0, 65535], "description": "Upstream server port."}},
 {"path": {"type": "string", "description": "Path used in requests to the upstream server."}},
 {"connect_timeout": {"type": "integer", "default": 60000, "between": [1, 2147483646], "description": "Milliseconds to establish a connection."}},
 {"write_timeout": {"type": "integer", "default": 60000, "between": [1, 2147483646], "description": "Milliseconds between two writes to the upstream."}},
 {"read_timeout": {"type": "integer", "default": 60000, "between": [1, 2147483646], "description": "Milliseconds between two reads from the upstream."}},
 ` + tagsField + `,
 {"client_certificate": {"type": "foreign", "reference": "certificates", "description": "Certificate used as client certificate for TLS to the upstream."}},
 {"tls_verify": {"type": "boolean", "description": "Verify the upstream's TLS certificate; null uses the global setting."}},
 {"tls_verify_depth": {"type": "integer", "between": [0, 64], "description": "Maximum depth of the upstream certificate chain."}},
 {"ca_certificates": {"type": "array", "elements": {"type": "string", "uuid": true}, "description": "CA certificate ids that verify the upstream."}},
 {"enabled": {"type": "boolean", "required": true, "default": true, "description": "Whether the service is active."}}
]}`)

var routeSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"name": {"type": "string", "description": "The route name."}},
 {"protocols": {"type": "set", "required": true, "default": ["http", "https"], "len_min": 1, "elements": {"type": "string", "one_of": ` + protocolsOneOf + `}, "description": "Protocols this route accepts."}},
 {"methods": {"type": "set", "elements": {"type": "string", "match": "^[A-Z]+$"}, "description": "HTTP methods that match this route."}},
 {"hosts": {"type": "array", "elements": {"type": "string"}, "description": "Host names that match this route; one wildcard at the leftmost or rightmost label."}},
 {"paths": {"type": "array", "elements": {"type": "string"}, "description": "Path prefixes, or regexes starting with ~, that match this route."}},
 {"headers": {"type": "map", "keys": {"type": "string"}, "values": {"type": "array", "elements": {"type": "string"}}, "description": "Header names and values that match this route."}},
 {"https_redirect_status_code": {"type": "integer", "required": true, "default": 426, "one_of": [426, 301, 302, 307, 308], "description": "Status returned when an HTTPS-only route is hit over HTTP."}},
 {"regex_priority": {"type": "integer", "default": 0, "description": "Order of evaluation among regex routes."}},
 {"strip_path": {"type": "boolean", "required": true, "default": true, "description": "Strip the matched path prefix from the upstream request."}},
 {"path_handling": {"type": "string", "default": "v0", "one_of": ["v0", "v1"], "description": "How the upstream path is joined."}},
 {"preserve_host": {"type": "boolean", "required": true, "default": false, "description": "Send the client's Host header upstream."}},
 {"request_buffering": {"type": "boolean", "required": true, "default": true, "description": "Buffer the request body before proxying."}},
 {"response_buffering": {"type": "boolean", "required": true, "default": true, "description": "Buffer the response body before returning it."}},
 {"snis": {"type": "set", "elements": {"type": "string"}, "description": "SNIs that match this route."}},
 {"sources": {"type": "set", "elements": {"type": "record", "fields": [{"ip": {"type": "string"}}, {"port": {"type": "integer", "between": [0, 65535]}}]}, "description": "Client addresses that match this stream route."}},
 {"destinations": {"type": "set", "elements": {"type": "record", "fields": [{"ip": {"type": "string"}}, {"port": {"type": "integer", "between": [0, 65535]}}]}, "description": "Local addresses that match this stream route."}},
 ` + tagsField + `,
 {"service": {"type": "foreign", "reference": "services", "description": "The service this route proxies to."}}
]}`)

var consumerSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"username": {"type": "string", "description": "Unique username of the consumer."}},
 {"custom_id": {"type": "string", "description": "Unique id of the consumer in another system."}},
 ` + tagsField + `
]}`)

// pluginSchema is the plugin entity with an open config; Validator specialises config
// and protocols per plugin.
var pluginSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"name": {"type": "string", "required": true, "description": "Name of the plugin: a built-in or an uploaded wasm module."}},
 {"instance_name": {"type": "string", "description": "Unique name of this plugin instance."}},
 {"config": {"type": "json", "required": true, "default": {}, "description": "Configuration of the plugin."}},
 {"service": {"type": "foreign", "reference": "services", "description": "Run only on requests to this service."}},
 {"route": {"type": "foreign", "reference": "routes", "description": "Run only on requests that match this route."}},
 {"consumer": {"type": "foreign", "reference": "consumers", "description": "Run only for this consumer."}},
 {"protocols": {"type": "set", "required": true, "default": ["grpc", "grpcs", "http", "https"], "elements": {"type": "string", "one_of": ` + protocolsOneOf + `}, "description": "Protocols the plugin runs on."}},
 {"enabled": {"type": "boolean", "required": true, "default": true, "description": "Whether the plugin runs."}},
 {"ordering": {"type": "record", "description": "Runs this plugin before or after other plugins in the access phase, whatever their priorities (Kong Enterprise's dynamic ordering). Not allowed on consumer-scoped plugins.", "fields": [
  {"before": ` + orderingPhases + `},
  {"after": ` + orderingPhases + `}
 ]}},
 ` + tagsField + `
]}`)

// orderingPhases is one side of a plugin's ordering: plugin names per phase. As in
// Kong Enterprise, only the access phase can be reordered.
const orderingPhases = `{"type": "map", "description": "Plugin names per phase.",
  "keys": {"type": "string", "one_of": ["access"]},
  "values": {"type": "array", "elements": {"type": "string"}}}`

var keyAuthSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"consumer": {"type": "foreign", "reference": "consumers", "required": true, "description": "The consumer owning the key."}},
 {"key": {"type": "string", "auto": true, "description": "The API key; generated when omitted."}},
 {"ttl": {"type": "integer", "description": "Seconds after creation when the key stops working."}},
 ` + tagsField + `
]}`)

var wasmModuleSchema = schema.MustParse(`{"type": "record", "fields": [` + commonFields + `
 {"updated_at": {"type": "integer", "auto": true}},
 {"name": {"type": "string", "required": true, "description": "Plugin name under which the module is enabled."}},
 {"sha256": {"type": "string", "auto": true, "description": "SHA-256 of the module binary, lower-case hex."}},
 {"size": {"type": "integer", "auto": true, "description": "Size of the module binary in bytes."}},
 {"priority": {"type": "integer", "default": 0, "description": "Position in the plugin chain; higher runs first."}},
 {"version": {"type": "string", "auto": true, "description": "Version from the module's weir.plugin section."}},
 {"schema": {"type": "json", "auto": true, "description": "Plugin schema from the module's weir.plugin section; it validates the config of plugins using the module."}},
 ` + tagsField + `
]}`)

// entitySchemas maps entity names to their schemas.
var entitySchemas = map[string]*schema.Field{
	Services:             serviceSchema,
	Routes:               routeSchema,
	Consumers:            consumerSchema,
	Plugins:              pluginSchema,
	KeyAuthCredentials:   keyAuthSchema,
	WasmModules:          wasmModuleSchema,
	Upstreams:            upstreamSchema,
	Targets:              targetSchema,
	JWTSecrets:           jwtSecretSchema,
	BasicAuthCredentials: basicAuthSchema,
	ACLs:                 aclSchema,
	HMACAuthCredentials:  hmacAuthSchema,
	Certificates:         certificateSchema,
	SNIs:                 sniSchema,
	CACertificates:       caCertificateSchema,
	Vaults:               vaultSchema,
	KeySets:              keySetSchema,
	Keys:                 keySchema,
}

func init() {
	for _, s := range entitySchemas {
		s.Get("id").Check = checkUUID
		s.Get("tags").Elements.Check = checkTag
	}
	serviceSchema.Get("name").Check = checkUTF8Name
	serviceSchema.Get("host").Check = checkHost
	serviceSchema.Get("path").Check = checkPath
	routeSchema.Get("name").Check = checkUTF8Name
	routeSchema.Get("hosts").Elements.Check = checkRouteHost
	routeSchema.Get("paths").Elements.Check = checkRoutePath
	routeSchema.Get("headers").Check = checkNoHostHeader
	pluginSchema.Get("instance_name").Check = checkUTF8Name
	pluginSchema.Get("config").Check = checkObject
	wasmModuleSchema.Get("name").Check = checkName
}

// EntityNames lists the entities that have a schema, sorted.
func EntityNames() []string {
	out := make([]string, 0, len(entitySchemas))
	for name := range entitySchemas {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// EntitySchema returns the schema of a core entity (Kong's table name), or nil.
func EntitySchema(entity string) *schema.Field {
	return entitySchemas[entity]
}
