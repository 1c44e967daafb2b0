package pipeline

import (
	"crypto/tls"
	"encoding/json"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/metrics"
	"github.com/weir-gateway/weir/store"
)

// Foreign functions for logging plugins (docs/foreign-functions.md).
const (
	fnLogSerialize      = "weir.log_serialize"
	fnPrometheusObserve = "weir.prometheus_observe"
)

// MetricsRecorder records one request for the prometheus plugin (metrics.Proxy).
type MetricsRecorder interface {
	Record(r *metrics.Request, o metrics.Options)
}

// logSerialize answers weir.log_serialize: Kong's kong.log.serialize() of the calling
// request as JSON. It needs a finished request (the log phase): before the response is
// complete it answers NOT_FOUND, as Kong refuses the call outside the log phase.
func logSerialize(e *Exchange) ([]byte, abi.Status) {
	if e == nil || e.snap == nil || e.end.IsZero() {
		return nil, abi.StatusNotFound
	}
	out, err := json.Marshal(e.serialize())
	if err != nil {
		return nil, abi.StatusSerializationFailure
	}
	return out, abi.StatusOK
}

// prometheusObserve answers weir.prometheus_observe: the arguments are the prometheus
// plugin's config; the request is recorded with them. Like weir.log_serialize it
// applies to a finished request only.
func (s *Services) prometheusObserve(e *Exchange, args []byte) ([]byte, abi.Status) {
	if e == nil || e.snap == nil || e.end.IsZero() || s.Metrics == nil {
		return nil, abi.StatusNotFound
	}
	var o metrics.Options
	if err := json.Unmarshal(args, &o); err != nil {
		return nil, abi.StatusParseFailure
	}
	s.Metrics.Record(e.metricsRequest(), o)
	return nil, abi.StatusOK
}

// metricsRequest describes the finished exchange as Kong's exporter reads the
// serializer: service name (else host), route name (else id), consumer username,
// status, latencies and sizes.
func (e *Exchange) metricsRequest() *metrics.Request {
	entry := e.AccessLogEntry()
	r := &metrics.Request{Route: entry.RouteName, Status: entry.Status, Proxied: e.upstreamStatus > 0,
		RequestMS: entry.LatencyMS, UpstreamMS: -1, KongMS: e.kongLatencyMS(),
		IngressBytes: int64(e.requestSize()), EgressBytes: int64(e.responseSize())}
	if e.service != nil {
		r.Service = e.service.Host
		if e.service.Name != nil {
			r.Service = *e.service.Name
		}
	}
	if e.consumer != nil && e.consumer.Username != nil {
		r.Consumer = *e.consumer.Username
	}
	if e.upstreamStatus > 0 {
		r.UpstreamMS = entry.UpstreamLatencyMS
	}
	return r
}

// kongLatencyMS is the gateway's own share of the request: all of it for a response
// the gateway made, the rest after the upstream's wait otherwise.
func (e *Exchange) kongLatencyMS() int64 {
	total := e.end.Sub(e.start).Milliseconds()
	if e.upstreamStatus == 0 {
		return total
	}
	if k := total - e.upstreamLatency.Milliseconds(); k > 0 {
		return k
	}
	return 0
}

// serialized is Kong 3.9's log serializer output (kong/pdk/log.lua, http subsystem).
type serialized struct {
	Request             serializedRequest  `json:"request"`
	UpstreamURI         string             `json:"upstream_uri"`
	UpstreamStatus      string             `json:"upstream_status"`
	Response            serializedResponse `json:"response"`
	Latencies           serializedLatency  `json:"latencies"`
	Tries               []serializedTry    `json:"tries,omitempty"`
	AuthenticatedEntity *authenticated     `json:"authenticated_entity,omitempty"`
	Route               *store.Route       `json:"route,omitempty"`
	Service             *store.Service     `json:"service,omitempty"`
	Consumer            *store.Consumer    `json:"consumer,omitempty"`
	ClientIP            string             `json:"client_ip"`
	StartedAt           int64              `json:"started_at"`
	Source              string             `json:"source"`
	WorkspaceName       string             `json:"workspace_name"`
}

type serializedRequest struct {
	ID          string         `json:"id"`
	URI         string         `json:"uri"`
	URL         string         `json:"url"`
	QueryString map[string]any `json:"querystring"`
	Method      string         `json:"method"`
	Headers     map[string]any `json:"headers"`
	Size        int            `json:"size"`
	TLS         *serializedTLS `json:"tls,omitempty"`
}

type serializedTLS struct {
	Version      string `json:"version"`
	Cipher       string `json:"cipher"`
	ClientVerify string `json:"client_verify"`
}

// tlsVersionNames are nginx's names ($ssl_protocol) of the versions weir accepts.
var tlsVersionNames = map[uint16]string{tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3"}

type serializedResponse struct {
	Status  int            `json:"status"`
	Headers map[string]any `json:"headers"`
	Size    int            `json:"size"`
}

type serializedLatency struct {
	Kong    int64 `json:"kong"`
	Proxy   int64 `json:"proxy"`
	Request int64 `json:"request"`
	Receive int64 `json:"receive"`
}

type serializedTry struct {
	IP              string `json:"ip"`
	Port            int    `json:"port"`
	BalancerStart   int64  `json:"balancer_start"`
	BalancerLatency int64  `json:"balancer_latency"`
}

type authenticated struct {
	ID         string `json:"id"`
	ConsumerID string `json:"consumer_id"`
}

// serialize builds Kong's log entry for the finished exchange.
func (e *Exchange) serialize() *serialized {
	status, _ := strconv.Atoi(e.Response.Headers.Value(":status"))
	s := &serialized{
		Request: serializedRequest{ID: e.ID, URI: e.origPath, URL: e.requestURL(), QueryString: kongQuery(e.origPath),
			Method: e.Request.Headers.Value(":method"), Headers: kongHeaders(&e.Request.Headers, true), Size: e.requestSize()},
		UpstreamURI: e.upstreamURI,
		Response:    serializedResponse{Status: status, Headers: kongHeaders(&e.Response.Headers, false), Size: e.responseSize()},
		Latencies:   serializedLatency{Kong: e.kongLatencyMS(), Proxy: -1, Request: e.end.Sub(e.start).Milliseconds()},
		Route:       e.Route(), Service: e.service, Consumer: e.consumer,
		ClientIP: e.ClientIP, StartedAt: e.start.UnixMilli(), Source: "exit", WorkspaceName: metrics.Workspace,
	}
	if e.TLSVersion != 0 {
		s.Request.TLS = &serializedTLS{Version: tlsVersionNames[e.TLSVersion], Cipher: tls.CipherSuiteName(e.TLSCipher),
			ClientVerify: "NONE"}
		if s.Request.TLS.Version == "" {
			s.Request.TLS.Version = tls.VersionName(e.TLSVersion)
		}
	}
	if e.upstreamStatus > 0 {
		s.UpstreamStatus = strconv.Itoa(e.upstreamStatus)
		s.Latencies.Proxy = e.upstreamLatency.Milliseconds()
		s.Source = "service"
	}
	if host, port, err := net.SplitHostPort(e.upstreamAddr); err == nil {
		n, _ := strconv.Atoi(port)
		s.Tries = []serializedTry{{IP: host, Port: n, BalancerStart: e.start.UnixMilli() + s.Latencies.Kong}}
	}
	if e.consumer != nil && e.credentialID != "" {
		s.AuthenticatedEntity = &authenticated{ID: e.credentialID, ConsumerID: e.consumer.ID}
	}
	return s
}

// requestURL is Kong's request.url: scheme, host (without the client's port), the
// port the request arrived on, and the request target as the client sent it.
func (e *Exchange) requestURL() string {
	host, _ := splitHost(e.Request.Headers.Value(":authority"))
	if host == "" {
		host = e.LocalIP
	}
	return e.Scheme + "://" + strings.ToLower(host) + ":" + strconv.Itoa(e.LocalPort) + e.origPath
}

// requestSize approximates nginx's $request_length: the request line, the header
// lines and the body.
func (e *Exchange) requestSize() int {
	h := &e.Request.Headers
	n := len(h.Value(":method")) + len(e.origPath) + len(e.protocol()) + 4
	n += len("host: \r\n") + len(h.Value(":authority"))
	return n + headerLines(h) + 2 + len(e.Request.Body.Bytes())
}

// responseSize approximates nginx's $bytes_sent: status line, header lines and body.
func (e *Exchange) responseSize() int {
	h := &e.Response.Headers
	if h.Len() == 0 {
		return 0
	}
	n := len("HTTP/1.1 200 OK\r\n")
	return n + headerLines(h) + 2 + len(e.Response.Body.Bytes())
}

// headerLines is the size of the header lines ("name: value\r\n"), pseudo-headers aside.
func headerLines(h *Headers) int {
	n := 0
	for _, kv := range h.Pairs() {
		if !strings.HasPrefix(kv[0], ":") {
			n += len(kv[0]) + len(kv[1]) + 4
		}
	}
	return n
}

// kongHeaders is a header map as Kong's PDK returns it: lower-case names, a string per
// name, a list for a name sent several times. The request's Host comes from its
// authority, and its credentials are redacted, as Kong does.
func kongHeaders(h *Headers, request bool) map[string]any {
	out := make(map[string]any, h.Len())
	add := func(k, v string) {
		switch prior := out[k].(type) {
		case nil:
			out[k] = v
		case string:
			out[k] = []string{prior, v}
		case []string:
			out[k] = append(prior, v)
		}
	}
	for _, kv := range h.Pairs() {
		if kv[0] == ":authority" && request {
			add("host", kv[1])
		}
		if !strings.HasPrefix(kv[0], ":") {
			add(kv[0], kv[1])
		}
	}
	if request {
		for _, k := range []string{"authorization", "proxy-authorization"} {
			if _, ok := out[k]; ok {
				out[k] = "REDACTED"
			}
		}
	}
	return out
}

// kongQuery parses the query of a request target as Kong's get_query does: a value
// per name, true for a name without "=", a list for a name given several times.
func kongQuery(target string) map[string]any {
	out := map[string]any{}
	_, query, _ := strings.Cut(target, "?")
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		k, v, hasValue := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil || name == "" {
			continue
		}
		var val any = true
		if hasValue {
			s, err := url.QueryUnescape(v)
			if err != nil {
				s = v
			}
			val = s
		}
		switch prior := out[name].(type) {
		case nil:
			out[name] = val
		case []any:
			out[name] = append(prior, val)
		default:
			out[name] = []any{prior, val}
		}
	}
	return out
}
