package conf

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/host/upstream"
)

// Proxy holds the proxy's header, access log and upstream keep-alive properties.
type Proxy struct {
	// Headers are trusted_ips, real_ip_header, real_ip_recursive, headers and
	// headers_upstream, parsed.
	Headers pipeline.HeaderOptions
	// AccessLog is proxy_access_log's file (relative to the prefix), or "off";
	// AccessLogJSON is its `json` format option.
	AccessLog     string
	AccessLogJSON bool
	// Keepalive is upstream_keepalive_pool_size, upstream_keepalive_max_requests and
	// upstream_keepalive_idle_timeout (seconds), parsed.
	Keepalive upstream.Keepalive
	// SSLCert and SSLCertKey are the PEM files of the default certificate of ssl proxy
	// listeners (ssl_cert, ssl_cert_key); unset, a self-signed pair is generated once
	// and kept in the prefix.
	SSLCert, SSLCertKey string
}

// proxyFlags are the flags a proxy_listen entry may carry beyond the socket ones: TLS
// termination and HTTP/2 (see host.Gateway.ServeListener).
var proxyFlags = map[string]bool{"ssl": true, "http2": true}

// proxyDefaults are Kong's defaults for the properties parseProxy reads.
var proxyDefaults = map[string]string{
	"trusted_ips":       "",
	"real_ip_header":    "X-Real-IP",
	"real_ip_recursive": "off",
	"headers":           "server_tokens, latency_tokens, X-Kong-Request-Id",
	"headers_upstream":  "X-Kong-Request-Id",
	"proxy_access_log":  "logs/access.log",
	"ssl_cert":          "",
	"ssl_cert_key":      "",

	"upstream_keepalive_pool_size":    "512",
	"upstream_keepalive_max_requests": "10000",
	"upstream_keepalive_idle_timeout": "60",
}

// parseProxy reads the properties of proxyDefaults. proxy_access_log is a path, then
// optionally a format: `combined` (nginx's, Kong's default) or `json`.
func parseProxy(props map[string]string) (Proxy, []error) {
	p := Proxy{SSLCert: strings.TrimSpace(props["ssl_cert"]), SSLCertKey: strings.TrimSpace(props["ssl_cert_key"])}
	var errs []error
	if (p.SSLCert == "") != (p.SSLCertKey == "") {
		errs = append(errs, fmt.Errorf("ssl_cert and ssl_cert_key: set both or neither"))
	}
	var err error
	if p.Headers.TrustedIPs, err = pipeline.ParseTrustedIPs(props["trusted_ips"]); err != nil {
		errs = append(errs, err)
	}
	p.Headers.RealIPHeader = strings.ToLower(strings.TrimSpace(props["real_ip_header"]))
	if p.Headers.RealIPHeader == "proxy_protocol" {
		errs = append(errs, fmt.Errorf("real_ip_header: proxy_protocol is not available in this version of weir"))
	}
	if p.Headers.RealIPRecursive, err = parseBool(strings.TrimSpace(props["real_ip_recursive"])); err != nil {
		errs = append(errs, fmt.Errorf("real_ip_recursive: %w", err))
	}
	if p.Headers.Downstream, err = pipeline.ParseHeaderSet(props["headers"]); err != nil {
		errs = append(errs, fmt.Errorf("headers: %w", err))
	}
	if p.Headers.Upstream, err = pipeline.ParseHeaderSet(props["headers_upstream"]); err != nil {
		errs = append(errs, fmt.Errorf("headers_upstream: %w", err))
	}
	keepalive := map[string]*int{
		"upstream_keepalive_pool_size":    &p.Keepalive.PoolSize,
		"upstream_keepalive_max_requests": &p.Keepalive.MaxRequests,
	}
	var idleSeconds int
	keepalive["upstream_keepalive_idle_timeout"] = &idleSeconds
	for _, k := range slices.Sorted(maps.Keys(keepalive)) {
		n, err := strconv.Atoi(strings.TrimSpace(props[k]))
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s: %q is not a whole number of 0 or more", k, props[k]))
			continue
		}
		*keepalive[k] = n
	}
	p.Keepalive.IdleTimeout = time.Duration(idleSeconds) * time.Second
	fields := strings.Fields(props["proxy_access_log"])
	switch {
	case len(fields) == 0:
		p.AccessLog = "off"
	case len(fields) > 2:
		errs = append(errs, fmt.Errorf("proxy_access_log: %q: expected a path and at most a format", props["proxy_access_log"]))
	default:
		p.AccessLog = fields[0]
		if len(fields) == 2 {
			switch fields[1] {
			case "json":
				p.AccessLogJSON = true
			case "combined", "basic":
			default:
				errs = append(errs, fmt.Errorf("proxy_access_log: format %q is not combined or json", fields[1]))
			}
		}
	}
	return p, errs
}
