package proxy

import (
	crand "crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/weir-gateway/weir/host/pipeline"
)

// serveHTTP is the net/http front end (HTTP/2 and h2c): the same exchange as the
// fasthttp one, filled from a net/http request.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	e := &pipeline.Exchange{}
	s.fillHTTP(r, e)
	websocket := isExtendedConnect(r)
	switch {
	case websocket:
		// the stream's data is the tunnel's, not a body
		toUpgrade(e)
	case r.ContentLength > int64(s.bodyLimit()):
		// refused before the pipeline, as the fasthttp front end does
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	default:
		e.BodySource = &h2Body{r: r, limit: s.bodyLimit()}
	}
	s.pipeline.Serve(r.Context(), e)
	if e.Reset() {
		if t := e.Tunnel(); t != nil {
			_ = t.Conn.Close()
		}
		panic(http.ErrAbortHandler) // resets the stream, as Envoy does
	}
	if t := e.Tunnel(); t != nil {
		if e.Response.Headers.Value(":status") != "101" {
			_ = t.Conn.Close() // a plugin replaced the 101: nothing to relay
			writeHTTP(w, e)
			return
		}
		// RFC 8441: the tunnel opens with a 200 on the CONNECT stream, which has no
		// length and no Sec-WebSocket-Accept
		headHTTP(w, e)
		w.Header().Del("Sec-Websocket-Accept")
		w.WriteHeader(http.StatusOK)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		relayH2(w, r, t)
		return
	}
	writeHTTP(w, e)
}

// headHTTP copies the response's headers to w, but for the connection-level ones, and
// returns its status.
func headHTTP(w http.ResponseWriter, e *pipeline.Exchange) int {
	status := 502
	out := w.Header()
	for _, kv := range e.Response.Headers.Pairs() {
		switch kv[0] {
		case ":status":
			status = atoi(kv[1])
		case "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "proxy-connection":
		default:
			if kv[0] != "" && kv[0][0] != ':' {
				out.Add(kv[0], kv[1])
			}
		}
	}
	return status
}

// isExtendedConnect: an RFC 8441 WebSocket bootstrap, CONNECT with :protocol
// websocket. net/http's server accepts one only when it advertises
// SETTINGS_ENABLE_CONNECT_PROTOCOL, which Go (1.26) does when the process starts with
// GODEBUG=http2xconnect=1 (the weir command sets it: cmd/weir/internal/xconnect);
// otherwise it resets such a stream itself.
func isExtendedConnect(r *http.Request) bool {
	return r.Method == http.MethodConnect && strings.EqualFold(r.Header.Get(":protocol"), "websocket")
}

// toUpgrade turns an extended CONNECT into the HTTP/1.1 upgrade the upstream gets, as
// Envoy does: GET with Upgrade: websocket (the pipeline sets the connection headers),
// and a Sec-WebSocket-Key, which RFC 8441 leaves out but RFC 6455 servers require.
func toUpgrade(e *pipeline.Exchange) {
	h := &e.Request.Headers
	h.Set(":method", http.MethodGet)
	h.Remove(":protocol")
	if _, ok := h.Get("sec-websocket-key"); !ok {
		var key [16]byte
		_, _ = crand.Read(key[:])
		h.Set("sec-websocket-key", base64.StdEncoding.EncodeToString(key[:]))
	}
	e.Upgrade = true
}

// relayH2 copies the tunnel's bytes both ways over the CONNECT stream until either
// side ends, then closes both.
func relayH2(w http.ResponseWriter, r *http.Request, t *pipeline.Tunnel) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(t.Conn, r.Body)
		_ = t.Conn.Close() // the client ended its stream: the upstream's read ends too
	}()
	flushCopy(w, t.Reader)
	_ = t.Conn.Close()
	_ = r.Body.Close() // unblocks the client-side copy
	<-done
}

// fillHTTP copies the request's head into e; the body is left to the pipeline
// (Exchange.BodySource), read whole or streamed once the route is known.
func (s *Server) fillHTTP(r *http.Request, e *pipeline.Exchange) {
	h := &e.Request.Headers
	e.Scheme = "http"
	if r.TLS != nil {
		e.Scheme = "https"
		e.SNI = r.TLS.ServerName
		e.TLSVersion, e.TLSCipher = r.TLS.Version, r.TLS.CipherSuite
	}
	e.Protocol = "HTTP/2"
	if r.ProtoMajor < 2 {
		e.Protocol = r.Proto
	}
	h.Add(":method", r.Method)
	h.Add(":path", r.RequestURI)
	h.Add(":authority", r.Host)
	h.Add(":scheme", e.Scheme)
	for k, vs := range r.Header {
		key := strings.ToLower(k)
		for _, v := range vs {
			h.Add(key, v)
		}
	}
	if ip, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		e.ClientIP = ip
		e.ClientPort, _ = strconv.Atoi(port)
	}
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr); ok {
		e.LocalIP, e.LocalPort = addr.IP.String(), addr.Port
	}
	e.ID = requestID()
}

// h2Body is an HTTP/2 request's body, left unread until the pipeline asks for it.
type h2Body struct {
	r     *http.Request
	limit int
}

// hasBody: the client's HEADERS frame did not end the stream.
func (b *h2Body) hasBody() bool {
	return b.r.Body != nil && b.r.Body != http.NoBody && b.r.ContentLength != 0
}

// ReadAll implements pipeline.RequestBodySource.
func (b *h2Body) ReadAll() ([]byte, error) {
	if !b.hasBody() {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(b.r.Body, int64(b.limit)+1))
	if err != nil {
		return nil, err
	}
	if len(body) > b.limit {
		return nil, pipeline.ErrBodyTooLarge
	}
	return body, nil
}

// Stream implements pipeline.RequestBodySource: the frames' data as they arrive.
func (b *h2Body) Stream() io.Reader {
	if !b.hasBody() {
		return nil
	}
	return b.r.Body
}

// writeHTTP writes the exchange's response; HTTP/2 has no connection-level headers.
func writeHTTP(w http.ResponseWriter, e *pipeline.Exchange) {
	status := headHTTP(w, e)
	out := w.Header()
	if s := e.Response.Body.Stream(); s != nil {
		defer s.Close()
		w.WriteHeader(status)
		// the head goes out now: a streaming call's upstream may send its first
		// message much later
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		if !flushCopy(w, s) {
			// the upstream's stream broke: the client must not take the cut body
			// for a complete one (no trailers, no clean end)
			panic(http.ErrAbortHandler)
		}
		// the trailers (gRPC's grpc-status) are known once the body ended
		for _, kv := range e.Response.Trailers.Pairs() {
			out.Add(http.TrailerPrefix+kv[0], kv[1])
		}
		return
	}
	body := e.Response.Body.Bytes()
	trailers := e.Response.Trailers.Pairs()
	if len(trailers) == 0 && status != http.StatusNoContent && status != http.StatusNotModified {
		out.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	for _, kv := range trailers {
		out.Add(http.TrailerPrefix+kv[0], kv[1])
	}
}

// flushCopy copies a streamed body, flushing after every read so the client gets each
// chunk as the upstream sends it. It reports whether the body reached its end.
func flushCopy(w http.ResponseWriter, r io.Reader) bool {
	f, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return true // the client went away: nothing more to tell it
			}
			if f != nil {
				f.Flush()
			}
		}
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}
