package pipeline

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/balancer"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/store"
)

// HTTPCall implements abi.HTTPCaller: proxy_http_call. The upstream is a weir service
// name, as an Envoy cluster name is, or host:port (a bare host means port 80), as
// ngx_wasm_module takes it. The call runs on its own goroutine; a call made for a
// request is answered through that request's inbox, so the plugin sees the answer on
// the goroutine that runs the request (see pause.go).
func (s *Services) HTTPCall(ctx context.Context, stream abi.HTTPStream, req abi.HTTPCallRequest, done func(abi.HTTPCallResponse)) bool {
	e, _ := stream.(*Exchange)
	svc := s.callTarget(e, req)
	if svc == nil || s.Upstream == nil {
		return false
	}
	b := s.snapshot(e).Balancer(svc.Host)
	deliver := done
	if e != nil {
		e.async = true
		box := &e.box
		deliver = func(r abi.HTTPCallResponse) { box.post(func() { done(r) }) }
	}
	go func() { deliver(s.doCall(ctx, svc, b, req)) }()
	return true
}

// callTarget resolves the upstream of a call to a service, with the call's timeout.
func (s *Services) callTarget(e *Exchange, req abi.HTTPCallRequest) *store.Service {
	snap := s.snapshot(e)
	var svc store.Service
	if named := snap.ServiceByName(req.Upstream); named != nil {
		svc = *named
	} else {
		proto, defaultPort := "http", "80"
		if callScheme(req) == "https" {
			proto, defaultPort = "https", "443"
		}
		host, port, err := net.SplitHostPort(req.Upstream)
		if err != nil {
			host, port = req.Upstream, defaultPort
		}
		n, err := strconv.Atoi(port)
		if err != nil || n <= 0 || n > 65535 || host == "" || !validCallHost(host) {
			return nil
		}
		svc = store.Service{Protocol: proto, Host: host, Port: n}
	}
	if ms := int(req.Timeout.Milliseconds()); ms > 0 {
		svc.ConnectTimeout, svc.ReadTimeout, svc.WriteTimeout = ms, ms, ms
	}
	return &svc
}

// validCallHost accepts an IP or a DNS name, so a misspelt service name with spaces or
// slashes is refused rather than looked up.
func validCallHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	for _, r := range h {
		if !(r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// doCall sends the request, to a target of b when the service's host is an upstream,
// and turns the answer, or the failure, into the ABI's form.
func (s *Services) doCall(ctx context.Context, svc *store.Service, b *balancer.Balancer, req abi.HTTPCallRequest) abi.HTTPCallResponse {
	h := &Headers{}
	for _, kv := range req.Headers {
		h.Add(kv[0], kv[1])
	}
	ur := &UpstreamRequest{Method: h.Value(":method"), Path: h.Value(":path"), Host: h.Value(":authority"), Headers: h, Body: req.Body}
	if svc.ID == "" && svc.Protocol == "https" {
		ur.TLS = callTLS
	}
	var resp Message
	if b != nil {
		t, err := b.Pick("", nil)
		if err != nil {
			return abi.HTTPCallResponse{Err: fmt.Errorf("http call to %s: %w", req.Upstream, err)}
		}
		ur.Addr, ur.NoRetry = t.Addr, true
		b.Start(t)
		start := time.Now()
		err = s.Upstream.Do(ctx, svc, ur, &resp)
		outcome, status := balancer.HTTPStatus, 0
		switch {
		case errors.Is(err, ErrUpstreamTimeout):
			outcome = balancer.Timeout
		case err != nil:
			outcome = balancer.TCPFailure
		default:
			status, _ = strconv.Atoi(resp.Headers.Value(":status"))
		}
		b.Done(t, outcome, status, time.Since(start))
		if err != nil {
			return abi.HTTPCallResponse{Err: fmt.Errorf("http call to %s (%s): %w", req.Upstream, t.Addr, err)}
		}
	} else if err := s.Upstream.Do(ctx, svc, ur, &resp); err != nil {
		return abi.HTTPCallResponse{Err: fmt.Errorf("http call to %s: %w", req.Upstream, err)}
	}
	if err := ctx.Err(); err != nil {
		return abi.HTTPCallResponse{Err: fmt.Errorf("http call to %s: %w", req.Upstream, err)}
	}
	return abi.HTTPCallResponse{Headers: resp.Headers.Pairs(), Body: resp.Body.Bytes()}
}

var _ abi.HTTPCaller = (*Services)(nil)

// callScheme is a call's :scheme pseudo-header: "https" asks a host:port upstream for
// TLS, as ngx_wasm_module reads it.
func callScheme(req abi.HTTPCallRequest) string {
	for _, kv := range req.Headers {
		if kv[0] == ":scheme" {
			return strings.ToLower(kv[1])
		}
	}
	return ""
}

// callTLS is the TLS of an https call to host:port: the certificate is not verified,
// as ngx_wasm_module's tls_verify_cert and Kong's own services default to (Kong's
// http-log sends with ssl_verify off).
var callTLS = &snapshot.UpstreamTLS{Key: "http-call:noverify",
	Config: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true}} //nolint:gosec // Kong's default
