package pipeline

import (
	"errors"
	"io"
	"strings"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/router"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/store"
)

// Message is a request or a response: its header map (pseudo-headers first) and body.
type Message struct {
	Headers Headers
	Body    Body
	// Trailers are sent after the body (gRPC's grpc-status); HTTP/2 only.
	Trailers Headers
}

// Exchange is one request and its response as it moves through the pipeline. Front
// ends (fasthttp today, net/http for HTTP/2 later) fill Request and read Response; the
// wasm host reaches it only through the abi.HTTPStream methods.
type Exchange struct {
	Request  Message
	Response Message
	// Scheme is the client's scheme, "http" or "https".
	Scheme string
	// Protocol is the request's HTTP version ("HTTP/1.1"); empty means HTTP/1.1.
	Protocol string
	// ClientIP and ClientPort are the peer's address; the pipeline replaces ClientIP
	// with the real client address when a trusted peer names it (real_ip_header).
	ClientIP   string
	ClientPort int
	// LocalIP and LocalPort are the address the request arrived on.
	LocalIP   string
	LocalPort int
	// ConnID identifies the client connection (Envoy's connection.id).
	ConnID uint64
	// ConnRequests counts the requests made on the client connection, this one
	// included (nginx's $connection_requests); 0 when the front end does not know.
	ConnRequests uint64
	// ID is the request id (X-Kong-Request-Id).
	ID string
	// SNI is the TLS server name the client asked for ("" without TLS or SNI).
	SNI string
	// TLSVersion and TLSCipher are the client connection's TLS version and cipher
	// suite (crypto/tls's numbers); 0 without TLS.
	TLSVersion, TLSCipher uint16
	// Upgrade is set by a front end that can relay a protocol switch (WebSocket) for
	// a request that asks for one (WantsUpgrade).
	Upgrade bool
	// BodySource, when a front end sets it, is the request body not read yet: the
	// pipeline takes it once the route is known, whole (request_buffering on) or as a
	// stream (off). A front end that reads the body first sets Request.Body instead.
	BodySource RequestBodySource

	// peerIP is the socket peer's address, whatever real_ip_header said.
	peerIP   string
	snap     *snapshot.Snapshot
	match    *router.Match
	matched  router.Match // match points here once the router matched
	chain    chain        // the plugins taking part, kept here to save an allocation
	service  *store.Service
	consumer *store.Consumer
	// credentialID is the credential the consumer authenticated with.
	credentialID string
	anonymous    bool
	// local is a response a plugin or the gateway made; the upstream is not called.
	local *abi.LocalResponse
	// upstreamStatus is the status the upstream answered with, 0 if not called.
	upstreamStatus int
	// origPath is ":path" as the client sent it, before plugins ran.
	origPath string
	// origAuthority is ":authority" as the client sent it: a plugin that changes it
	// sets the upstream Host, as kong.service.request.set_header("host") does.
	origAuthority string
	// start is when the pipeline took the request; end when its response was
	// complete (request.time, request.duration).
	start, end time.Time
	// upstreamAddr and upstreamLocal are the two ends of the upstream connection
	// that answered, "ip:port".
	upstreamAddr, upstreamLocal string
	// upstreamRequest is what upstreamRequest built, kept here to save an allocation.
	upstreamRequest UpstreamRequest
	// upstreamURI is the request target sent upstream (path and query).
	upstreamURI string
	// tunnel is the upgraded upstream connection of a WebSocket request.
	tunnel *Tunnel
	// upstreamLatency is how long the upstream took to answer (all attempts).
	upstreamLatency time.Duration
	// nodeID is this weir node's id (the node property).
	nodeID string
	// props holds what plugins wrote with proxy_set_property, keyed by the path's
	// segments joined by NUL; propBytes is their size (abi.MaxStreamPropertyBytes).
	props     map[string][]byte
	propBytes int
	// earlyResponse holds the response headers plugins set before there was a
	// response (as kong.response.set_header in Kong's access phase): they are applied
	// to the response once it exists, upstream's or a local one.
	earlyResponse Headers
	earlyStorage  [8][2]string // earlyResponse's first fields, without an allocation

	// box, resumed, reset and async serve pauses and asynchronous plugin work
	// (pause.go).
	box     inbox
	resumed bool
	reset   bool
	async   bool
}

// Recycle empties e for another request, keeping the storage of its request and
// response header maps: a front end that pools exchanges then grows no header map
// for a request like the last. An exchange that took part in asynchronous work
// (Async) must not be recycled.
func (e *Exchange) Recycle() {
	req, resp := e.Request.Headers.pairs, e.Response.Headers.pairs
	clear(req[:cap(req)]) // drop the last request's strings
	clear(resp[:cap(resp)])
	*e = Exchange{}
	e.Request.Headers.pairs, e.Response.Headers.pairs = req[:0], resp[:0]
}

// RequestBodySource gives a request body the front end has not read yet.
type RequestBodySource interface {
	// ReadAll reads the whole body; ErrBodyTooLarge beyond the front end's limit.
	ReadAll() ([]byte, error)
	// Stream gives the body as the client sends it; nil when there is none.
	Stream() io.Reader
}

// ErrBodyTooLarge is a request body over the proxy's size limit.
var ErrBodyTooLarge = errors.New("request body too large")

// originalPath is the request target as the client sent it.
func (e *Exchange) originalPath() string { return e.origPath }

// keepHost says whether the upstream gets the request's :authority as its Host: the
// route preserves the client's, or a plugin set one (Kong then treats the request as
// preserve_host, so neither the service nor a balancer target replaces it).
func (e *Exchange) keepHost() bool {
	return e.match.Route.PreserveHost || e.Request.Headers.Value(":authority") != e.origAuthority
}

// Map implements abi.HTTPStream.
func (e *Exchange) Map(t abi.MapType) abi.HeaderMap {
	switch t {
	case abi.MapRequestHeaders:
		return &e.Request.Headers
	case abi.MapResponseHeaders:
		if e.Response.Headers.Len() == 0 {
			if e.earlyResponse.pairs == nil { // no response yet: it has at least :status
				e.earlyResponse.pairs = e.earlyStorage[:0]
			}
			return &e.earlyResponse
		}
		return &e.Response.Headers
	}
	return nil
}

// applyEarlyResponse sets the response headers plugins set before the response
// existed: each name they set replaces that name's fields in the response. Pseudo-
// headers are the gateway's to set.
func (e *Exchange) applyEarlyResponse() {
	early := e.earlyResponse.Pairs()
	if len(early) == 0 {
		return
	}
	h := &e.Response.Headers
	var lengths uint64
	pseudo := false
	for _, kv := range early {
		lengths |= abi.LengthBit(kv[0])
		pseudo = pseudo || strings.HasPrefix(kv[0], ":")
	}
	if !pseudo && !h.holdsAny(lengths, early) {
		// the upstream sent none of these names (rate-limiting's on every request)
		h.pairs = append(h.pairs, early...)
		e.earlyResponse.Reset()
		return
	}
	var room [8]string // rate-limiting sets five names
	names := room[:0]
	for i, kv := range early {
		if !strings.HasPrefix(kv[0], ":") && abi.FirstOfName(early, i) {
			names = append(names, kv[0])
		}
	}
	h.RemoveAny(names) // keys of a header map are lower-case already
	for _, kv := range early {
		if !strings.HasPrefix(kv[0], ":") {
			h.AddLower(kv[0], kv[1])
		}
	}
	e.earlyResponse.Reset()
}

// Buffer implements abi.HTTPStream.
func (e *Exchange) Buffer(t abi.BufferType) abi.Buffer {
	switch t {
	case abi.BufferRequestBody:
		return &e.Request.Body
	case abi.BufferResponseBody:
		return &e.Response.Body
	}
	return nil
}

// SendLocalResponse implements abi.HTTPStream: the first local response wins. The ABI
// calls it after the callback returned, possibly on another goroutine (an HTTP call's
// answer), so it is applied through the inbox.
func (e *Exchange) SendLocalResponse(r abi.LocalResponse) {
	e.box.post(func() {
		if e.local == nil {
			e.local = &r
		}
	})
}

// Consumer is the authenticated consumer, or nil.
func (e *Exchange) Consumer() *store.Consumer { return e.consumer }

// Route is the matched route, or nil.
func (e *Exchange) Route() *store.Route {
	if e.match == nil {
		return nil
	}
	return e.match.Route
}

// Service is the route's service, or nil.
func (e *Exchange) Service() *store.Service { return e.service }

var _ abi.HTTPStream = (*Exchange)(nil)
