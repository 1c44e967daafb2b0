// Package upstream sends requests to services, keeping one connection pool per service
// address and timeouts: over HTTP/1.1 with its own client for plain-HTTP buffered
// exchanges (h1.go) and with fasthttp for TLS and streamed ones, over HTTP/2 for gRPC.
package upstream

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/deadline"
	"github.com/weir-gateway/weir/host/netaddr"
	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/host/sockio"
	"github.com/weir-gateway/weir/store"
)

// Client is the pipeline's Upstream on fasthttp.
type Client struct {
	keepalive Keepalive
	mu        sync.RWMutex
	clients   map[poolKey]*fasthttp.HostClient
	// h1 are weir's own HTTP/1.1 clients, for plain-HTTP buffered exchanges (h1.go).
	h1 map[poolKey]*h1Pool
	// h2 are the HTTP/2 clients of gRPC services.
	h2 map[poolKey]*http.Transport
}

// poolKey is what makes two services share a connection pool: same address, scheme
// and timeouts.
type poolKey struct {
	addr                 string
	tls                  bool
	connect, read, write int
	retries              int
	stream               bool
	// tlsKey names the TLS settings (snapshot.UpstreamTLS.Key); "" for the defaults.
	tlsKey string
}

// Keepalive is how connections to services are kept between requests: Kong's
// upstream_keepalive_pool_size, upstream_keepalive_max_requests and
// upstream_keepalive_idle_timeout.
type Keepalive struct {
	// PoolSize is how many idle connections wait per service address; 0 keeps none.
	PoolSize int
	// MaxRequests is how many requests a connection carries before it is closed; 0
	// for no limit.
	MaxRequests int
	// IdleTimeout closes a connection idle that long; 0 for no limit.
	IdleTimeout time.Duration
}

// DefaultKeepalive is Kong's defaults.
var DefaultKeepalive = Keepalive{PoolSize: 512, MaxRequests: 10000, IdleTimeout: 60 * time.Second}

// New makes a client with no pools yet, keeping connections as Kong does by default.
func New() *Client { return NewWithKeepalive(DefaultKeepalive) }

// NewWithKeepalive makes a client with no pools yet that keeps connections as k says.
// The request limit holds for plain-HTTP services' buffered exchanges (h1.go), not for
// TLS or streamed ones, whose client has none.
func NewWithKeepalive(k Keepalive) *Client {
	return &Client{keepalive: k, clients: map[poolKey]*fasthttp.HostClient{}, h1: map[poolKey]*h1Pool{},
		h2: map[poolKey]*http.Transport{}}
}

// Do implements pipeline.Upstream.
func (c *Client) Do(ctx context.Context, svc *store.Service, req *pipeline.UpstreamRequest, resp *pipeline.Message) error {
	if isGRPC(svc) {
		return c.doHTTP2(ctx, svc, req, resp)
	}
	key, tlsCfg := c.poolKey(svc, req)
	if !key.tls && !key.stream && req.BodyStream == nil {
		if err := c.h1Pool(key).do(req, resp); err != nil {
			return failed(key.addr, err)
		}
		return nil
	}
	hc := c.hostClient(key, tlsCfg)
	freq := fasthttp.AcquireRequest()
	fresp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(freq)
	streaming := false
	defer func() {
		if !streaming { // a streamed response is released when its body is closed
			fasthttp.ReleaseResponse(fresp)
		}
	}()

	freq.Header.SetMethod(req.Method)
	setTarget(freq, req.Path, hc.IsTLS)
	freq.Header.SetHost(req.Host)
	if c.keepalive.PoolSize == 0 {
		freq.SetConnectionClose() // keep-alive is off
	}
	freq.Header.DisableNormalizing() // names are written as abi.AppendWireName makes them
	var nameBuf [64]byte
	for _, kv := range req.Headers.Pairs() {
		if kv[0] == "" || kv[0][0] == ':' || kv[0] == "host" || kv[0] == "content-length" {
			continue
		}
		freq.Header.AddBytesK(abi.AppendWireName(nameBuf[:0], kv[0]), kv[1])
	}
	if req.BodyStream != nil {
		freq.SetBodyStream(req.BodyStream, -1) // chunked, as the client's body arrives
	} else {
		freq.SetBodyRaw(req.Body)
	}
	if err := hc.Do(freq, fresp); err != nil {
		return failed(hc.Addr, err)
	}
	req.RemoteAddr, req.LocalAddr = netaddr.String(fresp.RemoteAddr()), netaddr.String(fresp.LocalAddr())
	copyHeaders(fresp, resp)
	s := fresp.BodyStream()
	if s == nil { // no body (HEAD, 204, 304)
		resp.Body.Set(nil)
		return nil
	}
	streaming = true // released by the stream's Close
	sb := &streamBody{r: s, resp: fresp, declared: int64(fresp.Header.ContentLength())}
	if key.stream {
		resp.Body.SetStream(sb)
		return nil
	}
	body, err := io.ReadAll(sb) // room made as the bytes arrive
	if cerr := sb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return failed(hc.Addr, fmt.Errorf("read the response body: %w", err))
	}
	resp.Body.Set(body)
	return nil
}

// bodyAtOnce is the largest response body fasthttp's client reads before handing the
// response over; a longer one, or one of unknown length, is read from its stream.
// fasthttp reads a body it buffers into room of the length the service declares (in
// the whole, or per chunk), so a huge declared length would panic the gateway or
// exhaust its memory.
const bodyAtOnce = 64 << 10

// setTarget gives freq its request target (path and query, sent as they are) by parts:
// a target set with SetRequestURI is parsed again by the client, its Host validated,
// on every request. The Host header is sent as set, not taken from the URI; the
// scheme only tells fasthttp the request is meant for a TLS client.
func setTarget(freq *fasthttp.Request, target string, tls bool) {
	u := freq.URI()
	u.DisablePathNormalizing = true
	path, query, _ := strings.Cut(target, "?")
	u.SetPath(path)
	u.SetQueryString(query)
	if tls {
		u.SetScheme("https")
	}
	freq.UseHostHeader = true
}

// streamBody is an upstream response's body read as the client takes it.
type streamBody struct {
	r    io.Reader
	resp *fasthttp.Response
	// declared is the Content-Length, negative for none; read counts the bytes read.
	declared, read int64
	// ended is set once the body was read to its end.
	ended bool
}

// Read reads from fasthttp's body stream, which ends a body cut short by the
// connection's close as if it were whole: that is io.ErrUnexpectedEOF here.
func (s *streamBody) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.read += int64(n)
	if errors.Is(err, io.EOF) {
		if s.declared >= 0 && s.read < s.declared {
			return n, io.ErrUnexpectedEOF
		}
		s.ended = true
	}
	return n, err
}

// errBodyLeft closes the connection of a response whose body was not read to its end.
var errBodyLeft = errors.New("response body not read to its end")

// Close ends the stream, once. A body read to its end gives its connection back to
// the pool and the response to fasthttp's; otherwise the connection, whose next bytes
// are the rest of this body, is closed, and the response left to the collector
// (releasing it would close the stream a second time).
func (s *streamBody) Close() error {
	if s.resp == nil {
		return nil
	}
	resp := s.resp
	s.resp = nil
	if cr, ok := s.r.(fasthttp.ReadCloserWithError); ok && !s.ended {
		return cr.CloseWithError(errBodyLeft)
	}
	err := resp.CloseBodyStream()
	fasthttp.ReleaseResponse(resp)
	return err
}

func copyHeaders(from *fasthttp.Response, to *pipeline.Message) {
	h := &to.Headers
	h.Reset()
	h.AddLower(":status", pipeline.StatusText(from.StatusCode()))
	var texts pipeline.Texts
	size, fields := 0, 0
	for _, v := range from.Header.All() {
		size, fields = size+len(v), fields+1
	}
	texts.Reserve(size)
	h.Grow(fields + 8) // :status and the gateway's response headers (latencies, Via, ...)
	for k, v := range from.Header.All() {
		switch string(k) {
		case "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive":
			continue
		}
		h.AddLower(abi.HeaderName(k), texts.Copy(v))
	}
}

// failed is an exchange's error with the service address, a timeout marked
// ErrUpstreamTimeout (the pipeline's 504).
func failed(addr string, err error) error {
	if isTimeout(err) {
		return fmt.Errorf("%s: %w: %w", addr, pipeline.ErrUpstreamTimeout, err)
	}
	return fmt.Errorf("%s: %w", addr, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) ||
		errors.As(err, &ne) && ne.Timeout()
}

// poolKey is the pool svc's request goes through, with the TLS settings of its
// connections.
func (c *Client) poolKey(svc *store.Service, req *pipeline.UpstreamRequest) (poolKey, *tls.Config) {
	addr := req.Addr
	if addr == "" {
		addr = net.JoinHostPort(svc.Host, strconv.Itoa(svc.Port))
	}
	retries := svc.Retries
	if req.NoRetry {
		retries = 0
	}
	key := poolKey{
		addr:    addr,
		tls:     svc.Protocol == "https",
		connect: svc.ConnectTimeout, read: svc.ReadTimeout, write: svc.WriteTimeout,
		retries: retries,
		stream:  req.Stream,
	}
	var tlsCfg *tls.Config
	if req.TLS != nil {
		key.tlsKey, tlsCfg = req.TLS.Key, req.TLS.Config
	}
	return key, tlsCfg
}

// hostClient is fasthttp's client of key's pool.
func (c *Client) hostClient(key poolKey, tlsCfg *tls.Config) *fasthttp.HostClient {
	key.stream = false // every HostClient streams (bodyAtOnce): one pool serves both
	return pooled(c, c.clients, key, tlsCfg, newHostClient)
}

// h1Pool is weir's own HTTP/1.1 client of key's pool (h1.go).
func (c *Client) h1Pool(key poolKey) *h1Pool {
	return pooled(c, c.h1, key, nil, newH1Pool)
}

// pooled is pools[key], made by create on first use; after that a read lock
// suffices. create takes no closure, which would be allocated on every request.
func pooled[P any](c *Client, pools map[poolKey]P, key poolKey, tlsCfg *tls.Config, create func(poolKey, Keepalive, *tls.Config) P) P {
	c.mu.RLock()
	p, ok := pools[key]
	c.mu.RUnlock()
	if ok {
		return p
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok = pools[key]; !ok {
		p = create(key, c.keepalive, tlsCfg)
		pools[key] = p
	}
	return p
}

// dialer connects to a service address within connect, the connection's deadlines
// made cheap (host/deadline) and its reads and writes direct (host/sockio); a failure
// is ErrUpstreamConnect.
func dialer(connect time.Duration) func(addr string) (net.Conn, error) {
	return func(addr string) (net.Conn, error) {
		conn, err := fasthttp.DialTimeout(addr, connect)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", pipeline.ErrUpstreamConnect, err)
		}
		return deadline.Wrap(sockio.Wrap(conn)), nil
	}
}

func newHostClient(k poolKey, ka Keepalive, tlsCfg *tls.Config) *fasthttp.HostClient {
	idle := ka.IdleTimeout
	if idle <= 0 {
		idle = 100 * 365 * 24 * time.Hour // fasthttp reads 0 as its own default, 10 s
	}
	if tlsCfg == nil {
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return &fasthttp.HostClient{
		Addr:                      k.addr,
		IsTLS:                     k.tls,
		TLSConfig:                 tlsCfg,
		Dial:                      dialer(millis(k.connect)),
		ReadTimeout:               millis(k.read),
		WriteTimeout:              millis(k.write),
		MaxIdleConnDuration:       idle,
		MaxConns:                  4096,
		MaxIdemponentCallAttempts: k.retries + 1,
		NoDefaultUserAgentHeader:  true,
		StreamResponseBody:        true, // see bodyAtOnce
		MaxResponseBodySize:       bodyAtOnce,
		DisablePathNormalizing:    true,
	}
}

func millis(ms int) time.Duration {
	if ms <= 0 {
		ms = 60000
	}
	return time.Duration(ms) * time.Millisecond
}

var _ pipeline.Upstream = (*Client)(nil)
