package stream

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/balancer"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/host/streamrouter"
	"github.com/weir-gateway/weir/host/wasmpool"
	"github.com/weir-gateway/weir/store"
)

// Directions of a connection, indexed as the ABI's stream types minus 2.
const (
	downstream = 0 // client to upstream: DOWNSTREAM_DATA
	upstream   = 1 // upstream to client: UPSTREAM_DATA
)

// chunkSize is the most read from one side at a time.
const chunkSize = 32 << 10

// session is one proxied connection.
type session struct {
	srv  *Server
	id   uint64
	ssl  bool
	ctx  context.Context
	stop context.CancelFunc

	down net.Conn // the client connection (TLS terminated on ssl listeners)
	up   net.Conn // the upstream connection, once made
	// raw is the accepted connection under down; upRaw the upstream's (set under mu),
	// which abort closes from any goroutine.
	raw, upRaw net.Conn

	snap     *snapshot.Snapshot
	route    *store.Route
	service  *store.Service
	protocol string
	sni      string
	tlsVer   uint16
	src, dst netip.AddrPort
	upAddr   string
	upLocal  string

	filters []*filter
	dirs    [2]*direction
	// resumed is signalled when a plugin continues the downstream while the
	// connection's start is paused.
	resumed  chan struct{}
	starting atomic.Bool

	// mu guards the buffers the plugins see and the properties they store.
	mu        sync.Mutex
	props     map[string][]byte
	propBytes int

	closeOnce  sync.Once
	closed     chan struct{}
	lastActive atomic.Int64
	started    time.Time
	// sent counts the bytes written to each side: to the upstream (downstream data)
	// and to the client (upstream data).
	sent [2]atomic.Int64
	// closeCalled records which close callbacks ran, by direction.
	closeCalled [2]bool
}

// filter is one plugin's network context on this connection.
type filter struct {
	plugin *snapshot.Plugin
	nc     *abi.NetworkContext
	lease  wasmpool.Lease
	// skipped is set when a fail-open plugin failed: it sits out the rest of the
	// connection. Both directions read it.
	skipped atomic.Bool
}

// direction is one way bytes flow. Its mutex serializes the plugin iteration, so data
// reaches the other side in order whichever goroutine (the reader, or a plugin's
// continue) moves it on.
type direction struct {
	mu sync.Mutex
	// buf is the data the plugins see (DOWNSTREAM_DATA or UPSTREAM_DATA): the chunk
	// being filtered, or everything held since a plugin paused.
	buf []byte
	eos bool
	// paused is the index (in this direction's order) of the plugin that paused, or -1.
	paused   int
	pausedAt time.Time
	// flushed is closed when the end of stream went out (or the session closed).
	flushed  chan struct{}
	finished bool
}

func newSession(srv *Server, c net.Conn, ssl bool, id uint64) *session {
	ctx, stop := context.WithCancel(context.Background())
	s := &session{srv: srv, id: id, ssl: ssl, ctx: ctx, stop: stop, down: c, raw: c,
		closed: make(chan struct{}), resumed: make(chan struct{}, 1)}
	for i := range s.dirs {
		s.dirs[i] = &direction{paused: -1, flushed: make(chan struct{})}
	}
	s.started = time.Now()
	s.src = addrPort(c.RemoteAddr())
	s.dst = addrPort(c.LocalAddr())
	s.touch()
	return s
}

func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

func (s *session) touch() { s.lastActive.Store(time.Now().UnixNano()) }

func (s *session) log() *sessionLog { return &sessionLog{s} }

// run handles the connection from accept to close.
func (s *session) run() {
	defer s.srv.done(s)
	defer s.finish()
	if err := s.accept(); err != nil {
		s.log().debug("stream connection not proxied", "error", err)
		return
	}
	if !s.open() {
		return
	}
	if !s.start() {
		return
	}
	if err := s.connect(); err != nil {
		s.log().warn("stream upstream connection failed", "error", err)
		return
	}
	s.pump()
	s.log().debug("stream session ended", "service_id", s.service.ID, "protocol", s.protocol,
		"bytes_to_upstream", s.sent[downstream].Load(), "bytes_to_client", s.sent[upstream].Load(),
		"duration_ms", time.Since(s.started).Milliseconds())
}

// accept does the TLS side (termination or peek) and routes the connection.
func (s *session) accept() error {
	s.snap = s.srv.opts.Snapshot()
	if s.snap == nil {
		return errors.New("no configuration")
	}
	s.protocol = streamrouter.TCP
	switch {
	case s.ssl:
		tc := tls.Server(s.down, s.srv.opts.TLS)
		_ = s.down.SetDeadline(time.Now().Add(HandshakeTimeout))
		if err := tc.HandshakeContext(s.ctx); err != nil {
			return fmt.Errorf("tls handshake: %w", err)
		}
		_ = s.down.SetDeadline(time.Time{})
		st := tc.ConnectionState()
		s.down, s.protocol, s.sni, s.tlsVer = tc, streamrouter.TLS, st.ServerName, st.Version
	case s.snap.StreamRouter.HasPassthrough():
		pc, sni := peekSNI(s.down, PeekTimeout)
		s.down = pc
		if sni != "" {
			s.sni = sni
			req := streamrouter.Request{Protocol: streamrouter.TLSPassthrough, Source: s.src, Destination: s.dst, SNI: sni}
			if r := s.snap.StreamRouter.Match(req); r != nil {
				s.protocol, s.route = streamrouter.TLSPassthrough, r
			}
		}
	}
	if s.route == nil {
		s.route = s.snap.StreamRouter.Match(streamrouter.Request{Protocol: s.protocol, Source: s.src, Destination: s.dst, SNI: s.sni})
	}
	if s.route == nil {
		return fmt.Errorf("no stream route matched (protocol %s, source %s, destination %s, sni %q)", s.protocol, s.src, s.dst, s.sni)
	}
	if s.route.Service != nil {
		s.service = s.snap.Service(s.route.Service.ID)
	}
	if s.service == nil {
		return fmt.Errorf("route %s has no service", s.route.ID)
	}
	return nil
}

// open gives the connection a network context of every plugin that runs on it, in
// priority order, with Kong's precedence (route+service, route, service, global; no
// consumer on streams).
func (s *session) open() bool {
	for _, name := range s.snap.PluginNames() {
		p := s.snap.Resolve(name, s.route.ID, s.service.ID, "")
		if p == nil || !p.RunsOn(s.protocol) || !p.Pool.Module().HandlesNetwork() {
			continue
		}
		nc, lease, err := p.Pool.Pick().OpenNetwork(s.ctx, &p.Root, s)
		if err != nil {
			if s.failed(p, "plugin could not start", err) {
				continue
			}
			return false
		}
		s.filters = append(s.filters, &filter{plugin: p, nc: nc, lease: lease})
	}
	return true
}

// failed logs a plugin failure and says whether the connection goes on without the
// plugin (it fails open); otherwise the connection is closed.
func (s *session) failed(p *snapshot.Plugin, what string, err error) (goOn bool) {
	if p.FailOpen {
		s.log().warn(what+"; skipped (fail open)", "plugin", p.Entity.Name, "plugin_id", p.Entity.ID, "error", err)
		return true
	}
	s.log().error(what+"; closing the connection", "plugin", p.Entity.Name, "plugin_id", p.Entity.ID, "error", err)
	return false
}

// start runs proxy_on_new_connection through the plugins. A plugin that pauses holds
// the connection (nothing is read, no upstream connection made) until it continues the
// downstream, up to PauseTimeout.
func (s *session) start() bool {
	s.starting.Store(true)
	defer s.starting.Store(false)
	for _, f := range s.filters {
		if f.skipped.Load() {
			continue
		}
		action, err := f.nc.OnNewConnection(s.ctx)
		if err != nil {
			if s.failed(f.plugin, "plugin failed", err) {
				f.skipped.Store(true)
				continue
			}
			return false
		}
		if s.isClosed() {
			return false
		}
		if action == abi.ActionPause {
			select {
			case <-s.resumed:
			case <-s.closed:
				return false
			case <-time.After(PauseTimeout):
				s.log().error("plugin paused the connection and did not resume it; closing", "plugin", f.plugin.Entity.Name)
				return false
			}
		}
	}
	return true
}

// connect dials the service: its host, or a target of the upstream it names, trying
// other targets on a failed connect up to the service's retries; TLS for tls services.
func (s *session) connect() error {
	svc := s.service
	timeout := ms(svc.ConnectTimeout)
	b := s.snap.Balancer(svc.Host)
	var err error
	if b == nil {
		s.up, err = s.dial(net.JoinHostPort(svc.Host, strconv.Itoa(svc.Port)), timeout)
		return err
	}

	var tried []*balancer.Target
	for attempt := 0; attempt <= svc.Retries; attempt++ {
		t, perr := b.Pick(s.src.Addr().String(), tried)
		if perr != nil {
			if err != nil {
				return err
			}
			return perr
		}
		tried = append(tried, t)
		b.Start(t)
		start := time.Now()
		s.up, err = s.dial(t.Addr, timeout)
		if err == nil {
			b.Done(t, balancer.HTTPStatus, 200, time.Since(start))
			return nil
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			b.Done(t, balancer.Timeout, 0, time.Since(start))
		} else {
			b.Done(t, balancer.TCPFailure, 0, time.Since(start))
		}
		s.log().info("upstream target failed", "upstream", b.Upstream.Name, "target", t.Addr, "attempt", attempt+1, "error", err)
	}
	return err
}

func (s *session) dial(addr string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.isClosed() {
		s.mu.Unlock()
		c.Close()
		return nil, errClosed
	}
	s.upRaw = c
	s.mu.Unlock()
	if t := s.snap.UpstreamTLS(s.service.ID); t != nil && s.service.Protocol == "tls" {
		tc := tls.Client(c, t.Config.Clone())
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("tls handshake with %s: %w", addr, err)
		}
		c = tc
	}
	s.mu.Lock()
	s.upAddr, s.upLocal = c.RemoteAddr().String(), c.LocalAddr().String()
	s.mu.Unlock()
	return c, nil
}

// pump relays both directions until both ended or the connection closed.
func (s *session) pump() {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.relay(downstream, s.down) }()
	go func() { defer wg.Done(); s.relay(upstream, s.up) }()
	wg.Wait()
}

// relay reads one side and feeds the plugins of that direction until the side ends.
// A read that times out ends the connection only when neither side moved for the
// service's read_timeout (nginx's proxy_timeout is an idle timeout).
func (s *session) relay(d int, from net.Conn) {
	timeout := ms(s.service.ReadTimeout)
	buf := make([]byte, chunkSize)
	for {
		_ = from.SetReadDeadline(time.Now().Add(timeout))
		n, err := from.Read(buf)
		if n > 0 {
			s.touch()
			if ferr := s.feed(d, buf[:n], false); ferr != nil {
				s.abortWith(ferr)
				return
			}
		}
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && !s.isClosed() {
			if time.Since(time.Unix(0, s.lastActive.Load())) < timeout {
				continue
			}
			s.log().info("stream connection idle past the service's read_timeout; closing", "timeout", timeout)
			s.abort()
			return
		}
		if !errors.Is(err, io.EOF) || s.isClosed() {
			s.abort()
			return
		}
		// the side closed its writing half: the end of stream goes through the plugins
		if ferr := s.feed(d, nil, true); ferr != nil {
			s.abortWith(ferr)
			return
		}
		s.closeEvent(d, abi.PeerRemote)
		select {
		case <-s.dirs[d].flushed:
		case <-s.closed:
		case <-time.After(PauseTimeout):
			s.log().error("a plugin held the end of the " + dirName(d) + " data and did not continue; closing")
			s.abort()
		}
		return
	}
}

// closeEvent runs the close callback of direction d once.
func (s *session) closeEvent(d int, peer abi.PeerType) {
	s.mu.Lock()
	done := s.closeCalled[d]
	s.closeCalled[d] = true
	s.mu.Unlock()
	if done {
		return
	}
	for _, f := range s.filters {
		if f.skipped.Load() {
			continue
		}
		var err error
		if d == downstream {
			err = f.nc.OnDownstreamClose(s.ctx, peer)
		} else {
			err = f.nc.OnUpstreamClose(s.ctx, peer)
		}
		if err != nil {
			f.skipped.Store(true)
			if !s.failed(f.plugin, "plugin failed", err) {
				s.abort()
			}
		}
	}
}

func (s *session) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// abort closes both sides now.
func (s *session) abort() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		close(s.closed)
		up := s.upRaw
		s.mu.Unlock()
		s.raw.Close()
		if up != nil {
			up.Close()
		}
		s.stop() // a connect in progress gives up
	})
}

func (s *session) abortWith(err error) {
	if !errors.Is(err, errClosed) {
		s.log().debug("stream connection closed", "error", err)
	}
	s.abort()
}

// finish closes the connection and ends every plugin context: the close callbacks
// not run yet (weir closed that side: PeerLocal), then on_done, on_log, on_delete.
func (s *session) finish() {
	s.abort()
	if s.up != nil {
		s.closeEvent(upstream, abi.PeerLocal)
	}
	if len(s.filters) > 0 {
		s.closeEvent(downstream, abi.PeerLocal)
	}
	ctx := context.WithoutCancel(s.ctx)
	for _, f := range s.filters {
		f.nc.Finish(ctx)
		f.lease.Release(ctx)
	}
	s.stop()
}

func ms(v int) time.Duration {
	if v <= 0 {
		return 60 * time.Second
	}
	return time.Duration(v) * time.Millisecond
}

// sessionLog adds the connection's identity to log lines.
type sessionLog struct{ s *session }

func (l *sessionLog) args(kv []any) []any {
	s := l.s
	out := append([]any{"connection_id", s.id, "source", s.src.String(), "destination", s.dst.String()}, kv...)
	if s.route != nil {
		out = append(out, "route_id", s.route.ID)
	}
	return out
}

func (l *sessionLog) debug(msg string, kv ...any) { l.s.srv.opts.Logger.Debug(msg, l.args(kv)...) }
func (l *sessionLog) info(msg string, kv ...any)  { l.s.srv.opts.Logger.Info(msg, l.args(kv)...) }
func (l *sessionLog) warn(msg string, kv ...any)  { l.s.srv.opts.Logger.Warn(msg, l.args(kv)...) }
func (l *sessionLog) error(msg string, kv ...any) { l.s.srv.opts.Logger.Error(msg, l.args(kv)...) }
