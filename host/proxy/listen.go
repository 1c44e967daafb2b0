package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/weir-gateway/weir/host/deadline"
	"github.com/weir-gateway/weir/host/sockio"
)

// handshakeTimeout bounds a TLS handshake or the wait for a connection's first bytes.
const handshakeTimeout = 10 * time.Second

// h2Preface is what an HTTP/2 client with prior knowledge (h2c) sends first.
var h2Preface = []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")

// ListenOptions are a proxy listener's flags.
type ListenOptions struct {
	// TLS, when set, terminates TLS (the ssl flag) with this configuration; its
	// NextProtos are set here.
	TLS *tls.Config
	// HTTP2 serves HTTP/2: negotiated by ALPN over TLS, or h2c with prior knowledge on
	// a plain listener (the http2 flag).
	HTTP2 bool
}

// ServeListener serves ln with its flags: HTTP/1.1 connections go to the fasthttp
// front end, HTTP/2 ones to net/http's server, and both feed the same pipeline. It
// returns when ln is closed.
func (s *Server) ServeListener(ln net.Listener, o ListenOptions) error {
	if o.TLS == nil && !o.HTTP2 {
		return s.Serve(ln)
	}
	h1 := newQueue(ln.Addr())
	h2 := newQueue(ln.Addr())
	srv := s.http2Server(o.TLS == nil)
	s.mu.Lock()
	s.queues = append(s.queues, h1, h2)
	s.h2 = append(s.h2, srv)
	s.mu.Unlock()
	go func() { _ = s.srv.Serve(h1) }()
	go func() { _ = srv.Serve(h2) }()
	var cfg *tls.Config
	if o.TLS != nil {
		cfg = o.TLS.Clone()
		cfg.NextProtos = []string{"http/1.1"}
		if o.HTTP2 {
			cfg.NextProtos = []string{"h2", "http/1.1"}
		}
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			h1.close()
			h2.close()
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("accept on %s: %w", ln.Addr(), err)
		}
		go dispatch(conn, cfg, o.HTTP2, h1, h2)
	}
}

// dispatch finishes the TLS handshake, or looks for the h2c preface, and hands the
// connection to the server for its protocol.
//
// An HTTP/1.1 connection's deadlines move in coarse steps (host/deadline), beneath
// TLS; an HTTP/2 connection's are set from several goroutines and stay exact. Either
// reads and writes its socket directly (host/sockio).
func dispatch(raw net.Conn, cfg *tls.Config, http2 bool, h1, h2 *queue) {
	conn := deadline.WrapExact(sockio.Wrap(raw))
	_ = conn.SetDeadline(time.Now().Add(handshakeTimeout))
	if cfg != nil {
		tc := tls.Server(conn, cfg)
		if err := tc.HandshakeContext(context.Background()); err != nil {
			_ = conn.Close()
			return
		}
		_ = conn.SetDeadline(time.Time{})
		if tc.ConnectionState().NegotiatedProtocol == "h2" {
			h2.put(tc)
		} else {
			conn.Coarse()
			h1.put(tc)
		}
		return
	}
	pc := &peekedConn{Conn: conn, r: bufio.NewReaderSize(conn, 4096)}
	isH2 := http2 && hasPreface(pc.r)
	_ = conn.SetDeadline(time.Time{})
	if isH2 {
		h2.put(pc)
	} else {
		conn.Coarse()
		h1.put(pc)
	}
}

// hasPreface peeks one byte at a time and stops at the first that differs from the
// HTTP/2 preface, so a short HTTP/1.x request is not held waiting for 24 bytes.
func hasPreface(r *bufio.Reader) bool {
	for i := 1; i <= len(h2Preface); i++ {
		b, err := r.Peek(i)
		if err != nil || b[i-1] != h2Preface[i-1] {
			return false
		}
	}
	return true
}

// peekedConn replays the bytes read while sniffing.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// queue is a net.Listener fed with connections accepted elsewhere.
type queue struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newQueue(addr net.Addr) *queue {
	return &queue{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (q *queue) put(c net.Conn) {
	select {
	case q.ch <- c:
	case <-q.done:
		_ = c.Close()
	}
}

func (q *queue) Accept() (net.Conn, error) {
	select {
	case c := <-q.ch:
		return c, nil
	case <-q.done:
		return nil, net.ErrClosed
	}
}

func (q *queue) close() { q.once.Do(func() { close(q.done) }) }

func (q *queue) Close() error   { q.close(); return nil }
func (q *queue) Addr() net.Addr { return q.addr }

var _ net.Listener = (*queue)(nil)

// http2Server is net/http's server for HTTP/2 connections: over TLS (ALPN h2), or
// h2c with prior knowledge on a plain listener.
func (s *Server) http2Server(cleartext bool) *http.Server {
	srv := &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 60 * time.Second, IdleTimeout: 60 * time.Second}
	srv.Protocols = new(http.Protocols)
	if cleartext {
		srv.Protocols.SetUnencryptedHTTP2(true)
	} else {
		srv.Protocols.SetHTTP2(true)
	}
	return srv
}
