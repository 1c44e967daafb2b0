package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/weir-gateway/weir/host/balancer"
	"github.com/weir-gateway/weir/host/router"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/store"
)

// Upstream sends a request to a service and fills resp (":status" first, then the
// headers, then the body).
type Upstream interface {
	Do(ctx context.Context, svc *store.Service, req *UpstreamRequest, resp *Message) error
}

// UpstreamRequest is the request as it leaves the gateway.
type UpstreamRequest struct {
	Method string
	// Path is the request target: path and query.
	Path string
	// Host is the Host header to send.
	Host string
	// Headers holds the request headers, pseudo-headers included (the client skips them).
	Headers *Headers
	Body    []byte
	// BodyStream, when set, is the body instead, sent as it is read (chunked):
	// request_buffering off.
	BodyStream io.Reader
	// Addr is the host:port to connect to: the service's host and port, or a balanced
	// upstream's target; "" means the service's.
	Addr string
	// NoRetry: the pipeline retries itself (across targets), the client must not.
	NoRetry bool
	// TLS is the service's upstream TLS (nil: the client's defaults).
	TLS *snapshot.UpstreamTLS
	// BodyFiltered: BodyStream runs through the plugins' request body callbacks, so
	// the client reads it to its end before it hands back the response (the plugins
	// must not run while the response phase does). An HTTP/1.1 client does so anyway;
	// an HTTP/2 one, which streams both ways at once, then sends the body it read.
	BodyFiltered bool
	// Stream asks for the response body as a stream (response_buffering off, and
	// always for gRPC services).
	Stream bool
	// RemoteAddr and LocalAddr are set by the Upstream once a connection answered:
	// the two ends of it, "ip:port" (the upstream.* properties).
	RemoteAddr, LocalAddr string
}

// ErrUpstreamTimeout marks an upstream that did not answer in time (504, not 502).
var ErrUpstreamTimeout = errors.New("upstream timed out")

// ErrUpstreamConnect marks a failure to connect: nothing was sent, so any request may
// be retried on another target.
var ErrUpstreamConnect = errors.New("upstream connection failed")

// Pipeline runs one exchange: route, plugins, upstream, plugins again, log.
type Pipeline struct {
	// Snapshot returns the current configuration.
	Snapshot func() *snapshot.Snapshot
	Upstream Upstream
	Logger   *slog.Logger
	// Version is weir's version, for the Via and Server headers.
	Version string
	// NodeID is this node's id, for the node property plugins read.
	NodeID string
	// Headers are trusted_ips, real_ip_* and the switchable headers; nil means Kong's
	// defaults (DefaultHeaderOptions).
	Headers *HeaderOptions
	// OnComplete, when set, is called once per request after its response (access
	// log, metrics).
	OnComplete func(e *Exchange)
}

// Serve runs e through the pipeline; e.Response then holds what the client gets.
func (p *Pipeline) Serve(ctx context.Context, e *Exchange) {
	start := time.Now()
	e.start, e.nodeID = start, p.NodeID
	e.snap = p.Snapshot()
	e.origPath = e.Request.Headers.Value(":path")
	e.origAuthority = e.Request.Headers.Value(":authority")
	e.peerIP = e.ClientIP
	e.ClientIP = p.headers().realIP(e.ClientIP, &e.Request.Headers)
	c := &e.chain
	c.reset(e, p.Logger)
	handedOff := false
	defer func() {
		if !handedOff {
			p.end(ctx, e)
		}
	}()

	if !p.route(e) || !p.requestBody(e) {
		p.respondLocal(e, start)
		return
	}
	if c.requestPhase(ctx) {
		p.proxy(ctx, e, start)
	}
	applied := e.local
	if applied != nil {
		p.respondLocal(e, start)
	}
	c.responsePhase(ctx)
	if e.local != applied {
		// a plugin answered, or failed, in the response phase: its response replaces
		// the upstream's
		p.respondLocal(e, start)
		return
	}
	if e.Response.Body.Stream() != nil {
		handedOff = c.filterStream(ctx, func() { p.end(ctx, e) })
	}
}

// end finishes the exchange: e.end first (on_log sees request.duration), then the
// plugins' contexts, then OnComplete. A streamed body the plugins filter runs it when
// the front end closes the stream instead.
func (p *Pipeline) end(ctx context.Context, e *Exchange) {
	e.end = time.Now()
	e.chain.finish(ctx)
	if p.OnComplete != nil {
		p.OnComplete(e)
	}
}

// requestBody takes the body a front end left unread (Exchange.BodySource): as a
// stream on a route with request_buffering off (HTTP/1.1 services) and on every gRPC
// service the client reaches over HTTP/2 (nginx's grpc_pass streams, so Kong does),
// whole otherwise and on a protocol switch. It leaves a local response when the body
// cannot be read.
//
// A gRPC service's HTTP/2 client may still read the body after the exchange ended
// (RoundTrip closes it on its own goroutine), which only net/http's request bodies
// bear; so an HTTP/1.x client's body to a gRPC service is read whole.
func (p *Pipeline) requestBody(e *Exchange) bool {
	src := e.BodySource
	if src == nil {
		return true
	}
	e.BodySource = nil
	stream := !e.match.Route.RequestBuffering
	if isGRPCService(e.service) {
		stream = e.Protocol == "HTTP/2"
	}
	if stream && !e.Upgrade {
		if r := src.Stream(); r != nil {
			e.Request.Body.SetStream(io.NopCloser(r))
		}
		return true
	}
	body, err := src.ReadAll()
	switch {
	case errors.Is(err, ErrBodyTooLarge):
		e.local = kongError(413, "Request body too large", e.ID)
		return false
	case err != nil:
		e.local = kongError(400, "Bad request", e.ID)
		return false
	}
	e.Request.Body.Set(body)
	return true
}

var defaultHeaders = DefaultHeaderOptions()

func (p *Pipeline) headers() *HeaderOptions {
	if p.Headers == nil {
		return &defaultHeaders
	}
	return p.Headers
}

// route matches the request; on failure it leaves a local error response.
func (p *Pipeline) route(e *Exchange) bool {
	h := &e.Request.Headers
	req := router.Request{
		Method: h.Value(":method"),
		Host:   h.Value(":authority"),
		Path:   h.Value(":path"),
		Scheme: e.Scheme,
		SNI:    e.SNI,
		Header: h,
	}
	if !e.snap.Router.MatchInto(&req, &e.matched) {
		e.local = kongError(404, "no Route matched with those values", e.ID)
		return false
	}
	e.match = &e.matched
	m := e.match
	scheme, host := e.Scheme, h.Value(":authority")
	if p.headers().trusted(e.peerIP) {
		// Kong judges the forwarded scheme and host when the peer is trusted
		if v := h.Value("x-forwarded-proto"); v != "" {
			scheme = strings.ToLower(v)
		}
		if v := h.Value("x-forwarded-host"); v != "" {
			host = v
		}
	}
	if r := httpsRedirect(m.Route, scheme, host, e.origPath, e.ID); r != nil {
		e.local = r
		return false
	}
	if r := grpcCheck(m.Route, e.protocol(), h.Value("content-type"), e.ID); r != nil {
		e.local = r
		return false
	}
	if m.Route.Service != nil {
		e.service = e.snap.Service(m.Route.Service.ID)
	}
	if e.service == nil {
		e.local = kongError(503, "no Service found with those values", e.ID)
		return false
	}
	return true
}

// proxy sends the request upstream and records the answer in e.Response.
func (p *Pipeline) proxy(ctx context.Context, e *Exchange, start time.Time) {
	req := p.upstreamRequest(e)
	e.upstreamURI = req.Path
	sent := time.Now()
	var err error
	if up, ok := p.Upstream.(Upgrader); ok && e.Upgrade {
		// Kong's upstream headers for WebSocket
		req.Headers.Set("connection", "keep-alive, Upgrade")
		req.Headers.Set("upgrade", "websocket")
		if b := e.snap.Balancer(e.service.Host); b != nil {
			var t *balancer.Target
			if t, err = b.Pick(hashKey(e, b.Upstream), nil); err == nil {
				req.Addr, req.NoRetry = t.Addr, true
				if !e.keepHost() {
					req.Host = targetHost(b.Upstream, t, e.service.Protocol)
				}
			}
		}
		if err == nil {
			e.tunnel, err = up.Upgrade(ctx, e.service, req, &e.Response)
		}
	} else if b := e.snap.Balancer(e.service.Host); b != nil {
		err = p.balanced(ctx, e, b, req)
	} else {
		err = p.Upstream.Do(ctx, e.service, req, &e.Response)
	}
	e.upstreamAddr, e.upstreamLocal = req.RemoteAddr, req.LocalAddr
	e.upstreamLatency = time.Since(sent)
	if err != nil && (e.local != nil || e.reset) {
		// a plugin answered, failed or closed the stream in a streamed request body's
		// callback: the upstream request was abandoned for that
		return
	}
	switch {
	case errors.Is(err, balancer.ErrNoPeer):
		p.Logger.Warn("no upstream target", "service", e.service.ID, "upstream", e.service.Host)
		e.local = kongError(503, "failure to get a peer from the ring-balancer", e.ID)
		return
	case errors.Is(err, ErrUpstreamTimeout):
		p.Logger.Warn("upstream timed out", "service", e.service.ID, "error", err)
		e.local = kongError(504, "The upstream server is timing out", e.ID)
		return
	case err != nil:
		p.Logger.Warn("upstream failed", "service", e.service.ID, "error", err)
		e.local = kongError(502, "An invalid response was received from the upstream server", e.ID)
		return
	}
	e.upstreamStatus, _ = strconv.Atoi(e.Response.Headers.Value(":status"))
	f := respondedFields(&e.Response.Headers)
	on := p.headers().Downstream
	if on&HeaderUpstreamLatency != 0 {
		f.set(fieldUpstreamLatency, strconv.FormatInt(e.upstreamLatency.Milliseconds(), 10))
	}
	if on&HeaderProxyLatency != 0 {
		f.set(fieldProxyLatency, strconv.FormatInt(sent.Sub(start).Milliseconds(), 10))
	}
	if on&HeaderUpstreamStatus != 0 {
		f.set(fieldUpstreamStatus, strconv.Itoa(e.upstreamStatus))
	}
	if on&HeaderVia != 0 {
		f.appendVia(fieldResponseVia, p.Version)
	}
	if f.at[fieldServer] < 0 && on&HeaderServer != 0 {
		f.set(fieldServer, serverText.of(p.Version))
	}
	if on&HeaderRequestID != 0 {
		f.set(fieldResponseRequestID, e.ID)
	}
	e.applyEarlyResponse()
}

// respondLocal turns e.local into e.Response.
func (p *Pipeline) respondLocal(e *Exchange, start time.Time) {
	r := e.local
	h := &e.Response.Headers
	h.Reset()
	e.Response.Trailers.Reset()
	e.Response.Body.dropStream()
	h.AddLower(":status", StatusText(r.Status))
	for _, kv := range r.Headers {
		h.Add(kv[0], kv[1])
	}
	if _, ok := h.Get("content-type"); !ok && len(r.Body) > 0 {
		h.Set("content-type", "text/plain; charset=utf-8")
	}
	on := p.headers().Downstream
	if on&HeaderResponseLatency != 0 {
		h.Set("x-kong-response-latency", strconv.FormatInt(time.Since(start).Milliseconds(), 10))
	}
	if on&HeaderServer != 0 {
		h.Set("server", serverText.of(p.Version))
	}
	if on&HeaderRequestID != 0 {
		h.Set("x-kong-request-id", e.ID)
	}
	e.applyEarlyResponse()
	e.Response.Body.Set(r.Body)
}

// upstreamRequest builds what goes to the service: Kong's path rules, Host, and the
// X-Forwarded-* headers Kong sets.
func (p *Pipeline) upstreamRequest(e *Exchange) *UpstreamRequest {
	h := &e.Request.Headers
	target := h.Value(":path")
	path, query, _ := strings.Cut(target, "?")
	route, svc := e.match.Route, e.service
	upstreamPath := target
	if original, _, _ := strings.Cut(e.originalPath(), "?"); path == original {
		upstreamPath = router.UpstreamPath(deref(svc.Path), e.match, route.StripPath, route.PathHandling, path, query)
	}
	host := h.Value(":authority")
	clientHost, _ := splitHost(e.origAuthority)
	if !e.keepHost() {
		host = e.snap.ServiceHostHeader(svc)
	}
	teTrailers := strings.Contains(strings.ToLower(h.Value("te")), "trailers")
	h.RemoveAny(hopByHop)
	f := forwardedFields(h)
	if teTrailers {
		f.set(fieldTE, "trailers") // Kong passes TE only as "trailers" (gRPC needs it)
	}
	forwardedFor := e.peerIP
	if prior := f.value(fieldForwardedFor); prior != "" {
		forwardedFor = prior + ", " + e.peerIP
	}
	f.set(fieldForwardedFor, forwardedFor)
	// a trusted peer's X-Forwarded-* stand; anyone else's are replaced
	trusted := p.headers().trusted(e.peerIP)
	setForwarded := func(field int, value string) {
		if f.at[field] < 0 || !trusted {
			f.set(field, value)
		}
	}
	setForwarded(fieldForwardedProto, e.Scheme)
	setForwarded(fieldForwardedHost, clientHost)
	setForwarded(fieldForwardedPort, portText(e.LocalPort))
	setForwarded(fieldForwardedPath, path)
	if route.StripPath && e.match.Prefix != "" && e.match.Prefix != "/" {
		setForwarded(fieldForwardedPrefix, e.match.Prefix)
	} else if !trusted && f.at[fieldForwardedPrefix] >= 0 {
		h.Remove(forwardedNames[fieldForwardedPrefix])
		f.find()
	}
	f.set(fieldRealIP, e.ClientIP)
	if p.headers().Upstream&HeaderRequestID != 0 {
		f.set(fieldRequestID, e.ID)
	}
	if p.headers().Downstream&HeaderVia != 0 {
		f.appendVia(fieldVia, p.Version)
	}
	req := &e.upstreamRequest
	*req = UpstreamRequest{Method: h.Value(":method"), Path: upstreamPath, Host: host, Headers: h, Body: e.Request.Body.Bytes(),
		Addr: e.snap.ServiceAddr(svc), TLS: e.snap.UpstreamTLS(svc.ID), Stream: !route.ResponseBuffering || isGRPCService(svc)}
	if s := e.Request.Body.Stream(); s != nil {
		req.BodyStream = s // the client skips content-length: it goes chunked
		_, req.BodyFiltered = s.(*bodyFilter)
	}
	return req
}

// hopByHop are the headers that concern one connection only and are not forwarded.
var hopByHop = []string{"connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade"}

// isGRPCService: the service speaks gRPC (grpc or grpcs), which streams both ways.
func isGRPCService(svc *store.Service) bool {
	return svc.Protocol == "grpc" || svc.Protocol == "grpcs"
}

// versionText is a header value made of a prefix and the node's version ("1.1
// weir/<version>" for Via), made once: a node has one version, and the value goes on
// every request and response.
type versionText struct {
	prefix string
	last   atomic.Pointer[[2]string] // version, value
}

func (t *versionText) of(version string) string {
	v := t.last.Load()
	if v == nil || v[0] != version {
		v = &[2]string{version, t.prefix + version}
		t.last.Store(v)
	}
	return v[1]
}

var viaText, serverText = versionText{prefix: "1.1 weir/"}, versionText{prefix: "weir/"}

func splitHost(hostport string) (host, port string) {
	i := strings.LastIndexByte(hostport, ':')
	if i < 0 || strings.HasSuffix(hostport, "]") {
		return hostport, ""
	}
	return hostport[:i], hostport[i+1:]
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
