package proxy

import (
	"errors"
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
	if err := s.fillHTTP(r, e); err != nil {
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	s.pipeline.Serve(r.Context(), e)
	if e.Reset() {
		panic(http.ErrAbortHandler) // resets the stream, as Envoy does
	}
	writeHTTP(w, e)
}

func (s *Server) fillHTTP(r *http.Request, e *pipeline.Exchange) error {
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
	if r.Body != nil {
		limit := int64(s.maxBody)
		if limit <= 0 {
			limit = 64 << 20
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
		if err != nil {
			return err
		}
		if int64(len(body)) > limit {
			return errors.New("body too large")
		}
		e.Request.Body.Set(body)
	}
	if ip, port, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		e.ClientIP = ip
		e.ClientPort, _ = strconv.Atoi(port)
	}
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(*net.TCPAddr); ok {
		e.LocalIP, e.LocalPort = addr.IP.String(), addr.Port
	}
	e.ID = requestID()
	return nil
}

// writeHTTP writes the exchange's response; HTTP/2 has no connection-level headers.
func writeHTTP(w http.ResponseWriter, e *pipeline.Exchange) {
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
	if s := e.Response.Body.Stream(); s != nil {
		defer s.Close()
		w.WriteHeader(status)
		flushCopy(w, s)
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
// chunk as the upstream sends it.
func flushCopy(w http.ResponseWriter, r io.Reader) {
	f, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if f != nil {
				f.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}
