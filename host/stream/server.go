// Package stream is weir's TCP proxy, Kong's stream subsystem: it accepts connections
// on stream_listen, terminates TLS on ssl listeners (or peeks at the ClientHello's
// server name for tls_passthrough routes), matches the connection to a stream route of
// the current snapshot, connects to the route's service and relays bytes both ways
// through the proxy-wasm L4 (network) filters enabled on that route or service.
package stream

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weir-gateway/weir/host/snapshot"
)

// Timeouts that are not the service's.
const (
	// HandshakeTimeout bounds the TLS handshake of an ssl listener (nginx's
	// ssl_handshake_timeout is 60 s; a client that has not finished in 30 s is gone).
	HandshakeTimeout = 30 * time.Second
	// PeekTimeout is how long a connection on a listener without ssl is given to send
	// its first bytes when tls_passthrough routes exist; a client that stays silent
	// (a server-speaks-first protocol) is routed as plain tcp after it.
	PeekTimeout = 2 * time.Second
	// PauseTimeout bounds how long a plugin may hold a connection's data (or its start)
	// before the connection is closed, as the HTTP pipeline bounds a paused request.
	PauseTimeout = 60 * time.Second
)

// Options configure a Server.
type Options struct {
	// Snapshot returns the current configuration; each connection keeps the one it was
	// routed on.
	Snapshot func() *snapshot.Snapshot
	Logger   *slog.Logger
	// TLS is the configuration of ssl listeners (certificates by SNI, as the HTTP
	// proxy's); nil refuses ssl listeners.
	TLS *tls.Config
	// NodeID is answered as the node.id property.
	NodeID string
}

// Server runs stream listeners.
type Server struct {
	opts    Options
	nextID  atomic.Uint64
	mu      sync.Mutex
	lns     map[net.Listener]bool
	conns   map[*session]bool
	closing bool
	wg      sync.WaitGroup
}

// ErrServerClosed is what Serve returns after Shutdown.
var ErrServerClosed = errors.New("stream: server closed")

// New makes a Server.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Server{opts: opts, lns: map[net.Listener]bool{}, conns: map[*session]bool{}}
}

// Serve accepts connections on ln until Shutdown (then it returns nil). ssl makes the
// listener terminate TLS (Kong's `ssl` flag on stream_listen): routes see protocol tls;
// otherwise they see tcp, or tls_passthrough for a ClientHello whose SNI a
// tls_passthrough route names.
func (s *Server) Serve(ln net.Listener, ssl bool) error {
	if ssl && s.opts.TLS == nil {
		return errors.New("stream: ssl listener without a TLS configuration")
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.lns[ln] = true
	s.mu.Unlock()
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.isClosing() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		sess := s.newSession(c, ssl)
		if sess == nil {
			c.Close()
			return nil
		}
		go sess.run()
	}
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// newSession registers a connection, or returns nil once the server is closing.
func (s *Server) newSession(c net.Conn, ssl bool) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil
	}
	sess := newSession(s, c, ssl, s.nextID.Add(1))
	s.conns[sess] = true
	s.wg.Add(1)
	return sess
}

func (s *Server) done(sess *session) {
	s.mu.Lock()
	delete(s.conns, sess)
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown stops accepting, lets open connections finish until ctx ends, then closes
// the ones left. It returns ctx's error when it had to cut connections.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for ln := range s.lns {
		ln.Close()
	}
	s.mu.Unlock()
	idle := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(idle)
	}()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	for sess := range s.conns {
		sess.abort()
	}
	s.mu.Unlock()
	<-idle
	return ctx.Err()
}

// Open is the number of connections being proxied.
func (s *Server) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
