package pipeline

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/weir-gateway/weir/host/balancer"
	"github.com/weir-gateway/weir/store"
)

// balanced sends req to a target of b, trying other targets on failure up to the
// service's retries: always when the connection failed (nothing was sent), otherwise
// only for idempotent methods. Each attempt feeds the balancer's passive checks.
func (p *Pipeline) balanced(ctx context.Context, e *Exchange, b *balancer.Balancer, req *UpstreamRequest) error {
	key := hashKey(e, b.Upstream)
	u := b.Upstream
	if key == "" && u.Algorithm == "consistent-hashing" && u.HashOn == "cookie" && u.HashOnCookie != nil {
		// Kong sets the cookie the client lacks, so its next requests hash alike
		key = e.ID
		defer func() {
			if e.Response.Headers.Len() > 0 {
				e.Response.Headers.Add("set-cookie", *u.HashOnCookie+"="+key+"; Path="+u.HashOnCookiePath)
			}
		}()
	}
	var tried []*balancer.Target
	var err error
	for attempt := 0; attempt <= e.service.Retries; attempt++ {
		t, perr := b.Pick(key, tried)
		if perr != nil {
			if err != nil {
				return err // the last attempt's failure says more than "no peer left"
			}
			return perr
		}
		tried = append(tried, t)
		req.Addr, req.NoRetry = t.Addr, true
		if !e.keepHost() {
			req.Host = targetHost(b.Upstream, t, e.service.Protocol)
		}
		b.Start(t)
		start := time.Now()
		err = p.Upstream.Do(ctx, e.service, req, &e.Response)
		switch {
		case err == nil:
			status, _ := strconv.Atoi(e.Response.Headers.Value(":status"))
			b.Done(t, balancer.HTTPStatus, status, time.Since(start))
			return nil
		case errors.Is(err, ErrUpstreamTimeout):
			b.Done(t, balancer.Timeout, 0, time.Since(start))
		default:
			b.Done(t, balancer.TCPFailure, 0, time.Since(start))
		}
		p.Logger.Info("upstream target failed", "upstream", b.Upstream.Name, "target", t.Addr, "attempt", attempt+1, "error", err)
		if !errors.Is(err, ErrUpstreamConnect) && (!idempotent(req.Method) || req.BodyStream != nil) {
			// a streamed body cannot be sent twice
			return err
		}
	}
	return err
}

func idempotent(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

// targetHost is the Host header for a balanced request: the upstream's host_header, or
// the target's host with its port unless it is the scheme's default.
func targetHost(u *store.Upstream, t *balancer.Target, protocol string) string {
	if u.HostHeader != nil && *u.HostHeader != "" {
		return *u.HostHeader
	}
	if t.Port == 80 && (protocol == "http" || protocol == "grpc") || t.Port == 443 && (protocol == "https" || protocol == "grpcs") {
		return t.Host
	}
	return t.Addr
}

// hashKey is the consistent-hashing value of the request: hash_on, or hash_fallback
// when that gives nothing ("" when neither does: the balancer then goes round-robin).
func hashKey(e *Exchange, u *store.Upstream) string {
	if u.Algorithm != "consistent-hashing" {
		return ""
	}
	if v := hashValue(e, u.HashOn, u.HashOnHeader, u.HashOnQueryArg, u.HashOnURICapture, u.HashOnCookie); v != "" {
		return v
	}
	return hashValue(e, u.HashFallback, u.HashFallbackHeader, u.HashFallbackQueryArg, u.HashFallbackURICapture, nil)
}

func hashValue(e *Exchange, on string, header, arg, capture, cookie *string) string {
	h := &e.Request.Headers
	switch on {
	case "consumer":
		if e.consumer != nil {
			return e.consumer.ID
		}
		return e.credentialID
	case "ip":
		return e.ClientIP
	case "header":
		if header != nil {
			return strings.Join(h.Values(strings.ToLower(*header)), ",")
		}
	case "cookie":
		if cookie != nil {
			return cookieValue(h.Values("cookie"), *cookie)
		}
	case "path":
		path, _, _ := strings.Cut(h.Value(":path"), "?")
		return path
	case "query_arg":
		if arg != nil {
			_, query, _ := strings.Cut(h.Value(":path"), "?")
			values, _ := url.ParseQuery(query)
			return strings.Join(values[*arg], ",")
		}
	case "uri_capture":
		if capture != nil && e.match != nil {
			return e.match.Captures[*capture]
		}
	}
	return ""
}

func cookieValue(headers []string, name string) string {
	for _, line := range headers {
		for _, part := range strings.Split(line, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && k == name {
				return v
			}
		}
	}
	return ""
}
