// Package proxy is the HTTP/1.1 front end on fasthttp: it turns each request into a
// pipeline.Exchange, runs the pipeline and writes the response back.
package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/deadline"
	"github.com/weir-gateway/weir/host/netaddr"
	"github.com/weir-gateway/weir/host/pipeline"
	"github.com/weir-gateway/weir/host/sockio"
)

// Server serves the proxy listeners.
type Server struct {
	pipeline *pipeline.Pipeline
	srv      *fasthttp.Server
	maxBody  int

	mu     sync.Mutex
	queues []*queue       // listeners ServeListener feeds
	h2     []*http.Server // HTTP/2 servers of those listeners
}

// New makes a server that feeds p. maxBody caps request bodies, in bytes.
func New(p *pipeline.Pipeline, maxBody int) *Server {
	s := &Server{pipeline: p, maxBody: maxBody}
	s.srv = &fasthttp.Server{
		Handler:               s.handle,
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           60 * time.Second,
		MaxRequestBodySize:    maxBody,
		// The body is read once the pipeline knows the route (request_buffering):
		// whole, under maxBody, or streamed (bodySource).
		StreamRequestBody: true,
		ReduceMemoryUsage: false,
		// Plugins see the raw path and query the client sent.
		DisablePreParseMultipartForm: true,
	}
	return s
}

// Serve accepts connections on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.srv.Serve(deadline.Listener{Listener: ln, Under: sockio.Wrap})
}

// Shutdown stops accepting and waits for open requests to finish, HTTP/2 ones
// included, until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	queues, h2 := s.queues, s.h2
	s.mu.Unlock()
	for _, q := range queues {
		q.close()
	}
	var wg sync.WaitGroup
	errs := make([]error, len(h2)+1)
	for i, srv := range h2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = srv.Shutdown(ctx)
		}()
	}
	errs[len(h2)] = s.srv.ShutdownWithContext(ctx)
	wg.Wait()
	return errors.Join(errs...)
}

// pooled is what one request takes from the pool: its exchange and its body source.
type pooled struct {
	e    pipeline.Exchange
	body bodySource
}

var exchanges = sync.Pool{New: func() any { return new(pooled) }}

func (s *Server) handle(ctx *fasthttp.RequestCtx) {
	x := exchanges.Get().(*pooled)
	e := &x.e
	defer func() {
		if e.Async() {
			return // another goroutine may still post to it; let it go
		}
		e.Recycle()
		x.body = bodySource{}
		exchanges.Put(x)
	}()
	if s.tooLarge(ctx) {
		// what fasthttp answers when it reads the body itself
		ctx.Error("Error when parsing request", fasthttp.StatusBadRequest)
		ctx.SetConnectionClose()
		return
	}
	fill(ctx, e)
	body := &x.body
	*body = bodySource{ctx: ctx, limit: s.bodyLimit()}
	e.BodySource = body
	s.pipeline.Serve(ctx, e)
	body.finish()
	if e.Reset() {
		// a plugin closed the stream (proxy_close_stream): drop the connection, as
		// Envoy resets the stream
		ctx.Conn().Close()
		return
	}
	write(ctx, e)
	if t := e.Tunnel(); t != nil {
		if ctx.Response.StatusCode() != fasthttp.StatusSwitchingProtocols {
			t.Conn.Close() // a plugin replaced the 101: nothing to relay
			return
		}
		ctx.Hijack(func(c net.Conn) { relay(c, t) })
	}
}

// bodyLimit is the request body limit fasthttp applies (its default for 0).
func (s *Server) bodyLimit() int {
	if s.maxBody <= 0 {
		return fasthttp.DefaultMaxRequestBodySize
	}
	return s.maxBody
}

// tooLarge: a declared Content-Length over the limit, which fasthttp no longer refuses
// itself since it streams request bodies.
func (s *Server) tooLarge(ctx *fasthttp.RequestCtx) bool {
	return ctx.Request.Header.ContentLength() > s.bodyLimit()
}

// bodySource is the client's request body, left unread by fasthttp
// (StreamRequestBody) until the pipeline asks for it.
type bodySource struct {
	ctx   *fasthttp.RequestCtx
	limit int
	taken bool
	// r counts what is read from a stream, to tell whether it reached its end; it
	// points at reader once the stream is taken
	r      *eofReader
	reader eofReader
}

// ReadAll implements pipeline.RequestBodySource.
func (b *bodySource) ReadAll() ([]byte, error) {
	b.taken = true
	r := b.ctx.RequestBodyStream()
	if r == nil {
		return b.ctx.PostBody(), nil
	}
	body, err := io.ReadAll(io.LimitReader(r, int64(b.limit)+1))
	if err != nil {
		b.ctx.SetConnectionClose()
		return nil, err
	}
	if len(body) > b.limit {
		b.ctx.SetConnectionClose() // the rest is unread
		return nil, pipeline.ErrBodyTooLarge
	}
	return body, nil
}

// Stream implements pipeline.RequestBodySource.
func (b *bodySource) Stream() io.Reader {
	b.taken = true
	r := b.ctx.RequestBodyStream()
	if r == nil || b.ctx.Request.Header.ContentLength() == 0 {
		b.reader = eofReader{eof: true}
		b.r = &b.reader
		return nil
	}
	b.reader = eofReader{r: r}
	b.r = &b.reader
	return b.r
}

// finish runs after the pipeline: a body it never asked for is read (and dropped)
// so the connection can serve the next request, as when fasthttp read it first; one
// streamed but not to its end closes the connection.
func (b *bodySource) finish() {
	if !b.taken {
		if _, err := b.ReadAll(); err != nil {
			b.ctx.SetConnectionClose()
		}
		return
	}
	if b.r != nil && !b.r.eof {
		b.ctx.SetConnectionClose()
	}
}

// eofReader remembers whether its reader reached the end.
type eofReader struct {
	r   io.Reader
	eof bool
}

func (r *eofReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err == io.EOF {
		r.eof = true
	}
	return n, err
}

// relay copies bytes between the client and the upstream of a switched protocol
// until either side closes, then closes both.
func relay(client net.Conn, t *pipeline.Tunnel) {
	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(t.Conn, client)
		done <- struct{}{}
	}()
	go func() {
		_, _ = io.Copy(client, t.Reader)
		done <- struct{}{}
	}()
	<-done
	_ = client.Close()
	_ = t.Conn.Close()
	<-done
}

// gatewayFields is room for the fields the pipeline adds to a request: the
// pseudo-headers, X-Forwarded-*, X-Real-IP, Via, the request id, and an auth plugin's
// X-Consumer-* and X-Credential-Identifier.
const gatewayFields = 18

// fill copies the request's head into e; the body is left to the pipeline
// (Exchange.BodySource).
func fill(ctx *fasthttp.RequestCtx, e *pipeline.Exchange) {
	h := &e.Request.Headers
	e.Scheme = "http"
	if ctx.IsTLS() {
		e.Scheme = "https"
		if st := ctx.TLSConnectionState(); st != nil {
			e.SNI = st.ServerName
			e.TLSVersion, e.TLSCipher = st.Version, st.CipherSuite
		}
	}
	method, uri, host := ctx.Method(), ctx.RequestURI(), ctx.Host()
	if len(uri) > 1 && uri[0] == '/' && uri[1] == '/' {
		// an origin-form target that starts with two slashes names a path, not a host,
		// as nginx reads it; fasthttp's URI takes "//other/x://y" for host "other"
		host = bytes.ToLower(ctx.Request.Header.Host())
	}
	var texts pipeline.Texts
	size, fields := len(method)+len(uri)+len(host), 0
	for _, v := range ctx.Request.Header.All() {
		size, fields = size+len(v), fields+1
	}
	texts.Reserve(size + requestIDLen)
	h.Grow(fields + gatewayFields)
	h.AddLower(":method", texts.Copy(method))
	h.AddLower(":path", texts.Copy(uri))
	h.AddLower(":authority", texts.Copy(host))
	h.AddLower(":scheme", e.Scheme)
	for k, v := range ctx.Request.Header.All() {
		key := abi.HeaderName(k)
		if key == "host" {
			continue
		}
		h.AddLower(key, texts.Copy(v))
	}
	if addr, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		e.ClientIP, e.ClientPort = netaddr.IP(addr), addr.Port
	}
	if addr, ok := ctx.LocalAddr().(*net.TCPAddr); ok {
		e.LocalIP, e.LocalPort = netaddr.IP(addr), addr.Port
	}
	e.ConnID = ctx.ConnID()
	e.ConnRequests = ctx.ConnRequestNum()
	if !ctx.Request.Header.IsHTTP11() {
		e.Protocol = "HTTP/1.0"
	} else {
		e.Upgrade = pipeline.WantsUpgrade(h)
	}
	var id [requestIDLen]byte
	e.ID = texts.Copy(appendRequestID(id[:0]))
}

func write(ctx *fasthttp.RequestCtx, e *pipeline.Exchange) {
	resp := &ctx.Response
	resp.Header.DisableNormalizing() // names are written as abi.AppendWireName makes them
	var nameBuf [64]byte
	for _, kv := range e.Response.Headers.Pairs() {
		switch kv[0] {
		case ":status":
			resp.SetStatusCode(atoi(kv[1]))
		case "content-length", "transfer-encoding":
			// the upstream's connection headers were dropped when its response was
			// read; what remains the gateway or a plugin set (426's Upgrade)
		default:
			if kv[0] == "" || kv[0][0] == ':' {
				continue
			}
			if wire, ok := abi.CommonWireName(kv[0]); ok {
				resp.Header.Add(wire, kv[1]) // fasthttp copies it
			} else {
				resp.Header.AddBytesK(abi.AppendOtherWireName(nameBuf[:0], kv[0]), kv[1])
			}
		}
	}
	if s := e.Response.Body.Stream(); s != nil {
		resp.SetBodyStream(s, -1) // chunked; fasthttp closes s when done
		return
	}
	resp.SetBody(e.Response.Body.Bytes())
}

// requestIDLen is the length of a request id: 32 hex digits, the form of Kong's.
const requestIDLen = 32

// appendRequestID appends a new random request id to b: 16 random bytes in hex.
func appendRequestID(b []byte) []byte {
	var id [requestIDLen]byte
	for i := 0; i < requestIDLen; i += 16 {
		v := rand.Uint64()
		for j := i; j < i+16; j += 2 {
			pair := &hexPairs[byte(v)]
			id[j], id[j+1] = pair[0], pair[1]
			v >>= 8
		}
	}
	return append(b, id[:]...)
}

// hexPairs is each byte's two hex digits: a request id is made on every request, and
// encoding/hex's loop cost more than the random numbers.
var hexPairs = func() (t [256][2]byte) {
	const digits = "0123456789abcdef"
	for i := range t {
		t[i] = [2]byte{digits[i>>4], digits[i&15]}
	}
	return t
}()

// requestID makes a new request id.
func requestID() string {
	var b [requestIDLen]byte
	return string(appendRequestID(b[:0]))
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 502
		}
		n = n*10 + int(c-'0')
	}
	return n
}
